//! Files through the real binaries: upload, download, dedup, resume,
//! crashes, quotas, ownership and bad names.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::exit;
use crate::harness::{Daemon, DaemonOptions, Home, noise, spawn_cli};

const CHUNK: usize = corebox_proto::types::CHUNK_BYTES;

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path
}

/// Every blob file in the daemon's store.
fn blobs_on_disk(daemon: &Daemon) -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, found);
            } else {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&daemon.data_dir().join("blobs"), &mut found);
    found
}

fn staged_on_disk(daemon: &Daemon) -> usize {
    std::fs::read_dir(daemon.data_dir().join("uploads")).map_or(0, |entries| entries.count())
}

fn upload(daemon: &Daemon, home: &Home, path: &Path) -> String {
    let path = path.to_str().expect("utf-8 path");
    let run = daemon.corebox_as(home, &["upload", path, "-q"], None, &[]);
    run.ok().trim().to_owned()
}

#[test]
fn round_trip_of_edge_sizes_keeps_every_byte() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let dir = tempfile::tempdir().expect("temp dir");
    for (n, size) in [0, 1, CHUNK, CHUNK + 1, 50 << 20].into_iter().enumerate() {
        let bytes = noise(size, n as u64);
        let path = write(dir.path(), &format!("file-{size}.bin"), &bytes);
        let run = daemon.corebox(&["upload", path.to_str().expect("utf-8"), "--json"]);
        let stored: serde_json::Value =
            serde_json::from_str(run.ok().trim()).expect("one JSON line");
        assert_eq!(stored["size"], size, "{stored}");
        assert_eq!(stored["sha256"], sha(&bytes));
        assert_eq!(stored["name"], format!("file-{size}.bin"));
        let id = stored["id"].as_str().expect("id");

        let out = dir.path().join(format!("back-{size}.bin"));
        daemon
            .corebox(&["download", id, "-o", out.to_str().expect("utf-8")])
            .ok();
        let back = std::fs::read(&out).expect("downloaded");
        assert_eq!(back.len(), size);
        assert_eq!(sha(&back), sha(&bytes), "size {size}");
    }
    let listed = daemon.corebox(&["ls", "--json", "--sort", "size"]).json();
    let sizes: Vec<u64> = listed
        .as_array()
        .expect("array")
        .iter()
        .map(|file| file["size"].as_u64().expect("size"))
        .collect();
    assert_eq!(sizes, [50 << 20, CHUNK as u64 + 1, CHUNK as u64, 1, 0]);
    assert_eq!(staged_on_disk(&daemon), 0, "no staging file left behind");
}

#[test]
fn identical_content_is_stored_once_and_outlives_one_owner() {
    let daemon = Daemon::start();
    let (alice, bob) = (&daemon.home, Home::new());
    daemon.signup(alice, "alice", "password-a").ok();
    daemon.signup(&bob, "bob", "password-b").ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let bytes = noise(3 << 20, 7);
    let path = write(dir.path(), "same.bin", &bytes);

    let alices = upload(&daemon, alice, &path);
    let bobs = upload(&daemon, &bob, &path);
    assert_ne!(alices, bobs, "two files, one per owner");
    assert_eq!(blobs_on_disk(&daemon).len(), 1, "one blob for both");

    daemon.corebox(&["rm", &alices]).ok();
    assert_eq!(blobs_on_disk(&daemon).len(), 1, "bob still refers to it");
    let out = dir.path().join("back.bin");
    daemon
        .corebox_as(
            &bob,
            &["download", &bobs, "-o", out.to_str().expect("utf-8")],
            None,
            &[],
        )
        .ok();
    assert_eq!(sha(&std::fs::read(&out).expect("read")), sha(&bytes));

    daemon.corebox_as(&bob, &["rm", &bobs], None, &[]).ok();
    assert!(
        blobs_on_disk(&daemon).is_empty(),
        "last reference gone, blob freed"
    );
}

