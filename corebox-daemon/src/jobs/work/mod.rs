//! The kinds of work, and what they share: how an attempt ends, how it
//! reports progress, and how the file it makes is committed.
//!
//! An attempt returns [`Done`] or a [`Failure`]. [`Done`] may carry a
//! commit step, run by the runner in the same transaction that marks the
//! job succeeded, so a result exists exactly when its job says it does,
//! whatever crashes in between.

pub mod child;
pub mod image;
pub mod import;
mod outputs;
mod verify;
mod video;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use corebox_proto::types::{JobKind, JobOutcome, JobRequest};
use tokio_util::sync::CancellationToken;

use super::store::{self, JobRow};
use super::{Jobs, JobsError, MAX_DIMENSION};
use crate::auth::Actor;
use crate::files::store::FileRow;
pub use outputs::commit_file;

/// How an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Another attempt may succeed (a network error, a busy server, a
    /// timeout): retried with backoff while attempts are left.
    Retry(String),
    /// No retry can mend it (not an image, too large, refused): the job is
    /// dead at once.
    Permanent(String),
}

/// A change to commit with the job's success, in its transaction.
pub type Commit =
    Box<dyn FnOnce(&rusqlite::Transaction<'_>, &mut JobOutcome) -> Result<(), Failure> + Send>;

/// A successful attempt.
pub struct Done {
    /// What to record as the job's result.
    pub outcome: JobOutcome,
    /// What to commit with it.
    pub commit: Option<Commit>,
}

impl std::fmt::Debug for Done {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Done")
            .field("outcome", &self.outcome)
            .field("commit", &self.commit.is_some())
            .finish()
    }
}

impl Done {
    /// Success with a summary and nothing to commit.
    pub fn summary(summary: impl Into<String>) -> Done {
        Done {
            outcome: JobOutcome {
                summary: summary.into(),
                ..JobOutcome::default()
            },
            commit: None,
        }
    }
}

/// Reports an attempt's progress and keeps its log. Progress reaches the
/// database (and watchers) at most every [`PROGRESS_EVERY`], and always
/// when a step's message changes.
#[derive(Debug, Clone)]
pub struct Progress {
    jobs: Jobs,
    id: String,
    last: Arc<Mutex<(Option<Instant>, String)>>,
    log: Arc<Mutex<String>>,
}

/// The least time between two progress writes.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// The most of a child's stderr kept as a job's log, in bytes.
const MAX_LOG_BYTES: usize = 64 * 1024;

impl Progress {
    pub fn new(jobs: Jobs, id: String) -> Progress {
        Progress {
            jobs,
            id,
            last: Arc::new(Mutex::new((None, String::new()))),
            log: Arc::new(Mutex::new(String::new())),
        }
    }

    /// Says how far the attempt is (0 to 1) and what it is doing.
    pub async fn report(&self, fraction: f64, message: &str) {
        {
            let mut last = self
                .last
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            let recent = last.0.is_some_and(|at| at.elapsed() < PROGRESS_EVERY);
            if recent && last.1 == message {
                return;
            }
            *last = (Some(Instant::now()), message.to_owned());
        }
        let (id, message) = (self.id.clone(), message.to_owned());
        let fraction = fraction.clamp(0.0, 1.0);
        let written = self
            .jobs
            .write(move |conn, version| {
                Ok::<_, JobsError>(store::set_progress(
                    conn,
                    &id,
                    fraction,
                    &message,
                    version(),
                )?)
            })
            .await;
        if let Err(error) = written {
            tracing::warn!(%error, job = %self.id, "cannot record a job's progress");
        }
    }

    /// Adds `text` to the log, keeping its first 64 KiB.
    pub fn append_log(&self, text: &str) {
        let mut log = self.log.lock().unwrap_or_else(|poison| poison.into_inner());
        let room = MAX_LOG_BYTES.saturating_sub(log.len());
        let mut end = room.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        log.push_str(&text[..end]);
    }

    /// The log so far.
    pub fn log(&self) -> String {
        self.log
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone()
    }
}

