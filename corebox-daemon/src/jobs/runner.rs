//! The dispatcher and the life of one attempt.
//!
//! The dispatcher claims due jobs while workers are free (at most
//! `job_workers` at once), then sleeps until it is woken (a job queued, a
//! worker freed, shutdown) or the next retry is due. Each attempt runs as
//! its own task with a cancellation token (the owner's cancel, or the end
//! of the shutdown grace) and a timeout; a panic inside it is caught and
//! fails that job alone. Failures that another try may mend are retried
//! after an exponential backoff with jitter (the base doubles each time,
//! times a random factor between 0.5 and 1.5, capped at an hour) until the
//! job is out of attempts and goes dead; failures no retry can mend (a file
//! that is not an image) make it dead at once.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use corebox_proto::Scope;
use corebox_proto::types::{JobKind, JobState};
use futures::FutureExt as _;
use rand::Rng as _;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::store::{self, JobRow};
use super::work::{self, Done, Failure, Progress};
use super::{AWAITING_CHECK, Jobs, JobsError, now_ms};
use crate::auth::Actor;
use crate::clock::unix_now;
use crate::files::store as files_store;

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// How long the dispatcher waits before it tries the database again after
/// a failure.
const AFTER_FAULT: Duration = Duration::from_secs(1);

/// Takes due jobs while workers are free, until shutdown.
pub async fn dispatch(jobs: Jobs) {
    let workers = Arc::new(Semaphore::new(jobs.inner.config.workers.get()));
    loop {
        if jobs.inner.stopping.is_cancelled() {
            break;
        }
        let free = workers.available_permits();
        let mut next_due = None;
        if free > 0 {
            match claim(&jobs, free).await {
                Ok((claimed, due)) => {
                    next_due = due;
                    for job in claimed {
                        let Ok(permit) = Arc::clone(&workers).try_acquire_owned() else {
                            break;
                        };
                        let jobs = jobs.clone();
                        tokio::spawn(async move {
                            attempt(&jobs, job).await;
                            drop(permit);
                            jobs.inner.wake.notify_one();
                        });
                    }
                }
                Err(error) => {
                    tracing::error!(%error, "cannot take jobs from the queue; trying again");
                    next_due = Some(now_ms() + AFTER_FAULT.as_millis() as i64);
                }
            }
        }
        let sleep = next_due.map(|due| {
            let wait = u64::try_from(due.saturating_sub(now_ms())).unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(wait))
        });
        tokio::select! {
            () = jobs.inner.stopping.cancelled() => break,
            () = jobs.inner.wake.notified() => {}
            () = async { sleep.expect("a sleep").await }, if sleep.is_some() => {}
        }
    }
}

/// Claims up to `limit` due jobs; also says when the next one is due.
async fn claim(jobs: &Jobs, limit: usize) -> Result<(Vec<JobRow>, Option<i64>), JobsError> {
    let claimed = jobs
        .write(move |conn, version| {
            let tx = conn.transaction()?;
            let claimed = store::claim_due(&tx, now_ms(), limit, version)?;
            let next = store::next_due(&tx)?;
            tx.commit()?;
            Ok::<_, JobsError>((claimed, next))
        })
        .await?;
    Ok(claimed)
}

/// Why an attempt stopped before it ended on its own.
enum Stopped {
    /// Its owner cancelled it.
    Cancelled,
    /// The daemon is stopping and the grace is over.
    Halted,
}

/// Runs one attempt of `job` and records how it ended.
async fn attempt(jobs: &Jobs, job: JobRow) {
    let token = CancellationToken::new();
    jobs.inner
        .running
        .lock()
        .unwrap_or_else(|poison| poison.into_inner())
        .insert(job.id.clone(), token.clone());
    tracing::debug!(job = %job.id, kind = job.kind.as_str(), attempt = job.attempts, "job started");
    let progress = Progress::new(jobs.clone(), job.id.clone());
    let scopes = Scope::parse_list(&job.scopes).unwrap_or_default();
    let actor = match jobs
        .inner
        .auth
        .acting_for(job.owner_id, scopes, &job.id)
        .await
    {
        Ok(actor) => actor,
        Err(error) => {
            let failure = Failure::Permanent(format!("the job's owner cannot act now: {error}"));
            fail(jobs, &job, failure, "").await;
            forget(jobs, &job);
            return;
        }
    };

    let run = work::run(jobs, &job, &actor, token.clone(), progress.clone());
    let timeout = jobs.inner.config.timeout;
    let outcome = tokio::select! {
        result = AssertUnwindSafe(tokio::time::timeout(timeout, run)).catch_unwind() => match result {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(_)) => Ok(Err(Failure::Retry(format!(
                "the job took longer than {}", humantime::format_duration(timeout)
            )))),
            Err(panic) => Ok(Err(Failure::Retry(format!(
                "the job crashed: {}", panic_message(&panic)
            )))),
        },
        () = token.cancelled() => Err(Stopped::Cancelled),
        () = jobs.inner.halt.cancelled() => Err(Stopped::Halted),
    };
    // Make sure whatever the attempt started (a child process) is told.
    token.cancel();
    let log = progress.log();
    match outcome {
        Ok(Ok(done)) => succeed(jobs, &job, &actor, done, &log).await,
        Ok(Err(failure)) => fail(jobs, &job, failure, &log).await,
        Err(Stopped::Cancelled) => {
            tracing::info!(job = %job.id, "job attempt stopped: cancelled");
        }
        Err(Stopped::Halted) => give_back(jobs, &job).await,
    }
    forget(jobs, &job);
}

