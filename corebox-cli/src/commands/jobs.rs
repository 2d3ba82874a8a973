//! Background jobs from the command line: `corebox jobs
//! ls|show|cancel|retry|watch`, the commands that start jobs (`image`,
//! `import`, `verify`) and waiting for them (`--wait`, and `upload --wait`
//! through [`watch`]).
//!
//! Watching is a long poll: the daemon answers when a watched job changes
//! or after a while with nothing, so nothing here sleeps or polls in a
//! loop. On a terminal each job is a bar (kind, file, state, progress);
//! otherwise each change is a line on stderr, and with `--json` a JSON
//! object per line on stdout.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use corebox_proto::types::{FileInfo, JobFilter, JobInfo, JobKind, JobRequest, JobState};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::App;
use crate::args::{ImageCommand, ImportArgs, JobsCommand, VerifyArgs, Wait};
use crate::client::Daemon;
use crate::exit::CliError;
use crate::output::{self, Mode, fields, optional_timestamp, table, timestamp};

/// Seconds one long poll waits for a change.
const WAIT_SECS: u32 = 20;

/// One bar per job: who, then how far.
const BAR_TEMPLATE: &str = "{prefix:32!} {bar:24} {percent:>3}% {msg}";

/// `corebox jobs ...`.
///
/// # Errors
///
/// Not logged in, an unknown job, the daemon's refusal, or (for watch) a
/// job that failed.
pub fn jobs(app: &App, command: JobsCommand) -> Result<(), CliError> {
    match command {
        JobsCommand::Ls { all } => ls(app, all),
        JobsCommand::Show { id } => show(app, id),
        JobsCommand::Cancel { id } => change(app, id, true),
        JobsCommand::Retry { id } => change(app, id, false),
        JobsCommand::Watch { ids } => {
            let token = app.token()?;
            let ended = app.block_on(async {
                let (daemon, _) = app.session(&token).await?;
                watch(app, &daemon, ids).await
            })?;
            outcome_error(&ended)
        }
    }
}

fn ls(app: &App, all: bool) -> Result<(), CliError> {
    let token = app.token()?;
    let jobs = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon
            .job_list(JobFilter {
                all,
                ..JobFilter::default()
            })
            .await
    })?;
    match app.out.mode() {
        Mode::Json => app.out.json(&jobs),
        Mode::Quiet => output::lines(&app.out, jobs.iter().map(|job| job.id.as_str())),
        Mode::Human if jobs.is_empty() => {
            app.out.note(if all {
                "no jobs yet"
            } else {
                "no jobs to run and none ended in the last hour: see corebox jobs ls --all"
            });
            Ok(())
        }
        Mode::Human => app.out.stdout(&job_table(&jobs)),
    }
}

fn show(app: &App, id: String) -> Result<(), CliError> {
    let token = app.token()?;
    let job = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        daemon.job_show(id).await
    })?;
    match app.out.mode() {
        Mode::Json => app.out.json(&job),
        Mode::Quiet => app.out.stdout(job.state.as_str()),
        Mode::Human => app.out.stdout(&job_text(&job)),
    }
}

fn change(app: &App, id: String, cancel: bool) -> Result<(), CliError> {
    let token = app.token()?;
    let job = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        if cancel {
            daemon.job_cancel(id).await
        } else {
            daemon.job_retry(id).await
        }
    })?;
    match app.out.mode() {
        Mode::Json => app.out.json(&job),
        Mode::Quiet => Ok(()),
        Mode::Human => {
            let what = if cancel { "cancelled" } else { "queued again" };
            app.out
                .note(&format!("job {} ({}) {what}", job.id, job.kind.as_str()));
            Ok(())
        }
    }
}

