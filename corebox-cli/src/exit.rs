//! The error every command returns, and the exit code it leads to.
//!
//! Exit codes (the same table is printed by `corebox --help`):
//!
//! - 0 success
//! - 1 failure: any other error, such as a full quota or a file that
//!   changed during upload; the message says what
//! - 2 usage: a bad command line, or a needed value missing and no terminal
//!   to ask for it
//! - 3 authentication or permission: not logged in, the token expired or
//!   was revoked, the account may not do this, or a share's password was
//!   wrong
//! - 4 not found: the user, token, invite, file or share named does not
//!   exist (or is not yours to see); a share URL that expired, was used up
//!   or was revoked
//! - 5 unreachable: nothing answers at the socket, it is not a corebox
//!   daemon, or it went away or is shutting down; or a share URL's server
//!   cannot be reached
//! - 6 protocol mismatch: the daemon and this corebox speak different
//!   protocol versions
//! - 130 interrupted: Ctrl-C stopped a download, whose temporary file was
//!   removed
//!
//! Clap's own errors (unknown options, missing arguments) exit with 2 before
//! any of this code runs. Every other failure becomes a [`CliError`]: one
//! line for the user and an [`Exit`] kind. This file decides the kind from
//! the daemon's [`ErrorCode`], never from message text. It does not print;
//! `lib.rs` does, once, as `corebox: <message>`.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue};
use corebox_proto::transport::ConnectError;
use corebox_proto::{ApiError, ErrorCode};
use tarpc::ChannelError;
use tarpc::client::RpcError;

/// The exit-code table as `--help` shows it.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  failure: any other error, such as a full quota or a file that changed
     during upload; the message says what
  2  usage: a bad command line, or a needed value missing and no terminal to
     ask for it
  3  authentication or permission: not logged in, the token expired or was
     revoked, the account may not do this, or a share's password was wrong
  4  not found: the user, token, invite, file or share named does not exist
     (or is not yours to see); a share URL that expired, was used up or was
     revoked
  5  unreachable: nothing answers at the socket, it is not a corebox daemon,
     or it went away or is shutting down; or a share URL's server cannot be
     reached
  6  protocol mismatch: the daemon and this corebox speak different protocol
     versions
  130  interrupted: Ctrl-C stopped a download, whose temporary file was
       removed";

/// Why a command failed, as far as a script needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Any error without a more specific kind (1).
    Failure,
    /// The command line cannot work as given (2).
    Usage,
    /// Not logged in, or not allowed (3).
    Auth,
    /// The thing named does not exist (4).
    NotFound,
    /// No daemon (or, for a share URL, no web server) to talk to (5).
    Unreachable,
    /// The daemon speaks another protocol version (6).
    Protocol,
    /// The user pressed Ctrl-C (130, as a shell reports death by SIGINT).
    Interrupted,
}

