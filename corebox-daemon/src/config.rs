//! The daemon's configuration: one typed [`Config`] built from, in rising
//! order of precedence, built-in defaults, a TOML file, `COREBOX_*`
//! environment variables and command-line flags.
//!
//! Every key of the file can also be set in the environment as
//! `COREBOX_<KEY>` in upper case (`session_ttl` → `COREBOX_SESSION_TTL`).
//! The file is `config.toml` in the platform's config directory
//! (`~/.config/corebox/` on Linux) unless `--config` or `COREBOX_CONFIG`
//! names another; a missing default file is fine, a missing named one is an
//! error. The annotated sample is `corebox-daemon/config.sample.toml`.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Command-line flags of `corebox-daemon`.
#[derive(Debug, Parser)]
#[command(
    name = "corebox-daemon",
    version,
    about = "The CoreBox daemon: accounts, files, links and jobs behind a local socket",
    long_about = "The CoreBox daemon: accounts, files, links and jobs behind a local socket.\n\n\
        Runs in the foreground with zero configuration: data under the platform's data \
        directory, the socket under the runtime directory, and the public HTTP endpoint that \
        serves share links on 127.0.0.1:8390. Stop it with Ctrl-C or SIGTERM: it stops \
        accepting, finishes the calls in flight and exits 0.",
    after_help = "Settings come from defaults, then the config file, then COREBOX_<KEY> \
        environment variables (for example COREBOX_DATA_DIR, COREBOX_SIGNUP), then flags; \
        later sources win. Logs go to stderr; COREBOX_LOG sets the level \
        (for example COREBOX_LOG=debug). The ready line goes to stdout."
)]
pub struct Args {
    /// Config file to read (default: config.toml in the config directory)
    #[arg(long, env = "COREBOX_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Directory for the database and stored files
    #[arg(long, value_name = "PATH")]
    pub data_dir: Option<PathBuf>,
    /// Unix socket the CLI connects to
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// Bind address of the public HTTP endpoint for share links (default 127.0.0.1:8390;
    /// port 0 picks a free one)
    #[arg(long, value_name = "ADDR")]
    pub http: Option<SocketAddr>,
    /// Base URL printed in public links, for a reverse proxy in front (default:
    /// http:// and the bound --http address)
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Log format on stderr
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Who may sign up (the first account always may, and becomes admin)
    #[arg(long, value_name = "MODE")]
    pub signup: Option<SignupMode>,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Who may make an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SignupMode {
    /// Anyone who can reach the socket.
    #[default]
    Open,
    /// Only with an invite code from an admin.
    Invite,
    /// Nobody (admins make no accounts either; open it to let people in).
    Closed,
}

/// A duration written the human way in files and the environment
/// (`30d`, `12h`, `90s`), parsed with `humantime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&humantime::format_duration(self.0).to_string())
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_duration(&text)
            .map(HumanDuration)
            .map_err(|error| serde::de::Error::custom(format!("'{text}': {error}")))
    }
}

/// A number of bytes written the human way in files and the environment
/// (`10GiB`, `500 MB`, or a plain integer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bytes(pub u64);

/// A size limit: [`Bytes`], or `unlimited`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteLimit(pub Option<u64>);

#[derive(Deserialize)]
#[serde(untagged)]
enum RawBytes {
    Number(u64),
    Text(String),
}

fn parse_bytes<E: serde::de::Error>(raw: RawBytes) -> Result<Option<u64>, E> {
    match raw {
        RawBytes::Number(bytes) => Ok(Some(bytes)),
        RawBytes::Text(text) if matches!(text.trim(), "unlimited" | "none") => Ok(None),
        RawBytes::Text(text) => text
            .trim()
            .parse::<bytesize::ByteSize>()
            .map(|size| Some(size.as_u64()))
            .map_err(|error| E::custom(format!("'{text}' is not a size such as 10GiB: {error}"))),
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        parse_bytes(RawBytes::deserialize(deserializer)?)?
            .map(Bytes)
            .ok_or_else(|| serde::de::Error::custom("a size is needed here, not unlimited"))
    }
}

impl Serialize for ByteLimit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(bytes) => serializer.serialize_u64(bytes),
            None => serializer.serialize_str("unlimited"),
        }
    }
}

impl<'de> Deserialize<'de> for ByteLimit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        parse_bytes(RawBytes::deserialize(deserializer)?).map(ByteLimit)
    }
}

