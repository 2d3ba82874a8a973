//! Sending one local file into an upload session, from the offset the
//! daemon already holds to the end, and computing its SHA-256 on the way.
//!
//! A blocking thread reads the file in [`CHUNK_BYTES`](super::CHUNK_BYTES) chunks and hashes
//! them, a few chunks ahead of the calls; the async side keeps up to
//! [`IN_FLIGHT`] `upload_chunk` calls in flight, in file order. When the
//! daemon already holds a prefix (a resumed upload), the thread first
//! hashes that prefix from the local file, since the hash must cover every
//! byte. Finishing the upload is the caller's step.
//!
//! A chunk's buffer cannot be recycled here: tarpc's generated client takes
//! the payload by value and drops it once encoded, so each chunk is one
//! fresh allocation, filled by the read without zeroing first. The prefix
//! is hashed through one reused buffer.
//!
//! The file must not change while it is sent: a short read, bytes past the
//! expected end or a new size or modification time on the open file fail
//! the upload, and the session is abandoned, since its resume key named the
//! old state of the file and can never be met again.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use futures::StreamExt;
use futures::stream::FuturesOrdered;
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::identity::FileStamp;
use super::progress::Bar;
use super::{IN_FLIGHT, QUEUED, chunk_len};
use crate::client::Daemon;
use crate::exit::{CliError, describe_io};

/// Size of the buffer that hashes a resumed upload's prefix.
const PREFIX_BUFFER_BYTES: usize = 1 << 20;

/// A local file ready to send.
#[derive(Debug)]
pub struct Source {
    /// The open file; read from its start.
    pub file: File,
    /// How the user named it, for messages.
    pub label: String,
    /// Its size when the upload began.
    pub size: u64,
    /// Its stamp when the upload began, to notice a change; `None` for a
    /// private spool file that cannot change.
    pub stamp: Option<FileStamp>,
}

/// Why reading the file failed.
#[derive(Debug)]
enum ReadError {
    /// The file's size or content changed.
    Changed,
    /// The file could not be read.
    Io(io::Error),
}

impl From<io::Error> for ReadError {
    fn from(error: io::Error) -> ReadError {
        ReadError::Io(error)
    }
}

/// A chunk read and hashed, ready to send.
#[derive(Debug)]
struct Chunk {
    offset: u64,
    data: Vec<u8>,
}

/// Sends `source` from `offset` to its end into upload `upload_id`, and
/// returns the SHA-256 of the whole file as lowercase hex. Every chunk the
/// daemon acknowledges advances `bars`.
///
/// # Errors
///
/// A failure when the file cannot be read or changed during the upload (the
/// session is then abandoned), when the daemon holds more bytes than the
/// file has, or whatever the daemon answers a chunk with.
pub async fn send(
    daemon: &Daemon,
    upload_id: &str,
    source: Source,
    offset: u64,
    bars: &[&Bar],
) -> Result<String, CliError> {
    let label = source.label.clone();
    if offset > source.size {
        return Err(CliError::failure(format!(
            "the daemon holds {offset} bytes of '{label}', which has only {}: run the upload \
             again",
            source.size
        )));
    }

    let (sender, mut chunks) = mpsc::channel::<Chunk>(QUEUED);
    let reader = tokio::task::spawn_blocking(move || read_and_hash(source, offset, &sender));

    let context = format!("cannot upload '{label}'");
    let mut in_flight = FuturesOrdered::new();
    let mut reading = true;
    let sent: Result<(), CliError> = async {
        loop {
            if reading && in_flight.len() < IN_FLIGHT {
                tokio::select! {
                    biased;
                    Some(done) = in_flight.next(), if !in_flight.is_empty() => {
                        advance(bars, done?);
                    }
                    chunk = chunks.recv() => match chunk {
                        Some(Chunk { offset, data }) => {
                            let len = data.len() as u64;
                            let id = upload_id.to_owned();
                            let context = &context;
                            in_flight.push_back(async move {
                                daemon
                                    .upload_chunk(id, offset, ByteBuf::from(data))
                                    .await
                                    .map_err(|error| error.context(context))?;
                                Ok::<_, CliError>(len)
                            });
                        }
                        None => reading = false,
                    },
                }
            } else {
                match in_flight.next().await {
                    Some(done) => advance(bars, done?),
                    None => return Ok(()),
                }
            }
        }
    }
    .await;

    // Stops the reader at its next chunk if the calls failed.
    drop(chunks);
    drop(in_flight);
    let read = reader.await.map_err(|error| {
        CliError::failure(format!("the thread reading '{label}' failed: {error}"))
    })?;
    match read {
        Err(ReadError::Changed) => {
            // Best effort: the session cannot be resumed, so free it now.
            let _ = daemon.upload_abort(upload_id.to_owned()).await;
            Err(CliError::failure(format!(
                "'{label}' changed while it was being uploaded: upload it again once nothing \
                 writes to it"
            )))
        }
        Err(ReadError::Io(error)) => Err(CliError::failure(format!(
            "cannot read '{label}': {}",
            describe_io(&error)
        ))),
        Ok(hash) => {
            sent?;
            hash.ok_or_else(|| {
                CliError::failure(format!("reading '{label}' stopped early: upload it again"))
            })
        }
    }
}