impl Exit {
    /// Every kind, in code order.
    pub const ALL: [Exit; 7] = [
        Exit::Failure,
        Exit::Usage,
        Exit::Auth,
        Exit::NotFound,
        Exit::Unreachable,
        Exit::Protocol,
        Exit::Interrupted,
    ];

    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Auth => 3,
            Exit::NotFound => 4,
            Exit::Unreachable => 5,
            Exit::Protocol => 6,
            Exit::Interrupted => 130,
        }
    }

    /// The kind for an error code sent by the daemon.
    pub fn for_api(code: ErrorCode) -> Exit {
        match code {
            ErrorCode::Unauthenticated | ErrorCode::PermissionDenied => Exit::Auth,
            ErrorCode::NotFound => Exit::NotFound,
            ErrorCode::ShuttingDown => Exit::Unreachable,
            ErrorCode::InvalidArgument
            | ErrorCode::AlreadyExists
            | ErrorCode::Throttled
            | ErrorCode::FailedPrecondition
            | ErrorCode::TooLarge
            | ErrorCode::LimitExceeded
            | ErrorCode::Internal
            | ErrorCode::Other => Exit::Failure,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// A failed command: what to tell the user and how to exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    exit: Exit,
    message: String,
}

impl CliError {
    /// An error of a given kind.
    pub fn new(exit: Exit, message: impl Into<String>) -> CliError {
        CliError {
            exit,
            message: message.into(),
        }
    }

    /// A plain failure (exit code 1).
    pub fn failure(message: impl Into<String>) -> CliError {
        CliError::new(Exit::Failure, message)
    }

    /// A command line that cannot work as given (exit code 2).
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::new(Exit::Usage, message)
    }

    /// Not logged in, or not allowed (exit code 3).
    pub fn auth(message: impl Into<String>) -> CliError {
        CliError::new(Exit::Auth, message)
    }

    /// How the process should exit.
    pub fn exit(&self) -> Exit {
        self.exit
    }

    /// The one line for the user, without the `corebox: ` prefix.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error with `context` before its message, as in
    /// `cannot upload 'a.txt': <message>`.
    pub fn context(self, context: &str) -> CliError {
        CliError {
            exit: self.exit,
            message: format!("{context}: {}", self.message),
        }
    }

    /// A command line clap refused, as one line: clap's reason, its tip
    /// when it has one (a similar subcommand, `--` before a value), and
    /// the help of `command` (`corebox share`) to read.
    pub fn from_clap(error: &clap::Error, command: &str) -> CliError {
        let rendered = error.render().to_string();
        let mut lines = rendered.lines().map(str::trim).peekable();
        let first = lines.next().unwrap_or_default();
        let mut message = first.strip_prefix("error: ").unwrap_or(first).to_owned();
        // "the following required arguments were not provided:" is
        // followed by the arguments, one a line.
        if message.ends_with(':') {
            message.pop();
            let mut named = Vec::new();
            while let Some(line) = lines.next_if(|line| !line.is_empty()) {
                named.push(line);
            }
            if !named.is_empty() {
                message.push_str(&format!(": {}", named.join(", ")));
            }
        }
        if let Some(ContextValue::Strings(valid)) = error.get(ContextKind::ValidValue) {
            message.push_str(&format!(" (one of: {})", valid.join(", ")));
        }
        // Clap's advice to put `--` before a value that starts with '-'
        // does not fit option values, which are what users mistype here.
        if let Some(tip) = lines
            .find_map(|line| line.strip_prefix("tip: "))
            .filter(|tip| !tip.contains("use '-- "))
        {
            message.push_str(&format!(" ({tip})"));
        }
        message.push_str(&format!(": see '{command} --help'"));
        CliError::usage(message)
    }

    /// A connection that could not be opened. `is_default_socket` says
    /// whether the user left the socket alone, which changes the fix: a
    /// daemon on a custom socket must be started with that socket.
    pub fn from_connect(error: ConnectError, is_default_socket: bool) -> CliError {
        match error {
            ConnectError::Unreachable { endpoint, source } => {
                let cause = describe_io(&source);
                let message = if source.kind() == io::ErrorKind::PermissionDenied {
                    format!(
                        "cannot reach the daemon at {endpoint}: {cause}: run corebox as the \
                         user that owns the socket"
                    )
                } else if is_default_socket {
                    format!(
                        "cannot reach the daemon at {endpoint}: {cause}: is it running? \
                         start it with corebox-daemon"
                    )
                } else {
                    let corebox_proto::transport::Endpoint::Unix(path) = &endpoint;
                    format!(
                        "cannot reach the daemon at {endpoint}: {cause}: is it running? \
                         start it with corebox-daemon --socket {}, or check --socket",
                        path.display()
                    )
                };
                CliError::new(Exit::Unreachable, message)
            }
            ConnectError::NotCoreBox { endpoint, reason } => CliError::new(
                Exit::Unreachable,
                format!(
                    "{endpoint} did not answer as a corebox daemon ({}): check --socket",
                    lower_first(&reason)
                ),
            ),
            error @ ConnectError::ProtocolMismatch { .. } => {
                CliError::new(Exit::Protocol, error.to_string())
            }
        }
    }

    /// A call that failed below the service: the connection broke, the
    /// deadline passed, or tarpc gave up on the request.
    pub fn from_rpc(error: RpcError) -> CliError {
        match error {
            RpcError::DeadlineExceeded => CliError::failure(
                "the daemon did not answer in time: try again, or see the daemon's log",
            ),
            RpcError::Shutdown => CliError::new(
                Exit::Unreachable,
                "the daemon closed the connection: is it still running? see its log",
            ),
            RpcError::Send(source) => lost_connection(source.as_ref()),
            RpcError::Channel(
                ChannelError::Read(cause)
                | ChannelError::Ready(cause)
                | ChannelError::Write(cause)
                | ChannelError::Flush(cause)
                | ChannelError::Close(cause),
            ) => lost_connection(cause.as_ref()),
            RpcError::Server(server) => CliError::failure(format!(
                "the daemon aborted the call: {}",
                lower_first(&server.detail)
            )),
        }
    }
}