/// The daemon's settings after every source is applied.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Directory for the database and stored files.
    pub data_dir: PathBuf,
    /// Unix socket the CLI connects to.
    pub socket: PathBuf,
    /// Bind address of the public HTTP endpoint.
    pub http: SocketAddr,
    /// Base URL printed in public links, without a trailing `/`; empty
    /// means derived from the bound address (see [`Config::public_base`]).
    pub public_url: String,
    /// Log format on stderr.
    pub log_format: LogFormat,
    /// Who may sign up.
    pub signup: SignupMode,
    /// Lifetime of a login session.
    pub session_ttl: HumanDuration,
    /// Login attempts allowed per account, and four times as many per peer,
    /// in any minute.
    pub login_attempts_per_minute: u32,
    /// How long shutdown waits for calls in flight.
    pub shutdown_grace: HumanDuration,
    /// Storage quota of users without one of their own.
    pub default_quota: ByteLimit,
    /// Largest file accepted.
    pub max_file_size: ByteLimit,
    /// Free disk space uploads must leave untouched.
    pub disk_reserve: Bytes,
    /// How long an unfinished upload is kept for resuming.
    pub upload_ttl: HumanDuration,
    /// Requests each client may make per second on the public endpoint.
    pub http_rate_per_second: u32,
    /// Requests a client may make at once before the rate applies.
    pub http_burst: u32,
    /// Peers whose `X-Forwarded-For` header names the real client.
    pub trusted_proxies: IpList,
    /// How much of a visitor's address download and click records keep.
    pub client_address: ClientAddress,
    /// Characters in a random short-link code.
    pub link_code_length: usize,
    /// The status of a short-link redirect: 301, 302, 307 or 308.
    pub link_redirect: u16,
    /// Unknown short-link codes a client may ask for in a minute before it
    /// is throttled.
    pub link_misses_per_minute: u32,
    /// Jobs running at once; 0 for one per core.
    pub job_workers: usize,
    /// Attempts a job gets before it is dead.
    pub job_attempts: u32,
    /// The first retry's delay (doubled for each later one).
    pub job_retry_base: HumanDuration,
    /// How long one attempt of a job may run.
    pub job_timeout: HumanDuration,
    /// Whether uploaded images (and videos) get a thumbnail.
    pub thumbnails: bool,
    /// The thumbnail's longest side, in pixels.
    pub thumbnail_size: u32,
    /// A program run on each new upload, with the file's path added last;
    /// a non-zero exit holds the file back.
    pub upload_hook: CommandLine,
    /// The ffmpeg program, for poster frames of videos.
    pub ffmpeg: String,
    /// Largest download `corebox import` takes.
    pub import_max_size: Bytes,
    /// Whether imports may fetch from loopback and private addresses.
    pub import_allow_private: bool,
    /// Loopback or private addresses imports may fetch from all the same.
    pub import_allow_addresses: IpList,
}

/// A program and its arguments: a TOML array, or in the environment words
/// separated by spaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandLine(pub Vec<String>);

/// A list as TOML writes it, or as one string (an environment variable).
#[derive(Deserialize)]
#[serde(untagged)]
enum ListOrText {
    List(Vec<String>),
    Text(String),
}

impl Serialize for CommandLine {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for CommandLine {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(CommandLine(match ListOrText::deserialize(deserializer)? {
            ListOrText::List(words) => words,
            ListOrText::Text(text) => text.split_whitespace().map(str::to_owned).collect(),
        }))
    }
}

/// How much of a client address is kept in download and click records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientAddress {
    /// The whole address.
    Full,
    /// The network only: IPv4 /24, IPv6 /48.
    #[default]
    Truncated,
    /// Nothing.
    None,
}

/// A list of IP addresses: a TOML array, or in the environment a
/// comma-separated string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpList(pub Vec<IpAddr>);

impl Serialize for IpList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(ToString::to_string))
    }
}

impl<'de> Deserialize<'de> for IpList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let items = match ListOrText::deserialize(deserializer)? {
            ListOrText::List(items) => items,
            ListOrText::Text(text) => text
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        items
            .iter()
            .map(|item| {
                item.parse()
                    .map_err(|_| serde::de::Error::custom(format!("'{item}' is not an IP address")))
            })
            .collect::<Result<_, _>>()
            .map(IpList)
    }
}

impl Default for Config {
    fn default() -> Config {
        let dirs = project_dirs();
        let data_dir = dirs
            .as_ref()
            .map(|dirs| dirs.data_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from("corebox-data"));
        let socket = corebox_proto::transport::default_socket_path()
            .unwrap_or_else(|| data_dir.join("corebox.sock"));
        Config {
            data_dir,
            socket,
            http: SocketAddr::from(([127, 0, 0, 1], 8390)),
            public_url: String::new(),
            log_format: LogFormat::Text,
            signup: SignupMode::Open,
            session_ttl: HumanDuration(Duration::from_secs(30 * 24 * 3600)),
            login_attempts_per_minute: 5,
            shutdown_grace: HumanDuration(Duration::from_secs(10)),
            default_quota: ByteLimit(None),
            max_file_size: ByteLimit(None),
            disk_reserve: Bytes(1 << 30),
            upload_ttl: HumanDuration(Duration::from_secs(24 * 3600)),
            http_rate_per_second: 50,
            http_burst: 100,
            trusted_proxies: IpList::default(),
            client_address: ClientAddress::Truncated,
            link_code_length: 7,
            link_redirect: 302,
            link_misses_per_minute: 60,
            job_workers: 0,
            job_attempts: 5,
            job_retry_base: HumanDuration(Duration::from_secs(5)),
            job_timeout: HumanDuration(Duration::from_secs(600)),
            thumbnails: true,
            thumbnail_size: 320,
            upload_hook: CommandLine::default(),
            ffmpeg: "ffmpeg".to_owned(),
            import_max_size: Bytes(1 << 30),
            import_allow_private: false,
            import_allow_addresses: IpList::default(),
        }
    }
}

