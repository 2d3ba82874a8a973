//! Reading one stored file from the daemon into a local file or stdout,
//! computing its SHA-256 on the way.
//!
//! The async side keeps up to [`IN_FLIGHT`] `file_read` calls of
//! [`CHUNK_BYTES`] in flight and hands their answers, in file order, to a
//! blocking thread that hashes and writes them. Each answer must be exactly
//! as long as asked (only the last chunk is shorter), so a file that
//! shrank on the daemon is noticed at once. Comparing the hash with the
//! expected one, making the file durable and moving it into place are the
//! caller's steps; this file only says what the bytes hashed to.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};

use corebox_proto::types::FileInfo;
use futures::StreamExt;
use futures::stream::FuturesOrdered;
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::progress::Bar;
use super::{IN_FLIGHT, QUEUED, chunk_len};
use crate::client::Daemon;
use crate::exit::{CliError, describe_io};

/// Where downloaded bytes go.
#[derive(Debug)]
pub enum Sink {
    /// A file, written from its current position.
    File(File),
    /// Standard output.
    Stdout,
}

impl Sink {
    /// Writes all of `data`.
    ///
    /// # Errors
    ///
    /// The write's I/O error.
    pub fn write_chunk(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Sink::File(file) => file.write_all(data),
            Sink::Stdout => io::stdout().lock().write_all(data),
        }
    }

    /// Pushes out what is buffered (stdout); a file needs nothing.
    ///
    /// # Errors
    ///
    /// The flush's I/O error.
    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::File(_) => Ok(()),
            Sink::Stdout => io::stdout().lock().flush(),
        }
    }

    /// Empties a file sink to write it again from the start.
    ///
    /// # Errors
    ///
    /// Always for stdout, whose bytes are already gone; the I/O error of
    /// truncating a file.
    pub fn rewind(&mut self) -> io::Result<()> {
        match self {
            Sink::File(file) => {
                file.set_len(0)?;
                file.seek(SeekFrom::Start(0)).map(drop)
            }
            Sink::Stdout => Err(io::Error::other(
                "what was written to stdout cannot be undone",
            )),
        }
    }
}

/// Reads all of `file` into `sink` and returns the SHA-256 of the bytes
/// written, as lowercase hex. `label` names the sink in messages.
///
/// # Errors
///
/// The daemon's refusal (the file was removed meanwhile), an answer of the
/// wrong length, or a failure to write the sink.
pub async fn receive(
    daemon: &Daemon,
    file: &FileInfo,
    sink: Sink,
    label: &str,
    bar: &Bar,
) -> Result<String, CliError> {
    let (sender, chunks) = mpsc::channel::<ByteBuf>(QUEUED);
    let writer = tokio::task::spawn_blocking(move || write_and_hash(sink, chunks));

    let fetched = fetch(daemon, file, &sender, bar).await;
    drop(sender);
    let written = writer
        .await
        .map_err(|error| CliError::failure(format!("the thread writing {label} failed: {error}")))?
        .map_err(|error| {
            CliError::failure(format!("cannot write {label}: {}", describe_io(&error)))
        });
    // A write failure stops the fetch (the channel closes), so it is the
    // cause to report.
    let hash = written?;
    fetched?;
    Ok(hash)
}

/// Fetches every chunk in order and queues it for the writer.
async fn fetch(
    daemon: &Daemon,
    file: &FileInfo,
    chunks: &mpsc::Sender<ByteBuf>,
    bar: &Bar,
) -> Result<(), CliError> {
    let mut in_flight = FuturesOrdered::new();
    let mut next = 0u64;
    loop {
        while in_flight.len() < IN_FLIGHT && next < file.size {
            let offset = next;
            let len = chunk_len(offset, file.size);
            next += len as u64;
            let id = file.id.clone();
            in_flight.push_back(async move {
                // CHUNK_BYTES fits in u32 (checked in mod.rs).
                let asked = u32::try_from(len).unwrap_or(u32::MAX);
                (len, daemon.file_read(id, offset, asked).await)
            });
        }
        let Some((len, answer)) = in_flight.next().await else {
            return Ok(());
        };
        let data = answer?;
        if data.len() != len {
            return Err(CliError::failure(format!(
                "the daemon sent {} bytes where {len} were expected: the file changed on the \
                 daemon; try again",
                data.len()
            )));
        }
        if chunks.send(data).await.is_err() {
            // The writer failed; it reports why.
            return Ok(());
        }
        bar.advance(len as u64);
    }
}

/// The writing thread: hashes and writes chunks until the channel closes.
fn write_and_hash(mut sink: Sink, mut chunks: mpsc::Receiver<ByteBuf>) -> io::Result<String> {
    let mut hasher = Sha256::new();
    while let Some(data) = chunks.blocking_recv() {
        hasher.update(&data);
        sink.write_chunk(&data)?;
    }
    sink.flush()?;
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn writer_hashes_what_it_writes() {
        let mut file = tempfile::tempfile().expect("temp");
        let (sender, receiver) = mpsc::channel(4);
        sender
            .try_send(ByteBuf::from(b"hel".to_vec()))
            .expect("queue");
        sender
            .try_send(ByteBuf::from(b"lo".to_vec()))
            .expect("queue");
        drop(sender);
        let clone = file.try_clone().expect("clone");
        let hash = write_and_hash(Sink::File(clone), receiver).expect("writes");
        assert_eq!(
            hash,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        let mut text = String::new();
        file.seek(SeekFrom::Start(0)).expect("seek");
        file.read_to_string(&mut text).expect("read");
        assert_eq!(text, "hello");
    }
}
