//! The blob store: content-addressed bytes on the local disk.
//!
//! This is the seam where another backend (S3-compatible object storage)
//! would replace the local disk: nothing outside this file builds a path
//! into the store. Blobs live at `blobs/sha256/ab/cd/<hex>`; uploads are
//! staged at `uploads/<upload-id>.part` and published by rename once their
//! bytes are durable. All methods block: call them on the blocking pool.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The SHA-256 of a blob, as 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobId(String);

impl BlobId {
    /// Parses 64 hex digits (either case).
    pub fn parse(hex: &str) -> Option<BlobId> {
        let valid = hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| BlobId(hex.to_ascii_lowercase()))
    }

    /// From a raw digest.
    pub fn from_digest(digest: &[u8]) -> BlobId {
        BlobId(hex::encode(digest))
    }

    /// The hex form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An upload's staging file, written at offsets.
#[derive(Debug)]
pub struct Staged {
    file: File,
    upload: String,
}

impl Staged {
    /// Writes `data` at `offset`.
    ///
    /// # Errors
    ///
    /// I/O errors (a full disk among them).
    pub fn write_at(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.file.write_all_at(data, offset)
    }

    /// Reads into `buf` from `offset`; returns the bytes read.
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        self.file.read_at(buf, offset)
    }

    /// The staged length in bytes.
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn staged_len(&self) -> io::Result<u64> {
        Ok(self.file.metadata()?.len())
    }

    /// Cuts the staged bytes back to `len`.
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn truncate(&self, len: u64) -> io::Result<()> {
        self.file.set_len(len)
    }
}

/// The content-addressed store under a data directory.
#[derive(Debug)]
pub struct BlobStore {
    blobs: PathBuf,
    uploads: PathBuf,
}

impl BlobStore {
    /// Opens the store under `data_dir`, making its folders.
    ///
    /// # Errors
    ///
    /// The folders cannot be made.
    pub fn open(data_dir: &Path) -> io::Result<BlobStore> {
        let store = BlobStore {
            blobs: data_dir.join("blobs").join("sha256"),
            uploads: data_dir.join("uploads"),
        };
        fs::create_dir_all(&store.blobs)?;
        fs::create_dir_all(&store.uploads)?;
        Ok(store)
    }

    /// Where blob `id` lives, for a child process that reads it (an
    /// upload check, ffmpeg). Nothing else outside this file sees paths.
    pub fn blob_path(&self, id: &BlobId) -> PathBuf {
        let hex = id.as_str();
        self.blobs.join(&hex[..2]).join(&hex[2..4]).join(hex)
    }

    fn staging_path(&self, upload: &str) -> PathBuf {
        self.uploads.join(format!("{upload}.part"))
    }

