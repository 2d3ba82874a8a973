//! `corebox upload PATH... [--name NAME]`: storing local files.
//!
//! Per file: open and stat it, look its hash up in the local cache, and ask
//! the daemon to begin with the name, exact size, cached hash (if any) and
//! a resume key. The daemon either already holds that content for the
//! caller (nothing is sent) or names an upload session and the offset to
//! send from, which is above zero when an earlier run was interrupted.
//! `transfer::send` sends the rest; finishing stores the file, and its hash
//! goes into the cache so the next upload of the unchanged file sends
//! nothing. Anything that is not a regular file (stdin as `-`, a pipe, a
//! device) is first spooled to a temporary file, since the daemon needs the
//! size up front; such uploads cannot be resumed.
//!
//! With `--share`, each stored file then gets a share link (the password,
//! if any, is read once, before connecting, and used for every link), and
//! its URL is printed instead of the id; `--json` adds the link to the
//! file's object as `share`. A link that cannot be made fails that file,
//! naming its id so it can be shared later with `corebox share ID`.
//!
//! Output: each new file's id on stdout (`--json`: one object per line),
//! and in human mode a note per file on stderr. Files are uploaded one
//! after another over one connection; a failed file is reported and the
//! next one tried (see [`Batch`]). Killing corebox mid-upload needs no
//! cleanup: the daemon keeps the session until it expires, and running the
//! same command again resumes it.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use corebox_proto::types::{FileInfo, ShareInfo, UploadBegin, UploadStart};
use serde::Serialize;

use super::jobs;
use super::shares::{ShareSettings, limits};
use super::{App, Batch};
use crate::args::UploadArgs;
use crate::client::Daemon;
use crate::exit::{CliError, describe_io};
use crate::output::{self, Mode};
use crate::transfer::hash_cache::HashCache;
use crate::transfer::identity::FileStamp;
use crate::transfer::progress::{Bar, Progress};
use crate::transfer::send::{Source, send};
use crate::transfer::spool::{Spooled, spool};

/// The path that means stdin.
const STDIN: &str = "-";

/// `corebox upload`.
///
/// # Errors
///
/// A usage error for a bad combination of paths, `--name` and the share
/// password; not logged in; the single file's failure, or a summary when
/// several failed.
pub fn run(app: &App, args: UploadArgs) -> Result<(), CliError> {
    let is_stdin = check_args(&args.paths, args.name.as_deref())?;
    let token = app.token()?;
    // Input is gathered before connecting, as for every command: the share
    // password first, since stdin may be the upload itself.
    let share = if args.share {
        Some(ShareSettings::read(args.share_options, is_stdin)?)
    } else {
        None
    };
    let stdin = if is_stdin {
        Some(spool(io::stdin().lock(), "stdin")?)
    } else {
        None
    };

    let progress = Progress::for_terminal(app.out.mode());
    let mut batch = Batch::new(args.paths.len(), "uploaded");
    let mut stored = Vec::new();
    let waited = app.block_on(async {
        let (daemon, _) = app.session(&token).await?;
        let mut uploader = Uploader {
            app,
            daemon: &daemon,
            progress: &progress,
            cache: HashCache::open_default(),
            share: share.as_ref(),
        };
        if let (Some(spooled), Some(name)) = (stdin, args.name.clone()) {
            let label = name.clone();
            let result = uploader.upload_spooled(spooled, name, &label).await;
            match uploader.shared(result).await {
                Ok(outcome) => {
                    stored.push(outcome.file.id.clone());
                    uploader.report(&outcome)?;
                }
                Err(error) => {
                    batch.fail(error, output::message);
                }
            }
        } else {
            let sizes = planned_sizes(&args.paths, args.paths.len() > 1);
            let total = (args.paths.len() > 1).then(|| progress.total(sizes.iter().sum()));
            let mut done_bytes = 0;
            for (index, path) in args.paths.iter().enumerate() {
                let bars: Vec<&Bar> = total.iter().collect();
                let result = uploader.upload_path(path, args.name.clone(), &bars).await;
                match uploader.shared(result).await {
                    Ok(outcome) => {
                        done_bytes += outcome.file.size;
                        batch.succeed();
                        stored.push(outcome.file.id.clone());
                        uploader.report(&outcome)?;
                    }
                    Err(error) => {
                        let stop = progress.print(|| batch.fail(error, output::message));
                        if stop {
                            break;
                        }
                    }
                }
                if let Some(total) = &total {
                    let left: u64 = sizes[index + 1..].iter().sum();
                    total.set(done_bytes, done_bytes + left);
                }
            }
        }
        if !args.wait || stored.is_empty() {
            return Ok::<_, CliError>(Vec::new());
        }
        jobs::watch_files(app, &daemon, &stored).await
    })?;
    batch.finish()?;
    jobs::outcome_error(&waited)
}

