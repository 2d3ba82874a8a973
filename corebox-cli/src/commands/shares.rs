//! `corebox share ID` and `corebox shares ls|revoke|stats`: public share
//! links, as their owner manages them.
//!
//! The daemon makes the link (token, URL, limits) and counts its
//! downloads; this file gathers the options and the password, calls it and
//! prints the results. `upload --share` uses [`ShareSettings`] and
//! [`limits`] from here for the link it makes after each upload.
//! Downloading a link is not here: `download.rs` hands URLs to `fetch.rs`.
//!
//! A link is named by its token or by its whole URL (`.../s/{token}`, with
//! or without `/raw`), as `shares ls` shows it.

use corebox_proto::types::{Secret, ShareCreate, ShareDownload, ShareInfo, ShareStats};
use reqwest::Url;

use super::{App, whole_secs};
use crate::args::{ShareArgs, ShareOptions, SharesCommand};
use crate::exit::CliError;
use crate::input;
use crate::output::{self, Mode, fields, optional_timestamp, table, timestamp};

/// Longest user agent shown in the human `shares stats` table; `--json`
/// has them whole.
const USER_AGENT_SHOWN: usize = 48;

/// How much of a token the `shares ls` table shows; the URL column beside
/// it holds the whole token.
const TOKEN_SHOWN: usize = 8;

/// The options of a link to make, with its password already read.
#[derive(Debug, Clone)]
pub struct ShareSettings {
    options: ShareOptions,
    password: Option<Secret>,
}

impl ShareSettings {
    /// Reads the password the options ask for: from stdin, or twice on the
    /// terminal. `stdin_is_taken` says that stdin carries an upload, so it
    /// cannot carry a password too. Call it before connecting.
    ///
    /// # Errors
    ///
    /// A usage error when stdin is wanted twice or there is no terminal to
    /// ask on; a failure when the password cannot be read or the two typed
    /// differ.
    pub fn read(options: ShareOptions, stdin_is_taken: bool) -> Result<ShareSettings, CliError> {
        let password = if options.password_stdin {
            if stdin_is_taken {
                return Err(CliError::usage(
                    "stdin carries the upload, so it cannot carry the share password too: \
                     pass --password to type it, or upload first and then run \
                     corebox share ID --password-stdin",
                ));
            }
            Some(input::password_from_stdin()?)
        } else if options.password {
            if stdin_is_taken && !input::is_interactive() {
                return Err(CliError::usage(
                    "stdin carries the upload, so there is no terminal to ask for the share \
                     password on: upload first, then run corebox share ID --password-stdin",
                ));
            }
            Some(input::prompt_new_password(
                "share password: ",
                "share password again: ",
            )?)
        } else {
            None
        };
        Ok(ShareSettings { options, password })
    }

    /// The request that shares `file_id` with these settings.
    pub fn request(&self, file_id: String) -> ShareCreate {
        ShareCreate {
            file_id,
            expires_in_secs: self.options.expires.map(whole_secs),
            max_downloads: self.options.max_downloads,
            password: self.password.clone(),
        }
    }
}

/// `corebox share`.
///
/// # Errors
///
/// Not logged in; a bad password entry; an unknown id, a file that is not
/// the caller's own, or the daemon's refusal.
pub fn share(app: &App, args: ShareArgs) -> Result<(), CliError> {
    let token = app.token()?;
    let settings = ShareSettings::read(args.options, false)?;
    let share = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.share_create(settings.request(args.id)).await
    })?;
    match app.out.mode() {
        Mode::Json => app.out.json(&share),
        Mode::Quiet => app.out.stdout(&output::sanitize(&share.url)),
        Mode::Human => {
            app.out.stdout(&output::sanitize(&share.url))?;
            app.out.note(&format!(
                "shared {} ({}): {}",
                output::sanitize(&share.file_name),
                output::size(share.size),
                limits(&share)
            ));
            Ok(())
        }
    }
}

/// `corebox shares ...`.
///
/// # Errors
///
/// Not logged in; a TOKEN that is neither a token nor a share URL; an
/// unknown link, or the daemon's refusal.
pub fn shares(app: &App, command: SharesCommand) -> Result<(), CliError> {
    match command {
        SharesCommand::Ls => ls(app),
        SharesCommand::Revoke { token } => revoke(app, &token),
        SharesCommand::Stats { token } => stats(app, &token),
    }
}

fn ls(app: &App) -> Result<(), CliError> {
    let token = app.token()?;
    let shares = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.share_list().await
    })?;
    match app.out.mode() {
        Mode::Json => app.out.json(&shares),
        Mode::Quiet => output::lines(&app.out, shares.iter().map(|share| share.url.as_str())),
        Mode::Human if shares.is_empty() => {
            app.out
                .note("no live share links: make one with corebox share ID");
            Ok(())
        }
        Mode::Human => app.out.stdout(&share_table(&shares)),
    }
}

