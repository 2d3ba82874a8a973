//! Where the session token is kept between commands.
//!
//! One token per daemon, keyed by [`Endpoint::key`], so two daemons keep two
//! logins. Reading looks in order at `COREBOX_TOKEN`, the OS keyring (the
//! Linux kernel keyring, through `keyring-core`), then the fallback file.
//! Saving tries the keyring first and falls back to the file when the
//! keyring fails or `COREBOX_NO_KEYRING` is set; the caller tells the user
//! which happened. Removing clears both places.
//!
//! The fallback file is `credentials.json` in the config directory
//! (`$XDG_CONFIG_HOME/corebox`, else `~/.config/corebox`), a JSON object
//! `{"tokens": {"<endpoint>": "<token>"}}`. The directory is created 0700,
//! the file is written 0600 through a temporary file and a rename, and a
//! lock file serialises concurrent corebox processes so no login is lost.
//!
//! Known limit: the kernel keyring lives in memory. Its keys vanish at
//! reboot, and the persistent keyring that carries them across login
//! sessions expires after a few idle days (`persistent_keyring_expiry`,
//! 3 days by default); after that `corebox` says "not logged in" and a new
//! `corebox login` is needed.

use std::collections::BTreeMap;
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use corebox_proto::transport::Endpoint;
use corebox_proto::types::Secret;
use keyring_core::{CredentialStore, Entry};
use serde::{Deserialize, Serialize};

use crate::exit::{CliError, describe_io};

/// The keyring service name under which tokens are stored.
const SERVICE: &str = "corebox";

/// The keyring user of the probe that tests a keyring before a token goes
/// in; not a valid endpoint key, so it cannot collide with one.
const PROBE_USER: &str = "probe";

/// The value stored by the probe.
const PROBE_VALUE: &str = "1";

/// The name of the fallback file in the config directory.
pub const FILE_NAME: &str = "credentials.json";

/// The lock taken around every change to the fallback file.
const LOCK_NAME: &str = ".credentials.lock";

/// What corebox reads from its environment, read once at start so the rest
/// of the code (and its tests) does not touch process state.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `COREBOX_TOKEN`, when set and not empty.
    pub token: Option<Secret>,
    /// `COREBOX_NO_KEYRING` is set to anything but empty or `0`.
    pub no_keyring: bool,
}

impl Environment {
    /// The environment of this process.
    pub fn from_process() -> Environment {
        let token = std::env::var("COREBOX_TOKEN")
            .ok()
            .map(|token| token.trim().to_owned())
            .filter(|token| !token.is_empty())
            .map(Secret::new);
        let no_keyring = std::env::var_os("COREBOX_NO_KEYRING")
            .is_some_and(|value| !value.is_empty() && value != "0");
        Environment { token, no_keyring }
    }
}

/// Where a token was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// `COREBOX_TOKEN`.
    Env,
    /// The OS keyring.
    Keyring,
    /// The fallback file at this path.
    File(PathBuf),
}

impl TokenSource {
    /// Whether the token is one corebox stored (and may forget).
    pub fn is_stored(&self) -> bool {
        !matches!(self, TokenSource::Env)
    }
}

/// A token ready to present to the daemon.
#[derive(Debug, Clone)]
pub struct FoundToken {
    /// The secret.
    pub token: Secret,
    /// Where it came from.
    pub source: TokenSource,
}

/// Where [`Credentials::save`] put the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// In the OS keyring.
    Keyring,
    /// In the fallback file, because the keyring was not usable.
    File {
        /// The file.
        path: PathBuf,
        /// Why the keyring was not used, for the user.
        reason: String,
    },
}

/// The stored login for one daemon.
#[derive(Debug, Clone)]
pub struct Credentials {
    key: String,
    env_token: Option<Secret>,
    use_keyring: bool,
    file: Option<PathBuf>,
}

impl Credentials {
    /// The credentials for `endpoint`, with the fallback file in the
    /// platform's config directory.
    pub fn for_endpoint(endpoint: &Endpoint, env: &Environment) -> Credentials {
        let file = directories::ProjectDirs::from("", "", "corebox")
            .map(|dirs| dirs.config_dir().join(FILE_NAME));
        Credentials {
            key: endpoint.key(),
            env_token: env.token.clone(),
            use_keyring: !env.no_keyring,
            file,
        }
    }