/// Checks the paths and `--name` together; returns whether stdin is the
/// one input.
///
/// # Errors
///
/// A usage error naming the fix.
fn check_args(paths: &[PathBuf], name: Option<&str>) -> Result<bool, CliError> {
    let has_stdin = paths.iter().any(|path| path.as_os_str() == STDIN);
    if has_stdin && paths.len() > 1 {
        return Err(CliError::usage(
            "- (stdin) cannot be uploaded together with other files: upload it on its own \
             with --name NAME",
        ));
    }
    if name.is_some() && paths.len() > 1 {
        return Err(CliError::usage(
            "--name names a single file: upload the files without it, or one at a time with \
             --name",
        ));
    }
    if has_stdin && name.is_none() {
        return Err(CliError::usage("stdin has no name: pass --name NAME"));
    }
    Ok(has_stdin)
}

/// The name a file is stored under when no `--name` is given: its base
/// name, which must be UTF-8.
///
/// # Errors
///
/// A failure naming `--name` when the path has no base name or it is not
/// UTF-8.
fn base_name(path: &Path) -> Result<String, CliError> {
    let shown = shown(path);
    let name = path.file_name().ok_or_else(|| {
        CliError::failure(format!(
            "'{shown}' has no file name to store it under: pass --name NAME, uploading it on \
             its own"
        ))
    })?;
    name.to_str().map(str::to_owned).ok_or_else(|| {
        CliError::failure(format!(
            "the name of '{shown}' is not valid UTF-8: pass --name NAME, uploading it on its \
             own"
        ))
    })
}

/// Sizes of the regular files among `paths`, for the total bar (0 for the
/// rest, which are spooled or fail); only looked up when `wanted`.
fn planned_sizes(paths: &[PathBuf], wanted: bool) -> Vec<u64> {
    paths
        .iter()
        .map(|path| {
            fs::metadata(path)
                .ok()
                .filter(|metadata| wanted && metadata.is_file())
                .map_or(0, |metadata| metadata.len())
        })
        .collect()
}

/// A path for messages, safe for a terminal.
fn shown(path: &Path) -> String {
    output::sanitize(&path.to_string_lossy())
}

/// One file stored.
#[derive(Debug)]
struct Outcome {
    file: FileInfo,
    /// Whether bytes were sent (false: the daemon already held them).
    sent: bool,
    /// Its share link, with `--share`.
    share: Option<ShareInfo>,
}

/// What `--json` prints for a file uploaded with `--share`: the file's
/// fields, plus the link.
#[derive(Serialize)]
struct SharedView<'a> {
    #[serde(flatten)]
    file: &'a FileInfo,
    share: &'a ShareInfo,
}

/// What uploading needs across files.
struct Uploader<'a> {
    app: &'a App,
    daemon: &'a Daemon,
    progress: &'a Progress,
    cache: HashCache,
    /// The link to make for each file, with `--share`.
    share: Option<&'a ShareSettings>,
}

