//! The command line, as one clap definition.
//!
//! This file owns the shape of the `corebox` command: its options,
//! subcommands and help texts, and the parsers for values that clap can check
//! on its own (scope lists, durations, roles). The file commands' arguments
//! are in `args/files.rs`, the share commands' in `args/shares.rs`, the
//! short-link commands' in `args/links.rs`, the job commands' in
//! `args/jobs.rs`. The same definition, with the
//! environment and exit-code tables that `lib.rs` appends to the long help,
//! drives `--help`, the shell completions and the man pages, so help texts
//! written here are what users read everywhere. What a command does lives
//! in `commands/`.

mod files;
mod jobs;
mod links;
mod shares;

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum, ValueHint};
use corebox_proto::Scope;
use corebox_proto::types::Role;

pub use self::files::{DownloadArgs, GrantArgs, LsArgs, Quota, UploadArgs};
pub use self::jobs::{ImageCommand, ImportArgs, JobsCommand, VerifyArgs, Wait};
pub use self::links::{Expiry, LinksCommand, ShortenArgs};
pub use self::shares::{ShareArgs, ShareOptions, SharesCommand};

const ABOUT: &str = "The command-line client of CoreBox, a self-hosted file and link box";

const LONG_ABOUT: &str = "\
The command-line client of CoreBox, a self-hosted file and link box.

corebox talks to corebox-daemon over a Unix socket. Results go to stdout,
messages and prompts to stderr. --json prints stable snake_case JSON (times
as Unix seconds, sizes in bytes); -q prints only the essential value (a
name, a token, an id), one per line. Progress bars appear on stderr only
when it is a terminal, and never with -q.

After signup or login the session token is kept in the OS keyring (the Linux
kernel keyring), one login per daemon socket. Where no keyring is usable the
token goes to credentials.json in the config directory (mode 0600) instead,
and corebox says so on stderr.";

const AFTER_HELP: &str = "See 'corebox --help' for environment variables and exit codes.";

/// The environment variables, shown in the long help before the exit codes.
pub const ENVIRONMENT_HELP: &str = "\
Environment:
  COREBOX_SOCKET      the daemon's socket, as --socket
  COREBOX_TOKEN       a token to use instead of the stored login, for scripts
                      and CI (make one with 'corebox token create')
  COREBOX_NO_KEYRING  set to 1 to skip the OS keyring and keep the token only
                      in credentials.json under the config directory
  XDG_CONFIG_HOME     where the config directory is (default ~/.config); the
                      file is $XDG_CONFIG_HOME/corebox/credentials.json
  XDG_CACHE_HOME      where the cache directory is (default ~/.cache): upload
                      keeps file hashes in $XDG_CACHE_HOME/corebox/hashes.json
                      and holds stdin there while uploading it
  TMPDIR              where stdin is held instead, when the cache directory
                      is not writable
  HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY
                      proxies for downloading share URLs
  SSL_CERT_FILE, SSL_CERT_DIR
                      certificates to trust for https share URLs instead of
                      the system's";

/// `corebox`: options that apply to every command, then the command.
#[derive(Debug, Parser)]
#[command(
    name = "corebox",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// The daemon's socket [default: $XDG_RUNTIME_DIR/corebox/corebox.sock]
    #[arg(
        long,
        global = true,
        env = "COREBOX_SOCKET",
        hide_env_values = true,
        value_name = "PATH",
        value_hint = ValueHint::FilePath
    )]
    pub socket: Option<PathBuf>,

    /// Print machine-readable JSON on stdout
    #[arg(long, global = true, conflicts_with = "quiet")]
    pub json: bool,

    /// Print only the essential value; on stderr only warnings and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make an account and log in (the first account becomes admin)
    Signup(SignupArgs),
    /// Log in and keep the session token for later commands
    Login(LoginArgs),
    /// End the session and forget its token
    ///
    /// Refused while COREBOX_TOKEN is set, so a script cannot revoke its
    /// shared token by accident.
    Logout,
    /// Show the account and token in use
    Whoami,
    /// Upload files and print their ids (or share URLs, with --share)
    Upload(UploadArgs),
    /// Download a file by id, or a share URL
    Download(DownloadArgs),
    /// List your files and those granted to you
    #[command(visible_alias = "list")]
    Ls(LsArgs),
    /// Show a file's details
    Info {
        /// The file's id, as 'corebox ls' shows it
        id: String,
    },
    /// Rename a file
    Rename {
        /// The file's id
        id: String,
        /// The new name
        name: String,
    },
    /// Delete files
    Rm {
        /// The files' ids
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
    /// Let another user read and download a file
    Grant(GrantArgs),
    /// Take back a user's access to a file
    RevokeGrant(GrantArgs),
    /// Make a public share link for a file and print its URL
    Share(ShareArgs),
    /// List, revoke and inspect share links
    #[command(subcommand)]
    Shares(SharesCommand),
    /// Make a short link that redirects to a URL and print it
    Shorten(ShortenArgs),
    /// List, show, edit, remove short links and read their clicks
    #[command(subcommand)]
    Links(LinksCommand),
    /// List, show, cancel, retry and watch background jobs
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Resize, compress or thumbnail an image, as a background job
    #[command(subcommand)]
    Image(ImageCommand),
    /// Have the daemon download a URL into your files, as a background job
    Import(ImportArgs),
    /// Re-hash stored content against its address, as a background job
    Verify(VerifyArgs),
    /// Change the password (ends every other session)
    Passwd(PasswdArgs),
    /// Show or change the profile
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Manage the account
    #[command(subcommand)]
    Account(AccountCommand),
    /// Manage API tokens for scripts
    #[command(subcommand)]
    Token(TokenCommand),
    /// Administer users and invites (admins only)
    #[command(subcommand)]
    Admin(AdminCommand),
}

