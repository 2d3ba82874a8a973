//! Committing the file a job made: its blob row, its file row (a variant
//! of its original, for a thumbnail) and the owner's quota, in the
//! transaction that marks the job succeeded.

use corebox_proto::types::JobOutcome;

use super::{Commit, Failure};
use crate::auth::Actor;
use crate::clock::unix_now;
use crate::files::store::{self as files_store, FileRow};
use crate::files::{FilesError, check_quota};
use crate::storage::StoredOutput;
use crate::storage::store as storage_store;

/// A file a job made, to record.
#[derive(Debug)]
pub struct NewFile {
    /// Its name.
    pub name: String,
    /// The original it is a variant of (thumbnails).
    pub variant_of: Option<String>,
    /// Its published content; holds the publish lock until committed.
    pub stored: StoredOutput,
}

/// The commit step that records `file` for `actor` and names it in the
/// job's outcome. Refused past the owner's quota.
pub fn commit_file(actor: &Actor, file: NewFile, default_quota: Option<u64>) -> Commit {
    let (owner_id, owner) = (actor.user_id, actor.username.clone());
    Box::new(move |tx, outcome: &mut JobOutcome| {
        let NewFile {
            name,
            variant_of,
            stored,
        } = file;
        check_quota(tx, owner_id, stored.size, default_quota).map_err(|error| match error {
            FilesError::QuotaExceeded { .. } => Failure::Permanent(error.to_string()),
            other => Failure::Retry(other.to_string()),
        })?;
        let now = unix_now();
        storage_store::ensure_blob(tx, &stored.blob, stored.size, now)?;
        if let Some(original) = &variant_of
            && files_store::file_by_id(tx, original)?.is_none()
        {
            return Err(Failure::Permanent(
                "the original was deleted meanwhile".to_owned(),
            ));
        }
        let row = FileRow {
            id: hex::encode(rand::random::<[u8; 8]>()),
            owner_id,
            owner,
            name,
            size: stored.size,
            sha256: stored.blob.to_string(),
            media_type: stored.media_type.clone(),
            created_at: now,
            quarantine: None,
            variant_of,
            thumbnail: None,
        };
        files_store::insert_file(tx, &row)?;
        outcome.file_id = Some(row.id);
        outcome.file_name = Some(row.name);
        outcome.bytes_after = Some(stored.size);
        // The blob has its row now; garbage collection may run again.
        drop(stored);
        Ok(())
    })
}