impl Uploader<'_> {
    /// Uploads the file at `path`, under `name` or its base name.
    async fn upload_path(
        &mut self,
        path: &Path,
        name: Option<String>,
        bars: &[&Bar],
    ) -> Result<Outcome, CliError> {
        let label = shown(path);
        let name = match name {
            Some(name) => name,
            None => base_name(path)?,
        };
        let read_error = |error: io::Error| {
            CliError::failure(format!("cannot read '{label}': {}", describe_io(&error)))
        };
        let file = File::open(path).map_err(read_error)?;
        let metadata = file.metadata().map_err(read_error)?;
        if metadata.is_dir() {
            return Err(CliError::failure(format!(
                "'{label}' is a directory: upload the files in it"
            )));
        }
        if !metadata.is_file() {
            let spool_label = format!("'{label}'");
            let spooled = tokio::task::spawn_blocking(move || spool(file, &spool_label))
                .await
                .map_err(|error| {
                    CliError::failure(format!("the thread reading '{label}' failed: {error}"))
                })??;
            return self.upload_spooled(spooled, name, &label).await;
        }

        let stamp = FileStamp::of(&metadata);
        let resume_key = fs::canonicalize(path)
            .ok()
            .map(|canonical| stamp.resume_key(&canonical));
        let cache_key = stamp.cache_key();
        let cached = self.cache.lookup(&cache_key);
        let source = Source {
            file,
            label,
            size: stamp.size,
            stamp: Some(stamp),
        };
        let outcome = self
            .transfer(source, name, cached, resume_key, bars)
            .await?;
        self.cache.insert(&cache_key, &outcome.file.sha256);
        // The cache is only a hint; failing to keep it costs a hash later.
        let _ = self.cache.save();
        Ok(outcome)
    }

    /// Uploads a spooled stream under `name`.
    async fn upload_spooled(
        &mut self,
        spooled: Spooled,
        name: String,
        label: &str,
    ) -> Result<Outcome, CliError> {
        let Spooled { file, size, sha256 } = spooled;
        let source = Source {
            file,
            label: label.to_owned(),
            size,
            stamp: None,
        };
        self.transfer(source, name, Some(sha256), None, &[]).await
    }

    /// Begins the upload, sends what the daemon lacks and finishes.
    async fn transfer(
        &mut self,
        source: Source,
        name: String,
        sha256: Option<String>,
        resume_key: Option<String>,
        bars: &[&Bar],
    ) -> Result<Outcome, CliError> {
        let context = format!("cannot upload '{}'", source.label);
        let size = source.size;
        let begin = UploadBegin {
            name: name.clone(),
            size,
            sha256,
            resume_key,
        };
        let start = self
            .daemon
            .upload_begin(begin)
            .await
            .map_err(|error| error.context(&context))?;
        let (upload_id, offset) = match start {
            UploadStart::Done { file } => {
                for bar in bars {
                    bar.advance(size);
                }
                return Ok(Outcome {
                    file,
                    sent: false,
                    share: None,
                });
            }
            UploadStart::Transfer { upload_id, offset } => (upload_id, offset),
        };

        let bar = self.progress.file(&name, size);
        bar.start_at(offset);
        for total in bars {
            total.advance(offset);
        }
        let mut all_bars = vec![&bar];
        all_bars.extend_from_slice(bars);
        let sha256 = send(self.daemon, &upload_id, source, offset, &all_bars).await?;
        bar.label(&format!("{name} (storing)"));
        let file = self
            .daemon
            .upload_finish(upload_id, sha256)
            .await
            .map_err(|error| error.context(&context))?;
        bar.done();
        Ok(Outcome {
            file,
            sent: true,
            share: None,
        })
    }

    /// Makes the share link for a stored file, with `--share`; anything
    /// else passes through.
    async fn shared(&self, result: Result<Outcome, CliError>) -> Result<Outcome, CliError> {
        let Some(settings) = self.share else {
            return result;
        };
        let mut outcome = result?;
        if outcome.file.quarantine.is_some() {
            // An upload check runs first; only a file it clears is shared.
            outcome.file = jobs::settle_check(self.app, self.daemon, &outcome.file).await?;
        }
        let file = &outcome.file;
        let share = self
            .daemon
            .share_create(settings.request(file.id.clone()))
            .await
            .map_err(|error| {
                error.context(&format!(
                    "uploaded '{}' as {}, but cannot share it",
                    output::sanitize(&file.name),
                    output::sanitize(&file.id)
                ))
            })?;
        outcome.share = Some(share);
        Ok(outcome)
    }

    /// Prints one stored file: its id, or its share URL with `--share`
    /// (or a JSON line), and a note.
    fn report(&self, outcome: &Outcome) -> Result<(), CliError> {
        let file = &outcome.file;
        let out = &self.app.out;
        let printed = match &outcome.share {
            Some(share) => output::sanitize(&share.url),
            None => output::sanitize(&file.id),
        };
        self.progress.print(|| match out.mode() {
            Mode::Json => match &outcome.share {
                Some(share) => out.json_line(&SharedView { file, share }),
                None => out.json_line(file),
            },
            Mode::Quiet => out.stdout(&printed),
            Mode::Human => {
                out.stdout(&printed)?;
                let how = if outcome.sent {
                    ""
                } else {
                    ": already stored, nothing sent"
                };
                let shared = outcome
                    .share
                    .as_ref()
                    .map(|share| format!("; shared: {}", limits(share)))
                    .unwrap_or_default();
                out.note(&format!(
                    "uploaded {} ({}) as {}{how}{shared}",
                    output::sanitize(&file.name),
                    output::size(file.size),
                    output::sanitize(&file.id)
                ));
                Ok(())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    use super::*;
    use crate::exit::Exit;

    fn paths(list: &[&str]) -> Vec<PathBuf> {
        list.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn stdin_needs_a_name_and_to_be_alone() {
        assert_eq!(check_args(&paths(&["-"]), Some("x")), Ok(true));
        assert_eq!(check_args(&paths(&["a", "b"]), None), Ok(false));
        for (list, name) in [
            (&["-"][..], None),
            (&["-", "a"][..], Some("x")),
            (&["a", "-"][..], None),
            (&["a", "b"][..], Some("x")),
        ] {
            let error = check_args(&paths(list), name).expect_err("usage");
            assert_eq!(error.exit(), Exit::Usage, "{list:?}");
        }
    }

    #[test]
    fn base_name_must_exist_and_be_utf8() {
        assert_eq!(
            base_name(Path::new("dir/photo.jpg")).as_deref(),
            Ok("photo.jpg")
        );
        let error = base_name(Path::new("/")).expect_err("no name");
        assert!(error.message().contains("--name"), "{}", error.message());
        let bad = Path::new(OsStr::from_bytes(b"dir/caf\xe9.txt"));
        let error = base_name(bad).expect_err("not utf-8");
        assert!(
            error.message().contains("not valid UTF-8: pass --name"),
            "{}",
            error.message()
        );
    }
}
