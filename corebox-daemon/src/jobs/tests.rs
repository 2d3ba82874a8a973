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
        import_allow: Default::default(),
        limits: crate::files::Limits {
            default_quota: None,
            max_file_size: None,
            disk_reserve: 0,
        },
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
async fn work_of_a_cancelled_job_keeps_its_core_until_it_ends() {
    let (_dir, jobs) = jobs().await;
    let cores = jobs.inner.cpu.available_permits();
    let (started, begun) = tokio::sync::oneshot::channel::<()>();
    let (release, held) = std::sync::mpsc::channel::<()>();
    let running = tokio::spawn({
        let jobs = jobs.clone();
        async move {
            cpu(&jobs, move || {
                let _ = started.send(());
                let _ = held.recv();
                Ok(())
            })
            .await
        }
    });
    begun.await.expect("the work started");
    // Cancelling a job drops its future; the work goes on.
    running.abort();
    let _ = running.await;
    assert_eq!(jobs.inner.cpu.available_permits(), cores - 1);
    release.send(()).expect("the work is waiting");
    let all = u32::try_from(cores).expect("cores");
    let back = tokio::time::timeout(Duration::from_secs(30), jobs.inner.cpu.acquire_many(all));
    assert!(back.await.is_ok(), "the core came back when the work ended");
}

/// The regression of a watch that never ended: a write announced the
/// change counter while another write had taken a version but not yet
/// committed it, so watchers skipped that change for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_committed_versions_are_announced() {
    let (_dir, jobs) = jobs().await;
    let mut watcher = jobs.inner.changes.subscribe();
    let start = *watcher.borrow_and_update();
    let (taken_tx, taken_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let slow = {
        let jobs = jobs.clone();
        tokio::spawn(async move {
            jobs.write(move |_conn, version| {
                let mine = version();
                let _ = taken_tx.send(());
                // Hold the writer, uncommitted, until told.
                let _ = release_rx.recv();
                Ok::<_, JobsError>(mine)
            })
            .await
        })
    };
    tokio::task::spawn_blocking(move || taken_rx.recv())
        .await
        .expect("task")
        .expect("taken");
    // Nothing is announced while the write is open.
    let early = tokio::time::timeout(Duration::from_millis(200), watcher.changed()).await;
    assert!(early.is_err(), "announced before the commit");
    release_tx.send(()).expect("release");
    let mine = slow.await.expect("task").expect("write");
    tokio::time::timeout(Duration::from_secs(5), watcher.changed())
        .await
        .expect("woken")
        .expect("open");
    assert_eq!(*watcher.borrow(), mine);
    assert!(mine > start);
}
