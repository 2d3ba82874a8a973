//! Storage: the content-addressed blob store, upload sessions and garbage
//! collection.
//!
//! Owns the `blobs` and `uploads` tables ([`store`]) and the bytes on disk
//! ([`blobs`]). An upload is a session: chunks arrive at offsets (several in
//! flight), are written to a staging file and hashed in order as they
//! arrive; at finish the staged bytes are fsynced and renamed into the
//! store, and only then does the caller ([`crate::files`]) commit the rows
//! that point at them. Who may upload what, and quotas, are decided by
//! `files`; this module checks only that a session belongs to its caller.
//!
//! Crash safety: a row never points at a missing blob, because rows are
//! committed after the rename and removed before the unlink, and both steps
//! run under one publish lock, which garbage collection takes too. What a
//! crash can leave is extra bytes: a staging file, or a blob no row names.
//! [`Storage::collect_garbage`] removes those.

pub mod blobs;
mod output;
mod session;
pub mod store;
mod stream;

use std::collections::{HashMap, HashSet};
use std::io;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::OwnedMutexGuard;

use crate::clock::unix_now;
use crate::db::{Db, DbError};
pub use blobs::{BlobId, BlobStore};
use output::LiveOutputs;
pub use output::{Output, StoredOutput};
use session::Session;
use store::UploadRow;
pub use stream::BlobStream;

