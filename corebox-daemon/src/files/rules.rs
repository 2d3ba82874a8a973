//! The rules every file operation applies: name checks, size limits and
//! quotas, and the errors that say which rule was broken.

use rusqlite::Connection;

use crate::accounts::store as users;
use crate::auth::AuthError;
use crate::db::DbError;
use crate::storage::store as storage_store;
use crate::storage::{BlobId, StorageError};
use crate::units::Size;

use super::store;

/// Longest file name, in bytes.
pub const MAX_NAME_BYTES: usize = 255;

/// Size limits that apply to every upload.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Quota for users without one of their own; `None` for no limit.
    pub default_quota: Option<u64>,
    /// Largest file accepted; `None` for no limit.
    pub max_file_size: Option<u64>,
    /// Free disk space that uploads must leave untouched.
    pub disk_reserve: u64,
}

/// Failures of file operations.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    /// A name or other field breaks a rule.
    #[error("{0}")]
    Invalid(String),
    /// No such file for this caller.
    #[error("no such file: see corebox ls")]
    NotFound,
    /// The caller may read the file but not change it.
    #[error("this file was shared with you to read; only its owner can change it")]
    ReadOnly,
    /// No user by that name.
    #[error("no user named '{0}'")]
    UserNotFound(String),
    /// The file is larger than the daemon accepts.
    #[error("{size} is larger than the {max} this daemon accepts per file")]
    TooLarge {
        /// The file's size.
        size: Size,
        /// The limit.
        max: Size,
    },
    /// The upload would exceed the user's quota.
    #[error(
        "storing {size} more would exceed your quota: {used} of {quota} in use{}",
        held_note(*pending)
    )]
    QuotaExceeded {
        /// The file's size.
        size: Size,
        /// Bytes in use, open uploads included.
        used: Size,
        /// The part of `used` held for unfinished uploads.
        pending: Size,
        /// The quota.
        quota: Size,
    },
    /// The upload would eat into the disk's free-space reserve.
    #[error(
        "storing {size} would leave less than the {reserve} reserve free on disk ({available} free)"
    )]
    DiskReserve {
        /// The file's size.
        size: Size,
        /// Bytes free now.
        available: Size,
        /// The reserve.
        reserve: Size,
    },
    /// Storage failure or refusal.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Authentication or permission failure.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Says how much of the space in use unfinished uploads hold, and how to
/// get it back: they are invisible in `corebox ls`.
fn held_note(pending: Size) -> String {
    if pending.0 == 0 {
        String::new()
    } else {
        format!(
            " ({pending} of it held for unfinished uploads: rerun an interrupted upload to \
             finish it; abandoned ones let go of it when they expire)"
        )
    }
}

impl From<rusqlite::Error> for FilesError {
    fn from(error: rusqlite::Error) -> FilesError {
        FilesError::Db(DbError::Sqlite(error))
    }
}

/// Checks a file name: 1 to 255 bytes, no `/`, NUL or other control
/// characters, and not `.` or `..`.
///
/// # Errors
///
/// [`FilesError::Invalid`] saying what is wrong and ending with `fix`,
/// which the caller words for its command.
pub fn check_name(name: &str, fix: &str) -> Result<(), FilesError> {
    let problem = if name.is_empty() {
        Some("a file name cannot be empty")
    } else if name.len() > MAX_NAME_BYTES {
        Some("a file name is at most 255 bytes")
    } else if name.contains('/') {
        Some("a file name cannot contain '/'")
    } else if name.chars().any(char::is_control) {
        Some("a file name cannot contain control characters")
    } else if name == "." || name == ".." {
        Some("a file name cannot be '.' or '..'")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(FilesError::Invalid(format!("{problem}: {fix}"))),
        None => Ok(()),
    }
}

pub(super) fn parse_sha256(hex: &str) -> Result<BlobId, FilesError> {
    BlobId::parse(hex)
        .ok_or_else(|| FilesError::Invalid("a SHA-256 is 64 hexadecimal digits".to_owned()))
}

/// Refuses `size` more bytes for `owner` when it would pass their quota.
pub fn check_quota(
    conn: &Connection,
    owner: i64,
    size: u64,
    default_quota: Option<u64>,
) -> Result<(), FilesError> {
    let user = users::user_by_id(conn, owner)?.ok_or(AuthError::TokenInvalid)?;
    let Some(quota) = user.quota_bytes.or(default_quota) else {
        return Ok(());
    };
    let pending = storage_store::reserved_bytes(conn, owner)?;
    let used = store::used_bytes(conn, owner)?.saturating_add(pending);
    if used.saturating_add(size) > quota {
        return Err(FilesError::QuotaExceeded {
            size: Size(size),
            used: Size(used),
            pending: Size(pending),
            quota: Size(quota),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rules() {
        for good in [
            "a",
            "report.pdf",
            "with space.txt",
            "ünïcødé.txt",
            "..hidden",
            &"n".repeat(255),
        ] {
            check_name(good, "fix").unwrap_or_else(|e| panic!("{good:?}: {e}"));
        }
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "../etc/passwd",
            "nul\0byte",
            "line\nbreak",
            "\u{7f}",
            &"n".repeat(256),
        ] {
            let error = check_name(bad, "choose another").expect_err(bad);
            assert!(error.to_string().ends_with(": choose another"), "{error}");
        }
    }
}
