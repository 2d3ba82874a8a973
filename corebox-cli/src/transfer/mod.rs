//! Moving file contents between local files and the daemon.
//!
//! The commands in `commands/upload.rs` and `commands/download.rs` decide
//! what to move and print the results; this module moves the bytes:
//! `send` (a file into an upload session), `receive` (a stored file into a
//! local file or stdout), `spool` (stdin, of unknown length, into a
//! temporary file), `identity` (the keys that recognise an unchanged local
//! file), `hash_cache` (hashes remembered between runs) and `progress`
//! (the bars on stderr).
//!
//! Both directions keep [`IN_FLIGHT`] calls of [`CHUNK_BYTES`] in flight
//! and do the disk I/O and hashing on a blocking thread, so reading, hashing
//! and the calls overlap instead of taking turns.

pub mod hash_cache;
pub mod identity;
pub mod progress;
pub mod receive;
pub mod send;
pub mod spool;

pub use corebox_proto::types::CHUNK_BYTES;

/// Chunk calls kept in flight at once.
pub const IN_FLIGHT: usize = 4;

/// Chunks read ahead of (uploads) or behind (downloads) the calls, waiting
/// in the channel between the blocking thread and the calls.
const QUEUED: usize = 2;

// A chunk must fit what the daemon accepts and a read's u32 length.
const _: () = assert!(CHUNK_BYTES <= corebox_proto::types::MAX_CHUNK_BYTES);
const _: () = assert!(CHUNK_BYTES as u64 <= u32::MAX as u64);

/// The size of a chunk starting at `offset` of a file of `size` bytes.
fn chunk_len(offset: u64, size: u64) -> usize {
    // At most CHUNK_BYTES, so the conversion cannot fail.
    usize::try_from(size.saturating_sub(offset).min(CHUNK_BYTES as u64)).unwrap_or(CHUNK_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_file_without_overrun() {
        let size = 2 * CHUNK_BYTES as u64 + 5;
        assert_eq!(chunk_len(0, size), CHUNK_BYTES);
        assert_eq!(chunk_len(2 * CHUNK_BYTES as u64, size), 5);
        assert_eq!(chunk_len(size, size), 0);
        assert_eq!(chunk_len(size + 1, size), 0);
    }
}
