//! The local hash cache: the SHA-256 of files already hashed, so that
//! uploading an unchanged file again needs neither a read nor a transfer.
//!
//! It is `hashes.json` in the cache directory (`$XDG_CACHE_HOME/corebox`,
//! else `~/.cache/corebox`), a JSON object mapping a
//! [`FileStamp::cache_key`](super::identity::FileStamp::cache_key) to a
//! hash and a sequence number that orders entries by last use:
//!
//! ```json
//! {"version":1,"entries":{"2049:131075:5:17000…:17000…":{"sha256":"2cf2…","seq":7}}}
//! ```
//!
//! The cache is only ever a hint: the daemon checks every hash it is given
//! against the bytes it stores. So nothing here is fatal. A missing,
//! unreadable or corrupt file reads as empty (and is replaced on the next
//! save); a failed save is dropped. Saving merges with what is on disk at
//! that moment, writes through a temporary file and a rename, and keeps the
//! [`MAX_ENTRIES`] most recently used entries. Two corebox processes saving
//! at once may lose one of their new entries, which costs a hash later.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// How many entries the cache keeps.
pub const MAX_ENTRIES: usize = 1000;

/// The file's name in the cache directory.
const FILE_NAME: &str = "hashes.json";

/// A cache file larger than this is treated as corrupt; 1000 entries take
/// about 150 KB.
const MAX_FILE_BYTES: u64 = 4 << 20;

/// The format version written and accepted.
const VERSION: u32 = 1;

/// The cache as kept on disk.
#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    entries: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    sha256: String,
    seq: u64,
}

/// The hash cache of one corebox run.
#[derive(Debug)]
pub struct HashCache {
    path: Option<PathBuf>,
    entries: BTreeMap<String, Entry>,
    /// Entries added or used in this run, to merge into the file on save,
    /// with the order of their last use.
    touched: BTreeMap<String, (u64, String)>,
    uses: u64,
}

impl HashCache {
    /// The cache in the user's cache directory; an empty cache that never
    /// saves when there is no such directory.
    pub fn open_default() -> HashCache {
        match cache_dir() {
            Some(dir) => HashCache::open(dir.join(FILE_NAME)),
            None => HashCache {
                path: None,
                entries: BTreeMap::new(),
                touched: BTreeMap::new(),
                uses: 0,
            },
        }
    }

    /// The cache kept at `path`; empty when the file is missing or
    /// unusable.
    pub fn open(path: PathBuf) -> HashCache {
        let entries = read(&path).unwrap_or_default();
        HashCache {
            path: Some(path),
            entries,
            touched: BTreeMap::new(),
            uses: 0,
        }
    }

    /// The hash stored under `key`, if it looks like a SHA-256. A hit
    /// counts as a use, which keeps the entry among the newest on save.
    pub fn lookup(&mut self, key: &str) -> Option<String> {
        let sha256 = self.entries.get(key)?.sha256.clone();
        if !is_sha256(&sha256) {
            return None;
        }
        self.touch(key, &sha256);
        Some(sha256)
    }

    /// Stores a hash under `key`, in memory until [`HashCache::save`].
    pub fn insert(&mut self, key: &str, sha256: &str) {
        let seq = next_seq(&self.entries);
        self.entries.insert(
            key.to_owned(),
            Entry {
                sha256: sha256.to_owned(),
                seq,
            },
        );
        self.touch(key, sha256);
    }

    fn touch(&mut self, key: &str, sha256: &str) {
        self.uses += 1;
        self.touched
            .insert(key.to_owned(), (self.uses, sha256.to_owned()));
    }

    /// Writes the cache back: merged with the file as it is now, bounded,
    /// atomically. Failure is not an error for the user; it is returned
    /// for tests and otherwise ignored.
    ///
    /// # Errors
    ///
    /// I/O errors creating the directory or writing the file.
    pub fn save(&mut self) -> io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if self.touched.is_empty() {
            return Ok(());
        }
        let mut entries = read(path).unwrap_or_default();
        let base = next_seq(&entries);
        let mut touched: Vec<(&String, &(u64, String))> = self.touched.iter().collect();
        touched.sort_by_key(|(_, (order, _))| *order);
        for (seq, (key, (_, sha256))) in (base..).zip(touched) {
            entries.insert(
                key.clone(),
                Entry {
                    sha256: sha256.clone(),
                    seq,
                },
            );
        }
        bound(&mut entries, MAX_ENTRIES);
        write_atomically(
            path,
            &CacheFile {
                version: VERSION,
                entries: entries.clone(),
            },
        )?;
        self.entries = entries;
        self.touched.clear();
        Ok(())
    }
}

/// The corebox cache directory, `$XDG_CACHE_HOME/corebox` or
/// `~/.cache/corebox`; also where stdin is spooled.
pub fn cache_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "corebox").map(|dirs| dirs.cache_dir().to_path_buf())
}

/// Creates `dir` (mode 0700) and its parents when missing.
///
/// # Errors
///
/// I/O errors.
pub fn ensure_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