fn advance(bars: &[&Bar], bytes: u64) {
    for bar in bars {
        bar.advance(bytes);
    }
}

/// The reading thread: hashes the prefix the daemon holds, then reads,
/// hashes and queues the rest. `Ok(None)` when the calls stopped taking
/// chunks (they failed; their error is the one to report).
fn read_and_hash(
    source: Source,
    offset: u64,
    chunks: &mpsc::Sender<Chunk>,
) -> Result<Option<String>, ReadError> {
    let Source {
        mut file,
        size,
        stamp,
        ..
    } = source;
    file.seek(SeekFrom::Start(0))?;
    let mut hasher = Sha256::new();
    hash_prefix(&mut file, offset, &mut hasher)?;

    let mut position = offset;
    while position < size {
        let len = chunk_len(position, size);
        let mut data = Vec::with_capacity(len);
        (&mut file).take(len as u64).read_to_end(&mut data)?;
        if data.len() < len {
            return Err(ReadError::Changed);
        }
        hasher.update(&data);
        if chunks
            .blocking_send(Chunk {
                offset: position,
                data,
            })
            .is_err()
        {
            return Ok(None);
        }
        position += len as u64;
    }

    // Bytes past the end, or a new size or time, mean it was written to.
    let mut probe = [0u8; 1];
    if file.read(&mut probe)? > 0 {
        return Err(ReadError::Changed);
    }
    if let Some(stamp) = stamp
        && !stamp.is_unchanged_in(&FileStamp::of(&file.metadata()?))
    {
        return Err(ReadError::Changed);
    }
    Ok(Some(hex::encode(hasher.finalize())))
}

/// Hashes the first `len` bytes of `file` into `hasher`.
fn hash_prefix(file: &mut File, len: u64, hasher: &mut Sha256) -> Result<(), ReadError> {
    if len == 0 {
        return Ok(());
    }
    let mut buffer = vec![0u8; PREFIX_BUFFER_BYTES.min(usize::try_from(len).unwrap_or(usize::MAX))];
    let mut left = len;
    while left > 0 {
        let want = buffer
            .len()
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        let read = file.read(&mut buffer[..want])?;
        if read == 0 {
            return Err(ReadError::Changed);
        }
        hasher.update(&buffer[..read]);
        left -= read as u64;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::super::CHUNK_BYTES;
    use super::*;

    fn source_of(bytes: &[u8]) -> (tempfile::NamedTempFile, Source) {
        let mut temp = tempfile::NamedTempFile::new().expect("temp");
        temp.write_all(bytes).expect("write");
        let file = temp.reopen().expect("reopen");
        let metadata = file.metadata().expect("metadata");
        let source = Source {
            file,
            label: "t".into(),
            size: metadata.len(),
            stamp: Some(FileStamp::of(&metadata)),
        };
        (temp, source)
    }

    fn collect(source: Source, offset: u64) -> (Result<Option<String>, ReadError>, Vec<Chunk>) {
        let (sender, mut receiver) = mpsc::channel(1024);
        let result = read_and_hash(source, offset, &sender);
        drop(sender);
        let mut chunks = Vec::new();
        while let Ok(chunk) = receiver.try_recv() {
            chunks.push(chunk);
        }
        (result, chunks)
    }

    #[test]
    fn resumed_read_hashes_the_prefix_and_sends_the_rest() {
        let bytes: Vec<u8> = (0..CHUNK_BYTES + 1000).map(|i| (i % 251) as u8).collect();
        let whole = hex::encode(Sha256::digest(&bytes));
        let (_temp, source) = source_of(&bytes);
        let (result, chunks) = collect(source, 700);
        assert_eq!(result.expect("reads").as_deref(), Some(whole.as_str()));
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0].offset, 700);
        assert_eq!(chunks[0].data.len(), CHUNK_BYTES);
        assert_eq!(chunks[1].offset, 700 + CHUNK_BYTES as u64);
        assert_eq!(chunks[1].data, bytes[700 + CHUNK_BYTES..]);
    }

    #[test]
    fn empty_file_hashes_to_the_empty_digest() {
        let (_temp, source) = source_of(b"");
        let (result, chunks) = collect(source, 0);
        assert_eq!(
            result.expect("reads").as_deref(),
            Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert!(chunks.is_empty());
    }

    #[test]
    fn growth_and_shrinking_count_as_changes() {
        let (mut temp, source) = source_of(b"hello");
        temp.write_all(b" world").expect("grow");
        assert!(matches!(collect(source, 0).0, Err(ReadError::Changed)));

        let (temp, mut source) = source_of(b"hello");
        source.size = 10;
        assert!(matches!(collect(source, 0).0, Err(ReadError::Changed)));
        drop(temp);
    }

    #[test]
    fn stopped_calls_stop_the_reader() {
        let (_temp, source) = source_of(b"hello");
        let (sender, receiver) = mpsc::channel(1);
        drop(receiver);
        assert!(matches!(read_and_hash(source, 0, &sender), Ok(None)));
    }
}
