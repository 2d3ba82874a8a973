//! `corebox shorten URL` and `corebox links ls|show|edit|rm|stats`: short
//! links, as their owner manages them.
//!
//! The daemon checks targets, makes codes and counts clicks; this file
//! gathers the options (turning `--expires 7d` into a time), reads the
//! password, calls it and prints the results: a QR code for `--qr`, and a
//! chart of clicks per day for `links stats`. A link is named by its code
//! or by its short URL (`https://box.example/docs`, with or without the
//! inspect `+`).

use std::time::{SystemTime, UNIX_EPOCH};

use corebox_proto::types::{LinkCreate, LinkEdit, LinkInfo, LinkStats, Secret, Tally};
use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use reqwest::Url;

use super::{App, whole_secs};
use crate::args::{Expiry, LinksCommand, ShortenArgs};
use crate::exit::CliError;
use crate::input;
use crate::output::{self, Mode, fields, optional_timestamp, table, timestamp};

/// Widest bar of the per-day chart, in character cells.
const BAR_CELLS: usize = 40;

/// Longest target shown in the `links ls` table; `links show` and
/// `--json` have it whole.
const TARGET_SHOWN: usize = 50;

/// Longest code shown in the `links ls` table (an alias may have 64).
const CODE_SHOWN: usize = 24;

/// Days drawn as one bar each; longer windows are drawn as a sparkline.
const BAR_DAYS: usize = 31;

/// `corebox shorten`.
///
/// # Errors
///
/// Not logged in; a bad password entry; the daemon's refusal of the
/// target, the alias or the limits.
pub fn shorten(app: &App, args: ShortenArgs) -> Result<(), CliError> {
    let token = app.token()?;
    let password = read_password(args.password, args.password_stdin)?;
    let request = LinkCreate {
        target: args.url,
        alias: args.alias,
        expires_at: expiry(args.expiry),
        max_clicks: args.max_clicks,
        password,
    };
    let link = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.link_create(request).await
    })?;
    let qr = if args.qr {
        Some(qr_code(&link.url)?)
    } else {
        None
    };
    match app.out.mode() {
        Mode::Json => app.out.json(&link)?,
        Mode::Quiet => app.out.stdout(&output::sanitize(&link.url))?,
        Mode::Human => {
            app.out.stdout(&output::sanitize(&link.url))?;
            if let Some(qr) = &qr {
                app.out.stdout(qr)?;
            }
            app.out.note(&format!(
                "{} now leads to {}: {}",
                link.code,
                output::sanitize(&link.target),
                limits(&link)
            ));
            return Ok(());
        }
    }
    // With -q or --json stdout carries only the value; the code goes to
    // the terminal beside it.
    if let Some(qr) = &qr {
        eprint!("{qr}");
    }
    Ok(())
}

/// The password the options ask for: from stdin, or twice on the terminal.
fn read_password(prompt: bool, from_stdin: bool) -> Result<Option<Secret>, CliError> {
    if from_stdin {
        Ok(Some(input::password_from_stdin()?))
    } else if prompt {
        Ok(Some(input::prompt_new_password(
            "link password: ",
            "link password again: ",
        )?))
    } else {
        Ok(None)
    }
}

/// The expiry an [`Expiry`] asks for, as a Unix time.
fn expiry(expiry: Expiry) -> Option<i64> {
    if let Some(at) = expiry.expires_at {
        return Some(at);
    }
    let lifetime = expiry.expires?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    i64::try_from(now.saturating_add(whole_secs(lifetime))).ok()
}

/// `text` as a QR code of block characters, with its quiet zone, ending in
/// a newline. Terminals are mostly light text on a dark background, so the
/// light modules are the ones drawn (as `qrencode -t UTF8` does); scanners
/// then see dark on light.
fn qr_code(text: &str) -> Result<String, CliError> {
    let code = QrCode::new(text.as_bytes())
        .map_err(|error| CliError::failure(format!("cannot draw a QR code: {error}")))?;
    let mut drawn = code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build();
    drawn.push('\n');
    Ok(drawn)
}

