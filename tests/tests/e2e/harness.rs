//! Starts the real `corebox-daemon` binary on a temporary data directory
//! and drives the real `corebox` binary against it.
//!
//! The binaries are built once per test process with `cargo build` (a
//! no-op when they are fresh), so a test never runs a stale binary.
//! Readiness is the daemon's ready line on stdout; nothing here sleeps.
//! Every child runs with `COREBOX_*` scrubbed from the environment and
//! HOME and the XDG directories pointed into the test's temporary folder.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

/// How long a daemon may take to print its ready line (a first start
/// migrates the database and makes a decoy password hash).
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The directory holding the built binaries.
fn bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "-p",
                "corebox-daemon",
                "-p",
                "corebox-cli",
                "--bins",
            ])
            .current_dir(&workspace)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the binaries failed");
        // This test binary lives in <target>/debug/deps/.
        let exe = std::env::current_exe().expect("test binary path");
        let dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target dir")
            .to_path_buf();
        assert!(
            dir.join("corebox-daemon").exists(),
            "no daemon binary in {}",
            dir.display()
        );
        dir
    })
}

/// The path of a built binary.
pub fn binary(name: &str) -> PathBuf {
    bin_dir().join(name)
}

/// The daemon binary with a scrubbed environment and no flags.
pub fn bare_daemon_command(home: &Home) -> Command {
    let mut command = Command::new(binary("corebox-daemon"));
    isolate(&mut command, home.path());
    command
}

/// Scrubs the environment of `command` and points it at `home`.
fn isolate(command: &mut Command, home: &Path) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("COREBOX_") {
            command.env_remove(&key);
        }
    }
    command
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env("NO_COLOR", "1");
}

/// The outcome of one CLI run.
#[derive(Debug)]
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Everything printed on stdout.
    pub stdout: String,
    /// Everything printed on stderr.
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "expected success: {self:#?}");
        &self.stdout
    }

    /// Asserts exit code `code` and returns stderr.
    #[track_caller]
    pub fn fails(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "expected exit code {code}: {self:#?}");
        assert!(
            self.stderr.starts_with("corebox: "),
            "one-line error expected: {self:#?}"
        );
        &self.stderr
    }

    /// Parses stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.ok()).unwrap_or_else(|e| panic!("not JSON ({e}): {self:#?}"))
    }
}

/// A scratch home for CLI runs: its own config dir, so its own stored
/// credentials.
#[derive(Debug)]
pub struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    /// A new empty home.
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Options for starting a daemon.
#[derive(Debug, Default, Clone)]
pub struct DaemonOptions {
    /// Extra flags.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
}

impl DaemonOptions {
    /// Adds a flag.
    pub fn arg(mut self, arg: &str) -> DaemonOptions {
        self.args.push(arg.to_owned());
        self
    }

    /// Adds an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> DaemonOptions {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }
}

/// A running daemon on its own temporary data directory and socket.
#[derive(Debug)]
pub struct Daemon {
    child: Option<Child>,
    root: tempfile::TempDir,
    /// Default home for CLI runs.
    pub home: Home,
    /// The daemon's stderr (its log), collected by a thread.
    log: mpsc::Receiver<String>,
    log_text: String,
    options: DaemonOptions,
    /// The public HTTP endpoint's base URL, from the ready line.
    http: Option<String>,
}

impl Daemon {
    /// Starts a daemon with default settings.
    pub fn start() -> Daemon {
        Daemon::start_with(DaemonOptions::default())
    }

    /// Starts a daemon with extra flags and environment.
    pub fn start_with(options: DaemonOptions) -> Daemon {
        let root = tempfile::tempdir().expect("temp dir");
        let mut daemon = Daemon {
            child: None,
            root,
            home: Home::new(),
            log: mpsc::channel().1,
            log_text: String::new(),
            http: None,
            options,
        };
        daemon
            .launch()
            .unwrap_or_else(|failure| panic!("daemon did not start: {failure}"));
        daemon
    }