#[test]
fn repeated_upload_by_the_same_user_sends_nothing() {
    let mut daemon =
        Daemon::start_with(DaemonOptions::default().env("COREBOX_LOG", "corebox_daemon=debug"));
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "again.bin", &noise(2 * CHUNK + 5, 3));
    let first = upload(&daemon, &daemon.home, &path);
    let second = upload(&daemon, &daemon.home, &path);
    assert_eq!(first, second, "same name, same content: the same file");
    assert!(
        daemon.wait_for_log("nothing to transfer", Duration::from_secs(10)),
        "{}",
        daemon.log()
    );
    let chunks = daemon.log().matches("chunk stored").count();
    assert_eq!(chunks, 3, "only the first upload sent chunks");
    // The same content under another name is a second file, still no transfer.
    let renamed = write(dir.path(), "copy.bin", &std::fs::read(&path).expect("read"));
    let copy = upload(&daemon, &daemon.home, &renamed);
    assert_ne!(copy, first);
    assert_eq!(blobs_on_disk(&daemon).len(), 1);
}

#[test]
fn an_interrupted_upload_resumes_where_the_daemon_stopped() {
    let mut daemon =
        Daemon::start_with(DaemonOptions::default().env("COREBOX_LOG", "corebox_daemon=debug"));
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let bytes = noise(400 << 20, 11);
    let path = write(dir.path(), "big.bin", &bytes);
    let path_arg = path.to_str().expect("utf-8");

    let mut cli = spawn_cli(&daemon.socket(), &daemon.home, &["upload", path_arg]);
    assert!(
        daemon.wait_for_log("chunk stored", Duration::from_secs(60)),
        "{}",
        daemon.log()
    );
    cli.kill().expect("kill the CLI mid-upload");
    let status = cli.wait().expect("wait");
    if status.success() {
        // The machine was fast enough to finish first; nothing to resume.
        return;
    }

    let run = daemon.corebox(&["upload", path_arg, "--json"]);
    let stored: serde_json::Value = serde_json::from_str(run.ok().trim()).expect("JSON line");
    assert_eq!(stored["sha256"], sha(&bytes));
    assert!(
        daemon.wait_for_log("upload resumed", Duration::from_secs(10)),
        "{}",
        daemon.log()
    );
    assert_eq!(staged_on_disk(&daemon), 0);
}

#[test]
fn ctrl_c_during_a_download_leaves_no_partial_file() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "big.bin", &noise(100 << 20, 17));
    let id = upload(&daemon, &daemon.home, &path);
    let out_dir = tempfile::tempdir().expect("temp dir");
    let out = out_dir.path().join("back.bin");

    let mut cli = spawn_cli(
        &daemon.socket(),
        &daemon.home,
        &["download", &id, "-o", out.to_str().expect("utf-8")],
    );
    // The staged file appearing is the sign that the transfer is under way.
    let started = std::time::Instant::now();
    while entries(out_dir.path()).is_empty() {
        if let Some(status) = cli.try_wait().expect("poll the CLI") {
            assert!(status.success(), "the download failed: {status}");
            // Finished before it was seen: nothing to interrupt.
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no staged file"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = cli.id().to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let status = cli.wait().expect("wait");
    if status.success() {
        // The machine was fast enough to finish first: the file is whole.
        assert_eq!(entries(out_dir.path()), vec![out]);
        return;
    }
    assert_eq!(status.code(), Some(exit::INTERRUPTED), "{status}");
    assert!(
        entries(out_dir.path()).is_empty(),
        "nothing left behind: {:?}",
        entries(out_dir.path())
    );
}

/// What a directory holds.
fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| entry.expect("entry").path())
        .collect()
}

#[test]
fn a_daemon_killed_mid_upload_leaves_nothing_half_done() {
    let mut daemon =
        Daemon::start_with(DaemonOptions::default().env("COREBOX_LOG", "corebox_daemon=debug"));
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let bytes = noise(400 << 20, 13);
    let path = write(dir.path(), "big.bin", &bytes);
    let path_arg = path.to_str().expect("utf-8");

    let mut cli = spawn_cli(&daemon.socket(), &daemon.home, &["upload", path_arg]);
    assert!(daemon.wait_for_log("chunk stored", Duration::from_secs(60)));
    daemon.signal("KILL");
    daemon.wait();
    let _ = cli.wait();

    daemon.restart();
    let listed = daemon.corebox(&["ls", "--json"]).json();
    for file in listed.as_array().expect("array") {
        // Whatever is listed is complete and has its blob.
        assert_eq!(
            file["sha256"],
            sha(&bytes),
            "no partial file listed: {file}"
        );
    }
    let run = daemon.corebox(&["upload", path_arg, "--json"]);
    let stored: serde_json::Value = serde_json::from_str(run.ok().trim()).expect("JSON line");
    let out = dir.path().join("back.bin");
    let id = stored["id"].as_str().expect("id");
    daemon
        .corebox(&["download", id, "-o", out.to_str().expect("utf-8")])
        .ok();
    assert_eq!(sha(&std::fs::read(&out).expect("read")), sha(&bytes));
    assert_eq!(blobs_on_disk(&daemon).len(), 1);
}

