//! `verify`: re-hashes stored content against its address. A user checks
//! the content of their own files; an admin may check the whole store.
//! Content that no longer matches (or is missing from disk) is reported in
//! the outcome; the job itself succeeds, since the check was done.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use corebox_proto::types::JobOutcome;
use tokio_util::sync::CancellationToken;

use super::{Done, Failure, Progress};
use crate::auth::Actor;
use crate::files::store as files_store;
use crate::jobs::{Jobs, JobsError};
use crate::storage::BlobId;
use crate::storage::store as storage_store;
use crate::units::Size;

/// Checks `actor`'s content, or with `all` the whole store.
pub async fn run(
    jobs: &Jobs,
    actor: &Actor,
    all: bool,
    token: &CancellationToken,
    progress: &Progress,
) -> Result<Done, Failure> {
    if all && actor.require_admin().is_err() {
        return Err(Failure::Permanent(
            "only an admin may verify the whole store".to_owned(),
        ));
    }
    let owner = actor.user_id;
    let blobs = jobs
        .inner
        .db
        .read(move |conn| {
            Ok::<_, JobsError>(if all {
                storage_store::blob_sizes(conn)?
            } else {
                files_store::owned_blobs(conn, owner)?
            })
        })
        .await?;
    let total: u64 = blobs.iter().map(|(_, size)| size).sum::<u64>().max(1);
    let done = Arc::new(AtomicU64::new(0));
    let mut mismatched = Vec::new();
    for (index, (hex, _)) in blobs.iter().enumerate() {
        let message = format!("checking {} of {}", index + 1, blobs.len());
        progress
            .report(done.load(Ordering::Relaxed) as f64 / total as f64, &message)
            .await;
        let Some(id) = BlobId::parse(hex) else {
            mismatched.push(hex.clone());
            continue;
        };
        let (counter, stop) = (Arc::clone(&done), token.clone());
        let checked = jobs
            .inner
            .storage
            .verify_blob(
                &id,
                move |bytes| {
                    counter.fetch_add(bytes, Ordering::Relaxed);
                },
                move || stop.is_cancelled(),
            )
            .await;
        match checked {
            Ok(Some(true)) => {}
            Ok(Some(false)) => {
                tracing::error!(blob = %id, "stored content does not match its address");
                mismatched.push(id.to_string());
            }
            Ok(None) => return Err(Failure::Retry("stopped".to_owned())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                tracing::error!(blob = %id, "stored content is missing from disk");
                mismatched.push(id.to_string());
            }
            Err(error) => return Err(Failure::Retry(format!("cannot read {id}: {error}"))),
        }
    }
    let bytes = done.load(Ordering::Relaxed);
    let checked = blobs.len() as u64;
    let summary = if mismatched.is_empty() {
        format!(
            "checked {checked} stored contents ({}): all match",
            Size(bytes)
        )
    } else {
        format!(
            "checked {checked} stored contents: {} do not match their address or are missing",
            mismatched.len()
        )
    };
    Ok(Done {
        outcome: JobOutcome {
            summary,
            checked: Some(checked),
            mismatched,
            ..JobOutcome::default()
        },
        commit: None,
    })
}