    /// The public HTTP endpoint's base URL (`http://127.0.0.1:PORT`), as
    /// the ready line gave it.
    pub fn http_base(&self) -> &str {
        self.http
            .as_deref()
            .expect("the ready line names the HTTP address")
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    /// The socket path.
    pub fn socket(&self) -> PathBuf {
        self.root.path().join("corebox.sock")
    }

    /// A command for the daemon binary on this data dir and socket.
    pub fn daemon_command(&self) -> Command {
        let mut command = Command::new(binary("corebox-daemon"));
        isolate(&mut command, self.root.path());
        command
            .arg("--data-dir")
            .arg(self.data_dir())
            .arg("--socket")
            .arg(self.socket())
            // Tests run side by side: each daemon takes a free port.
            .env("COREBOX_HTTP", "127.0.0.1:0")
            .args(&self.options.args)
            .envs(self.options.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Starts the process and waits for its ready line. On failure returns
    /// the exit status and stderr.
    fn launch(&mut self) -> Result<(), String> {
        let mut child = self
            .daemon_command()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("daemon spawns");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("corebox-daemon ready:") {
                    let _ = ready_tx.send(line);
                }
            }
        });
        let (log_tx, log_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = log_tx.send(line);
            }
        });
        self.log = log_rx;
        match ready_rx.recv_timeout(READY_TIMEOUT) {
            Ok(line) => {
                assert!(
                    line.contains(&self.socket().display().to_string()),
                    "{line}"
                );
                self.http = line
                    .split_once(" and ")
                    .map(|(_, url)| url.trim().to_owned());
                self.child = Some(child);
                Ok(())
            }
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().expect("wait");
                Err(format!("{status}; log:\n{}", self.log()))
            }
        }
    }

    /// Everything the daemon logged so far.
    pub fn log(&mut self) -> String {
        while let Ok(line) = self.log.try_recv() {
            self.log_text.push_str(&line);
            self.log_text.push('\n');
        }
        self.log_text.clone()
    }

    /// Waits until the daemon logs a line containing `needle` (the log
    /// since start counts), for at most `limit`. True when it did.
    pub fn wait_for_log(&mut self, needle: &str, limit: Duration) -> bool {
        if self.log_text.contains(needle) {
            return true;
        }
        let deadline = std::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.log_text.push_str(&line);
                    self.log_text.push('\n');
                    if found {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
    }

    /// Sends `signal` (a `kill` signal name) to the daemon.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id();
        let status = Command::new("kill")
            .args([format!("-{signal}"), pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Stops the daemon with SIGTERM and returns its exit status.
    pub fn stop(&mut self) -> ExitStatus {
        self.signal("TERM");
        self.wait()
    }

    /// Waits for the daemon to exit, collecting the rest of its log.
    pub fn wait(&mut self) -> ExitStatus {
        let status = self.child.take().expect("running").wait().expect("wait");
        // The log thread may still hold the last lines: read until it ends
        // with the output (a child process that kept the daemon's stderr
        // may hold it open, so not forever).
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.log.recv_timeout(left) {
                Ok(line) => {
                    self.log_text.push_str(&line);
                    self.log_text.push('\n');
                }
                Err(_) => break,
            }
        }
        status
    }

    /// Starts the daemon again on the same data directory and socket.
    pub fn restart(&mut self) {
        if self.child.is_some() {
            assert!(self.stop().success());
        }
        self.launch()
            .unwrap_or_else(|failure| panic!("daemon did not restart: {failure}"));
    }

    /// Runs `corebox ARGS` as the default home.
    pub fn corebox(&self, args: &[&str]) -> Run {
        self.corebox_as(&self.home, args, None, &[])
    }

    /// Runs `corebox ARGS` with `stdin` as the default home.
    pub fn corebox_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        self.corebox_as(&self.home, args, Some(stdin), &[])
    }

    /// Runs `corebox ARGS` in `home`, with optional stdin and extra env.
    pub fn corebox_as(
        &self,
        home: &Home,
        args: &[&str],
        stdin: Option<&[u8]>,
        env: &[(&str, &str)],
    ) -> Run {
        run_cli(&self.socket(), home, args, stdin, env)
    }

    /// The `corebox` binary with a scrubbed environment, pointed at this
    /// daemon and `home`, for runs that need odd arguments.
    pub fn cli_command(&self, home: &Home) -> Command {
        let mut command = Command::new(binary("corebox"));
        isolate(&mut command, home.path());
        command.env("COREBOX_SOCKET", self.socket());
        command
    }

    /// Signs up `name` with `password` from `home`.
    pub fn signup(&self, home: &Home, name: &str, password: &str) -> Run {
        self.signup_with(home, name, password, &[])
    }

    /// Signs up `name` with `password` from `home`, with extra flags.
    pub fn signup_with(&self, home: &Home, name: &str, password: &str, extra: &[&str]) -> Run {
        let stdin = format!("{password}\n");
        let user = format!("--username={name}");
        let mut args = vec!["signup", user.as_str(), "--password-stdin"];
        args.extend_from_slice(extra);
        self.corebox_as(home, &args, Some(stdin.as_bytes()), &[])
    }

    /// Logs `name` in from `home`.
    pub fn login(&self, home: &Home, name: &str, password: &str) -> Run {
        let stdin = format!("{password}\n");
        let user = format!("--username={name}");
        self.corebox_as(
            home,
            &["login", user.as_str(), "--password-stdin"],
            Some(stdin.as_bytes()),
            &[],
        )
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts the `corebox` binary against `socket` without waiting for it.
pub fn spawn_cli(socket: &Path, home: &Home, args: &[&str]) -> Child {
    let mut command = Command::new(binary("corebox"));
    isolate(&mut command, home.path());
    command
        .env("COREBOX_SOCKET", socket)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("corebox spawns")
}

/// Runs the `corebox` binary against `socket`.
pub fn run_cli(
    socket: &Path,
    home: &Home,
    args: &[&str],
    stdin: Option<&[u8]>,
    env: &[(&str, &str)],
) -> Run {
    let mut command = Command::new(binary("corebox"));
    isolate(&mut command, home.path());
    command
        .env("COREBOX_SOCKET", socket)
        .args(args)
        .envs(env.iter().copied())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("corebox spawns");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("piped stdin");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let output = child.wait_with_output().expect("wait");
    let status = output.status;
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
    Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

/// Share helpers: files made for a test and the URLs the CLI prints.
impl Daemon {
    /// Writes `bytes` to a file called `name` in `home` and returns its
    /// path, ready to upload.
    pub fn local_file(home: &Home, name: &str, bytes: &[u8]) -> PathBuf {
        let dir = home.path().join("outbox");
        std::fs::create_dir_all(&dir).expect("outbox dir");
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write test file");
        path
    }

    /// Uploads `bytes` as `name` from `home` and returns the new file's id.
    pub fn upload_bytes(&self, home: &Home, name: &str, bytes: &[u8]) -> String {
        let path = Daemon::local_file(home, name, bytes);
        let path = path.to_str().expect("utf-8 path");
        let run = self.corebox_as(home, &["upload", path, "-q"], None, &[]);
        run.ok().trim().to_owned()
    }

    /// Uploads `bytes` as `name` from `home` with `corebox upload PATH
    /// --share -q` and `extra` flags, and returns the URL it printed, which
    /// must be its only line.
    pub fn upload_shared(&self, home: &Home, name: &str, bytes: &[u8], extra: &[&str]) -> String {
        let path = Daemon::local_file(home, name, bytes);
        let mut args = vec![
            "upload",
            path.to_str().expect("utf-8 path"),
            "--share",
            "-q",
        ];
        args.extend_from_slice(extra);
        only_line(&self.corebox_as(home, &args, None, &[]))
    }

    /// Shares file `id` from `home` with `corebox share ID -q` and `extra`
    /// flags (`stdin` feeds `--password-stdin`), and returns the URL.
    pub fn share(&self, home: &Home, id: &str, extra: &[&str], stdin: Option<&[u8]>) -> String {
        let mut args = vec!["share", id, "-q"];
        args.extend_from_slice(extra);
        only_line(&self.corebox_as(home, &args, stdin, &[]))
    }
}

/// The single line a `-q` run printed.
#[track_caller]
fn only_line(run: &Run) -> String {
    let lines: Vec<&str> = run.ok().lines().collect();
    assert_eq!(lines.len(), 1, "one line expected: {run:#?}");
    lines[0].trim().to_owned()
}

/// Deterministic pseudo-random bytes (xorshift), different per seed.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// The SHA-256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