/// Reading the password from stdin instead of a prompt.
#[derive(Debug, Clone, Copy, Args)]
pub struct PasswordStdin {
    /// Read the password from the first line of stdin instead of prompting
    #[arg(long)]
    pub password_stdin: bool,
}

/// `corebox signup`.
#[derive(Debug, Args)]
pub struct SignupArgs {
    /// The username [prompted for when stdin is a terminal]
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,

    /// An invite code, when signup is invite-only
    #[arg(long, value_name = "CODE")]
    pub invite: Option<String>,

    #[command(flatten)]
    pub password: PasswordStdin,
}

/// `corebox login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The username [prompted for when stdin is a terminal]
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,

    #[command(flatten)]
    pub password: PasswordStdin,
}

/// `corebox passwd`.
#[derive(Debug, Args)]
pub struct PasswdArgs {
    /// Read the current password from the first line of stdin and the new
    /// one from the second, instead of prompting
    #[arg(long)]
    pub password_stdin: bool,
}

/// `corebox profile ...`.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Show the profile
    Show,
    /// Change the display name or email (an empty value clears it)
    #[command(group(
        ArgGroup::new("change").required(true).multiple(true).args(["display_name", "email"])
    ))]
    Set {
        /// The name to display
        #[arg(long, value_name = "NAME")]
        display_name: Option<String>,
        /// The contact address
        #[arg(long, value_name = "ADDRESS")]
        email: Option<String>,
    },
}

/// `corebox account ...`.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Delete the account and everything it owns, then forget its login
    Delete {
        #[command(flatten)]
        password: PasswordStdin,
        /// Do not ask for confirmation (needed without a terminal)
        #[arg(long)]
        yes: bool,
    },
}

/// `corebox token ...`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make an API token for scripts; it is shown only once
    Create {
        /// A name to recognise the token by
        name: String,
        /// Comma-separated scopes [default: every scope but account and admin]
        #[arg(long, value_name = "LIST", value_parser = parse_scopes)]
        scopes: Option<ScopeList>,
        /// Lifetime, such as 30d or 12h [default: no expiry]
        #[arg(long, value_name = "DURATION", value_parser = parse_duration,
              allow_hyphen_values = true)]
        expires: Option<Duration>,
    },
    /// List live tokens (the one in use is marked with *)
    #[command(visible_alias = "list")]
    Ls,
    /// Revoke a token by id
    Revoke {
        /// The token's id, as 'corebox token ls' shows it
        id: String,
    },
}

/// `corebox admin ...`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Manage users
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage invite codes
    #[command(subcommand)]
    Invites(InvitesCommand),
}

/// `corebox admin users ...`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// List every account
    #[command(visible_alias = "list")]
    Ls,
    /// Change a user's role
    SetRole {
        /// The user
        name: String,
        /// The new role
        role: RoleArg,
    },
    /// Disable a user: they cannot log in and their tokens stop working
    Disable {
        /// The user
        name: String,
    },
    /// Enable a disabled user again
    Enable {
        /// The user
        name: String,
    },
    /// Limit how much a user may store
    SetQuota {
        /// The user
        name: String,
        /// The limit, such as 10GiB, 500MB or 1073741824 (bytes); none or
        /// unlimited removes it
        #[arg(value_name = "SIZE", value_parser = files::parse_quota,
              allow_negative_numbers = true)]
        size: Quota,
    },
}

/// `corebox admin invites ...`.
#[derive(Debug, Subcommand)]
pub enum InvitesCommand {
    /// Make an invite code; it is shown only once
    Create {
        /// How many signups the code allows
        #[arg(long, value_name = "N", default_value_t = 1,
              value_parser = clap::value_parser!(u32).range(1..), allow_negative_numbers = true)]
        uses: u32,
        /// Lifetime, such as 7d or 12h [default: no expiry]
        #[arg(long, value_name = "DURATION", value_parser = parse_duration,
              allow_hyphen_values = true)]
        expires: Option<Duration>,
    },
}