/// `corebox image ...`.
///
/// # Errors
///
/// Not logged in, an unknown file, bad parameters, or with `--wait` a job
/// that failed.
pub fn image(app: &App, command: ImageCommand) -> Result<(), CliError> {
    let (request, wait) = match command {
        ImageCommand::Resize(args) => (
            JobRequest::Resize {
                file_id: args.id,
                width: args.width,
                height: args.height,
                fit: args.fit.into(),
                format: args.format.map(Into::into),
                quality: args.quality,
            },
            args.wait,
        ),
        ImageCommand::Compress(args) => (
            JobRequest::Compress {
                file_id: args.id,
                quality: args.quality,
                format: args.format.map(Into::into),
            },
            args.wait,
        ),
        ImageCommand::Thumbnail { id, wait } => (JobRequest::Thumbnail { file_id: id }, wait),
    };
    submit(app, request, wait)
}

/// `corebox import`.
///
/// # Errors
///
/// As [`image`].
pub fn import(app: &App, args: ImportArgs) -> Result<(), CliError> {
    let request = JobRequest::Import {
        url: args.url,
        name: args.name,
    };
    submit(app, request, args.wait)
}

/// `corebox verify`.
///
/// # Errors
///
/// As [`image`]; `--all` without the admin role.
pub fn verify(app: &App, args: VerifyArgs) -> Result<(), CliError> {
    submit(app, JobRequest::Verify { all: args.all }, args.wait)
}

/// Starts a job and prints its id, or with `--wait` watches it and prints
/// what it made: the new file's id, or its summary.
fn submit(app: &App, request: JobRequest, wait: Wait) -> Result<(), CliError> {
    let token = app.token()?;
    let (job, ended) = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        let job = daemon.job_submit(request).await?;
        let ended = if wait.wait {
            watch(app, &daemon, vec![job.id.clone()]).await?
        } else {
            Vec::new()
        };
        Ok::<_, CliError>((job, ended))
    })?;
    if !wait.wait {
        return match app.out.mode() {
            Mode::Json => app.out.json(&job),
            Mode::Quiet => app.out.stdout(&job.id),
            Mode::Human => {
                app.out.stdout(&job.id)?;
                app.out.note(&format!(
                    "{} job queued: follow it with corebox jobs watch {}",
                    job.kind.as_str(),
                    job.id
                ));
                Ok(())
            }
        };
    }
    outcome_error(&ended)?;
    let Some(done) = ended.first() else {
        return Err(CliError::failure("the job vanished while it was watched"));
    };
    match app.out.mode() {
        // The watch printed every change already.
        Mode::Json => Ok(()),
        Mode::Quiet | Mode::Human => {
            let result = done.result.as_ref();
            match result.and_then(|result| result.file_id.as_deref()) {
                Some(file) => app.out.stdout(file)?,
                None => app
                    .out
                    .stdout(&result.map_or_else(String::new, |result| result.summary.clone()))?,
            }
            if app.out.mode() == Mode::Human
                && let Some(result) = result
                && result.file_id.is_some()
            {
                app.out.note(&output::sanitize(&result.summary));
            }
            Ok(())
        }
    }
}

/// The error for watched jobs that ended badly, naming each.
pub fn outcome_error(ended: &[JobInfo]) -> Result<(), CliError> {
    let failed: Vec<String> = ended
        .iter()
        .filter(|job| matches!(job.state, JobState::Dead | JobState::Cancelled))
        .map(|job| {
            let why = job.error.as_deref().unwrap_or(job.state.as_str());
            format!("{} {} {}", job.kind.as_str(), job.id, output::sanitize(why))
        })
        .collect();
    match failed.as_slice() {
        [] => Ok(()),
        [one] => Err(CliError::failure(format!(
            "job failed: {one}: see corebox jobs show, or retry with corebox jobs retry"
        ))),
        many => Err(CliError::failure(format!(
            "{} jobs failed: {}: see corebox jobs show",
            many.len(),
            many.join("; ")
        ))),
    }
}

