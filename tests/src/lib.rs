//! Generated documentation for both binaries: shell completions (bash, zsh,
//! fish) into `completions/` and man pages into `man/`, all from the clap
//! definitions. `cargo run -p corebox-tests --bin corebox-gen` rewrites
//! them; the `generated_docs_are_fresh` test fails when they are stale.
//!
//! The end-to-end tests of this package live in `tests/e2e/`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use clap_complete::Shell;

/// The binaries documented, by name, with their clap definitions.
fn commands() -> [(&'static str, clap::Command); 2] {
    [
        ("corebox", corebox_cli::command()),
        ("corebox-daemon", corebox_daemon::command()),
    ]
}

/// Writes every generated file under `root` (the workspace root), replacing
/// the `completions/` and `man/` folders. Returns the paths written.
///
/// # Errors
///
/// Filesystem failures.
pub fn generate(root: &Path) -> io::Result<Vec<PathBuf>> {
    let completions = root.join("completions");
    let man = root.join("man");
    for dir in [&completions, &man] {
        if dir.exists() {
            fs::remove_dir_all(dir)?;
        }
        fs::create_dir_all(dir)?;
    }
    let mut written = Vec::new();
    for (name, command) in commands() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut command = command.clone();
            written.push(clap_complete::generate_to(
                shell,
                &mut command,
                name,
                &completions,
            )?);
        }
        clap_mangen::generate_to(command, &man)?;
    }
    written.extend(
        fs::read_dir(&man)?
            .map(|entry| entry.map(|entry| entry.path()))
            .collect::<io::Result<Vec<_>>>()?,
    );
    written.sort();
    written.dedup();
    Ok(written)
}
