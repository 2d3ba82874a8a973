//! The daemon's life: readiness, socket mode, restart, the data-dir lock,
//! graceful shutdown, logs.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};

use crate::exit;
use crate::harness::{Daemon, DaemonOptions, Home, run_cli};

#[test]
fn socket_is_private_and_removed_on_sigterm() {
    let mut daemon = Daemon::start();
    let meta = std::fs::metadata(daemon.socket()).expect("socket exists");
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let status = daemon.stop();
    assert_eq!(status.code(), Some(0), "clean exit: {}", daemon.log());
    assert!(!daemon.socket().exists(), "socket removed on exit");
    assert!(daemon.log().contains("stopped"));
}

#[test]
fn sigint_also_exits_cleanly() {
    let mut daemon = Daemon::start();
    daemon.signal("INT");
    assert_eq!(daemon.wait().code(), Some(0));
    assert!(!daemon.socket().exists());
}

#[test]
fn restart_keeps_accounts() {
    let mut daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    daemon.restart();
    // The stored session survives the restart, and so does the password.
    assert_eq!(daemon.corebox(&["whoami", "-q"]).ok().trim(), "alice");
    daemon.login(&Home::new(), "alice", "password-a").ok();
}

#[test]
fn second_daemon_on_the_same_data_dir_is_refused_with_the_holder() {
    let daemon = Daemon::start();
    let other_socket = daemon.data_dir().with_file_name("other.sock");
    let output = crate::harness::bare_daemon_command(&Home::new())
        .arg("--data-dir")
        .arg(daemon.data_dir())
        .arg("--socket")
        .arg(&other_socket)
        .output()
        .expect("second daemon runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("in use by another corebox-daemon (pid "),
        "{stderr}"
    );
    // The first one is unharmed.
    daemon.signup(&daemon.home, "alice", "password-a").ok();
}

#[test]
fn second_daemon_on_the_same_socket_is_refused() {
    let daemon = Daemon::start();
    let output = crate::harness::bare_daemon_command(&Home::new())
        .arg("--data-dir")
        .arg(daemon.data_dir().with_file_name("other-data"))
        .arg("--socket")
        .arg(daemon.socket())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("already listening"), "{stderr}");
    daemon.signup(&daemon.home, "alice", "password-a").ok();
}

#[test]
fn unreachable_daemon_has_its_own_exit_code_and_says_how_to_start_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = run_cli(
        &dir.path().join("nothing.sock"),
        &Home::new(),
        &["whoami"],
        None,
        &[],
    );
    let message = run.fails(exit::UNREACHABLE);
    assert!(message.contains("corebox-daemon"), "{message}");
}

#[test]
fn secrets_never_reach_the_log_even_at_trace() {
    let mut daemon = Daemon::start_with(DaemonOptions::default().env("COREBOX_LOG", "trace"));
    daemon
        .signup(&daemon.home, "alice", "hunter2-secret-pw")
        .ok();
    let token = daemon
        .corebox(&["token", "create", "ci", "-q"])
        .ok()
        .trim()
        .to_owned();
    daemon
        .corebox_as(
            &Home::new(),
            &["whoami"],
            None,
            &[("COREBOX_TOKEN", &token)],
        )
        .ok();
    daemon
        .login(&Home::new(), "alice", "wrong-secret-pw")
        .fails(exit::AUTH);
    daemon.stop();
    let log = daemon.log();
    assert!(
        log.contains("account created"),
        "the log is being captured: {log}"
    );
    for secret in ["hunter2-secret-pw", "wrong-secret-pw", token.as_str()] {
        assert!(
            !log.contains(secret),
            "secret {secret:?} leaked into the log"
        );
    }
    let signature = token.rsplit('.').next().expect("jwt");
    assert!(!log.contains(signature));
}

#[test]
fn json_logs_on_request() {
    let mut daemon = Daemon::start_with(DaemonOptions::default().arg("--log-format").arg("json"));
    daemon.stop();
    let log = daemon.log();
    let lines: Vec<&str> = log.lines().collect();
    assert!(!lines.is_empty());
    for line in lines {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(value["level"].is_string(), "{line}");
    }
}

#[test]
fn bad_config_is_refused_before_starting() {
    let daemon = Daemon::start();
    let config = daemon.data_dir().with_file_name("bad.toml");
    std::fs::write(&config, "signup = \"sometimes\"\n").expect("write");
    let output = daemon
        .daemon_command()
        .arg("--config")
        .arg(&config)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("sometimes"), "{stderr}");
}

#[test]
fn an_existing_open_data_dir_is_made_private_and_new_files_are_owner_only() {
    let mut daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    daemon.stop();
    // As a data directory made by hand with the usual umask would be.
    let data = daemon.data_dir();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");

    daemon.restart();
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&data), 0o700, "the data directory is private again");
    let id = daemon.upload_bytes(&daemon.home, "private.txt", b"nobody else reads this");
    let sha = crate::harness::sha256_hex(b"nobody else reads this");
    let blob = data.join(format!("blobs/sha256/{}/{}/{sha}", &sha[..2], &sha[2..4]));
    assert_eq!(mode(&blob), 0o600, "blob of {id}");
    for name in ["corebox.db-wal", "corebox.db-shm"] {
        let path = data.join(name);
        if path.exists() {
            assert_eq!(mode(&path) & 0o077, 0, "{name} is not readable by others");
        }
    }
}
