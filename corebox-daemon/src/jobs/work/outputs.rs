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
use crate::files::{FilesError, check_quota};
use crate::jobs::{AWAITING_CHECK, Jobs};
use crate::storage::StoredOutput;
use crate::storage::store as storage_store;

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

/// The commit step that records `file` for `actor` and names it in the
/// job's outcome. Refused past the owner's quota.
pub fn commit_file(jobs: &Jobs, actor: &Actor, file: NewFile) -> Commit {
    let (owner_id, owner) = (actor.user_id, actor.username.clone());
    let default_quota = jobs.inner.config.default_quota;
    let checked = jobs.has_upload_hook();
    Box::new(move |tx, outcome: &mut JobOutcome| {
        let NewFile {
            name,
            variant_of,
            source,
            stored,
        } = file;
        check_quota(tx, owner_id, stored.size, default_quota).map_err(|error| match error {
            FilesError::QuotaExceeded { .. } => Failure::Permanent(error.to_string()),
            other => Failure::Retry(other.to_string()),
        })?;
        let now = unix_now();
        storage_store::ensure_blob(tx, &stored.blob, stored.size, now)?;
        let inherited = match variant_of.as_ref().or(source.as_ref()) {
            Some(from) => match files_store::file_by_id(tx, from)? {
                Some(from) => from.quarantine,
                None if variant_of.is_some() => {
                    return Err(Failure::Permanent(
                        "the original was deleted meanwhile".to_owned(),
                    ));
                }
                None => None,
            },
            None => None,
        };
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
        files_store::insert_file(tx, &row)?;
        outcome.file_id = Some(row.id);
        outcome.file_name = Some(row.name);
        outcome.bytes_after = Some(stored.size);
        // The blob has its row now; garbage collection may run again.
        drop(stored);
        Ok(())
    })
}