/// Watches jobs until they end and returns them as they ended: `ids`, or
/// without ids every job still to run and any queued meanwhile.
///
/// # Errors
///
/// A broken connection; an id that names no job of the caller's.
pub async fn watch(app: &App, daemon: &Daemon, ids: Vec<String>) -> Result<Vec<JobInfo>, CliError> {
    watch_shown(app, daemon, ids, true).await
}

/// [`watch`], printing JSON lines in `--json` mode only when `json_lines`
/// (a command whose stdout carries other JSON says no).
async fn watch_shown(
    app: &App,
    daemon: &Daemon,
    ids: Vec<String>,
    json_lines: bool,
) -> Result<Vec<JobInfo>, CliError> {
    let filter = JobFilter {
        ids: ids.clone(),
        ..JobFilter::default()
    };
    let first = daemon.job_wait(filter.clone(), 0, 0).await?;
    if let Some(missing) = ids
        .iter()
        .find(|id| !first.jobs.iter().any(|job| job.id.eq_ignore_ascii_case(id)))
    {
        return Err(CliError::new(
            crate::exit::Exit::NotFound,
            format!(
                "no such job: {}: see corebox jobs ls",
                output::sanitize(missing)
            ),
        ));
    }
    let mut view = Watcher::new(app, json_lines);
    let mut jobs: BTreeMap<String, JobInfo> = BTreeMap::new();
    for job in first.jobs {
        view.show(&job)?;
        jobs.insert(job.id.clone(), job);
    }
    let mut version = first.version;
    // Someone watching on a terminal, with nothing to run yet, waits for
    // the next job (an upload in another terminal, say); a script gets its
    // answer at once.
    let waiting = ids.is_empty()
        && jobs.is_empty()
        && app.out.mode() == Mode::Human
        && std::io::stderr().is_terminal();
    if waiting {
        app.out
            .note("no jobs yet: waiting for the next one (Ctrl-C to stop)");
        while jobs.is_empty() {
            let changes = daemon.job_wait(filter.clone(), version, WAIT_SECS).await?;
            version = changes.version;
            for job in changes.jobs {
                view.show(&job)?;
                jobs.insert(job.id.clone(), job);
            }
        }
    }
    if jobs.is_empty() {
        app.out.note("no jobs to watch: every job has ended");
        return Ok(Vec::new());
    }
    while jobs.values().any(|job| !job.state.is_ended()) {
        let changes = daemon.job_wait(filter.clone(), version, WAIT_SECS).await?;
        version = changes.version;
        for job in changes.jobs {
            view.show(&job)?;
            jobs.insert(job.id.clone(), job);
        }
    }
    Ok(jobs.into_values().collect())
}

/// How changes are shown: bars, lines, or JSON lines.
struct Watcher<'a> {
    app: &'a App,
    json_lines: bool,
    bars: Option<(MultiProgress, BTreeMap<String, ProgressBar>)>,
    last: BTreeMap<String, (JobState, String)>,
}

