//! What each command does, and the context they share.
//!
//! [`dispatch`] hands a parsed command line to the module for its group:
//! `account` (signup, login, logout, whoami, passwd, profile, account),
//! `upload`, `download` (with `fetch` for share URLs), `files` (ls, info,
//! rename, rm, grant, revoke-grant), `shares` (share, shares), `tokens` and
//! `admin`. They share an [`App`]: the target
//! daemon, the output mode, the environment and a runtime to run calls on.
//! Commands that act on several files and go on past a failure count their
//! outcomes in a [`Batch`].
//!
//! Commands gather their input (prompts, stdin) before connecting, outside
//! the runtime, so a blocking read never stalls the connection's tasks and
//! a typo in a flag never costs a round trip.

mod account;
mod admin;
mod download;
mod fetch;
mod files;
mod jobs;
mod links;
mod shares;
mod tokens;
mod upload;

use std::future::Future;

use corebox_proto::types::WhoAmI;
use tokio::runtime::Runtime;

use crate::args::{Cli, Command};
use crate::client::{Daemon, Target};
use crate::credentials::{Credentials, Environment, FoundToken, Saved, TokenSource};
use crate::exit::{CliError, Exit};
use crate::output::{self, Mode, Output};

/// What every command needs.
#[derive(Debug)]
pub struct App {
    /// The daemon to talk to.
    pub target: Target,
    /// How to print results.
    pub out: Output,
    /// What was read from the environment.
    pub env: Environment,
    runtime: Runtime,
}

impl App {
    /// Runs a future to completion on the app's runtime.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Runs a transfer that leaves a temporary file while it works, giving
    /// up at Ctrl-C: the future is dropped, so what it owns (the staged
    /// download) cleans up after itself instead of being left behind by
    /// the signal's default action.
    ///
    /// # Errors
    ///
    /// The future's error; an interrupted error (130) at Ctrl-C.
    pub fn block_on_until_ctrl_c<T>(
        &self,
        future: impl Future<Output = Result<T, CliError>>,
    ) -> Result<T, CliError> {
        self.runtime.block_on(async {
            tokio::select! {
                result = future => result,
                _ = tokio::signal::ctrl_c() => Err(CliError::new(
                    Exit::Interrupted,
                    "interrupted: nothing was saved",
                )),
            }
        })
    }

    /// The stored login for the target daemon.
    pub fn credentials(&self) -> Credentials {
        Credentials::for_endpoint(&self.target.endpoint, &self.env)
    }

    /// The token to act with.
    ///
    /// Without one, the daemon is still tried: a daemon that is down (or
    /// speaks another version) is the problem to report first, since
    /// logging in would fail on it too.
    ///
    /// # Errors
    ///
    /// An auth error naming the fix when there is no token; unreachable or
    /// protocol errors from the connection attempt; a failure when the
    /// credentials file cannot be read.
    pub fn token(&self) -> Result<FoundToken, CliError> {
        if let Some(token) = self.credentials().load()? {
            return Ok(token);
        }
        self.block_on(Daemon::connect(&self.target))?;
        Err(CliError::auth(format!(
            "not logged in to {}: run {}",
            self.target.endpoint,
            self.target.command_hint("login")
        )))
    }

    /// Connects and binds the connection to `token`.
    ///
    /// # Errors
    ///
    /// Unreachable or protocol errors from connecting; an auth error when
    /// the daemon refuses the token.
    pub async fn session(&self, token: &FoundToken) -> Result<(Daemon, WhoAmI), CliError> {
        let daemon = Daemon::connect(&self.target).await?;
        let who = daemon
            .authenticate(token.token.clone())
            .await
            .map_err(|error| match token.source {
                // The daemon's advice (log in again) is not the fix here.
                TokenSource::Env if error.exit() == Exit::Auth => CliError::auth(format!(
                    "the token in COREBOX_TOKEN was refused ({}): set it to a valid token \
                     (corebox token create), or unset it to use your login",
                    error.message().split(": log in").next().unwrap_or_default()
                )),
                _ => error,
            })?;
        Ok((daemon, who))
    }

    /// Keeps a new session token, telling the user when it went to the
    /// fallback file rather than the keyring.
    ///
    /// # Errors
    ///
    /// Fails when neither the keyring nor the file can hold it.
    pub fn save_token(&self, token: &corebox_proto::types::Secret) -> Result<(), CliError> {
        match self.credentials().save(token)? {
            Saved::Keyring => {}
            Saved::File { path, reason } => output::message(&format!(
                "no usable OS keyring ({reason}); token saved in {} (mode 0600)",
                path.display()
            )),
        }
        Ok(())
    }

    /// Forgets the stored login when `token` came from it. Failing to
    /// forget is reported but does not fail the command: the token is
    /// already dead on the daemon.
    pub fn forget(&self, token: &FoundToken) {
        if token.source.is_stored()
            && let Err(error) = self.credentials().remove()
        {
            output::message(&format!(
                "cannot remove the stored token: {}",
                error.message()
            ));
        }
    }
}