/// The keys of [`Config`], for the environment overlay.
const KEYS: [&str; 31] = [
    "data_dir",
    "socket",
    "http",
    "public_url",
    "log_format",
    "signup",
    "session_ttl",
    "login_attempts_per_minute",
    "shutdown_grace",
    "default_quota",
    "max_file_size",
    "disk_reserve",
    "upload_ttl",
    "http_rate_per_second",
    "http_burst",
    "trusted_proxies",
    "client_address",
    "link_code_length",
    "link_redirect",
    "link_misses_per_minute",
    "job_workers",
    "job_attempts",
    "job_retry_base",
    "job_timeout",
    "thumbnails",
    "thumbnail_size",
    "upload_hook",
    "ffmpeg",
    "import_max_size",
    "import_allow_private",
    "import_allow_addresses",
];

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The named config file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file, or a value from the environment, is not valid.
    #[error("invalid configuration ({origin}): {message}")]
    Invalid {
        /// Where the bad value came from.
        origin: String,
        /// What is wrong with it.
        message: String,
    },
}

impl Config {
    /// Builds the configuration from defaults, the file, the environment
    /// and the flags.
    ///
    /// # Errors
    ///
    /// A named config file that cannot be read, a file or environment value
    /// of the wrong type, or an unknown key in the file.
    pub fn load(args: &Args) -> Result<Config, ConfigError> {
        let env = |key: &str| std::env::var(format!("COREBOX_{}", key.to_uppercase())).ok();
        Config::load_with(args, env)
    }

    /// [`Config::load`] with the environment given as a lookup function.
    ///
    /// # Errors
    ///
    /// As [`Config::load`].
    pub fn load_with(
        args: &Args,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut table = match &args.config {
            Some(path) => read_table(path)?,
            None => match project_dirs().map(|dirs| dirs.config_dir().join("config.toml")) {
                Some(path) if path.exists() => read_table(&path)?,
                _ => toml::Table::new(),
            },
        };
        let origin = args
            .config
            .as_ref()
            .map(|path| path.display().to_string())
            .unwrap_or_else(|| "config file or COREBOX_* environment".to_owned());

        for key in KEYS {
            if let Some(raw) = env(key) {
                table.insert(key.to_owned(), env_value(&raw));
            }
        }
        let mut config: Config =
            table
                .try_into()
                .map_err(|error: toml::de::Error| ConfigError::Invalid {
                    origin,
                    message: error.message().to_owned(),
                })?;

        if let Some(path) = &args.data_dir {
            config.data_dir = path.clone();
        }
        if let Some(path) = &args.socket {
            config.socket = path.clone();
        }
        if let Some(addr) = args.http {
            config.http = addr;
        }
        if let Some(url) = &args.public_url {
            config.public_url = url.clone();
        }
        if let Some(format) = args.log_format {
            config.log_format = format;
        }
        if let Some(mode) = args.signup {
            config.signup = mode;
        }
        config.public_url = config.public_url.trim_end_matches('/').to_owned();
        let has_scheme = ["http://", "https://"]
            .iter()
            .any(|scheme| config.public_url.starts_with(scheme));
        if !config.public_url.is_empty() && !has_scheme {
            return Err(ConfigError::Invalid {
                origin: "public_url".to_owned(),
                message: format!("'{}' is not an http:// or https:// URL", config.public_url),
            });
        }
        for (key, value) in [
            (
                "login_attempts_per_minute",
                config.login_attempts_per_minute,
            ),
            ("http_rate_per_second", config.http_rate_per_second),
            ("http_burst", config.http_burst),
            ("link_misses_per_minute", config.link_misses_per_minute),
            ("job_attempts", config.job_attempts),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid {
                    origin: key.to_owned(),
                    message: "must be at least 1".to_owned(),
                });
            }
        }
        if !(4..=32).contains(&config.link_code_length) {
            return Err(ConfigError::Invalid {
                origin: "link_code_length".to_owned(),
                message: "must be 4 to 32".to_owned(),
            });
        }
        if !(16..=4096).contains(&config.thumbnail_size) {
            return Err(ConfigError::Invalid {
                origin: "thumbnail_size".to_owned(),
                message: "must be 16 to 4096 pixels".to_owned(),
            });
        }
        if config.job_timeout.0.is_zero() {
            return Err(ConfigError::Invalid {
                origin: "job_timeout".to_owned(),
                message: "must be longer than zero".to_owned(),
            });
        }
        if ![301, 302, 307, 308].contains(&config.link_redirect) {
            return Err(ConfigError::Invalid {
                origin: "link_redirect".to_owned(),
                message: "must be 301, 302, 307 or 308".to_owned(),
            });
        }
        Ok(config)
    }

    /// The base of public links: `public_url`, or `http://` and the address
    /// the endpoint is bound to (which knows the port when `http` asked for
    /// port 0).
    pub fn public_base(&self, bound: SocketAddr) -> String {
        if self.public_url.is_empty() {
            format!("http://{bound}")
        } else {
            self.public_url.clone()
        }
    }

    /// The SQLite database file.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("corebox.db")
    }
}

