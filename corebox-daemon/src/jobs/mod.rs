//! Background jobs: a persistent queue in SQLite, workers, retries, and
//! the kinds of work (thumbnails, resizing, compression, verification,
//! imports, video poster frames, the upload check).
//!
//! Owns the `jobs` table ([`store`]). The owner's operations take the
//! acting identity and check it here; another user's job answers like one
//! that does not exist. A job acts later, with the scopes of the token
//! that queued it, as its owner is then ([`crate::auth::Auth::acting_for`]).
//!
//! The queue: queueing a job writes its row and wakes the dispatcher at
//! once ([`runner`]); the dispatcher otherwise sleeps until the next retry
//! is due, so nothing polls in the steady state. Every change to a job
//! takes the next value of one change counter, kept in the row, and is
//! announced on a watch channel, which [`Jobs::wait`] (the long poll that
//! `corebox jobs watch` uses) waits on. A job with a unique key (the
//! thumbnail of a file) is queued at most once while it lives.

mod runner;
pub mod store;
mod work;

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use corebox_proto::Scope;
use corebox_proto::types::{
    FileInfo, JobChanges, JobFilter, JobInfo, JobKind, JobOutcome, JobRequest,
};
use tokio::sync::{Notify, Semaphore, watch};
use tokio_util::sync::CancellationToken;

use crate::auth::{Actor, Auth, AuthError};
use crate::clock::unix_now;
use crate::db::{Db, DbError};
use crate::files::store as files_store;
use crate::storage::Storage;
use store::{JobRow, NewJob};
pub use work::child::AWAITING_CHECK;
pub use work::import::Allowance as ImportAllowance;

/// How long an ended job stays in the default `jobs ls`.
const RECENT_SECS: i64 = 3600;

/// Longest a long poll may wait.
const MAX_WAIT_SECS: u32 = 30;

/// Largest width or height a resize may ask for.
pub const MAX_DIMENSION: u32 = 16_384;

/// How the job subsystem is set up.
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// Jobs running at once.
    pub workers: NonZeroUsize,
    /// Attempts a job gets before it is dead.
    pub max_attempts: u32,
    /// The first retry's delay; each later one doubles it (with jitter).
    pub retry_base: Duration,
    /// How long one attempt may run.
    pub timeout: Duration,
    /// Thumbnails of uploaded images (and videos, with ffmpeg).
    pub thumbnails: bool,
    /// The thumbnail's longest side, in pixels.
    pub thumbnail_size: u32,
    /// The upload check: a program and its first arguments; the file's
    /// path is added last. Empty for none.
    pub upload_hook: Vec<String>,
    /// The ffmpeg program.
    pub ffmpeg: String,
    /// Largest download an import takes.
    pub import_max_bytes: u64,
    /// The non-public addresses imports may reach.
    pub import_allow: ImportAllowance,
    /// The limits of uploads, which what jobs make is held to as well.
    pub limits: crate::files::Limits,
}

/// Failures of job operations.
#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    /// A value breaks a rule.
    #[error("{0}")]
    Invalid(String),
    /// No such job for this caller.
    #[error("no such job: see corebox jobs ls")]
    NotFound,
    /// No such file for this caller.
    #[error("no such file: see corebox ls")]
    FileNotFound,
    /// The job is not in a state that allows this.
    #[error("{0}")]
    WrongState(String),
    /// Authentication or permission failure.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<rusqlite::Error> for JobsError {
    fn from(error: rusqlite::Error) -> JobsError {
        JobsError::Db(DbError::Sqlite(error))
    }
}

/// Milliseconds since the Unix epoch now.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// State shared by the subsystem, its dispatcher and its workers.
#[derive(Debug)]
struct Inner {
    db: Db,
    auth: Arc<Auth>,
    storage: Arc<Storage>,
    config: JobsConfig,
    /// Wakes the dispatcher: a job was queued, or a worker is free.
    wake: Notify,
    /// The change counter; its value is in the row of the last change.
    version: AtomicU64,
    /// The last change announced, for long polls.
    changes: watch::Sender<u64>,
    /// Running jobs, by id: cancelling the token stops the attempt.
    running: Mutex<HashMap<String, CancellationToken>>,
    /// Stops the dispatcher from taking new work.
    stopping: CancellationToken,
    /// Ends the attempts still running when the grace is over.
    halt: CancellationToken,
    /// One permit per core, for CPU-bound work on the blocking pool.
    cpu: Arc<Semaphore>,
}

