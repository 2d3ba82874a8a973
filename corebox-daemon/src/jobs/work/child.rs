//! Child processes for jobs (the upload check, ffmpeg), and the upload
//! check itself.
//!
//! A child runs in a process group of its own, with stdin closed and its
//! output captured (its stderr becomes the job's log). When the attempt
//! ends for any reason, finished, cancelled, timed out or stopped by
//! shutdown, the whole group is killed, so a child that started children
//! of its own leaves nothing behind.

use std::ffi::OsString;
use std::process::{ExitStatus, Stdio};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

use super::{Done, Failure, Progress};
use crate::auth::Actor;
use crate::files::store as files_store;
use crate::jobs::{Jobs, JobsError};
use crate::storage::BlobId;

/// Output kept from a child's stdout, in bytes.
const MAX_STDOUT: u64 = 64 * 1024;

/// Output kept from a child's stderr, in bytes.
const MAX_STDERR: u64 = 64 * 1024;

/// The reason shown while a new upload waits for its check.
pub const AWAITING_CHECK: &str = "waiting for the upload check";

/// Kills a process group when dropped.
struct Group(Option<rustix::process::Pid>);

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            // Gone already is fine: nothing is left.
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
    }
}

/// How a child ended.
#[derive(Debug)]
pub struct Finished {
    /// Its exit status.
    pub status: ExitStatus,
    /// What it wrote on stdout (its start).
    pub stdout: String,
    /// What it wrote on stderr (its start).
    pub stderr: String,
}

/// Why a child did not finish.
#[derive(Debug)]
pub enum NotRun {
    /// It could not be started.
    Spawn(std::io::Error),
    /// The attempt was stopped.
    Stopped,
}

async fn read_limited(stream: Option<impl AsyncRead + Unpin>, limit: u64) -> String {
    let mut bytes = Vec::new();
    if let Some(stream) = stream {
        let mut limited = stream.take(limit);
        let _ = limited.read_to_end(&mut bytes).await;
        // Keep draining past the limit so the child never blocks on a
        // full pipe.
        let mut rest = limited.into_inner();
        let _ = tokio::io::copy(&mut rest, &mut tokio::io::sink()).await;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Runs `program` with `args` and `env` until it exits or `token` is
/// cancelled; its stderr goes to the job's log.
///
/// # Errors
///
/// [`NotRun`].
pub async fn run(
    program: &str,
    args: &[OsString],
    env: &[(&str, String)],
    token: &CancellationToken,
    progress: &Progress,
) -> Result<Finished, NotRun> {
    let mut command = Command::new(program);
    command
        .args(args)
        .envs(env.iter().map(|(key, value)| (*key, value.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .process_group(0);
    let mut child = command.spawn().map_err(NotRun::Spawn)?;
    let _group = Group(
        child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .and_then(rustix::process::Pid::from_raw),
    );
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let outputs = async {
        tokio::join!(
            read_limited(stdout, MAX_STDOUT),
            read_limited(stderr, MAX_STDERR)
        )
    };
    let finished = async {
        let ((stdout, stderr), status) = tokio::join!(outputs, child.wait());
        (stdout, stderr, status)
    };
    tokio::select! {
        (stdout, stderr, status) = finished => {
            progress.append_log(&stderr);
            let status = status.map_err(NotRun::Spawn)?;
            Ok(Finished { status, stdout, stderr })
        }
        () = token.cancelled() => Err(NotRun::Stopped),
    }
}

/// The first line of a child's output that says something, for a reason.
fn first_words(finished: &Finished) -> Option<String> {
    finished
        .stderr
        .lines()
        .chain(finished.stdout.lines())
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(|line| line.chars().filter(|c| !c.is_control()).take(200).collect())
}

/// Runs the configured upload check on file `file_id`. Passing releases
/// the file and its thumbnail from waiting for it; failing (a non-zero
/// exit, a crash) holds both for the check's reason, tells the owner through the job's error, and makes the
/// job dead; a check that cannot start is retried and the file stays held.
pub async fn upload_hook(
    jobs: &Jobs,
    actor: &Actor,
    file_id: &str,
    token: &CancellationToken,
    progress: &Progress,
) -> Result<Done, Failure> {
    let Some((program, first_args)) = jobs.inner.config.upload_hook.split_first() else {
        return Err(Failure::Permanent(
            "no upload check is configured".to_owned(),
        ));
    };
    let (id, owner) = (file_id.to_owned(), actor.user_id);
    let file = jobs
        .inner
        .db
        .read(move |conn| {
            Ok::<_, JobsError>(
                files_store::file_by_id(conn, &id)?.filter(|file| file.owner_id == owner),
            )
        })
        .await?
        .ok_or_else(|| Failure::Permanent("the file was deleted".to_owned()))?;
    let blob = BlobId::parse(&file.sha256)
        .ok_or_else(|| Failure::Permanent("the file's content id is malformed".to_owned()))?;
    let mut args: Vec<OsString> = first_args.iter().map(OsString::from).collect();
    args.push(jobs.inner.storage.blob_path(&blob).into_os_string());
    let env = [
        ("COREBOX_FILE_ID", file.id.clone()),
        ("COREBOX_FILE_NAME", file.name.clone()),
        ("COREBOX_FILE_SIZE", file.size.to_string()),
        ("COREBOX_MEDIA_TYPE", file.media_type.clone()),
        ("COREBOX_OWNER", file.owner.clone()),
    ];
    progress.report(0.1, "checking").await;
    let finished = match run(program, &args, &env, token, progress).await {
        Ok(finished) => finished,
        Err(NotRun::Spawn(error)) => {
            return Err(Failure::Retry(format!(
                "the upload check {program} could not start: {error}"
            )));
        }
        Err(NotRun::Stopped) => return Err(Failure::Retry("stopped".to_owned())),
    };
    let verdict = if finished.status.success() {
        None
    } else {
        let why = first_words(&finished).unwrap_or_else(|| match finished.status.code() {
            Some(code) => format!("it exited with status {code}"),
            None => "it was killed by a signal".to_owned(),
        });
        Some(format!("the upload check failed: {why}"))
    };
    let (id, reason) = (file.id.clone(), verdict.clone());
    jobs.inner
        .db
        .write(move |conn| {
            Ok::<_, JobsError>(files_store::settle_check(
                conn,
                &id,
                reason.as_deref(),
                AWAITING_CHECK,
            )?)
        })
        .await?;
    match verdict {
        None => {
            tracing::info!(file = %file.id, "upload check passed");
            Ok(Done::summary(format!(
                "{} passed the upload check",
                file.name
            )))
        }
        Some(reason) => {
            tracing::warn!(file = %file.id, %reason, "upload held back");
            Err(Failure::Permanent(format!(
                "{} is held back: {reason}",
                file.name
            )))
        }
    }
}
