//! The `corebox` command-line client, as a library.
//!
//! [`command`] is the full clap definition, for the generators of shell
//! completions and man pages; [`run`] is the whole program, which `main.rs`
//! only calls. Everything else is private: `args` (the command line),
//! `commands` (what each command does), `client` (calls to the daemon),
//! `transfer` (moving file contents: chunks, hashes, progress bars),
//! `credentials` (where the token is kept), `input` (prompts and stdin),
//! `output` (printing) and `exit` (errors and exit codes).

mod args;
mod client;
mod commands;
mod credentials;
mod exit;
mod input;
mod output;
mod transfer;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::args::Cli;
use crate::credentials::Environment;

/// The complete `corebox` command line, with the environment variables and
/// exit codes in its long help.
pub fn command() -> clap::Command {
    Cli::command().after_long_help(format!(
        "{}\n\n{}",
        args::ENVIRONMENT_HELP,
        exit::EXIT_CODES_HELP
    ))
}

/// Runs `corebox` with the process's arguments and environment, and returns
/// the exit code documented in `--help`.
pub fn run() -> ExitCode {
    run_with(std::env::args_os())
}

/// Runs `corebox` with the given arguments (the first is the program name)
/// and the process's environment.
pub fn run_with<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match command()
        .try_get_matches_from(args)
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with 0; usage errors to stderr
            // with 2. A closed stream leaves nothing to report to.
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    match commands::dispatch(cli, Environment::from_process()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            output::message(error.message());
            error.exit().into()
        }
    }
}