/// The job subsystem; cheap to clone.
#[derive(Debug, Clone)]
pub struct Jobs {
    inner: Arc<Inner>,
}

impl Jobs {
    /// The subsystem over `db`: jobs a crash left running go back to the
    /// queue. Call [`Jobs::start`] to begin working.
    ///
    /// # Errors
    ///
    /// Database failures.
    pub async fn open(
        db: Db,
        auth: Arc<Auth>,
        storage: Arc<Storage>,
        config: JobsConfig,
    ) -> Result<Jobs, JobsError> {
        let (version, requeued) = db
            .write(|conn| {
                let version = store::max_version(conn)? + 1;
                let requeued = store::requeue_running(conn, unix_now(), version)?;
                Ok::<_, JobsError>((version, requeued))
            })
            .await?;
        if requeued > 0 {
            tracing::info!(requeued, "jobs interrupted by a crash are queued again");
        }
        Ok(Jobs {
            inner: Arc::new(Inner {
                db,
                auth,
                storage,
                config,
                wake: Notify::new(),
                version: AtomicU64::new(version),
                changes: watch::Sender::new(version),
                running: Mutex::new(HashMap::new()),
                stopping: CancellationToken::new(),
                halt: CancellationToken::new(),
                cpu: Arc::new(Semaphore::new(
                    std::thread::available_parallelism().map_or(2, NonZeroUsize::get),
                )),
            }),
        })
    }

    /// Starts the dispatcher. Must be called inside the tokio runtime.
    pub fn start(&self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(runner::dispatch(self.clone()))
    }

    /// Stops taking work, lets running jobs finish for at most `grace`,
    /// then stops those still running and returns them to the queue.
    pub async fn shutdown(&self, dispatcher: tokio::task::JoinHandle<()>, grace: Duration) {
        self.inner.stopping.cancel();
        self.inner.wake.notify_one();
        let drained = tokio::time::timeout(grace, async {
            while self.running_count() > 0 {
                self.inner.wake.notified().await;
            }
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                running = self.running_count(),
                "jobs still running after the grace period; returning them to the queue"
            );
            self.inner.halt.cancel();
            // Each attempt gives its job back as it stops.
            let _ = tokio::time::timeout(Duration::from_secs(5), async {
                while self.running_count() > 0 {
                    self.inner.wake.notified().await;
                }
            })
            .await;
        }
        let _ = dispatcher.await;
    }

    fn running_count(&self) -> usize {
        self.inner
            .running
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .len()
    }

