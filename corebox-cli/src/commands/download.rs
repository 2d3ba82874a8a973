//! `corebox download ID [-o PATH | -o -] [--force]`: fetching a stored
//! file.
//!
//! The file's details come first (`file_info`), for its name, size and
//! hash. Into a path, the bytes go to a temporary file in the target's
//! directory; only when they hash to the expected SHA-256 is that file
//! made durable and renamed into place, so the target never holds a partial
//! or corrupt download, and an existing target is replaced only with
//! `--force` (checked up front, and again by the rename itself). With
//! `-o -` the bytes stream to stdout as they arrive, so a mismatch found at
//! the end can only be reported: the output is then corrupt and the exit
//! code says so. Ctrl-C drops the transfer, and with it the temporary
//! file, and exits 130.
//!
//! The argument may also be a share URL: [`run`] alone tells the two apart
//! and hands URLs to `fetch.rs`, which saves through the same [`Staged`]
//! file and target rules defined here.

use std::fs::{self, File, Permissions};
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use corebox_proto::types::FileInfo;

use super::App;
use crate::args::DownloadArgs;
use crate::client::Daemon;
use crate::exit::{CliError, describe_io};
use crate::output;
use crate::transfer::progress::Progress;
use crate::transfer::receive::{Sink, receive};

/// The `-o` value that means stdout.
const STDOUT: &str = "-";

/// Where a download goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Standard output.
    Stdout,
    /// A file at this path.
    Path(PathBuf),
}

/// `corebox download`.
///
/// # Errors
///
/// Not logged in; an unknown id; a target that exists (without `--force`)
/// or cannot be written; bytes that do not match the file's hash. For a
/// URL, what `fetch::run` fails with.
pub fn run(app: &App, args: DownloadArgs) -> Result<(), CliError> {
    if crate::http::is_url(&args.source) {
        return super::fetch::run(app, args);
    }
    if args.source.trim().is_empty() {
        return Err(CliError::usage(
            "name what to download: a file id (see corebox ls) or a share URL",
        ));
    }
    if let Some((scheme, _)) = args.source.split_once("://") {
        return Err(CliError::usage(format!(
            "only http and https URLs can be downloaded, not {}: give a file id or a share URL",
            output::sanitize(scheme)
        )));
    }
    if args.password_stdin {
        return Err(CliError::usage(
            "--password-stdin is for share URLs; a file id needs no password: leave it out",
        ));
    }
    let token = app.token()?;
    let progress = Progress::for_terminal(app.out.mode());
    app.block_on_until_ctrl_c(async {
        let (daemon, _) = app.session(&token).await?;
        let file = daemon.file_info(args.source).await?;
        match resolve_target(args.output.as_deref(), local_name(&file.name))? {
            Target::Stdout => to_stdout(&daemon, &file, &progress).await,
            Target::Path(path) => {
                check_overwrite(&path, args.force)?;
                to_path(&daemon, &file, &path, args.force, &progress).await?;
                app.out.note(&format!(
                    "saved {} to {}",
                    output::sanitize(&file.id),
                    shown(&path)
                ));
                Ok(())
            }
        }
    })
}

/// Streams the file to stdout, then checks its hash.
async fn to_stdout(daemon: &Daemon, file: &FileInfo, progress: &Progress) -> Result<(), CliError> {
    let bar = progress.file(&file.name, file.size);
    let hash = receive(daemon, file, Sink::Stdout, "stdout", &bar).await?;
    bar.done();
    if !hash.eq_ignore_ascii_case(&file.sha256) {
        return Err(CliError::failure(format!(
            "the bytes of {} do not match its sha256, so the output is corrupt: download it \
             again",
            output::sanitize(&file.id)
        )));
    }
    Ok(())
}

/// Downloads into a temporary file beside `path`, checks the hash, makes
/// it durable and moves it into place.
async fn to_path(
    daemon: &Daemon,
    file: &FileInfo,
    path: &Path,
    force: bool,
    progress: &Progress,
) -> Result<(), CliError> {
    let staged = Staged::beside(path)?;
    let bar = progress.file(&file.name, file.size);
    let label = format!("'{}'", shown(path));
    let hash = receive(daemon, file, Sink::File(staged.writer()?), &label, &bar).await?;
    if !hash.eq_ignore_ascii_case(&file.sha256) {
        // Dropping `staged` deletes it.
        return Err(CliError::failure(format!(
            "the bytes of {} do not match its sha256, so nothing was saved: download it again",
            output::sanitize(&file.id)
        )));
    }
    bar.label(&format!("{} (saving)", file.name));
    staged.commit(force)?;
    bar.done();
    Ok(())
}

