//! The job machinery against a real database and store.

use std::time::Duration;

use super::work::{Failure, cpu};
use super::*;
use crate::storage::Storage;

async fn jobs() -> (tempfile::TempDir, Jobs) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(&dir.path().join("t.db")).expect("db");
    let auth = Arc::new(
        Auth::new(
            db.clone(),
            Duration::from_secs(60),
            std::num::NonZeroU32::MIN,
            None,
        )
        .await
        .expect("auth"),
    );
    let storage =
        Arc::new(Storage::open(db.clone(), dir.path(), Duration::from_secs(60)).expect("store"));
    let config = JobsConfig {
        workers: NonZeroUsize::MIN,
        max_attempts: 3,
        retry_base: Duration::from_millis(10),
        timeout: Duration::from_secs(5),
        thumbnails: true,
        thumbnail_size: 64,
        upload_hook: Vec::new(),
        ffmpeg: "ffmpeg".to_owned(),
        import_max_bytes: 1 << 20,
        import_allow_private: false,
        default_quota: None,
    };
    let jobs = Jobs::open(db, auth, storage, config).await.expect("jobs");
    (dir, jobs)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_cpu_work_fails_that_job_alone() {
    let (_dir, jobs) = jobs().await;
    let failed = cpu(&jobs, || -> Result<(), Failure> { panic!("decoder bug") }).await;
    assert_eq!(
        failed,
        Err(Failure::Retry("the job crashed: decoder bug".to_owned()))
    );
    let fine = cpu(&jobs, || Ok(21 * 2)).await;
    assert_eq!(fine, Ok(42), "the pool still works after the panic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_only_grow_and_announce_wakes_watchers() {
    let (_dir, jobs) = jobs().await;
    let mut watcher = jobs.inner.changes.subscribe();
    let start = *watcher.borrow_and_update();
    let next = jobs.next_version();
    assert!(next > start);
    jobs.announce();
    tokio::time::timeout(Duration::from_secs(1), watcher.changed())
        .await
        .expect("woken")
        .expect("open");
    assert_eq!(*watcher.borrow(), next);
}
