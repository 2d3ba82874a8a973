//! A range of a blob read as a stream of chunks, for sending it over the
//! network without ever holding it whole in memory.
//!
//! A thread of the blocking pool reads ahead with positioned reads and
//! hands chunks over a small bounded channel, so the disk and the socket
//! work at the same time while memory stays at a few chunks per transfer.
//! When the receiver goes (the client hung up), the next send fails and the
//! thread stops; the open file keeps the bytes readable even if the blob is
//! deleted meanwhile.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures::Stream;
use tokio::sync::mpsc;

/// Bytes read per chunk.
const CHUNK_BYTES: usize = 256 * 1024;

/// Chunks read ahead of the consumer.
const READ_AHEAD: usize = 4;

/// Chunks of one range of a blob, in order; an error ends it.
#[derive(Debug)]
pub struct BlobStream {
    chunks: mpsc::Receiver<io::Result<Bytes>>,
}

impl BlobStream {
    /// Starts reading `len` bytes of `file` from `offset` on the blocking
    /// pool. Must be called inside the tokio runtime.
    pub(super) fn spawn(file: File, offset: u64, len: u64) -> BlobStream {
        let (sender, chunks) = mpsc::channel(READ_AHEAD);
        tokio::task::spawn_blocking(move || read_range(&file, offset, len, &sender));
        BlobStream { chunks }
    }
}

fn read_range(file: &File, mut offset: u64, len: u64, sender: &mpsc::Sender<io::Result<Bytes>>) {
    let end = offset.saturating_add(len);
    while offset < end {
        let want = usize::try_from(end - offset).map_or(CHUNK_BYTES, |left| left.min(CHUNK_BYTES));
        let mut chunk = BytesMut::zeroed(want);
        // A blob shorter than its row says fails the stream (UnexpectedEof)
        // rather than ending it early as if complete.
        let result = file
            .read_exact_at(&mut chunk, offset)
            .map(|()| chunk.freeze());
        let failed = result.is_err();
        if sender.blocking_send(result).is_err() || failed {
            return;
        }
        offset += want as u64;
    }
}

impl Stream for BlobStream {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.chunks.poll_recv(cx)
    }
}