fn forget(jobs: &Jobs, job: &JobRow) {
    jobs.inner
        .running
        .lock()
        .unwrap_or_else(|poison| poison.into_inner())
        .remove(&job.id);
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// Records success, with the file the job made committed in the same
/// transaction, unless the job was cancelled meanwhile. An imported file
/// then gets what any new upload gets (its check, a thumbnail).
async fn succeed(jobs: &Jobs, job: &JobRow, actor: &Actor, done: Done, log: &str) {
    let (id, log, kind) = (job.id.clone(), log.to_owned(), job.kind);
    let Done {
        mut outcome,
        commit,
    } = done;
    let recorded = jobs
        .write(move |conn, version| {
            let tx = conn.transaction()?;
            if let Some(commit) = commit {
                commit(&tx, &mut outcome)?;
            }
            let result = serde_json::to_string(&outcome).ok();
            let ended = store::finish(
                &tx,
                &id,
                JobState::Succeeded,
                None,
                result.as_deref(),
                &log,
                None,
                unix_now(),
                version(),
            )?;
            if !ended {
                // Cancelled meanwhile: nothing of it is kept.
                return Ok((false, outcome.summary, None));
            }
            tx.commit()?;
            let made = match &outcome.file_id {
                Some(id)
                    if matches!(kind, JobKind::Import | JobKind::Resize | JobKind::Compress) =>
                {
                    files_store::file_by_id(conn, id)?.map(crate::files::info_of)
                }
                _ => None,
            };
            Ok::<_, Failure>((ended, outcome.summary, made))
        })
        .await;
    match recorded {
        Ok((true, summary, made)) => {
            tracing::info!(job = %job.id, kind = job.kind.as_str(), %summary, "job succeeded");
            match made {
                Some(file) if job.kind == JobKind::Import => jobs.file_stored(actor, &file).await,
                Some(file) => jobs.copy_stored(actor, &file).await,
                None => {}
            }
        }
        Ok((false, ..)) => tracing::info!(job = %job.id, "job cancelled; its result is dropped"),
        // Committing the result can fail like the work can (over quota).
        Err(failure) => fail(jobs, job, failure, "").await,
    }
}

/// Records a failure: a retry later, or dead.
async fn fail(jobs: &Jobs, job: &JobRow, failure: Failure, log: &str) {
    let (message, retry) = match failure {
        Failure::Retry(message) => (message, job.attempts < job.max_attempts),
        Failure::Permanent(message) => (message, false),
    };
    let (state, run_after) = if retry {
        let delay = backoff(jobs.inner.config.retry_base, job.attempts);
        (JobState::Failed, Some(now_ms() + delay.as_millis() as i64))
    } else {
        (JobState::Dead, None)
    };
    let (id, log, error) = (job.id.clone(), log.to_owned(), message.clone());
    // A check that gave up leaves its file held, saying why, not waiting.
    let unchecked = (job.kind == JobKind::UploadHook && !retry)
        .then(|| job.file_id.clone())
        .flatten();
    let recorded = jobs
        .write(move |conn, version| {
            let tx = conn.transaction()?;
            let ended = store::finish(
                &tx,
                &id,
                state,
                Some(&error),
                None,
                &log,
                run_after,
                unix_now(),
                version(),
            )?;
            if ended && let Some(file) = &unchecked {
                let reason = format!("the upload check did not finish: {error}");
                files_store::check_gave_up(&tx, file, AWAITING_CHECK, &reason)?;
            }
            tx.commit()?;
            Ok::<_, JobsError>(ended)
        })
        .await;
    match recorded {
        Ok(true) if retry => {
            tracing::info!(job = %job.id, attempt = job.attempts, error = %message, "job failed; will retry");
        }
        Ok(true) => {
            tracing::warn!(job = %job.id, kind = job.kind.as_str(), error = %message, "job is dead");
        }
        Ok(false) => {}
        Err(error) => tracing::error!(%error, job = %job.id, "cannot record a job's failure"),
    }
    if retry {
        jobs.inner.wake.notify_one();
    }
}

async fn give_back(jobs: &Jobs, job: &JobRow) {
    let id = job.id.clone();
    let returned = jobs
        .write(move |conn, version| Ok::<_, JobsError>(store::give_back(conn, &id, version())?))
        .await;
    if let Err(error) = returned {
        tracing::error!(%error, job = %job.id, "cannot return a job to the queue");
    }
}

/// The wait before the attempt after `attempts` failed ones.
fn backoff(base: Duration, attempts: u32) -> Duration {
    let doubled = base.saturating_mul(1 << attempts.saturating_sub(1).min(20));
    let jitter = rand::rng().random_range(0.5..1.5);
    doubled.mul_f64(jitter).min(MAX_BACKOFF)
}

impl From<JobsError> for Failure {
    fn from(error: JobsError) -> Failure {
        Failure::Retry(error.to_string())
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(error: rusqlite::Error) -> Failure {
        Failure::Retry(format!("database error: {error}"))
    }
}

impl From<crate::db::DbError> for Failure {
    fn from(error: crate::db::DbError) -> Failure {
        Failure::Retry(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let base = Duration::from_secs(2);
        for attempts in 1..=4 {
            let expected = base * (1 << (attempts - 1));
            let wait = backoff(base, attempts);
            assert!(
                wait >= expected / 2 && wait <= expected * 3 / 2,
                "{attempts}: {wait:?}"
            );
        }
        assert!(backoff(base, 40) <= MAX_BACKOFF);
    }
}