    /// Credentials that use only the given file.
    #[cfg(test)]
    pub fn file_only(key: &str, file: PathBuf) -> Credentials {
        Credentials {
            key: key.to_owned(),
            env_token: None,
            use_keyring: false,
            file: Some(file),
        }
    }

    /// The token to use: `COREBOX_TOKEN`, else the keyring, else the file.
    /// A keyring that cannot be read counts as empty.
    ///
    /// # Errors
    ///
    /// Fails when the fallback file exists but cannot be read or parsed.
    pub fn load(&self) -> Result<Option<FoundToken>, CliError> {
        if let Some(token) = &self.env_token {
            return Ok(Some(FoundToken {
                token: token.clone(),
                source: TokenSource::Env,
            }));
        }
        if self.use_keyring
            && let Ok(token) = keyring_entry(&self.key).and_then(|entry| entry.get_password())
            && !token.is_empty()
        {
            return Ok(Some(FoundToken {
                token: Secret::new(token),
                source: TokenSource::Keyring,
            }));
        }
        let Some(path) = &self.file else {
            return Ok(None);
        };
        let tokens = read_file(path)?;
        Ok(tokens.tokens.get(&self.key).map(|token| FoundToken {
            token: Secret::new(token.clone()),
            source: TokenSource::File(path.clone()),
        }))
    }

    /// Keeps `token` as the login for this daemon, replacing any other.
    ///
    /// # Errors
    ///
    /// Fails when neither the keyring nor the file can hold it.
    pub fn save(&self, token: &Secret) -> Result<Saved, CliError> {
        let reason = if self.use_keyring {
            match save_in_keyring(&self.key, token) {
                Ok(()) => {
                    // A token left in the file would come back if the
                    // keyring forgot this one (after a reboot); drop it.
                    if let Some(path) = &self.file {
                        let _ = update_file(path, |tokens| tokens.remove(&self.key).is_some());
                    }
                    return Ok(Saved::Keyring);
                }
                Err(error) => describe_keyring(&error),
            }
        } else {
            "COREBOX_NO_KEYRING is set".to_owned()
        };

        let path = self.file.as_ref().ok_or_else(|| {
            CliError::failure(format!(
                "cannot save the token: no usable OS keyring ({reason}) and no home directory \
                 for {FILE_NAME}: set HOME or XDG_CONFIG_HOME"
            ))
        })?;
        update_file(path, |tokens| {
            tokens
                .insert(self.key.clone(), token.expose().to_owned())
                .is_none_or(|old| old != token.expose())
        })
        .map_err(|error| {
            CliError::failure(format!(
                "cannot save the token: no usable OS keyring ({reason}), and {}",
                error.message()
            ))
        })?;
        Ok(Saved::File {
            path: path.clone(),
            reason,
        })
    }

    /// Forgets the login for this daemon, in the keyring and in the file.
    /// Returns whether a token was found in either.
    ///
    /// # Errors
    ///
    /// Fails when the fallback file cannot be rewritten.
    pub fn remove(&self) -> Result<bool, CliError> {
        let mut removed = false;
        if self.use_keyring
            && let Ok(entry) = keyring_entry(&self.key)
        {
            removed = entry.delete_credential().is_ok();
        }
        if let Some(path) = &self.file {
            removed |= update_file(path, |tokens| tokens.remove(&self.key).is_some())?;
        }
        Ok(removed)
    }
}

/// The keyring entry for one daemon.
fn keyring_entry(key: &str) -> keyring_core::Result<Entry> {
    let store: Arc<CredentialStore> = linux_keyutils_keyring_store::Store::new()?;
    Entry::new_in_store(&store, SERVICE, key)
}

