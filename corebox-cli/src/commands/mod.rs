//! What each command does, and the context they share.
//!
//! [`dispatch`] hands a parsed command line to the module for its group:
//! `account` (signup, login, logout, whoami, passwd, profile, account),
//! `tokens` and `admin`. They share an [`App`]: the target daemon, the
//! output mode, the environment and a runtime to run calls on.
//!
//! Commands gather their input (prompts, stdin) before connecting, outside
//! the runtime, so a blocking read never stalls the connection's tasks and
//! a typo in a flag never costs a round trip.

mod account;
mod admin;
mod tokens;

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
                TokenSource::Env if error.exit() == Exit::Auth => CliError::auth(format!(
                    "the token in COREBOX_TOKEN was refused: {}",
                    error.message()
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
        Command::Passwd(args) => account::passwd(&app, args),
        Command::Profile(command) => account::profile(&app, command),
        Command::Account(command) => account::account(&app, command),
        Command::Token(command) => tokens::run(&app, command),
        Command::Admin(command) => admin::run(&app, command),
    }
}

/// Seconds in a duration, rounded up so that a sub-second lifetime is not
/// sent as zero.
fn whole_secs(duration: std::time::Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn lifetimes_round_up_to_whole_seconds() {
        assert_eq!(whole_secs(Duration::from_secs(86_400)), 86_400);
        assert_eq!(whole_secs(Duration::from_millis(1)), 1);
        assert_eq!(whole_secs(Duration::from_millis(1500)), 2);
    }
}