/// Checks what a request asks for, before it is queued; gives its kind
/// and the file it works on.
///
/// # Errors
///
/// [`JobsError::Invalid`] naming the rule broken.
pub fn check_request(request: &JobRequest) -> Result<(JobKind, Option<String>), JobsError> {
    let invalid = |message: String| JobsError::Invalid(message);
    let quality = |quality: Option<u8>| match quality {
        Some(0) | Some(101..) => Err(invalid("--quality is 1 to 100".to_owned())),
        _ => Ok(()),
    };
    match request {
        JobRequest::Thumbnail { file_id } => Ok((JobKind::Thumbnail, Some(file_id.clone()))),
        JobRequest::Resize {
            file_id,
            width,
            height,
            quality: q,
            ..
        } => {
            if width.is_none() && height.is_none() {
                return Err(invalid("give --width, --height or both".to_owned()));
            }
            for side in [width, height].into_iter().flatten() {
                if !(1..=MAX_DIMENSION).contains(side) {
                    return Err(invalid(format!(
                        "a width or height is 1 to {MAX_DIMENSION} pixels, not {side}"
                    )));
                }
            }
            quality(*q)?;
            Ok((JobKind::Resize, Some(file_id.clone())))
        }
        JobRequest::Compress {
            file_id,
            quality: q,
            ..
        } => {
            quality(*q)?;
            Ok((JobKind::Compress, Some(file_id.clone())))
        }
        JobRequest::Verify { .. } => Ok((JobKind::Verify, None)),
        JobRequest::Import { url, name } => {
            import::check_url(url).map_err(JobsError::Invalid)?;
            if let Some(name) = name {
                crate::files::check_name(name, "pass another with --name")
                    .map_err(|error| JobsError::Invalid(error.to_string()))?;
            }
            Ok((JobKind::Import, None))
        }
    }
}

/// Runs one attempt of `job` as `actor`.
pub async fn run(
    jobs: &Jobs,
    job: &JobRow,
    actor: &Actor,
    token: CancellationToken,
    progress: Progress,
) -> Result<Done, Failure> {
    let request = || {
        serde_json::from_str::<JobRequest>(&job.payload).map_err(|error| {
            Failure::Permanent(format!("the job's parameters are unreadable: {error}"))
        })
    };
    let file = || {
        job.file_id
            .clone()
            .ok_or_else(|| Failure::Permanent("the file was deleted".to_owned()))
    };
    match job.kind {
        JobKind::Thumbnail => image::thumbnail(jobs, actor, &file()?, &progress).await,
        JobKind::Resize | JobKind::Compress => {
            image::convert(jobs, actor, request()?, &progress).await
        }
        JobKind::Verify => {
            let JobRequest::Verify { all } = request()? else {
                return Err(Failure::Permanent("not a verify job".to_owned()));
            };
            verify::run(jobs, actor, all, &token, &progress).await
        }
        JobKind::Import => {
            let JobRequest::Import { url, name } = request()? else {
                return Err(Failure::Permanent("not an import job".to_owned()));
            };
            import::run(jobs, actor, &url, name, &token, &progress).await
        }
        JobKind::VideoThumbnail => video::poster(jobs, actor, &file()?, &token, &progress).await,
        JobKind::UploadHook => child::upload_hook(jobs, actor, &file()?, &token, &progress).await,
    }
}

/// The file a job works on, as `actor` may read it; one deleted since the
/// job was queued fails it for good.
pub async fn source_file(jobs: &Jobs, actor: &Actor, file_id: &str) -> Result<FileRow, Failure> {
    jobs.readable(actor, file_id)
        .await
        .map_err(|error| match error {
            JobsError::FileNotFound => Failure::Permanent("the file was deleted".to_owned()),
            other => Failure::from(other),
        })
}

/// Runs CPU-bound `work` on the blocking pool, at most one task per core
/// at once; a panic in it is this job's failure.
pub async fn cpu<T: Send + 'static>(
    jobs: &Jobs,
    work: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    let permit = Arc::clone(&jobs.inner.cpu)
        .acquire_owned()
        .await
        .map_err(|_| Failure::Retry("the daemon is stopping".to_owned()))?;
    // The work holds the permit, not this future: a job cancelled while
    // its work runs lets go of its core only once the work ends, so the
    // pool never runs more than one piece of work per core.
    let work = move || {
        let _permit = permit;
        work()
    };
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => Err(Failure::Retry(format!(
            "the job crashed: {}",
            error
                .into_panic()
                .downcast_ref::<&str>()
                .map_or("a panic", |text| text)
        ))),
        Err(error) => Err(Failure::Retry(format!("the job's task failed: {error}"))),
    }
}