/// A role as typed on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Administers users and invites, and sees every resource
    Admin,
    /// Sees and manages only what they own or were granted
    User,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::User => Role::User,
        }
    }
}

/// A parsed `--scopes` list: sorted, without duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeList(pub Vec<Scope>);

fn parse_scopes(list: &str) -> Result<ScopeList, String> {
    Scope::parse_list(list)
        .map(ScopeList)
        .map_err(|error| error.to_string())
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    if text.trim_start().starts_with('-') {
        return Err("a duration cannot be negative: write one such as 30d, 12h or 90m".to_owned());
    }
    humantime::parse_duration(text)
        .map_err(|error| format!("{error}: write a duration such as 30d, 12h or 90m"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
        crate::command().debug_assert();
    }

    #[test]
    fn global_options_go_after_the_command() {
        let cli = Cli::try_parse_from(["corebox", "whoami", "--json", "--socket", "/tmp/s"])
            .expect("parses");
        assert!(cli.json);
        assert_eq!(cli.socket, Some(PathBuf::from("/tmp/s")));
    }

    #[test]
    fn json_and_quiet_conflict() {
        let error = Cli::try_parse_from(["corebox", "whoami", "--json", "-q"]).expect_err("usage");
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn profile_set_needs_a_change() {
        let error = Cli::try_parse_from(["corebox", "profile", "set"]).expect_err("usage");
        assert_eq!(error.exit_code(), 2);
        Cli::try_parse_from(["corebox", "profile", "set", "--email", ""])
            .expect("clearing is fine");
    }

    #[test]
    fn token_create_parses_scopes_and_expiry() {
        let cli = Cli::try_parse_from([
            "corebox",
            "token",
            "create",
            "ci",
            "--scopes",
            "links:write,files:read",
            "--expires",
            "30d",
        ])
        .expect("parses");
        let Command::Token(TokenCommand::Create {
            scopes, expires, ..
        }) = cli.command
        else {
            panic!("wrong command");
        };
        assert_eq!(
            scopes,
            Some(ScopeList(vec![Scope::FilesRead, Scope::LinksWrite]))
        );
        assert_eq!(expires, Some(Duration::from_secs(30 * 86_400)));
    }

    #[test]
    fn bad_scope_and_duration_are_usage_errors() {
        for args in [
            ["corebox", "token", "create", "ci", "--scopes", "files:exec"],
            ["corebox", "token", "create", "ci", "--expires", "soon"],
        ] {
            let error = Cli::try_parse_from(args).expect_err("usage");
            assert_eq!(error.exit_code(), 2);
        }
    }

    #[test]
    fn upload_takes_several_paths_and_a_name() {
        let cli = Cli::try_parse_from(["corebox", "upload", "a", "b", "-q"]).expect("parses");
        let Command::Upload(args) = cli.command else {
            panic!("wrong command");
        };
        assert_eq!(args.paths, [PathBuf::from("a"), PathBuf::from("b")]);
        assert!(cli.quiet);
        let cli = Cli::try_parse_from(["corebox", "upload", "-", "--name", "x.txt"])
            .expect("stdin parses");
        let Command::Upload(args) = cli.command else {
            panic!("wrong command");
        };
        assert_eq!(args.paths, [PathBuf::from("-")]);
        let error = Cli::try_parse_from(["corebox", "upload"]).expect_err("usage");
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn set_quota_parses_sizes_and_refuses_junk() {
        let cli = Cli::try_parse_from(["corebox", "admin", "users", "set-quota", "bob", "10GiB"])
            .expect("parses");
        let Command::Admin(AdminCommand::Users(UsersCommand::SetQuota { size, .. })) = cli.command
        else {
            panic!("wrong command");
        };
        assert_eq!(size, Quota(Some(10 << 30)));
        let error = Cli::try_parse_from(["corebox", "admin", "users", "set-quota", "bob", "big"])
            .expect_err("usage");
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn ls_sort_is_checked() {
        let cli =
            Cli::try_parse_from(["corebox", "ls", "--sort", "size", "--reverse"]).expect("parses");
        let Command::Ls(args) = cli.command else {
            panic!("wrong command");
        };
        assert_eq!(args.sort, files::SortArg::Size);
        assert!(args.reverse);
        let error = Cli::try_parse_from(["corebox", "ls", "--sort", "color"]).expect_err("usage");
        assert_eq!(error.exit_code(), 2);
    }

    #[test]
    fn invite_uses_must_be_positive() {
        let error = Cli::try_parse_from(["corebox", "admin", "invites", "create", "--uses", "0"])
            .expect_err("usage");
        assert_eq!(error.exit_code(), 2);
    }
}
