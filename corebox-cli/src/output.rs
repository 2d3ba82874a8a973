//! Printing results and messages.
//!
//! Results go to stdout in one of three modes: human (aligned fields and
//! tables, sizes in binary units), `--json` (the proto types serialized as
//! they are, pretty printed, times as Unix seconds and sizes as bytes; one
//! compact object per line where a command streams results) and `-q` (only
//! the essential value).
//! Messages go to stderr as `corebox: <text>`. This file owns the formats;
//! the commands decide what to print. Text that came from other people (a
//! display name, a daemon message) is sanitized before it reaches a
//! terminal.

use std::io::{self, Write};

use corebox_proto::Scope;
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::exit::{CliError, describe_io};

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// For people: fields, tables, RFC 3339 times.
    Human,
    /// Stable snake_case JSON.
    Json,
    /// Only the essential value; no messages.
    Quiet,
}

/// Where and how a command prints.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    mode: Mode,
}

impl Output {
    /// Printing in the given mode.
    pub fn new(mode: Mode) -> Output {
        Output { mode }
    }

    /// The mode in use.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Prints text on stdout; a missing final newline is added.
    ///
    /// # Errors
    ///
    /// Fails when stdout cannot be written (closed pipe, full disk).
    pub fn stdout(&self, text: &str) -> Result<(), CliError> {
        let mut stdout = io::stdout().lock();
        let newline = if text.ends_with('\n') { "" } else { "\n" };
        write!(stdout, "{text}{newline}")
            .and_then(|()| stdout.flush())
            .map_err(|error| {
                CliError::failure(format!("cannot write to stdout: {}", describe_io(&error)))
            })
    }

    /// Prints a value as JSON on stdout.
    ///
    /// # Errors
    ///
    /// Fails when stdout cannot be written.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), CliError> {
        let text = serde_json::to_string_pretty(value).map_err(|error| {
            CliError::failure(format!("cannot encode the JSON output: {error}"))
        })?;
        self.stdout(&text)
    }

    /// Prints a value as one line of compact JSON on stdout, for output
    /// that is a stream of objects (one per uploaded file).
    ///
    /// # Errors
    ///
    /// Fails when stdout cannot be written.
    pub fn json_line<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), CliError> {
        let text = serde_json::to_string(value).map_err(|error| {
            CliError::failure(format!("cannot encode the JSON output: {error}"))
        })?;
        self.stdout(&text)
    }

    /// A message for people on stderr, left out with `-q`.
    pub fn note(&self, text: &str) {
        if self.mode != Mode::Quiet {
            message(text);
        }
    }
}

/// Prints values one per line on stdout, sanitized; nothing for none.
///
/// # Errors
///
/// Fails when stdout cannot be written.
pub fn lines<'a>(out: &Output, values: impl Iterator<Item = &'a str>) -> Result<(), CliError> {
    let text: Vec<String> = values.map(sanitize).collect();
    if text.is_empty() {
        return Ok(());
    }
    out.stdout(&text.join("\n"))
}

/// Prints `corebox: <text>` on stderr whatever the mode: for warnings a
/// user must see even with `-q`, and for the final error. A closed stderr
/// is ignored; there is nowhere left to report it.
pub fn message(text: &str) {
    let _ = writeln!(io::stderr().lock(), "corebox: {text}");
}

/// Labelled values, one per line, with the values aligned:
///
/// ```text
/// username  alice
/// role      admin
/// ```
pub fn fields(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    let mut text = String::new();
    for (label, value) in rows {
        text.push_str(&format!("{label:<width$}  {}\n", sanitize(value)));
    }
    text
}

