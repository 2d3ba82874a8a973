//! One upload session in memory: its staging file, the running SHA-256 of
//! the bytes held so far, and the order in which chunks may land.
//!
//! Chunks may arrive out of order (a client keeps several in flight and
//! tarpc runs each call as its own task), but the hash needs the bytes in
//! order, so a chunk waits, for a bounded time, until the bytes before it
//! are held. A chunk far ahead of what is held, or overlapping it, is
//! refused at once.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use corebox_proto::types::MAX_CHUNK_BYTES;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use super::blobs::{BlobId, BlobStore, Staged};
use super::store::UploadRow;
use super::{StorageError, blocking};

/// Bytes kept from the start of the content for sniffing its type.
pub(super) const HEAD_BYTES: usize = 8192;
/// How far beyond the bytes held a chunk may start.
const MAX_AHEAD: u64 = 64 << 20;
/// How long a chunk waits for the bytes before it.
const TURN_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, Default)]
struct State {
    staged: Option<Arc<Staged>>,
    hasher: Sha256,
    held: u64,
    head: Vec<u8>,
    restored: bool,
}

/// A finished, verified upload, ready to publish.
#[derive(Debug)]
pub struct Sealed {
    pub staged: Staged,
    pub blob: BlobId,
    pub size: u64,
    pub media_type: String,
}

/// An upload in progress.
#[derive(Debug)]
pub struct Session {
    upload: UploadRow,
    state: tokio::sync::Mutex<State>,
    held: watch::Sender<u64>,
    touched: Mutex<Instant>,
}

impl Session {
    pub fn new(upload: UploadRow) -> Session {
        Session {
            upload,
            state: tokio::sync::Mutex::new(State::default()),
            held: watch::Sender::new(0),
            touched: Mutex::new(Instant::now()),
        }
    }

    pub fn upload(&self) -> &UploadRow {
        &self.upload
    }

    pub fn touch(&self) {
        *self
            .touched
            .lock()
            .unwrap_or_else(|poison| poison.into_inner()) = Instant::now();
    }

    pub fn is_idle_longer_than(&self, limit: Duration) -> bool {
        self.touched
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .elapsed()
            > limit
    }

