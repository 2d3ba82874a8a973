//! The `corebox` command-line client, as a library.
//!
//! [`command`] is the full clap definition, for the generators of shell
//! completions and man pages; [`run`] is the whole program, which `main.rs`
//! only calls. Everything else is private: `args` (the command line),
//! `commands` (what each command does), `client` (calls to the daemon),
//! `http` (downloading share URLs over HTTP(S)),
//! `transfer` (moving file contents: chunks, hashes, progress bars),
//! `credentials` (where the token is kept), `input` (prompts and stdin),
//! `output` (printing) and `exit` (errors and exit codes).

mod args;
mod client;
mod commands;
mod credentials;
mod exit;
mod http;
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
    http::install_crypto();
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match command()
        .try_get_matches_from(&args)
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => {
            // Help and version go to stdout with 0. A closed stream leaves
            // nothing to report to.
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            let error = exit::CliError::from_clap(&error, &command_path(&args));
            output::message(error.message());
            return error.exit().into();
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

/// The (sub)command that `args` name, as typed: `corebox share`. Words
/// that are not subcommands (flags, their values, positionals) are passed
/// over; the walk ends at a command without subcommands.
fn command_path(args: &[OsString]) -> String {
    let mut command = command();
    let mut path = vec![command.get_name().to_owned()];
    for arg in args.iter().skip(1) {
        if command.get_subcommands().next().is_none() {
            break;
        }
        let Some(word) = arg.to_str().filter(|word| !word.starts_with('-')) else {
            continue;
        };
        let Some(sub) = command.find_subcommand(word).cloned() else {
            continue;
        };
        path.push(sub.get_name().to_owned());
        command = sub;
    }
    path.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_path_follows_subcommands_only() {
        let path = |args: &[&str]| {
            let args: Vec<OsString> = args.iter().map(OsString::from).collect();
            command_path(&args)
        };
        assert_eq!(
            path(&["corebox", "share", "abc", "--max-downloads", "0"]),
            "corebox share"
        );
        assert_eq!(
            path(&["corebox", "--socket", "/s", "admin", "users", "ls"]),
            "corebox admin users ls"
        );
        assert_eq!(path(&["corebox", "rename", "id", "ls"]), "corebox rename");
        assert_eq!(path(&["corebox", "uplod"]), "corebox");
    }
}
