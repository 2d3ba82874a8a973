//! Spooling a stream of unknown length (stdin, a pipe) into a temporary
//! file, so it can be uploaded like a file: the daemon needs the exact size
//! up front to check the quota.
//!
//! The spool is an unnamed temporary file (it has no path and vanishes when
//! closed, even if corebox is killed) in the cache directory, which is
//! usually on a real disk, or else in the system temporary directory. Its
//! SHA-256 is computed while spooling, so the upload can start by asking
//! the daemon whether it already holds that content.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::hash_cache::{cache_dir, ensure_dir};
use crate::exit::{CliError, describe_io};

/// Size of the one buffer the copy goes through.
const BUFFER_BYTES: usize = 1 << 20;

/// A spooled stream.
#[derive(Debug)]
pub struct Spooled {
    /// The temporary file, positioned at its start.
    pub file: File,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256 as lowercase hex.
    pub sha256: String,
}

/// Copies `reader` to its end into a new temporary file. `label` names the
/// stream in messages (`stdin`, or a path).
///
/// # Errors
///
/// A failure when no temporary file can be made, or the stream cannot be
/// read or the file written (a full disk).
pub fn spool(reader: impl Read, label: &str) -> Result<Spooled, CliError> {
    let (file, dir) = temporary_file()?;
    spool_into(reader, file, label, &dir)
}

/// A new unnamed file in the cache directory, else the system's.
fn temporary_file() -> Result<(File, PathBuf), CliError> {
    if let Some(dir) = cache_dir()
        && ensure_dir(&dir).is_ok()
        && let Ok(file) = tempfile::tempfile_in(&dir)
    {
        return Ok((file, dir));
    }
    let dir = std::env::temp_dir();
    let file = tempfile::tempfile_in(&dir).map_err(|error| {
        CliError::failure(format!(
            "cannot make a temporary file in {} to hold the input: {}: set TMPDIR to a \
             writable directory",
            dir.display(),
            describe_io(&error)
        ))
    })?;
    Ok((file, dir))
}

fn spool_into(
    mut reader: impl Read,
    mut file: File,
    label: &str,
    dir: &Path,
) -> Result<Spooled, CliError> {
    let write_error = |error: io::Error| {
        CliError::failure(format!(
            "cannot hold {label} in a temporary file in {}: {}: free some space there, or set \
             XDG_CACHE_HOME or TMPDIR to a roomier place",
            dir.display(),
            describe_io(&error)
        ))
    };
    let mut buffer = vec![0u8; BUFFER_BYTES];
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                return Err(CliError::failure(format!(
                    "cannot read {label}: {}",
                    describe_io(&error)
                )));
            }
        };
        hasher.update(&buffer[..read]);
        file.write_all(&buffer[..read]).map_err(write_error)?;
        size += read as u64;
    }
    file.seek(SeekFrom::Start(0)).map_err(write_error)?;
    Ok(Spooled {
        file,
        size,
        sha256: hex::encode(hasher.finalize()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spool_keeps_bytes_size_and_hash() {
        let input: Vec<u8> = (0..3 * BUFFER_BYTES / 2).map(|i| (i % 7) as u8).collect();
        let file = tempfile::tempfile().expect("temp");
        let mut spooled = spool_into(&input[..], file, "stdin", Path::new("/tmp")).expect("spools");
        assert_eq!(spooled.size, input.len() as u64);
        assert_eq!(spooled.sha256, hex::encode(Sha256::digest(&input)));
        let mut back = Vec::new();
        spooled.file.read_to_end(&mut back).expect("read back");
        assert_eq!(back, input);
    }

    #[test]
    fn read_failure_names_the_stream() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::from(io::ErrorKind::BrokenPipe))
            }
        }
        let file = tempfile::tempfile().expect("temp");
        let error = spool_into(Broken, file, "stdin", Path::new("/tmp")).expect_err("fails");
        assert_eq!(error.message(), "cannot read stdin: broken pipe");
    }
}