    /// Opens the staging file and rehashes what it holds, once. Returns the
    /// bytes held.
    pub async fn restore(&self, blobs: &Arc<BlobStore>) -> Result<u64, StorageError> {
        let mut state = self.state.lock().await;
        if state.restored {
            return Ok(state.held);
        }
        let (store, id, size) = (Arc::clone(blobs), self.upload.id.clone(), self.upload.size);
        let (staged, hasher, held, head) = blocking(move || {
            let staged = store.stage(&id)?;
            // A crash mid-chunk leaves a valid prefix; bytes past the
            // announced size cannot be there, but never trust that.
            let held = staged.staged_len()?.min(size);
            staged.truncate(held)?;
            let mut hasher = Sha256::new();
            let mut head = Vec::new();
            let mut buf = vec![0; 1 << 20];
            let mut offset = 0;
            while offset < held {
                let want = usize::try_from(held - offset)
                    .unwrap_or(usize::MAX)
                    .min(buf.len());
                let read = staged.read_at(offset, &mut buf[..want])?;
                if read == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "staging file shrank",
                    ));
                }
                hasher.update(&buf[..read]);
                if head.len() < HEAD_BYTES {
                    head.extend_from_slice(&buf[..read.min(HEAD_BYTES - head.len())]);
                }
                offset += read as u64;
            }
            Ok((staged, hasher, held, head))
        })
        .await?;
        *state = State {
            staged: Some(Arc::new(staged)),
            hasher,
            held,
            head,
            restored: true,
        };
        self.held.send_replace(held);
        Ok(held)
    }

    /// Forgets the in-memory state so the next call rereads the staging
    /// file (after a failure that may have left it in an unknown state).
    pub async fn reset(&self) {
        *self.state.lock().await = State::default();
    }

    /// Writes and hashes `data` at `offset`, in order. Returns bytes held.
    ///
    /// Safe to cancel: once the chunk's turn has come, writing, hashing and
    /// counting it run in a task of their own, so a caller that goes away
    /// (a client hanging up mid-call drops the call) cannot leave the
    /// running hash and the bytes held out of step.
    pub async fn write(self: &Arc<Self>, offset: u64, data: Vec<u8>) -> Result<u64, StorageError> {
        let len = data.len() as u64;
        let size = self.upload.size;
        if data.is_empty() {
            return Err(StorageError::BadChunk("empty chunk".to_owned()));
        }
        if data.len() > MAX_CHUNK_BYTES {
            return Err(StorageError::BadChunk(format!(
                "chunk of {len} bytes exceeds the {MAX_CHUNK_BYTES}-byte limit"
            )));
        }
        if offset.checked_add(len).is_none_or(|end| end > size) {
            return Err(StorageError::BadChunk(format!(
                "chunk at offset {offset} of {len} bytes runs past the announced size of {size} bytes"
            )));
        }
        let held = *self.held.borrow();
        if offset < held {
            return Err(overlap(offset, held));
        }
        if offset - held > MAX_AHEAD {
            return Err(StorageError::BadChunk(format!(
                "chunk at offset {offset} leaves a gap: the daemon holds {held} bytes; send in order"
            )));
        }
        let mut turn = self.held.subscribe();
        if tokio::time::timeout(TURN_TIMEOUT, turn.wait_for(|held| *held >= offset))
            .await
            .is_err()
        {
            return Err(StorageError::BadChunk(format!(
                "chunk at offset {offset} waited too long for the bytes before it"
            )));
        }
        let session = Arc::clone(self);
        tokio::spawn(async move { session.append(offset, data).await })
            .await
            .map_err(|error| io::Error::other(format!("storage task failed: {error}")))?
    }

    /// Writes, hashes and counts the chunk at `offset`, which must be the
    /// bytes held. Only [`Session::write`] calls it, in a task that runs to
    /// the end.
    async fn append(&self, offset: u64, data: Vec<u8>) -> Result<u64, StorageError> {
        let len = data.len() as u64;
        let mut state = self.state.lock().await;
        if state.held != offset {
            return Err(overlap(offset, state.held));
        }
        let staged = state
            .staged
            .clone()
            .ok_or_else(|| StorageError::BadChunk("the upload is already finishing".to_owned()))?;
        let hasher = std::mem::take(&mut state.hasher);
        let done = tokio::task::spawn_blocking(move || {
            let written = staged.write_at(offset, &data);
            if written.is_err() {
                // A partial write (full disk) must not count: cut it off.
                let _ = staged.truncate(offset);
                return (hasher, data, written);
            }
            let mut hasher = hasher;
            hasher.update(&data);
            (hasher, data, written)
        })
        .await;
        let (hasher, data, written) = match done {
            Ok(done) => done,
            Err(error) => {
                drop(state);
                self.reset().await;
                return Err(io::Error::other(format!("storage task failed: {error}")).into());
            }
        };
        state.hasher = hasher;
        written?;
        if state.head.len() < HEAD_BYTES {
            let take = data.len().min(HEAD_BYTES - state.head.len());
            state.head.extend_from_slice(&data[..take]);
        }
        state.held += len;
        self.held.send_replace(state.held);
        Ok(state.held)
    }

    /// Checks that every byte is held and that the content's hash is
    /// `claimed` (and the one announced at begin, if any); hands over the
    /// staging file for publishing.
    pub async fn seal(&self, claimed: &str) -> Result<Sealed, StorageError> {
        let mut state = self.state.lock().await;
        if state.held != self.upload.size {
            return Err(StorageError::Incomplete {
                held: state.held,
                size: self.upload.size,
            });
        }
        let actual = BlobId::from_digest(&state.hasher.clone().finalize());
        let announced = self.upload.expected_sha256.as_deref();
        for expected in std::iter::once(claimed).chain(announced) {
            if BlobId::parse(expected).as_ref() != Some(&actual) {
                return Err(StorageError::HashMismatch {
                    claimed: expected.chars().take(64).collect(),
                    actual: actual.to_string(),
                });
            }
        }
        let staged = state
            .staged
            .take()
            .ok_or_else(|| StorageError::BadChunk("the upload is already finishing".to_owned()))?;
        // Only the state holds the staging handle outside a chunk write, and
        // no write runs while we hold the state lock.
        let staged = Arc::try_unwrap(staged)
            .map_err(|_| StorageError::BadChunk("the upload is busy".to_owned()))?;
        Ok(Sealed {
            staged,
            blob: actual,
            size: self.upload.size,
            media_type: sniff(&state.head),
        })
    }
}

fn overlap(offset: u64, held: u64) -> StorageError {
    StorageError::BadChunk(format!(
        "chunk at offset {offset} overlaps the {held} bytes the daemon already holds"
    ))
}

/// The media type of content starting with `head`, from its bytes only.
/// Markup (HTML, SVG, XML) is told apart with care: serving it safely
/// depends on knowing it is there.
pub(super) fn sniff(head: &[u8]) -> String {
    let Some(text) = text_prefix(head) else {
        return infer::get(head)
            .map(|kind| kind.mime_type().to_owned())
            .unwrap_or_else(|| "application/octet-stream".to_owned());
    };
    let start = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_ascii_lowercase();
    let markup = |prefixes: &[&str]| prefixes.iter().any(|prefix| start.starts_with(prefix));
    if markup(&[
        "<!doctype html",
        "<html",
        "<head",
        "<body",
        "<script",
        "<iframe",
    ]) {
        "text/html".to_owned()
    } else if markup(&["<svg"]) || (markup(&["<?xml", "<!doctype svg"]) && start.contains("<svg")) {
        "image/svg+xml".to_owned()
    } else if markup(&["<?xml"]) {
        "application/xml".to_owned()
    } else {
        infer::get(head)
            .map(|kind| kind.mime_type().to_owned())
            .unwrap_or_else(|| "text/plain; charset=utf-8".to_owned())
    }
}

/// `head` as text when it is non-empty UTF-8 without NUL bytes, allowing a
/// character cut off at its end.
fn text_prefix(head: &[u8]) -> Option<&str> {
    if head.is_empty() || head.contains(&0) {
        return None;
    }
    match std::str::from_utf8(head) {
        Ok(text) => Some(text),
        Err(error) if error.error_len().is_none() => {
            std::str::from_utf8(&head[..error.valid_up_to()]).ok()
        }
        Err(_) => None,
    }
}