/// `corebox links ...`.
///
/// # Errors
///
/// Not logged in; a CODE that is neither a code nor a short URL; an
/// unknown link, or the daemon's refusal.
pub fn links(app: &App, command: LinksCommand) -> Result<(), CliError> {
    match command {
        LinksCommand::Ls => ls(app),
        LinksCommand::Show { code } => show(app, &code),
        LinksCommand::Edit {
            code,
            target,
            expiry: when,
            never_expires,
            max_clicks,
            unlimited,
        } => {
            let expires_at = if never_expires {
                Some(None)
            } else {
                expiry(when).map(Some)
            };
            let max_clicks = if unlimited {
                Some(None)
            } else {
                max_clicks.map(Some)
            };
            let edit = LinkEdit {
                code: code_from(&code)?,
                target,
                expires_at,
                max_clicks,
            };
            edit_link(app, edit)
        }
        LinksCommand::Rm { code } => rm(app, &code),
        LinksCommand::Stats { code, days } => stats(app, &code, days),
    }
}

fn ls(app: &App) -> Result<(), CliError> {
    let token = app.token()?;
    let links = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.link_list().await
    })?;
    match app.out.mode() {
        Mode::Json => app.out.json(&links),
        Mode::Quiet => output::lines(&app.out, links.iter().map(|link| link.url.as_str())),
        Mode::Human if links.is_empty() => {
            app.out
                .note("no short links yet: make one with corebox shorten URL");
            Ok(())
        }
        Mode::Human => app.out.stdout(&link_table(&links)),
    }
}

fn show(app: &App, text: &str) -> Result<(), CliError> {
    let code = code_from(text)?;
    let token = app.token()?;
    let link = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.link_show(code).await
    })?;
    match app.out.mode() {
        Mode::Json => app.out.json(&link),
        Mode::Quiet => app.out.stdout(&output::sanitize(&link.target)),
        Mode::Human => app.out.stdout(&link_fields(&link)),
    }
}

fn edit_link(app: &App, edit: LinkEdit) -> Result<(), CliError> {
    let token = app.token()?;
    let link = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.link_edit(edit).await
    })?;
    match app.out.mode() {
        Mode::Json => app.out.json(&link),
        Mode::Quiet => app.out.stdout(&output::sanitize(&link.url)),
        Mode::Human => {
            app.out.note(&format!(
                "{} now leads to {}: {}",
                link.code,
                output::sanitize(&link.target),
                limits(&link)
            ));
            Ok(())
        }
    }
}

fn rm(app: &App, text: &str) -> Result<(), CliError> {
    let code = code_from(text)?;
    let token = app.token()?;
    app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.link_remove(code.clone()).await
    })?;
    app.out.note(&format!(
        "short link {code} removed: it now answers not found"
    ));
    Ok(())
}

fn stats(app: &App, text: &str, days: u32) -> Result<(), CliError> {
    let code = code_from(text)?;
    let token = app.token()?;
    let stats = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.link_stats(code, days).await
    })?;
    match app.out.mode() {
        Mode::Json => app.out.json(&stats),
        Mode::Quiet => app.out.stdout(&stats.clicks.to_string()),
        Mode::Human => app.out.stdout(&stats_text(&stats)),
    }
}

/// The code named by `text`: a bare code, or a short URL whose path is
/// the code (a trailing `+`, query or fragment is ignored).
///
/// # Errors
///
/// A usage error when `text` is neither.
fn code_from(text: &str) -> Result<String, CliError> {
    let text = text.trim();
    let is_code = |code: &str| {
        (1..=64).contains(&code.len())
            && code
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
    };
    let candidate = if crate::http::is_url(text) {
        Url::parse(text).ok().and_then(|url| {
            let segments: Vec<String> = url
                .path_segments()?
                .filter(|segment| !segment.is_empty())
                .map(str::to_owned)
                .collect();
            segments.last().cloned()
        })
    } else {
        Some(text.to_owned())
    };
    match candidate.map(|code| code.trim_end_matches('+').to_owned()) {
        Some(code) if is_code(&code) => Ok(code),
        _ => Err(CliError::usage(format!(
            "'{}' is not a short-link code: pass the code or the URL that corebox links ls \
             shows",
            output::sanitize(text)
        ))),
    }
}