impl From<ApiError> for CliError {
    fn from(error: ApiError) -> CliError {
        let message = if error.message.trim().is_empty() {
            format!("the daemon refused the call ({})", error.code)
        } else {
            clean_line(&error.message)
        };
        CliError::new(Exit::for_api(error.code), message)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for CliError {}

/// An I/O error as a short lowercase phrase: `no such file or directory`
/// rather than `No such file or directory (os error 2)`.
pub fn describe_io(error: &io::Error) -> String {
    let mut text = error.to_string();
    // tempfile appends ` at path "..."` with the temporary name, which
    // means nothing to the user; the caller names the path they gave.
    if let Some(at) = text.find(" at path \"") {
        text.truncate(at);
    }
    let text = match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_owned(),
        _ => text,
    };
    lower_first(&text)
}

/// A connection that broke under a call. An answer that cannot be decoded
/// means the two sides disagree on the types: most likely builds of
/// different versions that still share a protocol number.
fn lost_connection(error: &(dyn StdError + 'static)) -> CliError {
    let (kind, cause) = cause_of(error);
    if kind == Some(io::ErrorKind::InvalidData) {
        CliError::new(
            Exit::Protocol,
            format!(
                "cannot decode the daemon's answer ({cause}): use a corebox and a \
                 corebox-daemon of the same version"
            ),
        )
    } else {
        CliError::new(
            Exit::Unreachable,
            format!("lost the connection to the daemon: {cause}: is it still running?"),
        )
    }
}

/// The first I/O error in a chain, unwrapped down to the one that says what
/// happened (transports wrap errors in `io::Error::other` layers), as its
/// kind and a phrase. Without one, the deepest cause's text.
pub fn cause_of(error: &(dyn StdError + 'static)) -> (Option<io::ErrorKind>, String) {
    let mut current = error;
    loop {
        if let Some(mut io_error) = current.downcast_ref::<io::Error>() {
            while let Some(inner) = io_error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<io::Error>())
            {
                io_error = inner;
            }
            return (Some(io_error.kind()), describe_io(io_error));
        }
        match current.source() {
            Some(source) => current = source,
            None => return (None, lower_first(&current.to_string())),
        }
    }
}

/// The text with its first letter lowercased, unless it starts an acronym.
pub fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => first
            .to_lowercase()
            .chain(text[first.len_utf8()..].chars())
            .collect(),
        _ => text.to_owned(),
    }
}