#[test]
fn quota_is_refused_before_any_byte_is_sent() {
    let mut daemon =
        Daemon::start_with(DaemonOptions::default().env("COREBOX_LOG", "corebox_daemon=debug"));
    daemon.signup(&daemon.home, "admin", "password-a").ok();
    let bob = Home::new();
    daemon.signup(&bob, "bob", "password-b").ok();
    daemon
        .corebox(&["admin", "users", "set-quota", "bob", "1MiB"])
        .ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "two-mib.bin", &noise(2 << 20, 5));
    let run = daemon.corebox_as(&bob, &["upload", path.to_str().expect("utf-8")], None, &[]);
    let message = run.fails(exit::FAILURE);
    assert!(
        message.contains("quota") && message.contains("MiB"),
        "numbers in the message: {message}"
    );
    assert!(!daemon.log().contains("chunk stored"), "no byte was sent");
    assert_eq!(staged_on_disk(&daemon), 0);
    let small = write(dir.path(), "small.bin", &noise(1000, 6));
    upload(&daemon, &bob, &small);
    let users = daemon.corebox(&["admin", "users", "ls", "--json"]).json();
    let bob_row = users
        .as_array()
        .expect("array")
        .iter()
        .find(|user| user["username"] == "bob")
        .expect("bob")
        .clone();
    assert_eq!(bob_row["quota_bytes"], 1 << 20);
    assert_eq!(bob_row["used_bytes"], 1000);
}

#[test]
fn another_users_file_answers_like_a_missing_one() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let mallory = Home::new();
    daemon.signup(&mallory, "mallory", "password-m").ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let id = upload(
        &daemon,
        &daemon.home,
        &write(dir.path(), "secret.txt", b"top secret"),
    );
    let out = dir.path().join("stolen.txt");
    let out = out.to_str().expect("utf-8");
    let attempts: [&[&str]; 5] = [
        &["info", &id],
        &["download", &id, "-o", out],
        &["rm", &id],
        &["rename", &id, "mine.txt"],
        &["grant", &id, "--user", "mallory"],
    ];
    let unknown = "0123456789abcdef";
    for args in attempts {
        let theirs = daemon.corebox_as(&mallory, args, None, &[]);
        let missing_args: Vec<&str> = args
            .iter()
            .map(|arg| if *arg == id { unknown } else { arg })
            .collect();
        let missing = daemon.corebox_as(&mallory, &missing_args, None, &[]);
        // The messages name the id asked for; apart from that they must match.
        let theirs = theirs.fails(exit::NOT_FOUND).replace(&id, unknown);
        assert_eq!(theirs, missing.fails(exit::NOT_FOUND), "{args:?}");
    }
    assert!(!Path::new(out).exists());
    let info = daemon.corebox(&["info", &id, "--json"]).json();
    assert_eq!(info["name"], "secret.txt", "unchanged");
}

