//! The command-line shape of share links: `corebox share`, the share
//! options that `corebox upload --share` takes too, and `corebox shares
//! ls|revoke|stats`. Part of the one clap definition in `args.rs`; what the
//! commands do is in `commands/shares.rs`.

use std::time::Duration;

use clap::{Args, Subcommand};

/// `corebox share`.
#[derive(Debug, Args)]
#[command(after_help = "\
Prints the share URL on stdout (with --json, the share as a JSON object).
Anyone with the URL can download the file, in a browser or with
'curl -fLO URL' or 'corebox download URL', until the link expires, reaches
its download limit or is revoked with 'corebox shares revoke'.")]
pub struct ShareArgs {
    /// The file's id, as 'corebox ls' shows it (only its owner may share it)
    pub id: String,

    #[command(flatten)]
    pub options: ShareOptions,
}

/// How a new share link is limited; used by `share` and `upload --share`.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct ShareOptions {
    /// How long the link works, such as 1d, 12h or 90m [default: until
    /// revoked]
    #[arg(long, value_name = "DURATION", value_parser = parse_lifetime, allow_hyphen_values = true)]
    pub expires: Option<Duration>,

    /// How many complete downloads the link allows [default: no limit]
    #[arg(long, value_name = "N", value_parser = parse_max_downloads,
          allow_negative_numbers = true)]
    pub max_downloads: Option<u64>,

    /// Protect the link with a password, asked for twice on the terminal
    #[arg(long, conflicts_with = "password_stdin")]
    pub password: bool,

    /// Protect the link with a password read from the first line of stdin
    #[arg(long)]
    pub password_stdin: bool,
}

/// `corebox shares ...`.
#[derive(Debug, Subcommand)]
pub enum SharesCommand {
    /// List your live share links (-q: their URLs)
    #[command(visible_alias = "list")]
    Ls,
    /// End a share link at once
    Revoke {
        /// The link's token or its whole URL
        #[arg(value_name = "TOKEN|URL")]
        token: String,
    },
    /// Show a share link's downloads: counts, bytes and recent visitors
    Stats {
        /// The link's token or its whole URL
        #[arg(value_name = "TOKEN|URL")]
        token: String,
    },
}

/// A download limit: a whole number of at least 1.
fn parse_max_downloads(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err(
            "a link must allow at least 1 download: leave the option out for no \
                      limit"
                .to_owned(),
        ),
        Ok(count) => Ok(count),
        Err(_) => Err(format!(
            "'{text}' is not a number of downloads: write a whole number such as 1 or 10"
        )),
    }
}

/// A link lifetime: a humantime duration above zero and within a hundred
/// years.
pub(super) fn parse_lifetime(text: &str) -> Result<Duration, String> {
    const CENTURY: Duration = Duration::from_secs(100 * 366 * 24 * 3600);
    let duration = super::parse_duration(text)?;
    if duration.is_zero() {
        return Err(
            "a link must live longer than zero: write a duration such as 1d, 12h \
                    or 90m"
                .to_owned(),
        );
    }
    if duration > CENTURY {
        return Err("a link lives at most 100 years: write a shorter duration".to_owned());
    }
    Ok(duration)
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
    fn share_takes_lifetime_limit_and_password() {
        let cli = parse(&[
            "share",
            "abc",
            "--expires",
            "1d",
            "--max-downloads",
            "3",
            "--password",
        ])
        .expect("parses");
        let Command::Share(args) = cli.command else {
            panic!("wrong command");
        };
        assert_eq!(args.id, "abc");
        assert_eq!(args.options.expires, Some(Duration::from_secs(86_400)));
        assert_eq!(args.options.max_downloads, Some(3));
        assert!(args.options.password && !args.options.password_stdin);
    }

    #[test]
    fn bad_share_options_are_usage_errors() {
        for args in [
            &["share", "abc", "--max-downloads", "0"][..],
            &["share", "abc", "--max-downloads", "-1"],
            &["share", "abc", "--expires", "soon"],
            &["share", "abc", "--expires", "0s"],
            &["share", "abc", "--password", "--password-stdin"],
            &["upload", "a", "--expires", "1d"],
            &["upload", "a", "--max-downloads", "2"],
            &["upload", "a", "--password-stdin"],
        ] {
            let error = parse(args).expect_err("usage");
            assert_eq!(error.exit_code(), 2, "{args:?}");
        }
    }

    #[test]
    fn bad_limit_says_what_to_write() {
        assert_eq!(parse_max_downloads("10"), Ok(10));
        let error = parse_max_downloads("0").expect_err("zero");
        assert!(error.contains("at least 1 download"), "{error}");
        let error = parse_max_downloads("many").expect_err("words");
        assert!(error.contains("whole number"), "{error}");
    }

    #[test]
    fn bad_lifetime_says_how_to_write_one() {
        let error = parse_lifetime("soon").expect_err("bad");
        assert!(error.contains("such as 30d"), "{error}");
        let error = parse_lifetime("0d").expect_err("zero");
        assert!(error.contains("longer than zero"), "{error}");
    }

    #[test]
    fn upload_share_takes_the_same_options() {
        let cli =
            parse(&["upload", "a", "b", "--share", "--expires", "12h", "-q"]).expect("parses");
        let Command::Upload(args) = cli.command else {
            panic!("wrong command");
        };
        assert!(args.share);
        assert_eq!(
            args.share_options.expires,
            Some(Duration::from_secs(12 * 3600))
        );
        assert!(!args.share_options.password && !args.share_options.password_stdin);
    }

    #[test]
    fn shares_subcommands_take_a_token_or_url() {
        let cli =
            parse(&["shares", "stats", "https://box.example/s/Tok3n", "--json"]).expect("parses");
        let Command::Shares(SharesCommand::Stats { token }) = cli.command else {
            panic!("wrong command");
        };
        assert_eq!(token, "https://box.example/s/Tok3n");
        assert!(parse(&["shares", "revoke"]).is_err());
        assert!(parse(&["shares", "list"]).is_ok());
    }
}