/// Stores the token in the keyring and reads it back.
///
/// The keyring is first tried with a harmless probe value. Some keyrings
/// (seen in containers) accept a key and then refuse every search for it,
/// so a failed store cannot be undone: trying the real token first would
/// leave it behind where corebox can neither use nor delete it.
fn save_in_keyring(key: &str, token: &Secret) -> keyring_core::Result<()> {
    let probe = keyring_entry(PROBE_USER)?;
    round_trip(&probe, PROBE_VALUE)?;
    let _ = probe.delete_credential();
    round_trip(&keyring_entry(key)?, token.expose())
}

/// Sets a value and reads it back; on any failure, tries to delete it.
fn round_trip(entry: &Entry, value: &str) -> keyring_core::Result<()> {
    let stored = entry
        .set_password(value)
        .and_then(|()| entry.get_password());
    match stored {
        Ok(read) if read == value => Ok(()),
        other => {
            let _ = entry.delete_credential();
            Err(other.err().unwrap_or_else(|| {
                keyring_core::Error::PlatformFailure("read back another value".into())
            }))
        }
    }
}

/// A keyring error as a short phrase for the fallback notice, such as
/// `kernel keyring: access denied`.
fn describe_keyring(error: &keyring_core::Error) -> String {
    let text = match error {
        keyring_core::Error::NoStorageAccess(inner)
        | keyring_core::Error::PlatformFailure(inner) => match inner.downcast_ref::<io::Error>() {
            Some(io_error) => describe_io(io_error),
            None => inner.to_string(),
        },
        other => other.to_string(),
    };
    format!("kernel keyring: {}", words(&text))
}

/// `AccessDenied` as `access denied` (the kernel store names its errors
/// by their Rust variant); other text only loses its leading capital.
fn words(text: &str) -> String {
    if text.contains(char::is_whitespace) {
        let mut chars = text.chars();
        return match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect(),
            None => String::new(),
        };
    }
    let mut phrase = String::new();
    for (index, c) in text.chars().enumerate() {
        if c.is_uppercase() && index > 0 {
            phrase.push(' ');
        }
        phrase.extend(c.to_lowercase());
    }
    phrase
}

/// The fallback file's contents.
#[derive(Debug, Default, Serialize, Deserialize)]
struct CredentialFile {
    /// Tokens by endpoint key.
    #[serde(default)]
    tokens: BTreeMap<String, String>,
}

/// Reads the file; a missing file holds no tokens.
fn read_file(path: &Path) -> Result<CredentialFile, CliError> {
    let text = match fs::read(path) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Ok(CredentialFile::default());
        }
        Err(error) => {
            return Err(CliError::failure(format!(
                "cannot read {}: {}",
                path.display(),
                describe_io(&error)
            )));
        }
    };
    serde_json::from_slice(&text).map_err(|error| {
        CliError::failure(format!(
            "cannot read {}: {error}: fix it, or remove it and log in again",
            path.display()
        ))
    })
}

/// Changes the file under its lock. `change` edits the tokens and says
/// whether it changed anything; only then is the file rewritten (or
/// removed, once it holds no tokens). Returns what `change` said.
fn update_file(
    path: &Path,
    change: impl FnOnce(&mut BTreeMap<String, String>) -> bool,
) -> Result<bool, CliError> {
    let dir = path
        .parent()
        .ok_or_else(|| CliError::failure(format!("{} has no directory", path.display())))?;
    let fail = |what: &str, target: &Path, error: io::Error| {
        CliError::failure(format!(
            "cannot {what} {}: {}",
            target.display(),
            describe_io(&error)
        ))
    };
    if !dir.exists() {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|error| fail("create", dir, error))?;
    }

    let lock_path = dir.join(LOCK_NAME);
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|error| fail("open", &lock_path, error))?;
    lock.lock()
        .map_err(|error| fail("lock", &lock_path, error))?;

    let mut contents = read_file(path)?;
    if !change(&mut contents.tokens) {
        return Ok(false);
    }
    if contents.tokens.is_empty() {
        match fs::remove_file(path) {
            Ok(()) => return Ok(true),
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(true),
            Err(error) => return Err(fail("remove", path, error)),
        }
    }
    write_atomically(path, &contents).map_err(|error| fail("write", path, error))?;
    Ok(true)
    // The lock is released when `lock` is dropped here.
}