/// A link's limits in words: `expires 2026-12-04T21:35:18Z, 3/10 clicks,
/// password protected`.
fn limits(link: &LinkInfo) -> String {
    let expiry = match link.expires_at {
        Some(at) => format!("expires {}", timestamp(at)),
        None => "never expires".to_owned(),
    };
    let clicks = match link.max_clicks {
        Some(1) => "one click".to_owned(),
        Some(max) => format!("at most {max} clicks"),
        None => "no click limit".to_owned(),
    };
    let password = if link.has_password {
        ", password protected"
    } else {
        ""
    };
    format!("{expiry}, {clicks}{password}")
}

/// Clicks so far, out of the limit when there is one: `3/10`, `3`.
fn clicks(link: &LinkInfo) -> String {
    match link.max_clicks {
        Some(max) => format!("{}/{max}", link.clicks),
        None => link.clicks.to_string(),
    }
}

/// The `links ls` table.
fn link_table(links: &[LinkInfo]) -> String {
    let rows: Vec<Vec<String>> = links
        .iter()
        .map(|link| {
            vec![
                output::abbreviated(&link.code, CODE_SHOWN),
                clicks(link),
                optional_timestamp(link.expires_at, "never"),
                if link.live { "live" } else { "ended" }.to_owned(),
                if link.has_password { "yes" } else { "no" }.to_owned(),
                output::abbreviated(&link.target, TARGET_SHOWN),
            ]
        })
        .collect();
    table(
        &["CODE", "CLICKS", "EXPIRES", "STATE", "PASSWORD", "TARGET"],
        &rows,
    )
}

fn link_fields(link: &LinkInfo) -> String {
    fields(&[
        ("url", link.url.clone()),
        ("target", link.target.clone()),
        ("created", timestamp(link.created_at)),
        ("expires", optional_timestamp(link.expires_at, "never")),
        ("clicks", clicks(link)),
        (
            "password",
            if link.has_password { "yes" } else { "no" }.to_owned(),
        ),
        (
            "state",
            if link.live {
                "live"
            } else {
                "ended (expired or used up)"
            }
            .to_owned(),
        ),
    ])
}

/// `part` of `whole` as a percentage with no decimals.
fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0%".to_owned();
    }
    format!("{:.0}%", part as f64 * 100.0 / whole as f64)
}

/// The human `links stats`: totals, clicks per day as a chart, then the
/// top referrers and browsers.
fn stats_text(stats: &LinkStats) -> String {
    let days = if stats.days == 1 {
        "today".to_owned()
    } else {
        format!("in the last {} days", stats.days)
    };
    let mut text = fields(&[
        ("url", stats.link.url.clone()),
        ("target", stats.link.target.clone()),
        (
            "clicks",
            format!("{} {days} ({} in all)", stats.clicks, clicks(&stats.link)),
        ),
        (
            "unique",
            format!("{} visitors (counted per day)", stats.unique),
        ),
        (
            "bots",
            format!("{} ({})", stats.bots, percent(stats.bots, stats.clicks)),
        ),
    ]);
    text.push('\n');
    let counts: Vec<u64> = stats.per_day.iter().map(|day| day.clicks).collect();
    if stats.per_day.len() <= BAR_DAYS {
        for (day, bar) in stats.per_day.iter().zip(bars(&counts, BAR_CELLS)) {
            text.push_str(&format!("{}  {bar:<BAR_CELLS$} {}\n", day.day, day.clicks));
        }
    } else if let (Some(first), Some(last)) = (stats.per_day.first(), stats.per_day.last()) {
        text.push_str(&format!(
            "{}  {}  {}\n",
            first.day,
            sparkline(&counts),
            last.day
        ));
    }
    for (title, tallies) in [
        ("top referrers", &stats.top_referrers),
        ("top browsers", &stats.top_browsers),
    ] {
        text.push('\n');
        text.push_str(title);
        text.push('\n');
        if tallies.is_empty() {
            text.push_str("  none yet\n");
            continue;
        }
        text.push_str(&tally_lines(tallies, stats.clicks));
    }
    text
}

fn tally_lines(tallies: &[Tally], total: u64) -> String {
    let width = tallies
        .iter()
        .map(|tally| tally.name.chars().count())
        .max()
        .unwrap_or(0);
    tallies
        .iter()
        .map(|tally| {
            format!(
                "  {:<width$}  {:>6}  {:>4}\n",
                output::sanitize(&tally.name),
                tally.clicks,
                percent(tally.clicks, total)
            )
        })
        .collect()
}