fn revoke(app: &App, text: &str) -> Result<(), CliError> {
    let share_token = token_from(text)?;
    let token = app.token()?;
    app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.share_revoke(share_token.clone()).await
    })?;
    app.out.note(&format!(
        "share {share_token} revoked: its URL now answers not found"
    ));
    Ok(())
}

fn stats(app: &App, text: &str) -> Result<(), CliError> {
    let share_token = token_from(text)?;
    let token = app.token()?;
    let stats = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.share_stats(share_token).await
    })?;
    match app.out.mode() {
        Mode::Json => app.out.json(&stats),
        Mode::Quiet => app.out.stdout(&stats.share.downloads.to_string()),
        Mode::Human => app.out.stdout(&stats_text(&stats)),
    }
}

/// A link's limits in words: `expires 2026-12-04T21:35:18Z, at most 3
/// downloads, password protected`.
pub fn limits(share: &ShareInfo) -> String {
    let expiry = match share.expires_at {
        Some(at) => format!("expires {}", timestamp(at)),
        None => "never expires".to_owned(),
    };
    let downloads = match share.max_downloads {
        Some(1) => "one download".to_owned(),
        Some(max) => format!("at most {max} downloads"),
        None => "no download limit".to_owned(),
    };
    let password = if share.has_password {
        ", password protected"
    } else {
        ""
    };
    format!("{expiry}, {downloads}{password}")
}

/// The share token named by `text`: a bare token, or a share URL ending in
/// `/s/{token}` or `/s/{token}/raw` (a query or fragment is ignored).
///
/// # Errors
///
/// A usage error when `text` is neither.
pub fn token_from(text: &str) -> Result<String, CliError> {
    let text = text.trim();
    if !crate::http::is_url(text) {
        if is_token(text) {
            return Ok(text.to_owned());
        }
        return Err(CliError::usage(format!(
            "'{}' is not a share token: pass the token or the URL that corebox shares ls shows",
            output::sanitize(text)
        )));
    }
    let not_a_share = || {
        CliError::usage(format!(
            "'{}' is not a share URL, which ends in /s/TOKEN: pass the URL that corebox \
             shares ls shows",
            output::sanitize(text)
        ))
    };
    let url = Url::parse(text).map_err(|_| not_a_share())?;
    let mut segments: Vec<&str> = url.path_segments().map_or_else(Vec::new, Iterator::collect);
    while segments.last() == Some(&"") {
        segments.pop();
    }
    if segments.last() == Some(&"raw") {
        segments.pop();
    }
    match segments.as_slice() {
        [.., "s", token] if is_token(token) => Ok((*token).to_owned()),
        _ => Err(not_a_share()),
    }
}

/// Whether `text` could be a share token: letters, digits, `-` and `_`.
fn is_token(text: &str) -> bool {
    (1..=128).contains(&text.len())
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
}

/// Downloads so far, out of the limit when there is one: `3/10`, `3`.
fn downloads(share: &ShareInfo) -> String {
    match share.max_downloads {
        Some(max) => format!("{}/{max}", share.downloads),
        None => share.downloads.to_string(),
    }
}

/// The `shares ls` table.
fn share_table(shares: &[ShareInfo]) -> String {
    let rows: Vec<Vec<String>> = shares
        .iter()
        .map(|share| {
            vec![
                output::abbreviated(&share.token, TOKEN_SHOWN),
                share.file_name.clone(),
                downloads(share),
                optional_timestamp(share.expires_at, "never"),
                if share.has_password { "yes" } else { "no" }.to_owned(),
                share.url.clone(),
            ]
        })
        .collect();
    table(
        &["TOKEN", "NAME", "DOWNLOADS", "EXPIRES", "PASSWORD", "URL"],
        &rows,
    )
}

/// The human `shares stats`: the link's fields, then its recent downloads.
fn stats_text(stats: &ShareStats) -> String {
    let share = &stats.share;
    let mut text = fields(&[
        ("url", share.url.clone()),
        (
            "file",
            format!("{} (id {})", share.file_name, share.file_id),
        ),
        ("size", output::size_exact(share.size)),
        ("created", timestamp(share.created_at)),
        ("expires", optional_timestamp(share.expires_at, "never")),
        ("downloads", downloads(share)),
        ("served", output::size_exact(share.bytes_served)),
        (
            "password",
            if share.has_password { "yes" } else { "no" }.to_owned(),
        ),
    ]);
    text.push('\n');
    if stats.recent.is_empty() {
        text.push_str("no downloads yet\n");
        return text;
    }
    let rows: Vec<Vec<String>> = stats.recent.iter().map(download_row).collect();
    text.push_str(&table(
        &["TIME", "BYTES", "DONE", "CLIENT", "USER AGENT", "REFERRER"],
        &rows,
    ));
    text
}