/// Runs a parsed command line.
///
/// # Errors
///
/// Whatever the command fails with.
pub fn dispatch(cli: Cli, env: Environment) -> Result<(), CliError> {
    let mode = if cli.json {
        Mode::Json
    } else if cli.quiet {
        Mode::Quiet
    } else {
        Mode::Human
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| {
            CliError::failure(format!(
                "cannot start the async runtime: {}",
                crate::exit::describe_io(&error)
            ))
        })?;
    let app = App {
        target: Target::resolve(cli.socket)?,
        out: Output::new(mode),
        env,
        runtime,
    };

    match cli.command {
        Command::Signup(args) => account::signup(&app, args),
        Command::Login(args) => account::login(&app, args),
        Command::Logout => account::logout(&app),
        Command::Whoami => account::whoami(&app),
        Command::Upload(args) => upload::run(&app, args),
        Command::Download(args) => download::run(&app, args),
        Command::Ls(args) => files::ls(&app, args),
        Command::Info { id } => files::info(&app, id),
        Command::Rename { id, name } => files::rename(&app, id, name),
        Command::Rm { ids } => files::rm(&app, ids),
        Command::Grant(args) => files::grant(&app, args),
        Command::RevokeGrant(args) => files::revoke_grant(&app, args),
        Command::Share(args) => shares::share(&app, args),
        Command::Shares(command) => shares::shares(&app, command),
        Command::Shorten(args) => links::shorten(&app, args),
        Command::Links(command) => links::links(&app, command),
        Command::Jobs(command) => jobs::jobs(&app, command),
        Command::Image(command) => jobs::image(&app, command),
        Command::Import(args) => jobs::import(&app, args),
        Command::Verify(args) => jobs::verify(&app, args),
        Command::Passwd(args) => account::passwd(&app, args),
        Command::Profile(command) => account::profile(&app, command),
        Command::Account(command) => account::account(&app, command),
        Command::Token(command) => tokens::run(&app, command),
        Command::Admin(command) => admin::run(&app, command),
    }
}

/// The outcomes of a command that acts on several files, one after
/// another, and goes on past a failure.
///
/// With one file, its failure is the command's error, printed once by
/// `lib.rs`. With several, each failure is reported as it happens and the
/// command ends with a summary carrying the first failure's exit kind. A
/// lost connection stops the loop: the files left would fail the same way.
#[derive(Debug)]
pub struct Batch {
    count: usize,
    verb: &'static str,
    succeeded: usize,
    first: Option<CliError>,
}

impl Batch {
    /// A batch of `count` files; `verb` completes "files were not ...".
    pub fn new(count: usize, verb: &'static str) -> Batch {
        Batch {
            count,
            verb,
            succeeded: 0,
            first: None,
        }
    }

    /// Counts a file done.
    pub fn succeed(&mut self) {
        self.succeeded += 1;
    }

    /// Counts a failure and, with several files, reports it now through
    /// `report`. Returns whether to stop: the connection is gone.
    pub fn fail(&mut self, error: CliError, report: impl FnOnce(&str)) -> bool {
        if self.count > 1 {
            report(error.message());
        }
        let stop = matches!(error.exit(), Exit::Unreachable | Exit::Protocol);
        self.first.get_or_insert(error);
        stop
    }

    /// The command's result.
    ///
    /// # Errors
    ///
    /// The failure of a single file, or a summary with the first failure's
    /// kind.
    pub fn finish(self) -> Result<(), CliError> {
        let Some(first) = self.first else {
            return Ok(());
        };
        if self.count == 1 {
            return Err(first);
        }
        let missed = self.count.saturating_sub(self.succeeded);
        let were = if missed == 1 { "was" } else { "were" };
        Err(CliError::new(
            first.exit(),
            format!("{missed} of {} files {were} not {}", self.count, self.verb),
        ))
    }
}

/// Seconds in a duration, rounded up so that a sub-second lifetime is not
/// sent as zero.
fn whole_secs(duration: std::time::Duration) -> u64 {
    duration
        .as_secs()
        .saturating_add(u64::from(duration.subsec_nanos() > 0))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn batch_of_one_returns_its_error_unchanged() {
        let mut batch = Batch::new(1, "removed");
        let mut reported = Vec::new();
        let stop = batch.fail(CliError::new(Exit::NotFound, "no file x"), |text| {
            reported.push(text.to_owned())
        });
        assert!(!stop);
        assert!(reported.is_empty(), "printed once, by lib.rs");
        let error = batch.finish().expect_err("fails");
        assert_eq!(error.message(), "no file x");
        assert_eq!(error.exit(), Exit::NotFound);
    }

    #[test]
    fn batch_summary_keeps_the_first_failure_kind() {
        let mut batch = Batch::new(4, "uploaded");
        let mut reported = Vec::new();
        batch.succeed();
        batch.fail(CliError::new(Exit::NotFound, "first"), |text| {
            reported.push(text.to_owned())
        });
        batch.succeed();
        let stop = batch.fail(CliError::new(Exit::Unreachable, "gone"), |text| {
            reported.push(text.to_owned())
        });
        assert!(stop, "a lost connection stops the loop");
        assert_eq!(reported, ["first", "gone"]);
        let error = batch.finish().expect_err("fails");
        assert_eq!(error.exit(), Exit::NotFound);
        assert_eq!(error.message(), "2 of 4 files were not uploaded");

        assert!(Batch::new(3, "removed").finish().is_ok());
    }

    #[test]
    fn lifetimes_round_up_to_whole_seconds() {
        assert_eq!(whole_secs(Duration::from_secs(86_400)), 86_400);
        assert_eq!(whole_secs(Duration::from_millis(1)), 1);
        assert_eq!(whole_secs(Duration::from_millis(1500)), 2);
    }
}
