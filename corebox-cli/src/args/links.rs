//! The command-line shape of short links: `corebox shorten` and `corebox
//! links ls|show|edit|rm|stats`. Part of the one clap definition in
//! `args.rs`; what the commands do is in `commands/links.rs`.

use std::time::Duration;

use clap::{ArgGroup, Args, Subcommand};

use super::shares::parse_lifetime;

/// `corebox shorten`.
#[derive(Debug, Args)]
#[command(after_help = "\
Prints the short URL on stdout (with --json, the link as a JSON object).
Visiting it redirects to the target until the link expires, reaches its
click limit or is removed; URL+ (a '+' after the code) shows where it goes
instead. 'corebox links stats CODE' shows who followed it.")]
pub struct ShortenArgs {
    /// The URL to shorten: an absolute http:// or https:// URL
    pub url: String,

    /// A code of your own instead of a random one: 1 to 64 letters, digits,
    /// '_' or '-'
    #[arg(long, value_name = "NAME")]
    pub alias: Option<String>,

    #[command(flatten)]
    pub expiry: Expiry,

    /// How many redirects the link allows [default: no limit]
    #[arg(long, value_name = "N", value_parser = parse_max_clicks,
          allow_negative_numbers = true)]
    pub max_clicks: Option<u64>,

    /// Protect the link with a password, asked for twice on the terminal
    #[arg(long, conflicts_with = "password_stdin")]
    pub password: bool,

    /// Protect the link with a password read from the first line of stdin
    #[arg(long)]
    pub password_stdin: bool,

    /// Also draw the short URL as a QR code
    #[arg(long)]
    pub qr: bool,
}

/// When a link stops working.
#[derive(Debug, Clone, Copy, Default, Args)]
#[group(multiple = false)]
pub struct Expiry {
    /// How long the link works, such as 7d or 12h [default: until removed]
    #[arg(long, value_name = "DURATION", value_parser = parse_lifetime, allow_hyphen_values = true)]
    pub expires: Option<Duration>,

    /// When the link stops working: 2026-12-31 (its end, UTC),
    /// 2026-12-31T18:00:00Z or 2026-12-31T18:00:00+01:00
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub expires_at: Option<i64>,
}

/// `corebox links ...`.
#[derive(Debug, Subcommand)]
pub enum LinksCommand {
    /// List your short links (-q: their URLs)
    #[command(visible_alias = "list")]
    Ls,
    /// Show a short link's target, limits and clicks
    Show {
        /// The link's code or its short URL
        #[arg(value_name = "CODE|URL")]
        code: String,
    },
    /// Change where a short link goes, or its limits; visitors see the
    /// change at once
    #[command(group(
        ArgGroup::new("change")
            .required(true)
            .multiple(true)
            .args(["target", "expires", "expires_at", "never_expires", "max_clicks", "unlimited"])
    ))]
    Edit {
        /// The link's code or its short URL
        #[arg(value_name = "CODE|URL")]
        code: String,
        /// A new target URL
        #[arg(long, value_name = "URL")]
        target: Option<String>,
        #[command(flatten)]
        expiry: Expiry,
        /// Make the link work until removed
        #[arg(long, conflicts_with_all = ["expires", "expires_at"])]
        never_expires: bool,
        /// A new click limit
        #[arg(long, value_name = "N", value_parser = parse_max_clicks,
          allow_negative_numbers = true)]
        max_clicks: Option<u64>,
        /// Lift the click limit
        #[arg(long, conflicts_with = "max_clicks")]
        unlimited: bool,
    },
    /// Remove a short link and its clicks; it stops at once
    Rm {
        /// The link's code or its short URL
        #[arg(value_name = "CODE|URL")]
        code: String,
    },
    /// Show a short link's clicks: per day, unique visitors, referrers,
    /// browsers and bots
    Stats {
        /// The link's code or its short URL
        #[arg(value_name = "CODE|URL")]
        code: String,
        /// How many days back, today included
        #[arg(long, value_name = "N", default_value_t = 30, value_parser = parse_days,
              allow_negative_numbers = true)]
        days: u32,
    },
}

/// A point in time: an RFC 3339 timestamp, or a date, meaning its end
/// (UTC). Returns Unix seconds.
fn parse_time(text: &str) -> Result<i64, String> {
    use time::format_description::well_known::Rfc3339;
    let text = text.trim();
    if let Ok(at) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at.unix_timestamp());
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(date) = time::Date::parse(text, &date_format) {
        // The end of that day: it still works all of it.
        let next = date.next_day().ok_or("that date is too far away")?;
        return Ok(next.midnight().assume_utc().unix_timestamp());
    }
    Err(format!(
        "'{text}' is not a time: write a date such as 2026-12-31 or a time such as \
         2026-12-31T18:00:00Z"
    ))
}

/// A click limit: a whole number of at least 1.
fn parse_max_clicks(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => {
            Err("a link must allow at least 1 click: leave the option out for no limit".to_owned())
        }
        Ok(count) => Ok(count),
        Err(_) => Err(format!(
            "'{text}' is not a number of clicks: write a whole number such as 1 or 100"
        )),
    }
}

/// A statistics window: 1 to 3660 days.
fn parse_days(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(days) if (1..=3660).contains(&days) => Ok(days),
        _ => Err(format!("'{text}' is not a number of days from 1 to 3660")),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::{Cli, Command};

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("corebox").chain(args.iter().copied()))
    }

    #[test]
    fn shorten_takes_an_alias_one_expiry_a_limit_and_a_qr_code() {
        let cli = parse(&[
            "shorten",
            "https://example.com/docs",
            "--alias",
            "docs",
            "--expires-at",
            "2026-12-31",
            "--max-clicks",
            "5",
            "--qr",
        ])
        .expect("parses");
        let Command::Shorten(args) = cli.command else {
            panic!("shorten");
        };
        assert_eq!(args.alias.as_deref(), Some("docs"));
        assert_eq!(
            args.expiry.expires_at,
            Some(1_798_761_600),
            "the end of the day"
        );
        assert_eq!(args.max_clicks, Some(5));
        assert!(args.qr);
        let both = parse(&[
            "shorten",
            "https://x.y",
            "--expires",
            "1d",
            "--expires-at",
            "2030-01-01",
        ]);
        assert!(both.is_err(), "one expiry at most");
    }

    #[test]
    fn times_and_days_are_checked() {
        assert_eq!(parse_time("1970-01-01T00:01:00Z"), Ok(60));
        assert_eq!(parse_time("1970-01-01T01:01:00+01:00"), Ok(60));
        assert_eq!(parse_time("1970-01-01"), Ok(86_400));
        for bad in ["", "tomorrow", "2026-13-01", "2026-12-31 18:00"] {
            assert!(parse_time(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_days("7"), Ok(7));
        for bad in ["0", "3661", "-1", "x"] {
            assert!(parse_days(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn edit_needs_a_change() {
        assert!(parse(&["links", "edit", "docs"]).is_err());
        assert!(parse(&["links", "edit", "docs", "--unlimited"]).is_ok());
        assert!(parse(&["links", "edit", "docs", "--max-clicks", "2", "--unlimited"]).is_err());
        assert!(
            parse(&[
                "links",
                "edit",
                "docs",
                "--never-expires",
                "--expires",
                "1d"
            ])
            .is_err()
        );
    }
}