/// A table with a header row; columns are separated by two spaces and the
/// last column is not padded.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| sanitize(cell)).collect())
        .collect();
    let mut widths: Vec<usize> = headers
        .iter()
        .map(|header| header.chars().count())
        .collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }

    let mut text = String::new();
    let header: Vec<String> = headers.iter().map(|header| (*header).to_owned()).collect();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (index, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if index + 1 == row.len() {
                line.push_str(cell);
            } else {
                let pad = width.saturating_sub(cell.chars().count());
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// A Unix time as RFC 3339 UTC, such as `2025-03-01T12:00:00Z`. A time
/// outside what RFC 3339 can show is printed as `@<seconds>`.
pub fn timestamp(secs: i64) -> String {
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|time| time.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("@{secs}"))
}

/// An optional Unix time, or the given word when there is none.
pub fn optional_timestamp(secs: Option<i64>, none: &str) -> String {
    secs.map_or_else(|| none.to_owned(), timestamp)
}

/// A byte count for people in binary units, with one decimal that is
/// dropped when it is zero: `512 B`, `1.5 KiB`, `10 GiB`.
pub fn size(bytes: u64) -> String {
    let text = bytesize::ByteSize(bytes).display().iec().to_string();
    match text.split_once(".0 ") {
        Some((whole, unit)) => format!("{whole} {unit}"),
        None => text,
    }
}

/// A byte count for people and the exact number:
/// `1.2 GiB (1288490188 bytes)`; small counts only as `512 bytes`.
pub fn size_exact(bytes: u64) -> String {
    if bytes < 1024 {
        let unit = if bytes == 1 { "byte" } else { "bytes" };
        format!("{bytes} {unit}")
    } else {
        format!("{} ({bytes} bytes)", size(bytes))
    }
}

/// Scopes for people: `all` when a token holds every scope, `default` for
/// exactly those a new API token gets by default, otherwise the
/// comma-separated names.
pub fn scopes(scopes: &[Scope]) -> String {
    let holds_exactly =
        |set: &[Scope]| set.len() == scopes.len() && set.iter().all(|s| scopes.contains(s));
    if holds_exactly(&Scope::ALL) {
        "all".to_owned()
    } else if holds_exactly(&Scope::API_DEFAULT) {
        "default".to_owned()
    } else if scopes.is_empty() {
        "none".to_owned()
    } else {
        Scope::join(scopes)
    }
}

/// The first `keep` characters of `text`, with `…` when some were cut.
pub fn abbreviated(text: &str, keep: usize) -> String {
    if text.chars().count() <= keep {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(keep).collect();
    short.push('…');
    short
}

/// Text of several lines made safe for a terminal: as [`sanitize`], but
/// line breaks stay.
pub fn sanitize_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| sanitize(line.trim_end_matches('\r')))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text made safe for a terminal: control characters are escaped, so a
/// display name or a message cannot move the cursor or forge other lines.
pub fn sanitize(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().collect()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_align_values() {
        let text = fields(&[("username", "alice".into()), ("role", "admin".into())]);
        assert_eq!(text, "username  alice\nrole      admin\n");
    }

    #[test]
    fn table_pads_all_but_the_last_column() {
        let text = table(
            &["ID", "NAME", "SCOPES"],
            &[
                vec!["1".into(), "ci".into(), "all".into()],
                vec!["22".into(), "".into(), "links:read".into()],
            ],
        );
        assert_eq!(
            text,
            "ID  NAME  SCOPES\n1   ci    all\n22        links:read\n"
        );
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(timestamp(i64::MAX), format!("@{}", i64::MAX));
        assert_eq!(optional_timestamp(None, "never"), "never");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(sanitize("Al\x1b[31mice\n"), "Al\\u{1b}[31mice\\n");
        assert_eq!(sanitize("Zoë"), "Zoë");
    }

    #[test]
    fn sizes_read_as_binary_units() {
        assert_eq!(size(0), "0 B");
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(10 << 30), "10 GiB");
        assert_eq!(size(1_288_490_188), "1.2 GiB");
        assert_eq!(size(u64::MAX), "16 EiB");
        assert_eq!(size_exact(1), "1 byte");
        assert_eq!(size_exact(1_288_490_188), "1.2 GiB (1288490188 bytes)");
    }

    #[test]
    fn every_scope_reads_as_all() {
        assert_eq!(scopes(&Scope::ALL), "all");
        assert_eq!(scopes(&Scope::API_DEFAULT), "default");
        assert_eq!(scopes(&[Scope::LinksRead]), "links:read");
    }
}