impl fmt::Display for Config {
    /// The configuration as TOML, as it would be written in the file. There
    /// are no secrets in it to redact: keys live in the database.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match toml::to_string(self) {
            Ok(text) => f.write_str(&text),
            Err(_) => Err(fmt::Error),
        }
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "corebox")
}

fn read_table(path: &Path) -> Result<toml::Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::Table::from_str(&text).map_err(|error| ConfigError::Invalid {
        origin: path.display().to_string(),
        message: error.message().to_owned(),
    })
}

/// An environment value as TOML: a number or boolean where it reads as
/// one, else the raw text as a string.
fn env_value(raw: &str) -> toml::Value {
    match format!("v = {raw}").parse::<toml::Table>() {
        Ok(mut table) => match table.remove("v") {
            Some(value @ (toml::Value::Integer(_) | toml::Value::Boolean(_))) => value,
            _ => toml::Value::String(raw.to_owned()),
        },
        Err(_) => toml::Value::String(raw.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::io::Write;

    use super::*;

    fn args(extra: &[&str]) -> Args {
        Args::parse_from(std::iter::once("corebox-daemon").chain(extra.iter().copied()))
    }

    #[test]
    fn later_sources_win() {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        writeln!(
            file,
            "signup = \"closed\"\nsession_ttl = \"2h\"\nsocket = \"/file.sock\""
        )
        .expect("write");
        let path = file.path().to_str().expect("utf-8 path").to_owned();
        let env = HashMap::from([
            ("signup", "invite"),
            ("socket", "/env.sock"),
            ("default_quota", "10GiB"),
            ("disk_reserve", "0"),
        ]);
        let config =
            Config::load_with(&args(&["--config", &path, "--socket", "/flag.sock"]), |k| {
                env.get(k).map(|v| (*v).to_owned())
            })
            .expect("valid");
        assert_eq!(config.signup, SignupMode::Invite, "env beats file");
        assert_eq!(config.socket, PathBuf::from("/flag.sock"), "flag beats env");
        assert_eq!(
            config.session_ttl.0,
            Duration::from_secs(7200),
            "file beats default"
        );
        assert_eq!(config.public_base(config.http), "http://127.0.0.1:8390");
        assert_eq!(config.default_quota, ByteLimit(Some(10 << 30)));
        assert_eq!(config.disk_reserve, Bytes(0));
        assert_eq!(config.max_file_size, ByteLimit(None));
    }

    #[test]
    fn bad_values_are_refused_with_their_origin() {
        let env = |key: &str| (key == "login_attempts_per_minute").then(|| "many".to_owned());
        let error = Config::load_with(&args(&[]), env).expect_err("not a number");
        assert!(
            error.to_string().contains("invalid configuration"),
            "{error}"
        );

        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        writeln!(file, "no_such_key = 1").expect("write");
        let path = file.path().to_str().expect("utf-8 path").to_owned();
        let error = Config::load_with(&args(&["--config", &path]), |_| None).expect_err("unknown");
        assert!(error.to_string().contains("no_such_key"), "{error}");
    }

    #[test]
    fn sample_config_is_valid_and_matches_the_defaults() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config.sample.toml");
        let config = Config::load_with(&args(&["--config", path]), |_| None).expect("valid");
        let defaults = Config::load_with(&args(&[]), |_| None).expect("defaults");
        assert_eq!(config.to_string(), defaults.to_string());
    }

    #[test]
    fn missing_named_config_file_is_an_error() {
        let error = Config::load_with(&args(&["--config", "/nonexistent/corebox.toml"]), |_| None)
            .expect_err("missing");
        assert!(matches!(error, ConfigError::Read { .. }));
    }
}
