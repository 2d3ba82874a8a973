//! SQL of the `jobs` table. Nothing else touches it.

use corebox_proto::types::{JobKind, JobState};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// A job row, with its file's name when the file still exists.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    /// The job's id.
    pub id: String,
    /// Its owner.
    pub owner_id: i64,
    /// What it does.
    pub kind: JobKind,
    /// Its parameters, as JSON.
    pub payload: String,
    /// The scopes it acts with, comma-separated.
    pub scopes: String,
    /// The file it works on.
    pub file_id: Option<String>,
    /// That file's name.
    pub file_name: Option<String>,
    /// Where it is.
    pub state: JobState,
    /// Attempts started.
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// When it may run (Unix milliseconds).
    pub run_after_ms: i64,
    /// Progress of the running attempt.
    pub progress: f64,
    /// What it is doing.
    pub message: String,
    /// Why the last attempt failed.
    pub error: Option<String>,
    /// Its outcome, as JSON.
    pub result: Option<String>,
    /// Its child process's stderr.
    pub log: String,
    /// When it was queued.
    pub created_at: i64,
    /// When its last attempt started.
    pub started_at: Option<i64>,
    /// When it ended.
    pub finished_at: Option<i64>,
    /// The change counter at its last change.
    pub version: u64,
}

const COLUMNS: &str = "j.id, j.owner_id, j.kind, j.payload, j.scopes, j.file_id, f.name, j.state,
    j.attempts, j.max_attempts, j.run_after_ms, j.progress, j.message, j.error, j.result, j.log,
    j.created_at, j.started_at, j.finished_at, j.version";
const FROM: &str = "FROM jobs j LEFT JOIN files f ON f.id = j.file_id";

fn bad_text(index: usize, text: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        index,
        rusqlite::types::Type::Text,
        format!("unknown value '{text}'").into(),
    )
}

fn job_row(row: &Row<'_>) -> rusqlite::Result<JobRow> {
    let kind: String = row.get(2)?;
    let state: String = row.get(7)?;
    Ok(JobRow {
        id: row.get(0)?,
        owner_id: row.get(1)?,
        kind: JobKind::parse(&kind).ok_or_else(|| bad_text(2, &kind))?,
        payload: row.get(3)?,
        scopes: row.get(4)?,
        file_id: row.get(5)?,
        file_name: row.get(6)?,
        state: JobState::parse(&state).ok_or_else(|| bad_text(7, &state))?,
        attempts: row.get(8)?,
        max_attempts: row.get(9)?,
        run_after_ms: row.get(10)?,
        progress: row.get(11)?,
        message: row.get(12)?,
        error: row.get(13)?,
        result: row.get(14)?,
        log: row.get(15)?,
        created_at: row.get(16)?,
        started_at: row.get(17)?,
        finished_at: row.get(18)?,
        version: row.get(19)?,
    })
}

/// A job to queue.
#[derive(Debug)]
pub struct NewJob<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its owner.
    pub owner_id: i64,
    /// What it does.
    pub kind: JobKind,
    /// Its parameters.
    pub payload: &'a str,
    /// The scopes it acts with.
    pub scopes: &'a str,
    /// The file it works on.
    pub file_id: Option<&'a str>,
    /// At most one live job has this key.
    pub unique_key: Option<&'a str>,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// Now, in milliseconds.
    pub now_ms: i64,
    /// Its version.
    pub version: u64,
}

/// Queues a job; `None` when a live job has its unique key already.
pub fn insert(conn: &Connection, job: &NewJob<'_>) -> rusqlite::Result<Option<()>> {
    let inserted = conn.execute(
        "INSERT INTO jobs (id, owner_id, kind, payload, scopes, file_id, unique_key, state,
            max_attempts, run_after_ms, created_at, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?8, ?9, ?9 / 1000, ?10)
         ON CONFLICT DO NOTHING",
        params![
            job.id,
            job.owner_id,
            job.kind.as_str(),
            job.payload,
            job.scopes,
            job.file_id,
            job.unique_key,
            job.max_attempts,
            job.now_ms,
            job.version
        ],
    )?;
    Ok((inserted > 0).then_some(()))
}

/// The live job with `key`.
pub fn by_unique_key(conn: &Connection, key: &str) -> rusqlite::Result<Option<JobRow>> {
    conn.query_row(
        &format!(
            "SELECT {COLUMNS} {FROM} WHERE j.unique_key = ?1
                AND j.state NOT IN ('cancelled', 'dead')"
        ),
        [key],
        job_row,
    )
    .optional()
}

/// Job `id`.
pub fn by_id(conn: &Connection, id: &str) -> rusqlite::Result<Option<JobRow>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} {FROM} WHERE j.id = ?1"),
        [id],
        job_row,
    )
    .optional()
}

/// `owner_id`'s jobs, newest first: all of them, or those not ended and
/// those ended since `ended_since`; only on `file_id` if given.
pub fn by_owner(
    conn: &Connection,
    owner_id: i64,
    ended_since: Option<i64>,
    file_id: Option<&str>,
) -> rusqlite::Result<Vec<JobRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} {FROM} WHERE j.owner_id = ?1
            AND (?2 IS NULL OR j.state NOT IN ('succeeded', 'cancelled', 'dead')
                 OR j.finished_at >= ?2)
            AND (?3 IS NULL OR j.file_id = ?3)
         ORDER BY j.created_at DESC, j.rowid DESC LIMIT 1000"
    ))?
    .query_map(params![owner_id, ended_since, file_id], job_row)?
    .collect()
}