/// Failures of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No such upload session for this caller.
    #[error("no such upload session (it finished, expired or was aborted): start the upload again")]
    UnknownUpload,
    /// A chunk does not fit the session.
    #[error("{0}")]
    BadChunk(String),
    /// Finish came before every byte.
    #[error("the upload is incomplete: the daemon holds {held} of {size} bytes")]
    Incomplete {
        /// Bytes held.
        held: u64,
        /// Bytes announced.
        size: u64,
    },
    /// The content's hash is not the one claimed.
    #[error(
        "the content's SHA-256 is {actual}, not {claimed}: the upload was discarded, send it again"
    )]
    HashMismatch {
        /// What the client claimed.
        claimed: String,
        /// What the daemon computed.
        actual: String,
    },
    /// The disk failed or is full.
    #[error("storage failure: {0}")]
    Io(#[from] io::Error),
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<rusqlite::Error> for StorageError {
    fn from(error: rusqlite::Error) -> StorageError {
        StorageError::Db(DbError::Sqlite(error))
    }
}

/// A finished upload whose blob is durable on disk. Holds the publish lock
/// until dropped: commit the rows that refer to the blob before dropping it.
#[derive(Debug)]
pub struct Published {
    /// The content's id.
    pub blob: BlobId,
    /// Its size.
    pub size: u64,
    /// Media type sniffed from its first bytes.
    pub media_type: String,
    /// The upload row it came from.
    pub upload: UploadRow,
    _lock: OwnedMutexGuard<()>,
}

/// The storage subsystem.
#[derive(Debug)]
pub struct Storage {
    db: Db,
    blobs: Arc<BlobStore>,
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    publish: Arc<tokio::sync::Mutex<()>>,
    upload_ttl: Duration,
    outputs: LiveOutputs,
}

impl Storage {
    /// Opens the store under `data_dir`.
    ///
    /// # Errors
    ///
    /// The store's folders cannot be made.
    pub fn open(db: Db, data_dir: &std::path::Path, upload_ttl: Duration) -> io::Result<Storage> {
        Ok(Storage {
            db,
            blobs: Arc::new(BlobStore::open(data_dir)?),
            sessions: Mutex::new(HashMap::new()),
            publish: Arc::new(tokio::sync::Mutex::new(())),
            upload_ttl,
            outputs: LiveOutputs::default(),
        })
    }

    /// Bytes free on the store's filesystem.
    ///
    /// # Errors
    ///
    /// The filesystem cannot be queried.
    pub async fn available_bytes(&self) -> io::Result<u64> {
        let blobs = Arc::clone(&self.blobs);
        blocking(move || blobs.available_bytes()).await
    }

    /// The live session for an upload row, restored from its staging file
    /// when the daemon does not hold it in memory (after a restart). Returns
    /// the bytes held.
    ///
    /// # Errors
    ///
    /// I/O errors reading the staging file.
    pub async fn resume(&self, upload: UploadRow) -> Result<u64, StorageError> {
        let session = self.session_for(upload);
        session.restore(&self.blobs).await
    }

    fn session_for(&self, upload: UploadRow) -> Arc<Session> {
        let mut sessions = self
            .sessions
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let session = sessions
            .entry(upload.id.clone())
            .or_insert_with(|| Arc::new(Session::new(upload)));
        session.touch();
        Arc::clone(session)
    }

    /// The caller's session `id`, from memory or from its row.
    async fn session(&self, owner_id: i64, id: &str) -> Result<Arc<Session>, StorageError> {
        let cached = self
            .sessions
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .get(id)
            .cloned();
        let session = match cached {
            Some(session) => session,
            None => {
                let key = id.to_owned();
                let row = self
                    .db
                    .read(move |conn| Ok::<_, StorageError>(store::upload_by_id(conn, &key)?))
                    .await?
                    .ok_or(StorageError::UnknownUpload)?;
                self.session_for(row)
            }
        };
        // Another user's session answers exactly like a missing one.
        if session.upload().owner_id != owner_id {
            return Err(StorageError::UnknownUpload);
        }
        session.restore(&self.blobs).await?;
        session.touch();
        Ok(session)
    }

    /// Stores a chunk of upload `id` at `offset`; returns the bytes held.
    ///
    /// # Errors
    ///
    /// [`StorageError::UnknownUpload`] (also for another user's session),
    /// [`StorageError::BadChunk`] for an empty, oversized, out-of-range,
    /// overlapping or too-far-ahead chunk, I/O errors (the session then
    /// stays at the bytes held before the chunk).
    pub async fn write_chunk(
        &self,
        owner_id: i64,
        id: &str,
        offset: u64,
        data: Vec<u8>,
    ) -> Result<u64, StorageError> {
        let session = self.session(owner_id, id).await?;
        session.write(offset, data).await
    }

    /// Checks a finished upload against `claimed` (the client's SHA-256)
    /// and publishes its blob durably. The caller commits its rows while
    /// holding the returned value, then calls [`Storage::forget`].
    ///
    /// # Errors
    ///
    /// [`StorageError::Incomplete`], [`StorageError::HashMismatch`] (the
    /// session is then discarded), I/O errors.
    pub async fn publish(
        &self,
        owner_id: i64,
        id: &str,
        claimed: &str,
    ) -> Result<Published, StorageError> {
        let session = self.session(owner_id, id).await?;
        let lock = Arc::clone(&self.publish).lock_owned().await;
        let sealed = match session.seal(claimed).await {
            Ok(sealed) => sealed,
            Err(error @ StorageError::HashMismatch { .. }) => {
                drop(lock);
                self.discard(id).await?;
                return Err(error);
            }
            Err(error) => return Err(error),
        };
        let blob = sealed.blob.clone();
        let store = Arc::clone(&self.blobs);
        if let Err(error) = blocking(move || store.publish(sealed.staged, &sealed.blob)).await {
            // The staged bytes are still on disk: the next call rereads them.
            session.reset().await;
            return Err(error.into());
        }
        Ok(Published {
            blob,
            size: sealed.size,
            media_type: sealed.media_type,
            upload: session.upload().clone(),
            _lock: lock,
        })
    }

    /// Drops the in-memory state of a session whose row is gone.
    pub fn forget(&self, id: &str) {
        self.sessions
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .remove(id);
    }

    /// Abandons upload `id` of `owner_id`.
    ///
    /// # Errors
    ///
    /// [`StorageError::UnknownUpload`], database or I/O errors.
    pub async fn abort(&self, owner_id: i64, id: &str) -> Result<(), StorageError> {
        self.session(owner_id, id).await?;
        self.discard(id).await
    }

    /// Removes an upload's row, memory and staging file.
    async fn discard(&self, id: &str) -> Result<(), StorageError> {
        let key = id.to_owned();
        self.db
            .write(move |conn| Ok::<_, StorageError>(store::delete_upload(conn, &key)?))
            .await?;
        self.forget(id);
        let (store, id) = (Arc::clone(&self.blobs), id.to_owned());
        blocking(move || store.discard(&id)).await?;
        Ok(())
    }

    /// Reads up to `len` bytes of blob `id` from `offset`.
    ///
    /// # Errors
    ///
    /// I/O errors (`NotFound` if the blob vanished from disk).
    pub async fn read(&self, id: &BlobId, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let (store, id) = (Arc::clone(&self.blobs), id.clone());
        blocking(move || {
            let file = store.open_blob(&id)?;
            let size = file.metadata()?.len();
            let want = usize::try_from(size.saturating_sub(offset))
                .unwrap_or(usize::MAX)
                .min(len);
            let mut buf = vec![0; want];
            file.read_exact_at(&mut buf, offset)?;
            Ok(buf)
        })
        .await
    }

    /// Streams `len` bytes of blob `id` from `offset`, reading ahead on the
    /// blocking pool. The blob is opened before this returns, so a missing
    /// blob is an error here rather than in the middle of the stream.
    ///
    /// # Errors
    ///
    /// I/O errors opening the blob (`NotFound` if it vanished from disk).
    pub async fn read_stream(&self, id: &BlobId, offset: u64, len: u64) -> io::Result<BlobStream> {
        let (store, id) = (Arc::clone(&self.blobs), id.clone());
        let file = blocking(move || store.open_blob(&id)).await?;
        Ok(BlobStream::spawn(file, offset, len))
    }

    /// Reads all of blob `id`, refusing one larger than `max` bytes.
    ///
    /// # Errors
    ///
    /// I/O errors (`NotFound` if the blob vanished, `FileTooLarge` past
    /// `max`).
    pub async fn read_all(&self, id: &BlobId, max: u64) -> io::Result<Vec<u8>> {
        let (store, id) = (Arc::clone(&self.blobs), id.clone());
        blocking(move || {
            let file = store.open_blob(&id)?;
            let size = file.metadata()?.len();
            if size > max {
                return Err(io::Error::new(
                    io::ErrorKind::FileTooLarge,
                    format!("{size} bytes is more than the {max} allowed"),
                ));
            }
            let mut buf = vec![0; usize::try_from(size).map_err(io::Error::other)?];
            file.read_exact_at(&mut buf, 0)?;
            Ok(buf)
        })
        .await
    }

    /// Where blob `id` lives on disk, for a child process to read.
    pub fn blob_path(&self, id: &BlobId) -> std::path::PathBuf {
        self.blobs.blob_path(id)
    }

    /// Re-hashes blob `id` and says whether its content still matches its
    /// address; `None` when `cancelled` said stop. `read` is told of each
    /// chunk's size as it is hashed.
    ///
    /// # Errors
    ///
    /// I/O errors (`NotFound` if the blob vanished from disk).
    pub async fn verify_blob(
        &self,
        id: &BlobId,
        mut read: impl FnMut(u64) + Send + 'static,
        cancelled: impl Fn() -> bool + Send + 'static,
    ) -> io::Result<Option<bool>> {
        use sha2::{Digest, Sha256};
        let (store, id) = (Arc::clone(&self.blobs), id.clone());
        blocking(move || {
            let file = store.open_blob(&id)?;
            let mut hasher = Sha256::new();
            let mut buf = vec![0; 1 << 20];
            let mut offset = 0;
            loop {
                if cancelled() {
                    return Ok(None);
                }
                let got = file.read_at(&mut buf, offset)?;
                if got == 0 {
                    break;
                }
                hasher.update(&buf[..got]);
                offset += got as u64;
                read(got as u64);
            }
            Ok(Some(BlobId::from_digest(&hasher.finalize()) == id))
        })
        .await
    }

    /// A new output to write (on the blocking pool) and then publish.
    ///
    /// # Errors
    ///
    /// I/O errors creating its staging file.
    pub async fn create_output(&self) -> io::Result<Output> {
        let (store, live) = (Arc::clone(&self.blobs), Arc::clone(&self.outputs));
        blocking(move || Output::create(store, live)).await
    }

    /// Publishes a written output durably, under the publish lock that the
    /// returned value holds until the caller has committed its rows.
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub async fn publish_output(&self, output: Output) -> Result<StoredOutput, StorageError> {
        let lock = Arc::clone(&self.publish).lock_owned().await;
        let (blob, size, media_type) = blocking(move || output.publish()).await?;
        Ok(StoredOutput {
            blob,
            size,
            media_type,
            _lock: lock,
        })
    }

    /// Runs `commit`, a database write that removes rows and returns the
    /// blobs it left unreferenced, under the publish lock; then removes
    /// those blobs from disk. Rows go first, bytes after, so a crash in
    /// between leaves only bytes for [`Storage::collect_garbage`].
    ///
    /// # Errors
    ///
    /// Whatever `commit` returns; I/O errors removing the blobs.
    pub async fn remove_with<T, E, F>(&self, commit: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + From<StorageError> + Send + 'static,
        F: FnOnce(&mut rusqlite::Connection) -> Result<(T, Vec<BlobId>), E> + Send + 'static,
    {
        let _lock = self.publish.lock().await;
        let (value, freed) = self.db.write(commit).await?;
        let store = Arc::clone(&self.blobs);
        blocking(move || freed.iter().try_for_each(|id| store.delete(id)))
            .await
            .map_err(StorageError::from)?;
        Ok(value)
    }

    /// Removes what nothing refers to: blob rows no file names (and their
    /// bytes), blob files without a row, staging files without an upload
    /// row, and uploads untouched for longer than the upload lifetime.
    /// Returns how many blobs and staging files it removed.
    ///
    /// # Errors
    ///
    /// Database or I/O errors; what was removed before stays removed.
    pub async fn collect_garbage(&self) -> Result<(usize, usize), StorageError> {
        let _lock = self.publish.lock().await;
        let cutoff = unix_now() - i64::try_from(self.upload_ttl.as_secs()).unwrap_or(i64::MAX);
        let live: Vec<String> = self
            .sessions
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .values()
            .filter(|session| !session.is_idle_longer_than(self.upload_ttl))
            .map(|session| session.upload().id.clone())
            .collect();
        let (freed, expired, recorded, uploads) = self
            .db
            .write(move |conn| {
                let tx = conn.transaction()?;
                let freed = store::delete_unreferenced_blobs(&tx)?;
                let mut expired = Vec::new();
                for id in store::stale_uploads(&tx, cutoff)? {
                    if !live.contains(&id) {
                        store::delete_upload(&tx, &id)?;
                        expired.push(id);
                    }
                }
                let recorded = store::blob_ids(&tx)?;
                let uploads = store::upload_ids(&tx)?;
                tx.commit()?;
                Ok::<_, StorageError>((freed, expired, recorded, uploads))
            })
            .await?;
        for id in &expired {
            self.forget(id);
        }
        let store = Arc::clone(&self.blobs);
        let writing = self
            .outputs
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone();
        let removed = blocking(move || {
            let recorded: HashSet<String> = recorded.into_iter().collect();
            let mut uploads: HashSet<String> = uploads.into_iter().collect();
            // Outputs being written by jobs are not leftovers.
            uploads.extend(writing);
            let mut blobs = 0;
            for id in &freed {
                store.delete(id)?;
                blobs += 1;
            }
            for id in store.blob_ids()? {
                if !recorded.contains(id.as_str()) {
                    store.delete(&id)?;
                    blobs += 1;
                }
            }
            let mut staged = 0;
            for upload in store.staged_uploads()? {
                if !uploads.contains(&upload) {
                    store.discard(&upload)?;
                    staged += 1;
                }
            }
            Ok::<_, io::Error>((blobs, staged))
        })
        .await?;
        // Sessions whose rows vanished (their owner was deleted) go too.
        let rows = self
            .db
            .read(|conn| Ok::<_, StorageError>(store::upload_ids(conn)?))
            .await?;
        self.sessions
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .retain(|id, _| rows.contains(id));
        Ok(removed)
    }
}

/// Runs blocking file work on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| io::Error::other(format!("storage task failed: {error}")))?
}

#[cfg(test)]
mod tests;