fn read(path: &Path) -> Option<BTreeMap<String, Entry>> {
    let file = File::open(path).ok()?;
    let mut text = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut text).ok()?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return None;
    }
    let cache: CacheFile = serde_json::from_slice(&text).ok()?;
    (cache.version == VERSION).then_some(cache.entries)
}

fn next_seq(entries: &BTreeMap<String, Entry>) -> u64 {
    entries
        .values()
        .map(|entry| entry.seq)
        .max()
        .map_or(0, |seq| seq.saturating_add(1))
}

/// Keeps the `max` entries with the highest sequence numbers.
fn bound(entries: &mut BTreeMap<String, Entry>, max: usize) {
    if entries.len() <= max {
        return;
    }
    let mut seqs: Vec<u64> = entries.values().map(|entry| entry.seq).collect();
    seqs.sort_unstable_by(|a, b| b.cmp(a));
    let cutoff = seqs[max - 1];
    entries.retain(|_, entry| entry.seq >= cutoff);
    // Equal sequence numbers (from a hand-edited file) may leave a few too
    // many; drop them in key order.
    while entries.len() > max {
        let Some(key) = entries
            .iter()
            .find(|(_, entry)| entry.seq == cutoff)
            .map(|(key, _)| key.clone())
        else {
            break;
        };
        entries.remove(&key);
    }
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn write_atomically(path: &Path, cache: &CacheFile) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    ensure_dir(dir)?;
    let text = serde_json::to_vec(cache).map_err(io::Error::other)?;
    let temp = dir.join(format!(
        ".{FILE_NAME}.{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(&text)?;
        file.write_all(b"\n")?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH_A: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    const HASH_B: &str = "486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7";

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("corebox").join(FILE_NAME);
        let mut cache = HashCache::open(path.clone());
        assert_eq!(cache.lookup("1:2:5:10:10"), None);
        cache.insert("1:2:5:10:10", HASH_A);
        cache.save().expect("save");

        let mut again = HashCache::open(path);
        assert_eq!(again.lookup("1:2:5:10:10").as_deref(), Some(HASH_A));
        assert_eq!(again.lookup("1:2:5:11:10"), None);
    }

    #[test]
    fn corrupt_or_foreign_file_is_ignored_and_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        for junk in [
            &b"{not json"[..],
            b"",
            b"\xff\xfe",
            br#"{"version":99,"entries":{}}"#,
            br#"{"version":1,"entries":{"k":{"sha256":"nothex","seq":1}}}"#,
        ] {
            fs::write(&path, junk).expect("write junk");
            let mut cache = HashCache::open(path.clone());
            assert_eq!(cache.lookup("k"), None);
            cache.insert("k", HASH_B);
            cache.save().expect("save over junk");
            assert_eq!(
                HashCache::open(path.clone()).lookup("k").as_deref(),
                Some(HASH_B)
            );
        }
    }

    #[test]
    fn unwritable_place_is_not_fatal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blocker = dir.path().join("file");
        fs::write(&blocker, b"x").expect("write");
        // A directory cannot be made under a regular file.
        let mut cache = HashCache::open(blocker.join("sub").join(FILE_NAME));
        cache.insert("k", HASH_A);
        assert!(cache.save().is_err());
        assert_eq!(cache.lookup("k").as_deref(), Some(HASH_A));
    }

    #[test]
    fn bound_keeps_the_most_recently_used() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        let mut cache = HashCache::open(path.clone());
        for index in 0..MAX_ENTRIES + 50 {
            cache.insert(&format!("key{index}"), HASH_A);
        }
        cache.save().expect("save");

        let mut again = HashCache::open(path.clone());
        assert_eq!(again.entries.len(), MAX_ENTRIES);
        assert_eq!(again.lookup("key0"), None, "oldest dropped");
        assert!(again.lookup(&format!("key{}", MAX_ENTRIES + 49)).is_some());

        // Using an old entry keeps it when newer ones push others out.
        assert!(again.lookup("key50").is_some());
        again.save().expect("save");
        let mut third = HashCache::open(path.clone());
        third.insert("fresh", HASH_B);
        third.save().expect("save");
        let mut fourth = HashCache::open(path);
        assert_eq!(fourth.entries.len(), MAX_ENTRIES);
        assert!(fourth.lookup("key50").is_some(), "used entry kept");
        assert_eq!(fourth.lookup("key51"), None, "least recent dropped");
    }

    #[test]
    fn save_merges_with_another_process() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        let mut first = HashCache::open(path.clone());
        let mut second = HashCache::open(path.clone());
        first.insert("a", HASH_A);
        second.insert("b", HASH_B);
        first.save().expect("save");
        second.save().expect("save");
        let mut merged = HashCache::open(path);
        assert_eq!(merged.lookup("a").as_deref(), Some(HASH_A));
        assert_eq!(merged.lookup("b").as_deref(), Some(HASH_B));
    }

    #[test]
    fn bound_handles_equal_sequence_numbers() {
        let mut entries: BTreeMap<String, Entry> = (0..10)
            .map(|index| {
                (
                    format!("k{index}"),
                    Entry {
                        sha256: HASH_A.into(),
                        seq: 3,
                    },
                )
            })
            .collect();
        bound(&mut entries, 4);
        assert_eq!(entries.len(), 4);
    }
}