/// Horizontal bars for `counts`, the largest `cells` wide, in eighths of a
/// cell; a count above zero always shows at least a sliver.
fn bars(counts: &[u64], cells: usize) -> Vec<String> {
    const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    counts
        .iter()
        .map(|&count| {
            if count == 0 {
                return String::new();
            }
            let eighths = (u128::from(count) * (cells as u128) * 8 / u128::from(max)).max(1);
            let eighths = usize::try_from(eighths).unwrap_or(cells * 8);
            let mut bar = "█".repeat(eighths / 8);
            if eighths % 8 > 0 {
                bar.push(EIGHTHS[eighths % 8 - 1]);
            }
            bar
        })
        .collect()
}

/// One character per count, its height scaled to the largest.
fn sparkline(counts: &[u64]) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = counts.iter().copied().max().unwrap_or(0);
    counts
        .iter()
        .map(|&count| {
            if count == 0 || max == 0 {
                ' '
            } else {
                let level = (u128::from(count) * 7 / u128::from(max)) as usize;
                LEVELS[level.min(7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use corebox_proto::types::DayClicks;

    use super::*;
    use crate::exit::Exit;

    fn info() -> LinkInfo {
        LinkInfo {
            code: "docs".into(),
            url: "http://127.0.0.1:8390/docs".into(),
            target: "https://example.com/docs".into(),
            created_at: 0,
            expires_at: None,
            max_clicks: Some(10),
            clicks: 3,
            has_password: false,
            live: true,
        }
    }

    #[test]
    fn codes_come_from_a_code_or_a_short_url() {
        for text in [
            "docs",
            " docs\n",
            "docs+",
            "http://127.0.0.1:8390/docs",
            "https://box.example/docs+",
            "https://box.example/prefix/docs?x=1#y",
        ] {
            assert_eq!(code_from(text).as_deref(), Ok("docs"), "{text:?}");
        }
        for text in ["", "a/b", "do cs", "https://box.example/", "ü", "\x1b[2J"] {
            let error = code_from(text).expect_err(text);
            assert_eq!(error.exit(), Exit::Usage, "{text:?}");
            assert!(!error.message().contains('\x1b'));
        }
    }

    #[test]
    fn bars_scale_to_the_largest_day_and_show_every_click() {
        let drawn = bars(&[0, 1, 5, 10], 10);
        assert_eq!(drawn[0], "");
        assert_eq!(drawn[1], "█", "1 of 10 over 10 cells is one cell");
        assert_eq!(drawn[2], "█████");
        assert_eq!(drawn[3], "██████████");
        assert_eq!(bars(&[1, 1000], 10)[0], "▏", "a sliver, not nothing");
        assert_eq!(sparkline(&[0, 1, 7]), " ▂█");
    }

    #[test]
    fn stats_read_as_totals_a_chart_and_top_lists() {
        let stats = LinkStats {
            link: info(),
            days: 2,
            clicks: 3,
            unique: 2,
            bots: 1,
            per_day: vec![
                DayClicks {
                    day: "2026-12-03".into(),
                    clicks: 1,
                    unique: 1,
                    bots: 0,
                },
                DayClicks {
                    day: "2026-12-04".into(),
                    clicks: 2,
                    unique: 1,
                    bots: 1,
                },
            ],
            top_referrers: vec![Tally {
                name: "example.org".into(),
                clicks: 2,
            }],
            top_browsers: Vec::new(),
        };
        let text = stats_text(&stats);
        assert!(
            text.contains("clicks  3 in the last 2 days (3/10 in all)"),
            "{text}"
        );
        assert!(text.contains("bots    1 (33%)"), "{text}");
        assert!(
            text.contains(&format!("2026-12-04  {}", "█".repeat(40))),
            "{text}"
        );
        assert!(text.contains("example.org       2   67%"), "{text}");
        assert!(text.contains("top browsers\n  none yet"), "{text}");
    }

    #[test]
    fn a_qr_code_is_drawn_in_blocks() {
        let drawn = qr_code("http://127.0.0.1:8390/docs").expect("drawn");
        assert!(drawn.lines().count() > 10, "{drawn}");
        assert!(drawn.contains('█') && drawn.ends_with('\n'));
    }
}
