//! The `corebox` binary; everything is in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    corebox_cli::run()
}
