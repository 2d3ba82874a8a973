//! The command-line shape of the file commands: upload, download, ls,
//! info, rename, rm, grant and revoke-grant, and the parser for quota
//! sizes. Upload's share options are defined with the share commands, in
//! `args/shares.rs`. Part of the one clap definition in `args.rs`; what the commands
//! do is in `commands/`.

use std::path::PathBuf;

use clap::{ArgGroup, Args, ValueEnum, ValueHint};
use corebox_proto::types::FileSort;

use super::ShareOptions;

/// `corebox upload`.
#[derive(Debug, Args)]
#[command(
    after_help = "\
Prints each new file's id on stdout, one per line (with --json, one JSON
object per line). With --share, each file gets a share link and its URL is
printed instead of the id (with --json, the object gains a \"share\"
field), so URL=$(corebox upload f --share -q) works in a script. Uploading
a file again when it is unchanged sends nothing: its hash is remembered in
hashes.json under the cache directory. An interrupted upload continues
where it stopped when the same command is run again on the unchanged
file.",
    group(
        ArgGroup::new("share_options")
            .args(["expires", "max_downloads", "password", "password_stdin"])
            .multiple(true)
            .requires("share")
    )
)]
pub struct UploadArgs {
    /// Files to upload; - reads stdin, which then needs --name
    #[arg(required = true, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub paths: Vec<PathBuf>,

    /// The name to store the file under, for a single file [default: its
    /// base name]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Make a share link for each file and print its URL instead of the id
    #[arg(long)]
    pub share: bool,

    #[command(flatten)]
    pub share_options: ShareOptions,

    /// Then watch the jobs the upload started (its check, its thumbnail)
    /// until they end
    #[arg(long)]
    pub wait: bool,
}

/// `corebox download`.
#[derive(Debug, Args)]
#[command(after_help = "\
A share URL (http:// or https://) is downloaded over HTTP without logging
in. When the link has a password, corebox asks for it on the terminal, or
reads it with --password-stdin. An interrupted transfer is resumed where it
stopped, and the bytes are checked against the SHA-256 the server names in
its ETag.")]
pub struct DownloadArgs {
    /// The file's id, as 'corebox ls' shows it, or a share URL
    #[arg(value_name = "ID|URL")]
    pub source: String,

    /// Where to save it: a file, a directory to save it in under its name,
    /// or - for stdout [default: its name in the current directory]
    #[arg(short, long, value_name = "PATH", value_hint = ValueHint::AnyPath)]
    pub output: Option<PathBuf>,

    /// Replace PATH when it already exists
    #[arg(long)]
    pub force: bool,

    /// For a share URL with a password: read it from the first line of
    /// stdin instead of asking
    #[arg(long)]
    pub password_stdin: bool,
}

/// `corebox ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// The order of the list
    #[arg(long, value_enum, default_value_t = SortArg::Created)]
    pub sort: SortArg,

    /// Reverse the order
    #[arg(long)]
    pub reverse: bool,
}

/// How `ls` orders files, as typed on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// Newest first
    Created,
    /// By name
    Name,
    /// Largest first
    Size,
}

impl From<SortArg> for FileSort {
    fn from(sort: SortArg) -> FileSort {
        match sort {
            SortArg::Created => FileSort::Created,
            SortArg::Name => FileSort::Name,
            SortArg::Size => FileSort::Size,
        }
    }
}

/// `corebox grant` and `corebox revoke-grant`.
#[derive(Debug, Args)]
pub struct GrantArgs {
    /// The file's id
    pub id: String,

    /// The user who may read it
    #[arg(long, value_name = "NAME")]
    pub user: String,
}

/// A quota as typed: a size, or no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota(pub Option<u64>);

/// Parses a quota: `10GiB`, `500MB`, `1.5 TB`, `1073741824`, or `none` or
/// `unlimited` for no limit. Units are case-insensitive; KB, MB, GB are
/// powers of 1000 and KiB, MiB, GiB powers of 1024.
pub fn parse_quota(text: &str) -> Result<Quota, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("none") || text.eq_ignore_ascii_case("unlimited") {
        return Ok(Quota(None));
    }
    let hint = "write a size such as 10GiB, 500MB or 1073741824, or none to remove the limit";
    let size: bytesize::ByteSize = text
        .parse()
        .map_err(|_| format!("'{text}' is not a size: {hint}"))?;
    // bytesize saturates on overflow instead of failing.
    if size.as_u64() == u64::MAX {
        return Err(format!("'{text}' is too large: {hint}"));
    }
    Ok(Quota(Some(size.as_u64())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_sizes_parse_in_both_unit_systems() {
        let cases = [
            ("10GiB", Some(10 << 30)),
            ("10 gib", Some(10 << 30)),
            ("500MB", Some(500_000_000)),
            ("1073741824", Some(1 << 30)),
            ("1.5KiB", Some(1536)),
            ("0", Some(0)),
            ("none", None),
            ("Unlimited", None),
        ];
        for (text, bytes) in cases {
            assert_eq!(parse_quota(text), Ok(Quota(bytes)), "{text}");
        }
    }

    #[test]
    fn bad_quota_sizes_are_refused_with_the_fix() {
        for text in [
            "",
            "lots",
            "-5",
            "10 parsecs",
            "1.2.3GB",
            "5 5",
            "99999999999EiB",
            "ünï",
        ] {
            let error = parse_quota(text).expect_err(text);
            assert!(error.ends_with("or none to remove the limit"), "{error}");
        }
    }
}