/// Writes the file as 0600 through a temporary file in the same directory
/// and a rename, so a crash leaves the old file or the new one, never half.
fn write_atomically(path: &Path, contents: &CredentialFile) -> io::Result<()> {
    let text = serde_json::to_vec_pretty(contents).map_err(io::Error::other)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = dir.join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temp)?;
        // The mode above applies only to a new file, and the umask may
        // change it; make sure.
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        file.write_all(&text)?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        fs::rename(&temp, path)?;
        // Make the rename itself durable.
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &Path, key: &str) -> Credentials {
        Credentials::file_only(key, dir.join("corebox").join(FILE_NAME))
    }

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn file_round_trip_with_private_modes() {
        let home = tempfile::tempdir().expect("tempdir");
        let credentials = store(home.path(), "unix:/tmp/a.sock");
        assert!(credentials.load().expect("load").is_none());

        let saved = credentials.save(&Secret::new("tok-a")).expect("save");
        let path = home.path().join("corebox").join(FILE_NAME);
        assert_eq!(
            saved,
            Saved::File {
                path: path.clone(),
                reason: "COREBOX_NO_KEYRING is set".into()
            }
        );
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().expect("dir")), 0o700);

        let found = credentials.load().expect("load").expect("found");
        assert_eq!(found.token.expose(), "tok-a");
        assert_eq!(found.source, TokenSource::File(path.clone()));

        assert!(credentials.remove().expect("remove"));
        assert!(credentials.load().expect("load").is_none());
        assert!(!path.exists(), "an empty file is removed");
        assert!(!credentials.remove().expect("remove again"));
    }

    #[test]
    fn two_daemons_keep_two_logins() {
        let home = tempfile::tempdir().expect("tempdir");
        let first = store(home.path(), "unix:/tmp/a.sock");
        let second = store(home.path(), "unix:/tmp/b.sock");
        first.save(&Secret::new("tok-a")).expect("save a");
        second.save(&Secret::new("tok-b")).expect("save b");
        first.save(&Secret::new("tok-a2")).expect("replace a");

        let token = |c: &Credentials| c.load().expect("load").expect("found").token;
        assert_eq!(token(&first).expose(), "tok-a2");
        assert_eq!(token(&second).expose(), "tok-b");

        first.remove().expect("remove a");
        assert!(first.load().expect("load").is_none());
        assert_eq!(token(&second).expose(), "tok-b");
    }

    #[test]
    fn rewrite_tightens_a_loosened_file() {
        let home = tempfile::tempdir().expect("tempdir");
        let credentials = store(home.path(), "unix:/tmp/a.sock");
        credentials.save(&Secret::new("tok")).expect("save");
        let path = home.path().join("corebox").join(FILE_NAME);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        credentials.save(&Secret::new("tok2")).expect("save again");
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn corrupt_file_is_reported_with_the_fix() {
        let home = tempfile::tempdir().expect("tempdir");
        let credentials = store(home.path(), "unix:/tmp/a.sock");
        let path = home.path().join("corebox").join(FILE_NAME);
        fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        fs::write(&path, b"{not json").expect("write");
        let error = credentials.load().expect_err("corrupt");
        assert!(error.message().ends_with("remove it and log in again"));
    }

    #[test]
    fn keyring_errors_read_as_phrases() {
        let error = keyring_core::Error::NoStorageAccess("AccessDenied".into());
        assert_eq!(describe_keyring(&error), "kernel keyring: access denied");
        assert_eq!(words("Not supported"), "not supported");
    }

    #[test]
    fn env_token_wins_and_is_not_stored() {
        let home = tempfile::tempdir().expect("tempdir");
        let mut credentials = store(home.path(), "unix:/tmp/a.sock");
        credentials.save(&Secret::new("stored")).expect("save");
        credentials.env_token = Some(Secret::new("from-env"));
        let found = credentials.load().expect("load").expect("found");
        assert_eq!(found.token.expose(), "from-env");
        assert!(!found.source.is_stored());
    }
}