    /// Runs a database write that changes jobs, numbering each change it
    /// makes with `version()`, and once it has committed tells watchers.
    ///
    /// Announcing only committed versions is what keeps watchers exact:
    /// the writer is serial, so when a write with version v has committed,
    /// every lower version has too, and a watcher that reads the rows
    /// changed up to v misses none.
    async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut rusqlite::Connection, &dyn Fn() -> u64) -> Result<T, E> + Send + 'static,
    {
        let used = Arc::new(AtomicU64::new(0));
        let (jobs, seen) = (self.clone(), Arc::clone(&used));
        let result = self
            .inner
            .db
            .write(move |conn| {
                let version = || {
                    let version = jobs.inner.version.fetch_add(1, Ordering::AcqRel) + 1;
                    seen.fetch_max(version, Ordering::AcqRel);
                    version
                };
                work(conn, &version)
            })
            .await;
        // A rolled-back write's versions are gaps: announcing them is
        // harmless, as no row carries them.
        let version = used.load(Ordering::Acquire);
        if version > 0 {
            self.inner.changes.send_if_modified(|last| {
                let moved = version > *last;
                *last = (*last).max(version);
                moved
            });
        }
        result
    }

    /// Whether new uploads wait for the upload check.
    pub fn has_upload_hook(&self) -> bool {
        !self.inner.config.upload_hook.is_empty()
    }

    fn info(row: &JobRow, with_log: bool) -> JobInfo {
        JobInfo {
            id: row.id.clone(),
            kind: row.kind,
            state: row.state,
            file_id: row.file_id.clone(),
            file_name: row.file_name.clone(),
            attempts: row.attempts,
            max_attempts: row.max_attempts,
            progress: row.progress,
            message: row.message.clone(),
            error: row.error.clone(),
            result: row
                .result
                .as_deref()
                .and_then(|text| serde_json::from_str::<JobOutcome>(text).ok()),
            created_at: row.created_at,
            started_at: row.started_at,
            finished_at: row.finished_at,
            run_after_ms: row.run_after_ms,
            log: with_log.then(|| row.log.clone()),
        }
    }

    /// Queues a job, unless a live one has its unique key, and wakes the
    /// dispatcher.
    async fn enqueue(
        &self,
        owner_id: i64,
        kind: JobKind,
        payload: String,
        scopes: &[Scope],
        file_id: Option<String>,
        unique_key: Option<String>,
    ) -> Result<JobRow, JobsError> {
        let id = hex::encode(rand::random::<[u8; 8]>());
        let scopes = Scope::join(scopes);
        let max_attempts = self.inner.config.max_attempts;
        let row = self
            .write(move |conn, version| {
                let tx = conn.transaction()?;
                let job = NewJob {
                    id: &id,
                    owner_id,
                    kind,
                    payload: &payload,
                    scopes: &scopes,
                    file_id: file_id.as_deref(),
                    unique_key: unique_key.as_deref(),
                    max_attempts,
                    now_ms: now_ms(),
                    version: version(),
                };
                let row = match store::insert(&tx, &job)? {
                    Some(()) => store::by_id(&tx, &id)?,
                    None => match &unique_key {
                        Some(key) => store::by_unique_key(&tx, key)?,
                        None => None,
                    },
                };
                tx.commit()?;
                row.ok_or(JobsError::NotFound)
            })
            .await?;
        self.inner.wake.notify_one();
        Ok(row)
    }

    /// Starts a job for `actor`.
    ///
    /// # Errors
    ///
    /// [`JobsError::Invalid`] for bad parameters, [`JobsError::FileNotFound`]
    /// for a file the actor cannot read, a missing scope or role.
    pub async fn submit(&self, actor: &Actor, request: JobRequest) -> Result<JobInfo, JobsError> {
        let (kind, file_id) = work::check_request(&request)?;
        match &request {
            JobRequest::Verify { all } => {
                actor.require(Scope::FilesRead)?;
                if *all {
                    actor.require_admin()?;
                }
            }
            _ => {
                actor.require(Scope::FilesRead)?;
                actor.require(Scope::FilesWrite)?;
            }
        }
        let kind = match (kind, &file_id) {
            (JobKind::Thumbnail, Some(id)) => self.thumbnail_kind(actor, id).await?,
            (kind, Some(id)) => {
                self.readable(actor, id).await?;
                kind
            }
            (kind, None) => kind,
        };
        let payload = serde_json::to_string(&request)
            .map_err(|error| JobsError::Invalid(format!("cannot encode the job: {error}")))?;
        let row = self
            .enqueue(
                actor.user_id,
                kind,
                payload,
                &actor.token.scopes,
                file_id,
                None,
            )
            .await?;
        tracing::info!(job = %row.id, kind = kind.as_str(), "job queued");
        Ok(Self::info(&row, false))
    }

    /// Checks that `actor` may read file `id`: its owner, an admin, or a
    /// user it was granted to (while it is not held back).
    async fn readable(&self, actor: &Actor, id: &str) -> Result<files_store::FileRow, JobsError> {
        let (id, user, admin) = (id.to_owned(), actor.user_id, actor.acts_as_admin());
        self.inner
            .db
            .read(move |conn| {
                let file = files_store::file_by_id(conn, &id)?.ok_or(JobsError::FileNotFound)?;
                let granted = files_store::has_grant(conn, &id, user)? && file.quarantine.is_none();
                if file.owner_id == user || admin || granted {
                    Ok(file)
                } else {
                    Err(JobsError::FileNotFound)
                }
            })
            .await
    }

    /// A thumbnail of a video is a poster frame, made another way.
    async fn thumbnail_kind(&self, actor: &Actor, id: &str) -> Result<JobKind, JobsError> {
        let file = self.readable(actor, id).await?;
        // A thumbnail is part of its file, which a reader may not change.
        if file.owner_id != actor.user_id && !actor.acts_as_admin() {
            return Err(JobsError::Invalid(
                "this file was shared with you to read; only its owner can make its thumbnail"
                    .to_owned(),
            ));
        }
        Ok(if file.media_type.starts_with("video/") {
            JobKind::VideoThumbnail
        } else {
            JobKind::Thumbnail
        })
    }

    /// Queues what a new upload (or import) gets: the upload check when
    /// one is configured, and a thumbnail of an image or a video. Failures
    /// are logged; the upload itself has succeeded.
    pub async fn file_stored(&self, actor: &Actor, file: &FileInfo) {
        self.queue_for(actor, file, true).await;
    }

    /// Queues the upload check of a copy a job made (a resize, a
    /// compression), when it waits for one; a copy held for its source's
    /// reason stays so.
    pub async fn copy_stored(&self, actor: &Actor, file: &FileInfo) {
        if file.quarantine.as_deref() == Some(AWAITING_CHECK) {
            self.queue_for(actor, file, false).await;
        }
    }

    /// Whether the configured ffmpeg is a program this daemon can run: a
    /// path to an executable file, or a name found on `PATH`.
    fn has_ffmpeg(&self) -> bool {
        use std::os::unix::fs::PermissionsExt as _;
        let runnable = |path: &std::path::Path| {
            std::fs::metadata(path)
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        };
        let program = std::path::Path::new(&self.inner.config.ffmpeg);
        if program.components().count() > 1 {
            return runnable(program);
        }
        std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| runnable(&dir.join(program)))
        })
    }

    async fn queue_for(&self, actor: &Actor, file: &FileInfo, thumbnail: bool) {
        let mut wanted = Vec::new();
        if self.has_upload_hook() {
            wanted.push((JobKind::UploadHook, format!("upload-hook:{}", file.id)));
        }
        if thumbnail && self.inner.config.thumbnails && file.thumbnail.is_none() {
            if work::image::is_decodable(&file.media_type) {
                wanted.push((JobKind::Thumbnail, format!("thumbnail:{}", file.id)));
            } else if file.media_type.starts_with("video/") && self.has_ffmpeg() {
                // Without ffmpeg a poster frame is only a job bound to fail;
                // `image thumbnail` of the video says why.
                wanted.push((JobKind::VideoThumbnail, format!("thumbnail:{}", file.id)));
            }
        }
        // These kinds need only their file; the payload names it too.
        let payload = serde_json::to_string(&JobRequest::Thumbnail {
            file_id: file.id.clone(),
        })
        .unwrap_or_default();
        for (kind, key) in wanted {
            let queued = self
                .enqueue(
                    actor.user_id,
                    kind,
                    payload.clone(),
                    &actor.token.scopes,
                    Some(file.id.clone()),
                    Some(key),
                )
                .await;
            if let Err(error) = queued {
                tracing::warn!(%error, file = %file.id, kind = kind.as_str(), "cannot queue a job for an upload");
            }
        }
    }

    /// `actor`'s jobs, newest first.
    ///
    /// # Errors
    ///
    /// Missing scope; database failures.
    pub async fn list(&self, actor: &Actor, filter: JobFilter) -> Result<Vec<JobInfo>, JobsError> {
        actor.require(Scope::JobsRead)?;
        let owner = actor.user_id;
        let since = (!filter.all).then(|| unix_now() - RECENT_SECS);
        let rows = self
            .inner
            .db
            .read(move |conn| {
                Ok::<_, JobsError>(store::by_owner(
                    conn,
                    owner,
                    since.filter(|_| filter.file_id.is_none() && filter.ids.is_empty()),
                    filter.file_id.as_deref(),
                )?)
            })
            .await?;
        Ok(rows.iter().map(|row| Self::info(row, false)).collect())
    }

    /// One of `actor`'s jobs, from the database.
    async fn owned(&self, actor: &Actor, id: &str) -> Result<JobRow, JobsError> {
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(JobsError::NotFound);
        }
        let (id, owner) = (id.to_ascii_lowercase(), actor.user_id);
        self.inner
            .db
            .read(move |conn| match store::by_id(conn, &id)? {
                Some(row) if row.owner_id == owner => Ok(row),
                _ => Err(JobsError::NotFound),
            })
            .await
    }

    /// One of `actor`'s jobs, with its log.
    ///
    /// # Errors
    ///
    /// [`JobsError::NotFound`] for a job that is not the actor's.
    pub async fn show(&self, actor: &Actor, id: &str) -> Result<JobInfo, JobsError> {
        actor.require(Scope::JobsRead)?;
        Ok(Self::info(&self.owned(actor, id).await?, true))
    }

    /// Cancels one of `actor`'s jobs; a running attempt is stopped (its
    /// child process killed) and its result thrown away.
    ///
    /// # Errors
    ///
    /// [`JobsError::NotFound`]; [`JobsError::WrongState`] for a job that
    /// has ended.
    pub async fn cancel(&self, actor: &Actor, id: &str) -> Result<JobInfo, JobsError> {
        actor.require(Scope::JobsWrite)?;
        let job = self.owned(actor, id).await?;
        let key = job.id.clone();
        let row = self
            .write(move |conn, version| {
                if !store::cancel(conn, &key, unix_now(), version())? {
                    return Err(JobsError::WrongState(
                        "this job has ended already: nothing to cancel".to_owned(),
                    ));
                }
                store::by_id(conn, &key)?.ok_or(JobsError::NotFound)
            })
            .await?;
        if let Some(token) = self
            .inner
            .running
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .get(&job.id)
        {
            token.cancel();
        }
        tracing::info!(job = %job.id, "job cancelled");
        Ok(Self::info(&row, false))
    }

    /// Queues one of `actor`'s failed, dead or cancelled jobs again, with
    /// fresh attempts.
    ///
    /// # Errors
    ///
    /// [`JobsError::NotFound`]; [`JobsError::WrongState`] for a job that is
    /// queued, running or succeeded.
    pub async fn retry(&self, actor: &Actor, id: &str) -> Result<JobInfo, JobsError> {
        actor.require(Scope::JobsWrite)?;
        let job = self.owned(actor, id).await?;
        let key = job.id.clone();
        let row = self
            .write(move |conn, version| {
                let retried = match store::retry(conn, &key, now_ms(), version()) {
                    Ok(retried) => retried,
                    Err(rusqlite::Error::SqliteFailure(error, _))
                        if error.code == rusqlite::ErrorCode::ConstraintViolation =>
                    {
                        return Err(JobsError::WrongState(
                            "the same job is queued again already: see corebox jobs ls".to_owned(),
                        ));
                    }
                    Err(error) => return Err(error.into()),
                };
                if !retried {
                    return Err(JobsError::WrongState(
                        "only a failed, dead or cancelled job can be retried".to_owned(),
                    ));
                }
                store::by_id(conn, &key)?.ok_or(JobsError::NotFound)
            })
            .await?;
        self.inner.wake.notify_one();
        tracing::info!(job = %job.id, "job queued again");
        Ok(Self::info(&row, false))
    }

    /// Waits until one of `actor`'s jobs in `filter` changes after version
    /// `since`, for at most `timeout_secs`, and answers what changed. With
    /// `since` 0 it answers at once with the jobs `filter` names (or, with
    /// no ids, the jobs still to run).
    ///
    /// # Errors
    ///
    /// Missing scope; database failures.
    pub async fn wait(
        &self,
        actor: &Actor,
        filter: JobFilter,
        since: u64,
        timeout_secs: u32,
    ) -> Result<JobChanges, JobsError> {
        actor.require(Scope::JobsRead)?;
        let owner = actor.user_id;
        let matches = {
            let filter = filter.clone();
            move |row: &JobRow| {
                (filter.ids.is_empty()
                    || filter.ids.iter().any(|id| id.eq_ignore_ascii_case(&row.id)))
                    && filter
                        .file_id
                        .as_ref()
                        .is_none_or(|file| row.file_id.as_ref() == Some(file))
            }
        };
        let mut changes = self.inner.changes.subscribe();
        if since == 0 {
            let version = *changes.borrow_and_update();
            let rows = self
                .inner
                .db
                .read(move |conn| Ok::<_, JobsError>(store::by_owner(conn, owner, None, None)?))
                .await?;
            let jobs = rows
                .iter()
                .filter(|row| matches(row))
                .filter(|row| !filter.ids.is_empty() || !row.state.is_ended())
                .map(|row| Self::info(row, false))
                .collect();
            return Ok(JobChanges { version, jobs });
        }
        let deadline = tokio::time::Instant::now()
            + Duration::from_secs(u64::from(timeout_secs.min(MAX_WAIT_SECS)));
        let mut since = since;
        loop {
            let version = *changes.borrow_and_update();
            if version > since {
                let rows = self
                    .inner
                    .db
                    .read(move |conn| Ok::<_, JobsError>(store::changed_since(conn, owner, since)?))
                    .await?;
                let jobs: Vec<JobInfo> = rows
                    .iter()
                    .filter(|row| matches(row))
                    .map(|row| Self::info(row, false))
                    .collect();
                let seen = rows.last().map_or(version, |row| row.version.max(version));
                if !jobs.is_empty() {
                    return Ok(JobChanges {
                        version: seen,
                        jobs,
                    });
                }
                since = seen;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                _ => {
                    return Ok(JobChanges {
                        version: since,
                        jobs: Vec::new(),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
