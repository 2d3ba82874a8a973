//! `corebox download URL [-o PATH | -o -] [--force] [--password-stdin]`:
//! fetching a share link over HTTP(S), without logging in.
//!
//! The steps: check an explicit `-o PATH` before any request; make the
//! first request; when the link answers that it wants a password, ask for
//! it (outside the runtime, like every prompt) or take it from
//! `--password-stdin`, and ask again; name the file from the answer
//! (`http::disposition`); then stream it through `http::fetch`, which
//! resumes after a broken connection. The bytes go to a temporary file
//! beside the target and are renamed into place only when their length and
//! SHA-256 match what the server announced, with the same overwrite rules
//! as a download by id (`download.rs`). With `-o -` they stream to stdout.

use std::path::Path;

use corebox_proto::types::Secret;
use reqwest::Url;

use super::App;
use super::download::{Staged, Target, check_overwrite, explicit_path, resolve_target, shown};
use crate::args::DownloadArgs;
use crate::exit::CliError;
use crate::http::fetch::{self, Meta, Received, Source};
use crate::http::{self, Start};
use crate::input;
use crate::output;
use crate::transfer::progress::Progress;
use crate::transfer::receive::Sink;

/// `corebox download URL`.
///
/// # Errors
///
/// A usage error for a bad URL, or for a password needed without a
/// terminal or `--password-stdin`; unreachable (5) when the server cannot
/// be reached or the connection keeps breaking; auth (3) for a wrong
/// password; not found (4) for a link that expired, was used up or
/// revoked; a failure for a target that exists (without `--force`) or
/// bytes that do not match.
pub fn run(app: &App, args: DownloadArgs) -> Result<(), CliError> {
    let url = http::parse_url(&args.source)?;
    if let Some(path) = explicit_path(args.output.as_deref()) {
        check_overwrite(path, args.force)?;
    }
    let mut password = if args.password_stdin {
        Some(input::password_from_stdin()?)
    } else {
        None
    };
    let client = http::client()?;
    // At most two rounds: `start` answers NeedsPassword only when no
    // password was sent, and a wrong one is an error.
    let first = loop {
        match app.block_on(http::start(&client, &url, password.as_ref()))? {
            Start::Ready(response) => break response,
            Start::NeedsPassword => password = Some(ask_password(&url)?),
        }
    };

    let meta = Meta::of(&first, &url);
    let name = meta.name.as_deref().ok_or_else(|| {
        CliError::failure("the server suggests no file name that can be used here: pass -o PATH")
    });
    let target = resolve_target(args.output.as_deref(), name)?;
    let label = meta.name.clone().unwrap_or_else(|| "download".to_owned());
    let progress = Progress::for_terminal(app.out.mode());
    let bar = progress.file(&label, meta.length.unwrap_or(0));
    let source = Source {
        client: &client,
        url: &url,
        password: password.as_ref(),
    };
    match target {
        Target::Stdout => {
            let received =
                app.block_on(fetch::receive(source, first, Sink::Stdout, "stdout", &bar))?;
            bar.done();
            verify(&received, "so the output is corrupt")
        }
        Target::Path(path) => {
            check_overwrite(&path, args.force)?;
            let staged = Staged::beside(&path)?;
            let sink = Sink::File(staged.writer()?);
            let shown_path = format!("'{}'", shown(&path));
            let received =
                app.block_on_until_ctrl_c(fetch::receive(source, first, sink, &shown_path, &bar))?;
            // Dropping `staged` on a mismatch (or at Ctrl-C) deletes it.
            verify(&received, "so nothing was saved")?;
            bar.label(&format!("{label} (saving)"));
            staged.commit(args.force)?;
            bar.done();
            app.out.note(&saved(&path, received.bytes));
            Ok(())
        }
    }
}

/// Asks for the share's password on the terminal.
///
/// # Errors
///
/// A usage error naming `--password-stdin` without a terminal.
fn ask_password(url: &Url) -> Result<Secret, CliError> {
    if !input::is_interactive() {
        return Err(CliError::usage(format!(
            "{} has a password and there is no terminal to ask for it on: pipe it in and pass \
             --password-stdin",
            output::sanitize(url.as_str())
        )));
    }
    input::prompt_password("share password: ")
}

/// Checks the bytes against the length and SHA-256 the server announced
/// (when it did); `consequence` says what a mismatch leaves behind.
///
/// # Errors
///
/// A failure naming the mismatch and the fix.
fn verify(received: &Received, consequence: &str) -> Result<(), CliError> {
    let meta = &received.meta;
    if let Some(length) = meta.length
        && received.bytes != length
    {
        return Err(CliError::failure(format!(
            "received {} bytes where the server announced {length}, {consequence}: download \
             it again",
            received.bytes
        )));
    }
    if let Some(expected) = &meta.sha256
        && !received.sha256.eq_ignore_ascii_case(expected)
    {
        return Err(CliError::failure(format!(
            "the bytes do not match the SHA-256 the server names in its ETag, {consequence}: \
             download it again"
        )));
    }
    Ok(())
}

/// The note after saving: `saved 'photo.jpg' (2.4 MiB)`.
fn saved(path: &Path, bytes: u64) -> String {
    format!("saved '{}' ({})", shown(path), output::size(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(bytes: u64, sha256: &str, length: Option<u64>, etag_sha: Option<&str>) -> Received {
        Received {
            sha256: sha256.to_owned(),
            bytes,
            meta: Meta {
                length,
                validator: None,
                sha256: etag_sha.map(str::to_owned),
                name: None,
            },
        }
    }

    #[test]
    fn bytes_must_match_what_the_server_announced() {
        let sha = "a".repeat(64);
        verify(&received(3, &sha, Some(3), Some(&sha)), "x").expect("match");
        verify(&received(3, &sha, None, None), "x").expect("nothing to check");
        verify(&received(3, &sha, None, Some(&sha.to_uppercase())), "x").expect("any case");
        let error =
            verify(&received(2, &sha, Some(3), None), "so nothing was saved").expect_err("short");
        assert!(
            error
                .message()
                .starts_with("received 2 bytes where the server announced 3, so"),
            "{}",
            error.message()
        );
        let error = verify(&received(3, &sha, Some(3), Some(&"b".repeat(64))), "so x")
            .expect_err("corrupt");
        assert!(error.message().contains("ETag, so x: download it again"));
    }

    #[test]
    fn saved_note_names_the_path_and_size() {
        assert_eq!(saved(Path::new("a b.txt"), 2048), "saved 'a b.txt' (2 KiB)");
    }
}