    /// Opens the staging file of `upload`, creating it empty if missing.
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn stage(&self, upload: &str) -> io::Result<Staged> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.staging_path(upload))?;
        Ok(Staged {
            file,
            upload: upload.to_owned(),
        })
    }

    /// Removes the staging file of `upload`, if any.
    ///
    /// # Errors
    ///
    /// I/O errors other than the file being already gone.
    pub fn discard(&self, upload: &str) -> io::Result<()> {
        ignore_missing(fs::remove_file(self.staging_path(upload)))
    }

    /// Makes the staged bytes durable and publishes them as blob `id`: fsync
    /// the file, rename it into place, fsync the folders. When the blob
    /// already exists the staged copy is simply removed.
    ///
    /// # Errors
    ///
    /// I/O errors; the staged file is then left for the caller to discard.
    pub fn publish(&self, staged: Staged, id: &BlobId) -> io::Result<()> {
        let target = self.blob_path(id);
        if target.exists() {
            drop(staged.file);
            return self.discard(&staged.upload);
        }
        staged.file.sync_all()?;
        drop(staged.file);
        let dir = target.parent().expect("blob paths have a parent");
        fs::create_dir_all(dir)?;
        fs::rename(self.staging_path(&staged.upload), &target)?;
        File::open(dir)?.sync_all()?;
        File::open(&self.uploads)?.sync_all()?;
        Ok(())
    }

    /// Whether blob `id` is on disk.
    pub fn contains(&self, id: &BlobId) -> bool {
        self.blob_path(id).is_file()
    }

    /// Opens blob `id` for reading.
    ///
    /// # Errors
    ///
    /// I/O errors; `NotFound` when it is missing.
    pub fn open_blob(&self, id: &BlobId) -> io::Result<File> {
        File::open(self.blob_path(id))
    }

    /// Removes blob `id` (no error when already gone).
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn delete(&self, id: &BlobId) -> io::Result<()> {
        ignore_missing(fs::remove_file(self.blob_path(id)))
    }

    /// Every blob on disk.
    ///
    /// # Errors
    ///
    /// I/O errors while walking the folders.
    pub fn blob_ids(&self) -> io::Result<Vec<BlobId>> {
        let mut ids = Vec::new();
        for first in fs::read_dir(&self.blobs)? {
            for second in fs::read_dir(first?.path())? {
                for blob in fs::read_dir(second?.path())? {
                    if let Some(id) = blob?.file_name().to_str().and_then(BlobId::parse) {
                        ids.push(id);
                    }
                }
            }
        }
        Ok(ids)
    }

    /// Every upload with a staging file.
    ///
    /// # Errors
    ///
    /// I/O errors.
    pub fn staged_uploads(&self) -> io::Result<Vec<String>> {
        let mut ids = Vec::new();
        for entry in fs::read_dir(&self.uploads)? {
            let name = entry?.file_name();
            if let Some(id) = name.to_str().and_then(|name| name.strip_suffix(".part")) {
                ids.push(id.to_owned());
            }
        }
        Ok(ids)
    }

    /// Bytes free for an unprivileged writer on the store's filesystem.
    ///
    /// # Errors
    ///
    /// The filesystem cannot be queried.
    pub fn available_bytes(&self) -> io::Result<u64> {
        let stat = rustix::fs::statvfs(&self.blobs)?;
        Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
    }
}

fn ignore_missing(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn stage_publish_read_delete() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = BlobStore::open(dir.path()).expect("open");
        let staged = store.stage("u1").expect("stage");
        staged.write_at(5, b"world").expect("write");
        staged.write_at(0, b"hello").expect("write");
        assert_eq!(staged.staged_len().expect("len"), 10);
        let id = BlobId::from_digest(&Sha256::digest(b"helloworld"));
        store.publish(staged, &id).expect("publish");
        assert!(store.contains(&id));
        assert_eq!(store.staged_uploads().expect("list"), Vec::<String>::new());
        assert_eq!(store.blob_ids().expect("list"), vec![id.clone()]);
        let mut buf = [0; 10];
        store
            .open_blob(&id)
            .expect("open")
            .read_exact_at(&mut buf, 0)
            .expect("read");
        assert_eq!(&buf, b"helloworld");
        store.delete(&id).expect("delete");
        store.delete(&id).expect("deleting twice is fine");
        assert!(!store.contains(&id));
    }

    #[test]
    fn publishing_existing_content_drops_the_copy() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = BlobStore::open(dir.path()).expect("open");
        let id = BlobId::from_digest(&Sha256::digest(b"same"));
        for upload in ["a", "b"] {
            let staged = store.stage(upload).expect("stage");
            staged.write_at(0, b"same").expect("write");
            store.publish(staged, &id).expect("publish");
        }
        assert_eq!(store.blob_ids().expect("list").len(), 1);
        assert!(store.staged_uploads().expect("list").is_empty());
    }

    #[test]
    fn blob_ids_are_validated() {
        assert!(BlobId::parse(&"a".repeat(64)).is_some());
        assert_eq!(
            BlobId::parse(&"A".repeat(64)).map(|id| id.0),
            Some("a".repeat(64))
        );
        for bad in [
            "",
            "abc",
            &"g".repeat(64),
            &"a".repeat(65),
            "../../../../etc/passwd",
        ] {
            assert!(BlobId::parse(bad).is_none(), "{bad}");
        }
    }
}