fn download_row(download: &ShareDownload) -> Vec<String> {
    let or_dash = |value: &Option<String>| {
        value
            .as_deref()
            .filter(|value| !value.is_empty())
            .unwrap_or("-")
            .to_owned()
    };
    vec![
        timestamp(download.at),
        output::size(download.bytes),
        if download.completed { "yes" } else { "partial" }.to_owned(),
        or_dash(&download.client),
        output::abbreviated(&or_dash(&download.user_agent), USER_AGENT_SHOWN),
        or_dash(&download.referrer),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Exit;

    fn info(max_downloads: Option<u64>, expires_at: Option<i64>) -> ShareInfo {
        ShareInfo {
            token: "Ab3dEfGh1jKlMnOpQrStUv".into(),
            url: "http://127.0.0.1:8080/s/Ab3dEfGh1jKlMnOpQrStUv".into(),
            file_id: "9c1f0e5a7b2d4e61".into(),
            file_name: "report.pdf".into(),
            size: 2048,
            created_at: 0,
            expires_at,
            max_downloads,
            downloads: 1,
            bytes_served: 4096,
            has_password: false,
        }
    }

    #[test]
    fn token_comes_from_a_bare_token_or_a_share_url() {
        let token = "Ab3dEfGh1jKlMnOpQrStUv";
        for text in [
            token.to_owned(),
            format!(" {token}\n"),
            format!("http://127.0.0.1:8080/s/{token}"),
            format!("https://box.example/s/{token}/"),
            format!("https://box.example/s/{token}/raw?download=1"),
            format!("HTTPS://box.example/files/s/{token}#top"),
        ] {
            assert_eq!(token_from(&text).as_deref(), Ok(token), "{text:?}");
        }
    }

    #[test]
    fn anything_else_is_a_usage_error() {
        for text in [
            "",
            "a/b",
            "../etc",
            "tok en",
            "to\x1bken",
            "https://box.example/",
            "https://box.example/s/",
            "https://box.example/x/token",
            "https://box.example/s/tok%2Fen",
            "https://box.example/s/token/raw/more",
            "http://[::1",
        ] {
            let error = token_from(text).expect_err(text);
            assert_eq!(error.exit(), Exit::Usage, "{text:?}");
            assert!(!error.message().contains('\x1b'));
        }
    }

    #[test]
    fn limits_read_as_words() {
        assert_eq!(
            limits(&info(None, None)),
            "never expires, no download limit"
        );
        let mut share = info(Some(3), Some(86_400));
        share.has_password = true;
        assert_eq!(
            limits(&share),
            "expires 1970-01-02T00:00:00Z, at most 3 downloads, password protected"
        );
        assert!(limits(&info(Some(1), None)).ends_with("one download"));
    }

    #[test]
    fn table_shows_the_full_url_beside_the_short_token() {
        let text = share_table(&[info(Some(3), None), info(None, Some(60))]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("TOKEN      NAME"), "{text}");
        assert!(lines[1].starts_with("Ab3dEfGh…  report.pdf  1/3"), "{text}");
        assert!(lines[1].ends_with("/s/Ab3dEfGh1jKlMnOpQrStUv"), "{text}");
        assert!(lines[2].contains("  1    "), "{text}");
        assert!(lines[2].contains("1970-01-01T00:01:00Z"), "{text}");
    }

    #[test]
    fn stats_list_recent_downloads_with_dashes_for_unknowns() {
        let stats = ShareStats {
            share: info(None, None),
            recent: vec![ShareDownload {
                at: 0,
                bytes: 2048,
                completed: true,
                client: Some("203.0.113.0".into()),
                user_agent: Some("x".repeat(100)),
                referrer: None,
            }],
        };
        let text = stats_text(&stats);
        assert!(text.contains("downloads  1\n"), "{text}");
        assert!(text.contains("served     4 KiB (4096 bytes)"), "{text}");
        let row = text.lines().last().expect("a row");
        assert!(row.starts_with("1970-01-01T00:00:00Z  2 KiB  yes"), "{row}");
        assert!(row.contains("203.0.113.0"), "{row}");
        assert!(row.ends_with(&format!("{}…  -", "x".repeat(48))), "{row}");

        let empty = ShareStats {
            share: info(None, None),
            recent: Vec::new(),
        };
        assert!(stats_text(&empty).ends_with("\nno downloads yet\n"));
    }
}