/// A download on its way to `path`: a temporary file in the same
/// directory, deleted when dropped unless [`Staged::commit`] moved it into
/// place.
#[derive(Debug)]
pub struct Staged {
    temp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl Staged {
    /// Makes the temporary file in `path`'s directory, so that the final
    /// rename stays on one file system.
    ///
    /// # Errors
    ///
    /// A failure naming the path when the directory is not writable.
    pub fn beside(path: &Path) -> Result<Staged, CliError> {
        // Mode 0666 less the umask, as for any new file; tempfile's default
        // (0600) would otherwise stay on the downloaded file.
        let temp = tempfile::Builder::new()
            .prefix(".corebox-download-")
            .suffix(".part")
            .permissions(Permissions::from_mode(0o666))
            .tempfile_in(parent_dir(path))
            .map_err(|error| write_error(path, &error))?;
        Ok(Staged {
            temp,
            path: path.to_path_buf(),
        })
    }

    /// A handle to write the bytes through (it shares the file's offset).
    ///
    /// # Errors
    ///
    /// A failure when the handle cannot be duplicated.
    pub fn writer(&self) -> Result<File, CliError> {
        self.temp
            .as_file()
            .try_clone()
            .map_err(|error| write_error(&self.path, &error))
    }

    /// Makes the file durable and renames it to the target; an existing
    /// target is replaced only when `force`.
    ///
    /// # Errors
    ///
    /// A failure when the target appeared meanwhile (without `force`) or
    /// the file cannot be synced or renamed.
    pub fn commit(self, force: bool) -> Result<(), CliError> {
        let Staged { temp, path } = self;
        temp.as_file()
            .sync_all()
            .map_err(|error| write_error(&path, &error))?;
        let persisted = if force {
            temp.persist(&path).map(drop)
        } else {
            temp.persist_noclobber(&path).map(drop)
        };
        persisted.map_err(|error| {
            if error.error.kind() == io::ErrorKind::AlreadyExists {
                exists(&path)
            } else {
                write_error(&path, &error.error)
            }
        })?;
        // Makes the rename durable; the file itself already is.
        if let Ok(dir) = File::open(parent_dir(&path)) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

/// The directory a path is in, `.` for a bare name.
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

fn write_error(path: &Path, error: &io::Error) -> CliError {
    CliError::failure(format!(
        "cannot save to '{}': {}: pass -o with a writable path",
        shown(path),
        describe_io(error)
    ))
}

/// Where to write, from `-o` and the file's name: a name usable as a local
/// file name, or the error to report when one is needed (no `-o`, or `-o`
/// is a directory).
///
/// # Errors
///
/// That error, when the name is needed.
pub fn resolve_target(
    output: Option<&Path>,
    name: Result<&str, CliError>,
) -> Result<Target, CliError> {
    match output {
        Some(path) if path.as_os_str() == STDOUT => Ok(Target::Stdout),
        Some(path) if path.is_dir() => Ok(Target::Path(path.join(name?))),
        Some(path) => Ok(Target::Path(path.to_path_buf())),
        None => Ok(Target::Path(PathBuf::from(name?))),
    }
}

/// Whether `-o` names a file outright (not stdout, not a directory), so
/// that it can be checked before anything is fetched.
pub fn explicit_path(output: Option<&Path>) -> Option<&Path> {
    output.filter(|path| path.as_os_str() != STDOUT && !path.is_dir())
}

/// The stored name as a local file name. The daemon checks names too, but
/// a granted file's name was chosen by another user: never let it climb
/// out of the directory.
fn local_name(name: &str) -> Result<&str, CliError> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(CliError::failure(format!(
            "the file's name '{}' cannot be used as a local file name: pass -o PATH",
            output::sanitize(name)
        )));
    }
    Ok(name)
}

/// Refuses to replace an existing path without `--force`, and a directory
/// always.
///
/// # Errors
///
/// A failure naming the path and the fix.
pub fn check_overwrite(path: &Path, force: bool) -> Result<(), CliError> {
    match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_dir() => Err(CliError::failure(format!(
            "'{}' is a directory: pass -o with a file path",
            shown(path)
        ))),
        Ok(_) if !force => Err(exists(path)),
        // Missing is the usual case; any other problem shows when writing.
        _ => Ok(()),
    }
}

fn exists(path: &Path) -> CliError {
    CliError::failure(format!(
        "'{}' already exists: pass --force to replace it, or -o PATH to save elsewhere",
        shown(path)
    ))
}

/// A path for messages, safe for a terminal.
pub fn shown(path: &Path) -> String {
    output::sanitize(&path.to_string_lossy())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_defaults_to_the_name_here() {
        assert_eq!(
            resolve_target(None, local_name("a.txt")),
            Ok(Target::Path(PathBuf::from("a.txt")))
        );
        assert_eq!(
            resolve_target(Some(Path::new("-")), local_name("a.txt")),
            Ok(Target::Stdout)
        );
        assert_eq!(
            resolve_target(Some(Path::new("/no/such/out.bin")), local_name("a.txt")),
            Ok(Target::Path(PathBuf::from("/no/such/out.bin")))
        );
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            resolve_target(Some(dir.path()), local_name("a.txt")),
            Ok(Target::Path(dir.path().join("a.txt")))
        );
    }

    #[test]
    fn hostile_names_never_leave_the_directory() {
        for name in ["", ".", "..", "../etc/passwd", "a/b", "nul\0"] {
            assert!(resolve_target(None, local_name(name)).is_err(), "{name:?}");
        }
        // An explicit path does not need the stored name.
        assert!(resolve_target(Some(Path::new("out")), local_name("..")).is_ok());
    }

    #[test]
    fn existing_paths_need_force() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.txt");
        check_overwrite(&path, false).expect("missing is fine");
        fs::write(&path, b"x").expect("write");
        let error = check_overwrite(&path, false).expect_err("refused");
        assert!(
            error
                .message()
                .contains("a.txt' already exists: pass --force")
        );
        assert_eq!(error.exit().code(), 1);
        check_overwrite(&path, true).expect("forced");
        let error = check_overwrite(dir.path(), true).expect_err("directory");
        assert!(error.message().contains("is a directory"));
    }
}
