//! Committing the file a job made: its blob row, its file row (a variant
//! of its original, for a thumbnail) and the owner's quota, in the
//! transaction that marks the job succeeded.
//!
//! A made file is held back like an upload: a copy of a held file (a
//! resize, a compression, a thumbnail) is held for the same reason, read
//! in the same transaction; with an upload check configured, any other
//! new file but a thumbnail waits for its own check. A thumbnail follows
//! its original: the check of the original settles both.

use corebox_proto::types::JobOutcome;

use super::{Commit, Failure};
use crate::auth::Actor;
use crate::clock::unix_now;
use crate::files::store::{self as files_store, FileRow};
use crate::files::{FilesError, Limits, check_quota};
use crate::jobs::{AWAITING_CHECK, Jobs};
use crate::storage::StoredOutput;
use crate::storage::store as storage_store;
use crate::units::Size;

/// A file a job made, to record.
#[derive(Debug)]
pub struct NewFile {
    /// Its name.
    pub name: String,
    /// The original it is a variant of (thumbnails).
    pub variant_of: Option<String>,
    /// The file its content was made from (a resize or a compression).
    pub source: Option<String>,
    /// Its published content; holds the publish lock until committed.
    pub stored: StoredOutput,
}

/// Refuses a file of `size` bytes past the largest file size.
///
/// # Errors
///
/// [`Failure::Permanent`] with the numbers.
pub fn check_file_size(limits: &Limits, size: u64) -> Result<(), Failure> {
    match limits.max_file_size.filter(|max| size > *max) {
        Some(max) => Err(Failure::Permanent(
            FilesError::TooLarge {
                size: Size(size),
                max: Size(max),
            }
            .to_string(),
        )),
        None => Ok(()),
    }
}

/// A refused quota check as a job failure: over quota is final, anything
/// else (the database) is retried.
pub fn quota_failure(error: FilesError) -> Failure {
    match error {
        FilesError::QuotaExceeded { .. } => Failure::Permanent(error.to_string()),
        other => Failure::Retry(other.to_string()),
    }
}

/// The commit step that records `file` for `actor` (a thumbnail for its
/// original's owner) and names it in the job's outcome. Refused, as an
/// upload would be, past the largest file size, into the disk's free-space
/// reserve or past the owner's quota.
///
/// # Errors
///
/// [`Failure::Permanent`] with the numbers, for a broken limit.
pub async fn commit_file(jobs: &Jobs, actor: &Actor, file: NewFile) -> Result<Commit, Failure> {
    let limits = jobs.inner.config.limits;
    let size = file.stored.size;
    check_file_size(&limits, size)?;
    // The result is on disk already: what is free must still cover the
    // reserve.
    let available = jobs
        .inner
        .storage
        .available_bytes()
        .await
        .map_err(|error| Failure::Retry(format!("cannot read the free disk space: {error}")))?;
    if available < limits.disk_reserve {
        let error = FilesError::DiskReserve {
            size: Size(size),
            available: Size(available),
            reserve: Size(limits.disk_reserve),
        };
        return Err(Failure::Permanent(error.to_string()));
    }
    let (actor_id, actor_name) = (actor.user_id, actor.username.clone());
    let checked = jobs.has_upload_hook();
    Ok(Box::new(move |tx, outcome: &mut JobOutcome| {
        let NewFile {
            name,
            variant_of,
            source,
            stored,
        } = file;
        let from = match variant_of.as_ref().or(source.as_ref()) {
            Some(from) => files_store::file_by_id(tx, from)?,
            None => None,
        };
        if variant_of.is_some() && from.is_none() {
            return Err(Failure::Permanent(
                "the original was deleted meanwhile".to_owned(),
            ));
        }
        // A thumbnail belongs with its original, whoever asked for it.
        let (owner_id, owner) = match (&variant_of, &from) {
            (Some(_), Some(original)) => (original.owner_id, original.owner.clone()),
            _ => (actor_id, actor_name),
        };
        check_quota(tx, owner_id, stored.size, limits.default_quota).map_err(quota_failure)?;
        let now = unix_now();
        storage_store::ensure_blob(tx, &stored.blob, stored.size, now)?;
        let inherited = from.and_then(|from| from.quarantine);
        let quarantine = inherited
            .or_else(|| (checked && variant_of.is_none()).then(|| AWAITING_CHECK.to_owned()));
        let row = FileRow {
            id: hex::encode(rand::random::<[u8; 8]>()),
            owner_id,
            owner,
            name,
            size: stored.size,
            sha256: stored.blob.to_string(),
            media_type: stored.media_type.clone(),
            created_at: now,
            quarantine,
            variant_of,
            thumbnail: None,
        };
        // One thumbnail per original: a new one replaces the old.
        if let Some(original) = &row.variant_of {
            files_store::delete_variants(tx, original)?;
        }
        files_store::insert_file(tx, &row)?;
        outcome.file_id = Some(row.id);
        outcome.file_name = Some(row.name);
        outcome.bytes_after = Some(stored.size);
        // The blob has its row now; garbage collection may run again.
        drop(stored);
        Ok(())
    }))
}
