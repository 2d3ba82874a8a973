//! Content made inside the daemon (a job's thumbnail, an imported URL):
//! written to a staging file and hashed as it is written, then published
//! into the store like an upload.
//!
//! An output is staged beside the uploads, under a name no upload has
//! (`out-…`), and listed as live while it is written, so garbage collection
//! leaves it alone; dropping it unpublished removes its staging file.

use std::collections::HashSet;
use std::io;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use tokio::sync::OwnedMutexGuard;

use super::blobs::{BlobId, BlobStore, Staged};
use super::session::{HEAD_BYTES, sniff};

/// Outputs being written, by staging name.
pub(super) type LiveOutputs = Arc<Mutex<HashSet<String>>>;

/// An output being written. Its methods block: call them on the blocking
/// pool.
#[derive(Debug)]
pub struct Output {
    name: String,
    staged: Option<Staged>,
    store: Arc<BlobStore>,
    live: LiveOutputs,
    hasher: Sha256,
    len: u64,
    head: Vec<u8>,
}

impl Output {
    pub(super) fn create(store: Arc<BlobStore>, live: LiveOutputs) -> io::Result<Output> {
        let name = format!("out-{}", hex::encode(rand::random::<[u8; 12]>()));
        live.lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .insert(name.clone());
        let staged = store.stage(&name)?;
        Ok(Output {
            name,
            staged: Some(staged),
            store,
            live,
            hasher: Sha256::new(),
            len: 0,
            head: Vec::new(),
        })
    }

    /// Appends `data`.
    ///
    /// # Errors
    ///
    /// I/O errors (a full disk among them).
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        let staged = self
            .staged
            .as_ref()
            .ok_or_else(|| io::Error::other("the output was already published"))?;
        staged.write_at(self.len, data)?;
        self.hasher.update(data);
        if self.head.len() < HEAD_BYTES {
            let take = data.len().min(HEAD_BYTES - self.head.len());
            self.head.extend_from_slice(&data[..take]);
        }
        self.len += data.len() as u64;
        Ok(())
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Makes the bytes durable and publishes them; returns the content id
    /// and its sniffed media type.
    pub(super) fn publish(mut self) -> io::Result<(BlobId, u64, String)> {
        let staged = self
            .staged
            .take()
            .ok_or_else(|| io::Error::other("the output was already published"))?;
        let blob = BlobId::from_digest(&self.hasher.clone().finalize());
        self.store.publish(staged, &blob)?;
        Ok((blob, self.len, sniff(&self.head)))
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if self.staged.take().is_some() {
            let _ = self.store.discard(&self.name);
        }
        self.live
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .remove(&self.name);
    }
}

/// A published output whose blob is durable on disk. Holds the publish
/// lock until dropped: commit the rows that refer to the blob first.
#[derive(Debug)]
pub struct StoredOutput {
    /// The content's id.
    pub blob: BlobId,
    /// Its size.
    pub size: u64,
    /// Media type sniffed from its first bytes.
    pub media_type: String,
    pub(super) _lock: OwnedMutexGuard<()>,
}