/// A message from the daemon made safe for one terminal line: control
/// characters (which could move the cursor or forge output) are escaped.
fn clean_line(text: &str) -> String {
    crate::output::sanitize(text.trim())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use corebox_proto::transport::Endpoint;

    use super::*;

    #[test]
    fn codes_are_distinct_and_documented() {
        let codes: Vec<u8> = Exit::ALL.iter().map(|exit| exit.code()).collect();
        assert_eq!(codes, vec![1, 2, 3, 4, 5, 6, 130]);
        for code in (0..=6).chain([130]) {
            assert!(
                EXIT_CODES_HELP.contains(&format!("\n  {code}  ")),
                "code {code} missing from the help table"
            );
        }
    }

    #[test]
    fn api_codes_map_to_documented_exits() {
        let cases = [
            (ErrorCode::Unauthenticated, 3),
            (ErrorCode::PermissionDenied, 3),
            (ErrorCode::NotFound, 4),
            (ErrorCode::ShuttingDown, 5),
            (ErrorCode::Throttled, 1),
            (ErrorCode::InvalidArgument, 1),
            (ErrorCode::AlreadyExists, 1),
            (ErrorCode::LimitExceeded, 1),
            (ErrorCode::TooLarge, 1),
            (ErrorCode::Internal, 1),
            (ErrorCode::Other, 1),
        ];
        for (code, exit) in cases {
            assert_eq!(Exit::for_api(code).code(), exit, "{code}");
        }
    }

    #[test]
    fn daemon_message_is_passed_through_once_and_cleaned() {
        let error = CliError::from(ApiError::throttled("too many attempts: retry in 30s", 30));
        assert_eq!(error.message(), "too many attempts: retry in 30s");
        assert_eq!(error.exit(), Exit::Failure);

        let error = CliError::from(ApiError::not_found("no user 'bob\x1b[2J'"));
        assert_eq!(error.exit(), Exit::NotFound);
        assert!(!error.message().contains('\x1b'));
    }

    #[test]
    fn unreachable_daemon_names_the_cause_and_the_fix() {
        let error = ConnectError::Unreachable {
            endpoint: Endpoint::Unix(PathBuf::from("/tmp/x.sock")),
            source: io::Error::from_raw_os_error(2),
        };
        let error = CliError::from_connect(error, true);
        assert_eq!(error.exit(), Exit::Unreachable);
        assert_eq!(
            error.message(),
            "cannot reach the daemon at unix:/tmp/x.sock: no such file or directory: is it \
             running? start it with corebox-daemon"
        );

        let error = ConnectError::Unreachable {
            endpoint: Endpoint::Unix(PathBuf::from("/tmp/x.sock")),
            source: io::Error::from(io::ErrorKind::ConnectionRefused),
        };
        let error = CliError::from_connect(error, false);
        assert!(
            error
                .message()
                .ends_with("corebox-daemon --socket /tmp/x.sock, or check --socket")
        );
    }

    #[test]
    fn protocol_mismatch_exits_6() {
        let error = CliError::from_connect(
            ConnectError::ProtocolMismatch {
                daemon: 2,
                client: 1,
            },
            true,
        );
        assert_eq!(error.exit().code(), 6);
        assert!(error.message().contains("protocol 2"));
    }

    #[test]
    fn rpc_failures_say_whether_the_daemon_went_away() {
        assert_eq!(
            CliError::from_rpc(RpcError::Shutdown).exit(),
            Exit::Unreachable
        );
        assert_eq!(
            CliError::from_rpc(RpcError::DeadlineExceeded).exit(),
            Exit::Failure
        );
        let broken = RpcError::Send(Box::new(io::Error::from(io::ErrorKind::BrokenPipe)));
        let error = CliError::from_rpc(broken);
        assert_eq!(error.exit(), Exit::Unreachable);
        assert!(
            error.message().contains("broken pipe"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn undecodable_answer_is_a_version_problem() {
        // The shape tarpc's transport gives a bincode failure: an
        // InvalidData error inside an `io::Error::other` layer.
        let decode = io::Error::new(io::ErrorKind::InvalidData, "unknown scope ''");
        let channel = ChannelError::Read(Arc::new(io::Error::other(decode)) as Arc<_>);
        let error = CliError::from_rpc(RpcError::Channel(channel));
        assert_eq!(error.exit(), Exit::Protocol);
        assert!(
            error
                .message()
                .starts_with("cannot decode the daemon's answer (unknown scope '')"),
            "{}",
            error.message()
        );

        let reset = io::Error::other(io::Error::from(io::ErrorKind::ConnectionReset));
        let channel = ChannelError::Read(Arc::new(reset) as Arc<_>);
        let error = CliError::from_rpc(RpcError::Channel(channel));
        assert_eq!(error.exit(), Exit::Unreachable);
        assert!(
            error.message().contains("connection reset"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn clap_errors_become_one_line_with_the_help_to_read() {
        let error = crate::command()
            .try_get_matches_from(["corebox", "share", "abc", "--max-downloads", "0"])
            .expect_err("refused");
        let error = CliError::from_clap(&error, "corebox share");
        assert_eq!(error.exit(), Exit::Usage);
        assert_eq!(
            error.message(),
            "invalid value '0' for '--max-downloads <N>': a link must allow at least 1 \
             download: leave the option out for no limit: see 'corebox share --help'"
        );
        let error = crate::command()
            .try_get_matches_from(["corebox", "info"])
            .expect_err("refused");
        assert_eq!(
            CliError::from_clap(&error, "corebox info").message(),
            "the following required arguments were not provided: <ID>: see 'corebox info --help'"
        );
        let error = crate::command()
            .try_get_matches_from(["corebox", "uplod"])
            .expect_err("refused");
        let message = CliError::from_clap(&error, "corebox").message().to_owned();
        assert!(!message.contains('\n'), "{message}");
        assert!(message.contains("'upload'"), "{message}");
        assert!(message.ends_with(": see 'corebox --help'"), "{message}");
        let error = crate::command()
            .try_get_matches_from(["corebox", "ls", "--sort", "bogus"])
            .expect_err("refused");
        assert_eq!(
            CliError::from_clap(&error, "corebox ls").message(),
            "invalid value 'bogus' for '--sort <SORT>' (one of: created, name, size): see \
             'corebox ls --help'"
        );
        // A negative number is a bad value, not an unknown flag.
        let error = crate::command()
            .try_get_matches_from(["corebox", "share", "abc", "--max-downloads", "-1"])
            .expect_err("refused");
        let message = CliError::from_clap(&error, "corebox share")
            .message()
            .to_owned();
        assert!(
            message.starts_with("invalid value '-1' for '--max-downloads <N>'"),
            "{message}"
        );
    }

    #[test]
    fn io_errors_read_as_lowercase_phrases() {
        assert_eq!(
            describe_io(&io::Error::from_raw_os_error(13)),
            "permission denied"
        );
        assert_eq!(lower_first("IO failure"), "IO failure");
        assert_eq!(lower_first("Broken"), "broken");
        // Without the temporary name tempfile adds.
        let dir = tempfile::tempdir().expect("tempdir");
        let wrapped = tempfile::Builder::new()
            .prefix(".corebox-download-")
            .tempfile_in(dir.path().join("missing"))
            .expect_err("no such directory");
        assert!(
            wrapped.to_string().contains(".corebox-download-"),
            "{wrapped}"
        );
        assert_eq!(describe_io(&wrapped), "no such file or directory");
    }
}