/// `owner_id`'s jobs changed after `version`, oldest change first.
pub fn changed_since(
    conn: &Connection,
    owner_id: i64,
    version: u64,
) -> rusqlite::Result<Vec<JobRow>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} {FROM} WHERE j.owner_id = ?1 AND j.version > ?2
         ORDER BY j.version LIMIT 1000"
    ))?
    .query_map(params![owner_id, version], job_row)?
    .collect()
}

/// The highest version any job has.
pub fn max_version(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT coalesce(max(version), 0) FROM jobs", [], |row| {
        row.get(0)
    })
}

/// Returns jobs a crash left running to the queue; how many. The attempt
/// the crash cut short counts, so a job that has used its last one is
/// dead instead: a job that takes the daemon down with it (running it out
/// of memory, say) cannot do so forever.
pub fn requeue_running(conn: &Connection, now: i64, version: u64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE jobs SET state = 'dead', finished_at = ?1, message = 'failed', version = ?2,
            error = 'the daemon stopped (crashed or was killed) during every attempt: ' ||
                attempts || ' of ' || max_attempts
         WHERE state = 'running' AND attempts >= max_attempts",
        params![now, version],
    )?;
    conn.execute(
        "UPDATE jobs SET state = 'queued', progress = 0, message = 'taken up again after a restart',
            version = ?1 WHERE state = 'running'",
        [version],
    )
}

/// Takes up to `limit` jobs that are due at `now_ms`, marking them
/// running with one more attempt; `next_version` numbers each change.
pub fn claim_due(
    conn: &Connection,
    now_ms: i64,
    limit: usize,
    mut next_version: impl FnMut() -> u64,
) -> rusqlite::Result<Vec<JobRow>> {
    let ids: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM jobs WHERE state IN ('queued', 'failed') AND run_after_ms <= ?1
             ORDER BY run_after_ms, created_at LIMIT ?2",
        )?
        .query_map(params![now_ms, limit], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        conn.execute(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, progress = 0,
                message = 'starting', started_at = ?2 / 1000, version = ?3 WHERE id = ?1",
            params![id, now_ms, next_version()],
        )?;
        if let Some(job) = by_id(conn, &id)? {
            claimed.push(job);
        }
    }
    Ok(claimed)
}

/// When the next queued or failed job is due, if any is.
pub fn next_due(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT min(run_after_ms) FROM jobs WHERE state IN ('queued', 'failed')",
        [],
        |row| row.get(0),
    )
}

/// Sets a running job's progress; false when it is no longer running.
pub fn set_progress(
    conn: &Connection,
    id: &str,
    progress: f64,
    message: &str,
    version: u64,
) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE jobs SET progress = ?2, message = ?3, version = ?4
         WHERE id = ?1 AND state = 'running'",
        params![id, progress, message, version],
    )?;
    Ok(changed > 0)
}

/// Ends a running attempt: `state` with its error, result, log and, for a
/// retry, when it may run again. False when the job is no longer running
/// (it was cancelled meanwhile), in which case nothing changes.
#[allow(clippy::too_many_arguments)]
pub fn finish(
    conn: &Connection,
    id: &str,
    state: JobState,
    error: Option<&str>,
    result: Option<&str>,
    log: &str,
    run_after_ms: Option<i64>,
    now: i64,
    version: u64,
) -> rusqlite::Result<bool> {
    let ended = state.is_ended().then_some(now);
    let changed = conn.execute(
        "UPDATE jobs SET state = ?2, error = ?3, result = ?4, log = ?5,
            run_after_ms = coalesce(?6, run_after_ms), finished_at = ?7,
            progress = CASE WHEN ?2 = 'succeeded' THEN 1.0 ELSE progress END,
            message = CASE ?2 WHEN 'succeeded' THEN 'done' WHEN 'failed' THEN 'waiting to retry'
                ELSE 'failed' END,
            version = ?8
         WHERE id = ?1 AND state = 'running'",
        params![
            id,
            state.as_str(),
            error,
            result,
            log,
            run_after_ms,
            ended,
            version
        ],
    )?;
    Ok(changed > 0)
}

/// Puts a running job back in the queue, its attempt not counted (the
/// daemon is stopping).
pub fn give_back(conn: &Connection, id: &str, version: u64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE jobs SET state = 'queued', attempts = max(attempts - 1, 0), progress = 0,
            message = 'returned to the queue at shutdown', version = ?2
         WHERE id = ?1 AND state = 'running'",
        params![id, version],
    )?;
    Ok(())
}

/// Cancels a job that has not ended; false when it had.
pub fn cancel(conn: &Connection, id: &str, now: i64, version: u64) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE jobs SET state = 'cancelled', finished_at = ?2, message = 'cancelled',
            version = ?3 WHERE id = ?1 AND state IN ('queued', 'running', 'failed')",
        params![id, now, version],
    )?;
    Ok(changed > 0)
}

/// Queues a failed, dead or cancelled job again with fresh attempts;
/// false when it was in another state.
pub fn retry(conn: &Connection, id: &str, now_ms: i64, version: u64) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE jobs SET state = 'queued', attempts = 0, run_after_ms = ?2, progress = 0,
            message = 'queued again', error = NULL, finished_at = NULL, version = ?3
         WHERE id = ?1 AND state IN ('failed', 'dead', 'cancelled')",
        params![id, now_ms, version],
    )?;
    Ok(changed > 0)
}
