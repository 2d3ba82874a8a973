//! The data-directory lock: one daemon per data directory.
//!
//! The daemon holds an exclusive advisory lock on `corebox.lock` in the data
//! directory for as long as it runs, with its process id written inside, so
//! a second daemon can say which process holds the directory. The kernel
//! drops the lock when the process dies, even by SIGKILL, so a crash never
//! leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A held lock on a data directory; released on drop.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
    path: PathBuf,
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error(
        "data directory {dir} is in use by another corebox-daemon{pid}: stop that one first, \
         or pass another --data-dir",
        dir = dir.display(),
        pid = holder.map(|pid| format!(" (pid {pid})")).unwrap_or_default()
    )]
    Held {
        /// The data directory.
        dir: PathBuf,
        /// The holder's process id, when it could be read.
        holder: Option<u32>,
    },
    /// The lock file could not be opened or written.
    #[error("cannot lock {path}: {source}", path = path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl DataDirLock {
    /// Takes the lock on `dir`, which must exist.
    ///
    /// # Errors
    ///
    /// [`LockError::Held`] when another process holds it, [`LockError::Io`]
    /// when the lock file cannot be used.
    pub fn acquire(dir: &Path) -> Result<DataDirLock, LockError> {
        let path = dir.join("corebox.lock");
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let holder = file
                    .read_to_string(&mut text)
                    .ok()
                    .and_then(|_| text.trim().parse().ok());
                return Err(LockError::Held {
                    dir: dir.to_path_buf(),
                    holder,
                });
            }
            Err(TryLockError::Error(error)) => return Err(io(error)),
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(DataDirLock { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_names_the_holder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let _held = DataDirLock::acquire(dir.path()).expect("first");
        let error = DataDirLock::acquire(dir.path()).expect_err("second");
        match &error {
            LockError::Held { holder, .. } => assert_eq!(*holder, Some(std::process::id())),
            other => panic!("unexpected {other}"),
        }
        assert!(
            error
                .to_string()
                .contains(&format!("pid {}", std::process::id()))
        );
    }

    #[test]
    fn lock_is_free_again_after_drop() {
        let dir = tempfile::tempdir().expect("temp dir");
        drop(DataDirLock::acquire(dir.path()).expect("first"));
        DataDirLock::acquire(dir.path()).expect("again");
    }
}