impl<'a> Watcher<'a> {
    fn new(app: &'a App, json_lines: bool) -> Watcher<'a> {
        let terminal = app.out.mode() == Mode::Human && std::io::stderr().is_terminal();
        Watcher {
            app,
            json_lines,
            bars: terminal.then(|| {
                (
                    MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                    BTreeMap::new(),
                )
            }),
            last: BTreeMap::new(),
        }
    }

    fn show(&mut self, job: &JobInfo) -> Result<(), CliError> {
        match self.app.out.mode() {
            Mode::Json if self.json_lines => return self.app.out.json_line(job),
            Mode::Json | Mode::Quiet => return Ok(()),
            Mode::Human => {}
        }
        let status = status_text(job);
        let Some((multi, bars)) = &mut self.bars else {
            // One line per change of state or step, not per percent.
            let now = (job.state, job.message.clone());
            if self.last.get(&job.id) != Some(&now) {
                self.app.out.note(&format!("{}: {status}", who(job)));
                self.last.insert(job.id.clone(), now);
            }
            return Ok(());
        };
        let bar = bars.entry(job.id.clone()).or_insert_with(|| {
            let style = ProgressStyle::with_template(BAR_TEMPLATE)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            multi.add(
                ProgressBar::new(1000)
                    .with_style(style)
                    .with_prefix(who(job)),
            )
        });
        bar.set_position((job.progress.clamp(0.0, 1.0) * 1000.0) as u64);
        bar.set_message(status);
        if job.state.is_ended() {
            bar.abandon();
        }
        Ok(())
    }
}

/// A job for people: `resize photo.jpg (3f2a…)`.
fn who(job: &JobInfo) -> String {
    let short: String = job.id.chars().take(8).collect();
    match &job.file_name {
        Some(name) => format!("{} {} ({short})", job.kind.as_str(), output::sanitize(name)),
        None => format!("{} ({short})", job.kind.as_str()),
    }
}

/// A job's state in a few words: `running: decoding`, `dead: not an image`.
fn status_text(job: &JobInfo) -> String {
    let detail = match job.state {
        JobState::Succeeded => job
            .result
            .as_ref()
            .map(|result| result.summary.clone())
            .unwrap_or_default(),
        JobState::Dead | JobState::Failed => job.error.clone().unwrap_or_default(),
        _ => job.message.clone(),
    };
    let attempts = if job.attempts > 1 && !job.state.is_ended() {
        format!(" (attempt {} of {})", job.attempts, job.max_attempts)
    } else {
        String::new()
    };
    let detail = output::sanitize(&detail);
    if detail.is_empty() {
        format!("{}{attempts}", job.state.as_str())
    } else {
        format!("{}{attempts}: {detail}", job.state.as_str())
    }
}

/// The `jobs ls` table.
fn job_table(jobs: &[JobInfo]) -> String {
    let rows: Vec<Vec<String>> = jobs
        .iter()
        .map(|job| {
            vec![
                job.id.clone(),
                job.kind.as_str().to_owned(),
                job.state.as_str().to_owned(),
                format!("{:.0}%", job.progress * 100.0),
                job.file_name.clone().unwrap_or_else(|| "-".to_owned()),
                timestamp(job.created_at),
                output::abbreviated(&status_text(job), 60),
            ]
        })
        .collect();
    table(
        &["ID", "KIND", "STATE", "DONE", "FILE", "QUEUED", "STATUS"],
        &rows,
    )
}

/// The human `jobs show`.
fn job_text(job: &JobInfo) -> String {
    let mut rows = vec![
        ("id", job.id.clone()),
        ("kind", job.kind.as_str().to_owned()),
        ("state", job.state.as_str().to_owned()),
        (
            "file",
            match (&job.file_name, &job.file_id) {
                (Some(name), Some(id)) => format!("{name} (id {id})"),
                _ => "-".to_owned(),
            },
        ),
        (
            "attempts",
            format!("{} of {}", job.attempts, job.max_attempts),
        ),
        (
            "progress",
            format!("{:.0}% {}", job.progress * 100.0, job.message),
        ),
        ("queued", timestamp(job.created_at)),
        ("started", optional_timestamp(job.started_at, "-")),
        ("ended", optional_timestamp(job.finished_at, "-")),
    ];
    if job.state == JobState::Failed {
        rows.push(("next try", timestamp(job.run_after_ms / 1000)));
    }
    if let Some(error) = &job.error {
        rows.push(("error", error.clone()));
    }
    if let Some(result) = &job.result {
        rows.push(("result", result.summary.clone()));
        if let Some(file) = &result.file_id {
            rows.push(("made file", file.clone()));
        }
        if !result.mismatched.is_empty() {
            rows.push(("mismatched", result.mismatched.join(", ")));
        }
    }
    let mut text = fields(&rows);
    if let Some(log) = job.log.as_deref().filter(|log| !log.trim().is_empty()) {
        text.push_str("\nlog:\n");
        text.push_str(&output::sanitize_lines(log));
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    text
}

/// Whether a job kind works on a file an upload just stored.
fn follows_uploads(kind: JobKind) -> bool {
    matches!(
        kind,
        JobKind::Thumbnail | JobKind::VideoThumbnail | JobKind::UploadHook
    )
}

/// The jobs on `file` of the kinds `pick` accepts.
async fn jobs_on(
    daemon: &Daemon,
    file: &str,
    pick: impl Fn(JobKind) -> bool,
) -> Result<Vec<String>, CliError> {
    let jobs = daemon
        .job_list(JobFilter {
            file_id: Some(file.to_owned()),
            ..JobFilter::default()
        })
        .await?;
    Ok(jobs
        .into_iter()
        .filter(|job| pick(job.kind))
        .map(|job| job.id)
        .collect())
}

/// Watches the jobs that uploads of `files` started (their upload check,
/// their thumbnail) until they end; says why a file is held back.
///
/// # Errors
///
/// A broken connection.
pub async fn watch_files(
    app: &App,
    daemon: &Daemon,
    files: &[String],
) -> Result<Vec<JobInfo>, CliError> {
    let mut ids = Vec::new();
    for file in files {
        ids.extend(jobs_on(daemon, file, follows_uploads).await?);
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Upload's --json prints the files; the jobs stay off stdout.
    let ended = watch_shown(app, daemon, ids, false).await?;
    Ok(ended)
}

/// Waits for the upload check of `file`, and answers the file as the check
/// left it.
///
/// # Errors
///
/// A failure when the check holds the file back (with its reason); a
/// broken connection.
pub async fn settle_check(
    app: &App,
    daemon: &Daemon,
    file: &FileInfo,
) -> Result<FileInfo, CliError> {
    let checks = jobs_on(daemon, &file.id, |kind| kind == JobKind::UploadHook).await?;
    if !checks.is_empty() {
        watch_shown(app, daemon, checks, false).await?;
    }
    let now = daemon.file_info(file.id.clone()).await?;
    match &now.quarantine {
        Some(reason) => Err(CliError::failure(format!(
            "'{}' cannot be shared: {}",
            output::sanitize(&now.name),
            output::sanitize(reason)
        ))),
        None => Ok(now),
    }
}

#[cfg(test)]
mod tests {
    use corebox_proto::types::JobOutcome;

    use super::*;

    fn job(state: JobState) -> JobInfo {
        JobInfo {
            id: "0123456789abcdef".into(),
            kind: JobKind::Resize,
            state,
            file_id: Some("f1".into()),
            file_name: Some("photo.jpg".into()),
            attempts: 2,
            max_attempts: 5,
            progress: 0.5,
            message: "decoding".into(),
            error: Some("the server answered 503".into()),
            result: None,
            created_at: 0,
            started_at: Some(1),
            finished_at: None,
            run_after_ms: 60_000,
            log: None,
        }
    }

    #[test]
    fn states_read_as_words() {
        assert_eq!(
            status_text(&job(JobState::Running)),
            "running (attempt 2 of 5): decoding"
        );
        assert_eq!(
            status_text(&job(JobState::Failed)),
            "failed (attempt 2 of 5): the server answered 503"
        );
        let mut done = job(JobState::Succeeded);
        done.result = Some(JobOutcome {
            summary: "photo.jpg resized to 800×600".into(),
            ..JobOutcome::default()
        });
        assert_eq!(
            status_text(&done),
            "succeeded: photo.jpg resized to 800×600"
        );
        assert_eq!(who(&done), "resize photo.jpg (01234567)");
    }

    #[test]
    fn failed_jobs_make_the_command_fail() {
        assert!(outcome_error(&[job(JobState::Succeeded)]).is_ok());
        let error =
            outcome_error(&[job(JobState::Succeeded), job(JobState::Dead)]).expect_err("dead");
        assert!(
            error
                .message()
                .starts_with("job failed: resize 0123456789abcdef"),
            "{}",
            error.message()
        );
        assert_eq!(error.exit().code(), 1);
    }
}
