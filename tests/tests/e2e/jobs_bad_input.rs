//! Bad input to jobs: absurd sizes, files that are not images or lie about
//! being one, truncated images, unreachable and endless imports. Each gets
//! a clear refusal or a clear job error, and the queue keeps working.

use std::io::Write;

use image::ImageFormat;

use crate::exit;
use crate::harness::{Daemon, DaemonOptions};
use crate::jobs::picture;
use crate::serve::Server;

fn daemon() -> Daemon {
    let daemon = Daemon::start_with(
        DaemonOptions::default()
            .env("COREBOX_IMPORT_ALLOW_PRIVATE", "true")
            .env("COREBOX_IMPORT_MAX_SIZE", "1MiB")
            .env("COREBOX_JOB_RETRY_BASE", "50ms")
            .env("COREBOX_JOB_ATTEMPTS", "2")
            .env("COREBOX_THUMBNAILS", "false"),
    );
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    daemon
}

#[test]
fn absurd_sizes_and_qualities_are_refused_before_queueing() {
    let daemon = daemon();
    let id = daemon.upload_bytes(&daemon.home, "ok.png", &picture(ImageFormat::Png, 20, 20));
    for args in [
        vec!["--width", "0"],
        vec!["--width", "100000"],
        vec!["--height", "16385"],
        vec!["--width", "10", "--quality", "0"],
        vec!["--width", "10", "--quality", "101"],
        vec!["--width", "-5"],
        vec![],
    ] {
        let mut full = vec!["image", "resize", id.as_str()];
        full.extend(args.iter().copied());
        let run = daemon.corebox(&full);
        assert_eq!(run.code, exit::USAGE, "{args:?}: {run:#?}");
        assert!(run.stderr.starts_with("corebox: "), "{run:#?}");
        assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
    }
    let jobs = daemon.corebox(&["jobs", "ls", "--all", "--json"]).json();
    assert_eq!(jobs, serde_json::json!([]), "nothing was queued");
}

#[test]
fn files_that_are_not_images_fail_their_job_clearly() {
    let daemon = daemon();
    let whole = picture(ImageFormat::Png, 64, 64);
    let mut lying = whole[..8].to_vec();
    lying.extend_from_slice(b"this is no PNG after its signature");
    let cases: [(&str, Vec<u8>, &str); 3] = [
        (
            "notes.txt",
            b"just some words, not pixels".to_vec(),
            "not an image",
        ),
        ("cut.png", whole[..whole.len() / 2].to_vec(), "image"),
        ("liar.png", lying, "image"),
    ];
    for (name, bytes, reason) in cases {
        let id = daemon.upload_bytes(&daemon.home, name, &bytes);
        let run = daemon.corebox(&["image", "resize", &id, "--width", "10", "--wait"]);
        let error = run.fails(exit::FAILURE);
        assert!(error.contains(reason), "{name}: {error}");
    }
    // The queue keeps working.
    let good = daemon.upload_bytes(
        &daemon.home,
        "good.jpg",
        &picture(ImageFormat::Jpeg, 100, 50),
    );
    let made = daemon.corebox(&["image", "resize", &good, "--width", "10", "--wait", "-q"]);
    assert_eq!(made.code, 0, "{made:#?}");
}

#[test]
fn unreachable_and_endless_imports_end_dead() {
    let daemon = daemon();
    // A port nothing listens on: bind one, then let it go.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let run = daemon.corebox(&["import", &format!("http://127.0.0.1:{port}/x"), "--wait"]);
    let error = run.fails(exit::FAILURE);
    assert!(error.contains("cannot download"), "{error}");

    let endless = Server::start(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        let block = vec![b'x'; 64 * 1024];
        while stream.write_all(&block).is_ok() {}
    });
    let run = daemon.corebox(&["import", &format!("{}/forever", endless.base), "--wait"]);
    let error = run.fails(exit::FAILURE);
    assert!(error.contains("larger than the 1 MiB"), "{error}");

    let declared = Server::start(|_, stream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 999999999999\r\n\r\n");
    });
    let run = daemon.corebox(&["import", &format!("{}/huge", declared.base), "--wait"]);
    assert!(run.fails(exit::FAILURE).contains("larger than"));
    assert_eq!(declared.requests(), 1, "refused for good, not retried");
    let listed = daemon.corebox(&["ls", "--json"]).json();
    assert_eq!(listed, serde_json::json!([]));
}
