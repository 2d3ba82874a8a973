//! `corebox ls|info|rename|rm|grant|revoke-grant`: looking at and managing
//! stored files.
//!
//! Moving bytes is elsewhere: `upload.rs` and `download.rs`. Ids are passed
//! to the daemon as typed; it answers not found both for ids that do not
//! exist and for files the caller may not see.

use corebox_proto::types::FileInfo;

use super::{App, Batch};
use crate::args::{GrantArgs, LsArgs};
use crate::exit::CliError;
use crate::output::{self, Mode, fields, table, timestamp};

/// `corebox ls`.
///
/// # Errors
///
/// Not logged in, or the daemon's refusal.
pub fn ls(app: &App, args: LsArgs) -> Result<(), CliError> {
    let token = app.token()?;
    let (mut files, me) = app.block_on(async {
        let (daemon, who) = app.session(&token).await?;
        let files = daemon.file_list(args.sort.into()).await?;
        Ok::<_, CliError>((files, who.user.username))
    })?;
    if args.reverse {
        files.reverse();
    }
    match app.out.mode() {
        Mode::Json => app.out.json(&files),
        Mode::Quiet => output::lines(&app.out, files.iter().map(|file| file.id.as_str())),
        Mode::Human if files.is_empty() => {
            app.out
                .note("no files yet: upload one with corebox upload PATH");
            Ok(())
        }
        Mode::Human => app.out.stdout(&file_table(&files, &me)),
    }
}

/// `corebox info`.
///
/// # Errors
///
/// Not logged in, an unknown id, or the daemon's refusal.
pub fn info(app: &App, id: String) -> Result<(), CliError> {
    let token = app.token()?;
    let file = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.file_info(id).await
    })?;
    show(app, &file)
}

/// `corebox rename`: prints the file as renamed.
///
/// # Errors
///
/// Not logged in, an unknown id, a name the daemon refuses.
pub fn rename(app: &App, id: String, name: String) -> Result<(), CliError> {
    let token = app.token()?;
    let file = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.file_rename(id, name).await
    })?;
    match app.out.mode() {
        Mode::Quiet => Ok(()),
        _ => show(app, &file),
    }
}

/// `corebox rm`: removes each file, going on past failures.
///
/// # Errors
///
/// The first failure's kind, once every id was tried.
pub fn rm(app: &App, ids: Vec<String>) -> Result<(), CliError> {
    let token = app.token()?;
    let mut batch = Batch::new(ids.len(), "removed");
    app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        for id in ids {
            let shown = output::sanitize(&id);
            match daemon.file_remove(id).await {
                Ok(()) => {
                    batch.succeed();
                    app.out.note(&format!("removed {shown}"));
                }
                Err(error) => {
                    let error = error.context(&format!("cannot remove {shown}"));
                    if batch.fail(error, output::message) {
                        break;
                    }
                }
            }
        }
        Ok::<_, CliError>(())
    })?;
    batch.finish()
}

/// `corebox grant`.
///
/// # Errors
///
/// Not logged in, an unknown file or user, or the daemon's refusal.
pub fn grant(app: &App, args: GrantArgs) -> Result<(), CliError> {
    let token = app.token()?;
    let typed = args.user.clone();
    let file = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.file_grant(args.id, args.user).await
    })?;
    // The name as it is stored; names compare without case.
    let user = file
        .grants
        .iter()
        .find(|name| name.eq_ignore_ascii_case(&typed))
        .cloned()
        .unwrap_or(typed);
    changed(
        app,
        &file,
        &format!(
            "{} may now read {}",
            output::sanitize(&user),
            describe(&file)
        ),
    )
}

/// `corebox revoke-grant`.
///
/// # Errors
///
/// Not logged in, an unknown file, user or grant, or the daemon's refusal.
pub fn revoke_grant(app: &App, args: GrantArgs) -> Result<(), CliError> {
    let token = app.token()?;
    let user = args.user.clone();
    let file = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.file_revoke_grant(args.id, args.user).await
    })?;
    changed(
        app,
        &file,
        &format!(
            "{} may no longer read {}",
            output::sanitize(&user),
            describe(&file)
        ),
    )
}

