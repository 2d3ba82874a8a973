//! Regenerates the committed shell completions and man pages:
//! `cargo run -p corebox-tests --bin corebox-gen`.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    match corebox_tests::generate(&root) {
        Ok(files) => {
            for file in files {
                let shown = file.strip_prefix(&root).unwrap_or(&file);
                println!("{}", shown.display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("corebox-gen: {error}");
            ExitCode::FAILURE
        }
    }
}
