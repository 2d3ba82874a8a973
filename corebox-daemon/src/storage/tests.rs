//! Upload sessions and collection against a real database and disk.

use std::sync::Arc;
use std::time::Duration;

use rusqlite::params;
use sha2::{Digest, Sha256};

use super::*;

struct Fixture {
    dir: tempfile::TempDir,
    db: Db,
    storage: Arc<Storage>,
    owner: i64,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(&dir.path().join("t.db")).expect("db");
    let owner = db
        .write(|conn| {
            conn.execute(
                "INSERT INTO users (username, username_key, password_hash, role, created_at)
                 VALUES ('u', 'u', 'x', 'user', 0)",
                [],
            )?;
            Ok::<_, StorageError>(conn.last_insert_rowid())
        })
        .await
        .expect("user");
    let storage =
        Arc::new(Storage::open(db.clone(), dir.path(), Duration::from_secs(3600)).expect("open"));
    Fixture {
        dir,
        db,
        storage,
        owner,
    }
}

impl Fixture {
    async fn begin(&self, size: u64) -> String {
        let row = UploadRow {
            id: hex::encode(rand::random::<[u8; 16]>()),
            owner_id: self.owner,
            name: "f".to_owned(),
            size,
            expected_sha256: None,
            resume_key: None,
            created_at: 0,
            touched_at: unix_now(),
        };
        let stored = row.clone();
        self.db
            .write(move |conn| Ok::<_, StorageError>(store::insert_upload(conn, &stored)?))
            .await
            .expect("row");
        let id = row.id.clone();
        assert_eq!(self.storage.resume(row).await.expect("resume"), 0);
        id
    }
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A client that hangs up mid-chunk makes tarpc drop the call's future;
/// the resumed upload must still hash to its content (it once did not: the
/// running hash was lost with the dropped future).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_call_dropped_mid_write_leaves_the_hash_whole() {
    use futures::FutureExt as _;
    let f = fixture().await;
    let content: Vec<u8> = (0..2_000_000u32).flat_map(|n| n.to_le_bytes()).collect();
    let id = f.begin(content.len() as u64).await;
    let (first, rest) = content.split_at(4 << 20);
    // Polled once, then dropped: by then the write is under way.
    let dropped = f
        .storage
        .write_chunk(f.owner, &id, 0, first.to_vec())
        .now_or_never();
    assert!(
        dropped.is_none(),
        "a 4 MiB write does not finish in one poll"
    );
    let held = f
        .storage
        .write_chunk(f.owner, &id, first.len() as u64, rest.to_vec())
        .await
        .expect("the next chunk lands after the dropped one");
    assert_eq!(held, content.len() as u64);
    let published = f
        .storage
        .publish(f.owner, &id, &sha(&content))
        .await
        .expect("the hash covers every byte");
    assert_eq!(published.blob.as_str(), sha(&content));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_in_flight_out_of_order_hash_in_order() {
    let f = fixture().await;
    let content: Vec<u8> = (0..40_000u32).flat_map(|n| n.to_le_bytes()).collect();
    let id = f.begin(content.len() as u64).await;
    let mut tasks = Vec::new();
    // Send the chunks in reverse: each must wait for the ones before it.
    for (n, chunk) in content.chunks(10_000).enumerate().rev() {
        let (storage, id, owner, chunk) =
            (Arc::clone(&f.storage), id.clone(), f.owner, chunk.to_vec());
        tasks.push(tokio::spawn(async move {
            storage
                .write_chunk(owner, &id, (n * 10_000) as u64, chunk)
                .await
        }));
    }
    for task in tasks {
        task.await.expect("join").expect("chunk");
    }
    let published = f
        .storage
        .publish(f.owner, &id, &sha(&content))
        .await
        .expect("publish");
    assert_eq!(published.size, content.len() as u64);
    assert_eq!(published.blob.as_str(), sha(&content));
}

#[tokio::test]
async fn bad_chunks_are_refused_and_change_nothing() {
    let f = fixture().await;
    let id = f.begin(100).await;
    f.storage
        .write_chunk(f.owner, &id, 0, vec![1; 50])
        .await
        .expect("first half");
    let refusals = [
        (0, vec![1; 10], "overlaps"),
        (40, vec![1; 20], "overlaps"),
        (90, vec![1; 20], "runs past"),
        (50, Vec::new(), "empty"),
        (200 << 20, vec![1; 1], "runs past"),
    ];
    for (offset, data, says) in refusals {
        let error = f
            .storage
            .write_chunk(f.owner, &id, offset, data)
            .await
            .expect_err("refused");
        assert!(error.to_string().contains(says), "{offset}: {error}");
    }
    let wrong_owner = f
        .storage
        .write_chunk(f.owner + 1, &id, 50, vec![1; 50])
        .await;
    assert!(matches!(wrong_owner, Err(StorageError::UnknownUpload)));
    let early = f.storage.publish(f.owner, &id, &sha(&[1; 100])).await;
    assert!(matches!(
        early,
        Err(StorageError::Incomplete {
            held: 50,
            size: 100
        })
    ));
    assert_eq!(
        f.storage
            .write_chunk(f.owner, &id, 50, vec![1; 50])
            .await
            .expect("rest"),
        100
    );
    f.storage
        .publish(f.owner, &id, &sha(&[1; 100]))
        .await
        .expect("whole");
}

#[tokio::test]
async fn far_ahead_chunk_is_refused() {
    let f = fixture().await;
    let id = f.begin(1 << 30).await;
    let error = f
        .storage
        .write_chunk(f.owner, &id, 100 << 20, vec![0; 10])
        .await
        .expect_err("gap");
    assert!(error.to_string().contains("gap"), "{error}");
}

#[tokio::test]
async fn wrong_hash_discards_the_upload() {
    let f = fixture().await;
    let id = f.begin(3).await;
    f.storage
        .write_chunk(f.owner, &id, 0, b"abc".to_vec())
        .await
        .expect("chunk");
    let error = f
        .storage
        .publish(f.owner, &id, &sha(b"abd"))
        .await
        .expect_err("mismatch");
    assert!(
        matches!(error, StorageError::HashMismatch { .. }),
        "{error}"
    );
    assert!(matches!(
        f.storage
            .write_chunk(f.owner, &id, 0, b"abc".to_vec())
            .await,
        Err(StorageError::UnknownUpload)
    ));
    assert!(f.storage.blobs.staged_uploads().expect("list").is_empty());
    assert!(f.storage.blobs.blob_ids().expect("list").is_empty());
}

#[tokio::test]
async fn a_restarted_daemon_resumes_from_the_staged_bytes() {
    let f = fixture().await;
    let id = f.begin(6).await;
    f.storage
        .write_chunk(f.owner, &id, 0, b"hel".to_vec())
        .await
        .expect("chunk");
    // A new Storage over the same database and disk: the daemon restarted.
    let again = Storage::open(f.db.clone(), f.dir.path(), Duration::from_secs(3600)).expect("open");
    let row =
        f.db.read({
            let id = id.clone();
            move |conn| Ok::<_, StorageError>(store::upload_by_id(conn, &id)?)
        })
        .await
        .expect("read")
        .expect("row survives");
    assert_eq!(again.resume(row).await.expect("resume"), 3);
    again
        .write_chunk(f.owner, &id, 3, b"lo!".to_vec())
        .await
        .expect("rest");
    let published = again
        .publish(f.owner, &id, &sha(b"hello!"))
        .await
        .expect("publish");
    assert_eq!(published.media_type, "text/plain; charset=utf-8");
}

#[tokio::test]
async fn garbage_collection_removes_orphans_only() {
    let f = fixture().await;
    let id = f.begin(4).await;
    f.storage
        .write_chunk(f.owner, &id, 0, b"keep".to_vec())
        .await
        .expect("chunk");
    let published = f
        .storage
        .publish(f.owner, &id, &sha(b"keep"))
        .await
        .expect("publish");
    let blob = published.blob.clone();
    let (owner, upload) = (f.owner, published.upload.id.clone());
    f.db.write(move |conn| {
        store::ensure_blob(conn, &blob, 4, 0)?;
        conn.execute(
            "INSERT INTO files (id, owner_id, name, size, sha256, media_type, created_at)
             VALUES ('f1', ?1, 'keep', 4, ?2, 'text/plain', 0)",
            params![owner, blob.as_str()],
        )?;
        store::delete_upload(conn, &upload)?;
        Ok::<_, StorageError>(())
    })
    .await
    .expect("rows");
    drop(published);

    // Leftovers of a crash: a blob with no row, a staging file with none.
    let stray = f.storage.blobs.stage("stray-upload").expect("stage");
    stray.write_at(0, b"x").expect("write");
    let orphan = f.storage.blobs.stage("orphan").expect("stage");
    orphan.write_at(0, b"orphan").expect("write");
    let orphan_id = BlobId::parse(&sha(b"orphan")).expect("id");
    f.storage
        .blobs
        .publish(orphan, &orphan_id)
        .expect("publish");

    let (blobs, staged) = f.storage.collect_garbage().await.expect("collect");
    assert_eq!((blobs, staged), (1, 1));
    let left = f.storage.blobs.blob_ids().expect("list");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].as_str(), sha(b"keep"));
    assert_eq!(f.storage.collect_garbage().await.expect("again"), (0, 0));
}

#[test]
fn sniffing_uses_content_not_names() {
    use super::session::sniff;
    assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
    assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF\0"), "image/jpeg");
    assert_eq!(
        sniff(b"  <!DOCTYPE html><script>alert(1)</script>"),
        "text/html"
    );
    assert_eq!(
        sniff(b"<?xml version=\"1.0\"?><svg onload=x>"),
        "image/svg+xml"
    );
    assert_eq!(
        sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
        "image/svg+xml"
    );
    assert_eq!(
        sniff("plain text, ünïcode".as_bytes()),
        "text/plain; charset=utf-8"
    );
    assert_eq!(sniff(b"\0\x01\x02binary"), "application/octet-stream");
    assert_eq!(sniff(b""), "application/octet-stream");
}