#[test]
fn grants_give_read_access_only_until_revoked() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let bob = Home::new();
    daemon.signup(&bob, "bob", "password-b").ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let id = upload(
        &daemon,
        &daemon.home,
        &write(dir.path(), "shared.txt", b"hello bob"),
    );

    let granted = daemon
        .corebox(&["grant", &id, "--user", "BOB", "--json"])
        .json();
    assert_eq!(granted["grants"], serde_json::json!(["bob"]));
    let again = daemon.corebox(&["grant", &id, "--user", "Bob"]);
    again.ok();
    assert!(again.stderr.contains("bob may now read"), "{again:#?}");
    let seen = daemon.corebox_as(&bob, &["ls", "--json"], None, &[]).json();
    assert_eq!(seen[0]["owner"], "alice");
    let out = dir.path().join("got.txt");
    daemon
        .corebox_as(
            &bob,
            &["download", &id, "-o", out.to_str().expect("utf-8")],
            None,
            &[],
        )
        .ok();
    assert_eq!(std::fs::read(&out).expect("read"), b"hello bob");
    daemon
        .corebox_as(&bob, &["rm", &id], None, &[])
        .fails(exit::AUTH);
    daemon
        .corebox_as(&bob, &["rename", &id, "x"], None, &[])
        .fails(exit::AUTH);

    daemon.corebox(&["revoke-grant", &id, "--user", "bob"]).ok();
    daemon
        .corebox_as(&bob, &["info", &id], None, &[])
        .fails(exit::NOT_FOUND);
    daemon.corebox(&["info", &id]).ok();
}

#[test]
fn rename_and_rm() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let id = upload(&daemon, &daemon.home, &write(dir.path(), "old.txt", b"x"));
    let renamed = daemon
        .corebox(&["rename", &id, "new name.txt", "--json"])
        .json();
    assert_eq!(renamed["name"], "new name.txt");
    daemon.corebox(&["rm", &id]).ok();
    daemon.corebox(&["info", &id]).fails(exit::NOT_FOUND);
    assert!(blobs_on_disk(&daemon).is_empty());
}

#[test]
fn download_refuses_to_overwrite_without_force_and_streams_to_stdout() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let dir = tempfile::tempdir().expect("temp dir");
    let id = upload(
        &daemon,
        &daemon.home,
        &write(dir.path(), "data.txt", b"fresh bytes"),
    );
    let target = write(dir.path(), "existing.txt", b"precious");
    let target_arg = target.to_str().expect("utf-8");
    let refused = daemon.corebox(&["download", &id, "-o", target_arg]);
    assert!(
        refused.fails(exit::FAILURE).contains("--force"),
        "{refused:#?}"
    );
    assert_eq!(std::fs::read(&target).expect("read"), b"precious");
    daemon
        .corebox(&["download", &id, "-o", target_arg, "--force"])
        .ok();
    assert_eq!(std::fs::read(&target).expect("read"), b"fresh bytes");
    assert_eq!(
        daemon.corebox(&["download", &id, "-o", "-"]).ok(),
        "fresh bytes"
    );
}

#[test]
fn upload_from_stdin_needs_a_name() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let run = daemon.corebox_stdin(&["upload", "-"], b"piped");
    assert_eq!(run.code, exit::USAGE, "{run:#?}");
    let run = daemon.corebox_stdin(
        &["upload", "-", "--name", "piped.txt", "--json"],
        b"piped bytes",
    );
    let stored: serde_json::Value = serde_json::from_str(run.ok().trim()).expect("JSON");
    assert_eq!(stored["name"], "piped.txt");
    assert_eq!(stored["sha256"], sha(b"piped bytes"));
    assert_eq!(stored["media_type"], "text/plain; charset=utf-8");
}

#[test]
fn bad_names_are_refused_and_store_nothing() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let long = "n".repeat(256);
    for name in [
        "a/b",
        "..",
        ".",
        "line\nbreak",
        "tab\there",
        long.as_str(),
        "",
    ] {
        let run = daemon.corebox_stdin(&["upload", "-", "--name", name], b"content");
        assert_ne!(run.code, 0, "{name:?} accepted: {run:#?}");
        assert!(run.stderr.starts_with("corebox: "), "{run:#?}");
    }
    assert_eq!(
        daemon.corebox(&["ls", "--json"]).json(),
        serde_json::json!([])
    );

    // A local file whose name is not UTF-8.
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let odd = dir.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt"));
    std::fs::write(&odd, b"latin-1 name").expect("write");
    let output = daemon
        .cli_command(&daemon.home)
        .arg("upload")
        .arg(&odd)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(exit::FAILURE));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--name"));
    assert_eq!(
        daemon.corebox(&["ls", "--json"]).json(),
        serde_json::json!([])
    );
}