/// A file for people in one phrase: `'photo.jpg' (id f3a9…)`.
pub fn describe(file: &FileInfo) -> String {
    format!("'{}' (id {})", output::sanitize(&file.name), file.id)
}

/// Prints one file: JSON, its id, or its fields.
fn show(app: &App, file: &FileInfo) -> Result<(), CliError> {
    match app.out.mode() {
        Mode::Json => app.out.json(file),
        Mode::Quiet => app.out.stdout(&output::sanitize(&file.id)),
        Mode::Human => app.out.stdout(&fields(&file_rows(file))),
    }
}

/// Reports a change to a file: the file as JSON, or a note for people.
fn changed(app: &App, file: &FileInfo, what: &str) -> Result<(), CliError> {
    match app.out.mode() {
        Mode::Json => app.out.json(file),
        Mode::Quiet => Ok(()),
        Mode::Human => {
            app.out.note(what);
            Ok(())
        }
    }
}

/// A file's fields for people; grants only when there are some.
fn file_rows(file: &FileInfo) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("id", file.id.clone()),
        ("name", file.name.clone()),
        ("size", output::size_exact(file.size)),
        ("type", file.media_type.clone()),
        ("sha256", file.sha256.clone()),
        ("created", timestamp(file.created_at)),
        ("owner", file.owner.clone()),
    ];
    if !file.grants.is_empty() {
        rows.push(("granted to", file.grants.join(", ")));
    }
    if let Some(thumbnail) = &file.thumbnail {
        rows.push(("thumbnail", thumbnail.clone()));
    }
    if let Some(reason) = &file.quarantine {
        rows.push(("held back", reason.clone()));
    }
    rows
}

/// The `ls` table; the OWNER column appears when some file is not `me`'s.
fn file_table(files: &[FileInfo], me: &str) -> String {
    let me = me.to_lowercase();
    let show_owner = files.iter().any(|file| file.owner.to_lowercase() != me);
    let rows: Vec<Vec<String>> = files
        .iter()
        .map(|file| {
            let mut row = vec![
                file.name.clone(),
                output::size(file.size),
                timestamp(file.created_at),
                file.id.clone(),
            ];
            if show_owner {
                row.push(file.owner.clone());
            }
            row
        })
        .collect();
    let mut headers = vec!["NAME", "SIZE", "CREATED", "ID"];
    if show_owner {
        headers.push("OWNER");
    }
    table(&headers, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, owner: &str) -> FileInfo {
        FileInfo {
            id: format!("id-{name}"),
            name: name.into(),
            size: 1536,
            sha256: "ab".repeat(32),
            media_type: "text/plain".into(),
            created_at: 0,
            owner: owner.into(),
            grants: Vec::new(),
            quarantine: None,
            thumbnail: None,
        }
    }

    #[test]
    fn owner_column_only_for_granted_files() {
        let mine = file("a.txt", "alice");
        let text = file_table(std::slice::from_ref(&mine), "Alice");
        assert_eq!(
            text,
            "NAME   SIZE     CREATED               ID\n\
             a.txt  1.5 KiB  1970-01-01T00:00:00Z  id-a.txt\n"
        );
        let text = file_table(&[mine, file("b.txt", "bob")], "alice");
        assert!(text.starts_with("NAME   SIZE     CREATED               ID        OWNER\n"));
        assert!(text.ends_with("id-b.txt  bob\n"), "{text}");
    }

    #[test]
    fn info_shows_exact_size_and_grants() {
        let mut shown = file("a.txt", "alice");
        let text = fields(&file_rows(&shown));
        assert!(text.contains("size     1.5 KiB (1536 bytes)\n"), "{text}");
        assert!(!text.contains("granted"), "{text}");
        shown.grants = vec!["bob".into(), "carol".into()];
        let text = fields(&file_rows(&shown));
        assert!(text.contains("granted to  bob, carol\n"), "{text}");
    }
}
