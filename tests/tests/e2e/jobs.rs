//! Background jobs through the real daemon and CLI: thumbnails of real
//! images after an upload, resizing, metadata stripping, decompression
//! bombs, imports (the private-address guard, retries with backoff, dead
//! jobs revived), the upload check (quarantine, cancel killing its
//! processes), a daemon killed mid-job, verification, and other users'
//! jobs.

use std::io::{BufRead, BufReader, Cursor};
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use image::{DynamicImage, ImageFormat, RgbImage};
use serde_json::Value;

use crate::exit;
use crate::harness::{Daemon, DaemonOptions, Home, sha256_hex};
use crate::serve::{Server, redirect, respond};

/// A `width` × `height` gradient encoded as `format`.
pub fn picture(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
    });
    let mut bytes = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image)
        .write_to(&mut bytes, format)
        .expect("encodes");
    bytes.into_inner()
}

/// The decoded image in `bytes`, and the format it was in.
fn look(bytes: &[u8]) -> (DynamicImage, ImageFormat) {
    let format = image::guess_format(bytes).expect("an image");
    (image::load_from_memory(bytes).expect("decodes"), format)
}

fn daemon_with(options: DaemonOptions) -> Daemon {
    let daemon = Daemon::start_with(options);
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    daemon
}

/// `jobs show ID --json`.
fn job(daemon: &Daemon, id: &str) -> Value {
    daemon.corebox(&["jobs", "show", id, "--json"]).json()
}

/// The jobs on file `file_id`, from `jobs ls --all --json`.
fn jobs_on(daemon: &Daemon, file_id: &str) -> Vec<Value> {
    let listed = daemon.corebox(&["jobs", "ls", "--all", "--json"]).json();
    listed
        .as_array()
        .expect("an array")
        .iter()
        .filter(|job| job["file_id"] == file_id)
        .cloned()
        .collect()
}

/// Downloads file `id` and returns its bytes.
fn fetch(daemon: &Daemon, id: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out_arg = out.to_str().expect("utf-8");
    daemon.corebox(&["download", id, "-o", out_arg]).ok();
    std::fs::read(&out).expect("downloaded")
}

/// `corebox jobs watch ID --json`, read line by line as it runs.
struct Watch {
    child: Child,
    lines: mpsc::Receiver<Value>,
}

impl Watch {
    fn start(daemon: &Daemon, id: &str) -> Watch {
        let mut child = daemon
            .cli_command(&daemon.home)
            .args(["jobs", "watch", id, "--json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("watch runs");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let parsed = serde_json::from_str(&line).expect("a JSON line");
                if sender.send(parsed).is_err() {
                    break;
                }
            }
        });
        Watch { child, lines }
    }

    /// The next change, waiting at most 60 s for it.
    fn next(&self) -> Value {
        self.lines
            .recv_timeout(Duration::from_secs(60))
            .expect("a change within a minute")
    }

    /// Changes until one matches `wanted`, which is returned.
    fn until(&self, wanted: impl Fn(&Value) -> bool) -> Value {
        loop {
            let change = self.next();
            if wanted(&change) {
                return change;
            }
        }
    }

    /// Every change until the watch ends, and its exit code. The reader
    /// thread may still hold the last lines when the process has exited:
    /// the changes are read until it reaches the end of the output.
    fn rest(mut self) -> (Vec<Value>, i32) {
        let status = self.child.wait().expect("watch ends");
        let rest = self.lines.iter().collect();
        (rest, status.code().unwrap_or(-1))
    }
}

#[test]
fn upload_wait_makes_a_thumbnail_of_jpeg_png_and_webp() {
    let daemon = daemon_with(DaemonOptions::default());
    for (format, name) in [
        (ImageFormat::Jpeg, "photo.jpg"),
        (ImageFormat::Png, "diagram.png"),
        (ImageFormat::WebP, "sticker.webp"),
    ] {
        let bytes = picture(format, 640, 480);
        let path = Daemon::local_file(&daemon.home, name, &bytes);
        let run = daemon.corebox(&["upload", path.to_str().expect("utf-8"), "--wait", "-q"]);
        let id = run.ok().trim().to_owned();
        let info = daemon.corebox(&["info", &id, "--json"]).json();
        let thumbnail = info["thumbnail"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: {info}"));
        let (small, kind) = look(&fetch(&daemon, thumbnail));
        assert_eq!(kind, ImageFormat::Jpeg, "{name}");
        assert_eq!((small.width(), small.height()), (320, 240), "{name}");
        let done = &jobs_on(&daemon, &id)[0];
        assert_eq!(done["kind"], "thumbnail");
        assert_eq!(done["state"], "succeeded", "{done}");
    }
    // The same content under another name is a file with its own thumbnail.
    let path = Daemon::local_file(
        &daemon.home,
        "again.png",
        &picture(ImageFormat::Png, 640, 480),
    );
    let run = daemon.corebox(&["upload", path.to_str().expect("utf-8"), "--wait", "-q"]);
    let again = run.ok().trim().to_owned();
    let info = daemon.corebox(&["info", &again, "--json"]).json();
    let thumbnail = info["thumbnail"]
        .as_str()
        .unwrap_or_else(|| panic!("{info}"));
    assert_eq!(look(&fetch(&daemon, thumbnail)).0.width(), 320);
    // A thumbnail made again replaces the one before.
    daemon
        .corebox(&["image", "thumbnail", &again, "--wait"])
        .ok();
    let info = daemon.corebox(&["info", &again, "--json"]).json();
    let remade = info["thumbnail"]
        .as_str()
        .unwrap_or_else(|| panic!("{info}"));
    assert_ne!(remade, thumbnail);
    daemon.corebox(&["info", thumbnail]).fails(exit::NOT_FOUND);
    let listed = daemon.corebox(&["ls", "--json"]).json();
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(4),
        "thumbnails are not listed: {listed}"
    );
}

#[test]
fn resize_wait_prints_a_new_file_of_the_size_asked() {
    let daemon = daemon_with(DaemonOptions::default());
    let id = daemon.upload_bytes(
        &daemon.home,
        "wide.png",
        &picture(ImageFormat::Png, 1000, 600),
    );
    let made = daemon
        .corebox(&["image", "resize", &id, "--width", "800", "--wait", "-q"])
        .ok()
        .trim()
        .to_owned();
    assert_ne!(made, id);
    let (resized, kind) = look(&fetch(&daemon, &made));
    assert_eq!(
        (resized.width(), resized.height(), kind),
        (800, 480, ImageFormat::Png)
    );

    let run = daemon.corebox(&[
        "image",
        "resize",
        &id,
        "--width",
        "300",
        "--height",
        "300",
        "--fit",
        "cover",
        "--format",
        "jpeg",
        "--quality",
        "70",
        "--wait",
        "-q",
    ]);
    let (square, kind) = look(&fetch(&daemon, run.ok().trim()));
    assert_eq!(
        (square.width(), square.height(), kind),
        (300, 300, ImageFormat::Jpeg)
    );

    // A smooth gradient is smaller as PNG than as JPEG: nothing is kept.
    let bigger = daemon.corebox(&["image", "compress", &id, "--wait"]);
    assert!(
        bigger.fails(exit::FAILURE).contains("no smaller"),
        "{bigger:#?}"
    );
    let listed = daemon.corebox(&["ls", "--json"]).json();
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");
    // Noise is smaller as JPEG.
    let noise = crate::harness::noise(200 * 200 * 3, 7);
    let noisy = RgbImage::from_raw(200, 200, noise).expect("pixels");
    let mut png = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(noisy)
        .write_to(&mut png, ImageFormat::Png)
        .expect("encodes");
    let noisy = daemon.upload_bytes(&daemon.home, "noise.png", &png.into_inner());
    let squeezed = daemon.corebox(&["image", "compress", &noisy, "--wait", "-q"]);
    let (small, kind) = look(&fetch(&daemon, squeezed.ok().trim()));
    assert_eq!((small.width(), kind), (200, ImageFormat::Jpeg));
    let listed = daemon.corebox(&["ls", "--json"]).json();
    assert_eq!(listed.as_array().map(Vec::len), Some(5), "{listed}");
}

/// A JPEG with an EXIF block carrying GPS data and a marker text.
fn jpeg_with_gps(marker: &str) -> Vec<u8> {
    let plain = picture(ImageFormat::Jpeg, 200, 100);
    // TIFF, big-endian: IFD0 with ImageDescription (the marker) and a
    // pointer to a GPS IFD holding GPSLatitudeRef = "N".
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    let text = format!("{marker}\0");
    let ifd0_len = 2 + 2 * 12 + 4;
    let gps_at = 8 + ifd0_len as u32;
    let gps_len = 2 + 12 + 4;
    let text_at = gps_at + gps_len;
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&0x010eu16.to_be_bytes()); // ImageDescription
    tiff.extend_from_slice(&2u16.to_be_bytes()); // ASCII
    tiff.extend_from_slice(&(text.len() as u32).to_be_bytes());
    tiff.extend_from_slice(&text_at.to_be_bytes());
    tiff.extend_from_slice(&0x8825u16.to_be_bytes()); // GPSInfo
    tiff.extend_from_slice(&4u16.to_be_bytes()); // LONG
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&gps_at.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&1u16.to_be_bytes()); // GPSLatitudeRef
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&2u32.to_be_bytes());
    tiff.extend_from_slice(b"N\0\0\0");
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(text.as_bytes());
    let mut segment = b"Exif\0\0".to_vec();
    segment.extend_from_slice(&tiff);
    let mut jpeg = plain[..2].to_vec();
    jpeg.extend_from_slice(&[0xff, 0xe1]);
    jpeg.extend_from_slice(&((segment.len() + 2) as u16).to_be_bytes());
    jpeg.extend_from_slice(&segment);
    jpeg.extend_from_slice(&plain[2..]);
    jpeg
}

#[test]
fn outputs_carry_no_exif_or_gps() {
    let daemon = daemon_with(DaemonOptions::default());
    let marker = "SECRET-PLACE-52.5200N-13.4050E";
    let original = jpeg_with_gps(marker);
    assert!(
        crate::http::contains(&original, marker.as_bytes()),
        "the input has it"
    );
    let path = Daemon::local_file(&daemon.home, "geo.jpg", &original);
    let id = daemon
        .corebox(&["upload", path.to_str().expect("utf-8"), "--wait", "-q"])
        .ok()
        .trim()
        .to_owned();
    let info = daemon.corebox(&["info", &id, "--json"]).json();
    let thumbnail = info["thumbnail"].as_str().expect("a thumbnail").to_owned();
    let resized = daemon
        .corebox(&["image", "resize", &id, "--width", "150", "--wait", "-q"])
        .ok()
        .trim()
        .to_owned();
    for made in [thumbnail, resized] {
        let bytes = fetch(&daemon, &made);
        assert!(
            !crate::http::contains(&bytes, b"Exif"),
            "EXIF kept in {made}"
        );
        assert!(
            !crate::http::contains(&bytes, marker.as_bytes()),
            "metadata kept in {made}"
        );
        look(&bytes);
    }
}

/// A PNG that claims 100000 × 100000 pixels: a few bytes that would
/// decode to 40 GB.
pub fn bomb() -> Vec<u8> {
    let mut png = picture(ImageFormat::Png, 8, 8);
    png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32fast::hash(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

#[test]
fn a_decompression_bomb_fails_its_job_and_the_daemon_goes_on() {
    let daemon = daemon_with(DaemonOptions::default());
    let path = Daemon::local_file(&daemon.home, "bomb.png", &bomb());
    let run = daemon.corebox(&["upload", path.to_str().expect("utf-8"), "--wait"]);
    let error = run.fails(exit::FAILURE);
    assert!(error.contains("too large"), "{error}");
    let id = run.stdout.trim();
    let failed = &jobs_on(&daemon, id)[0];
    assert_eq!(failed["state"], "dead", "no retry can mend it: {failed}");
    assert_eq!(failed["attempts"], 1, "{failed}");
    // The upload itself stands, and the daemon serves on.
    assert_eq!(daemon.corebox(&["whoami", "-q"]).ok().trim(), "alice");
    let fine = daemon.upload_bytes(&daemon.home, "fine.png", &picture(ImageFormat::Png, 50, 50));
    daemon
        .corebox(&["image", "thumbnail", &fine, "--wait"])
        .ok();
}

#[test]
fn import_refuses_loopback_and_private_addresses() {
    let daemon = daemon_with(DaemonOptions::default());
    let server = Server::start(|_, stream| respond(stream, "200 OK", b"should never be fetched"));
    let port = server.base.rsplit(':').next().expect("port").to_owned();
    for (url, reason) in [
        (format!("{}/file.txt", server.base), "not a public address"),
        (
            format!("http://localhost:{port}/file.txt"),
            "not a public address",
        ),
        ("http://10.0.0.1/x".to_owned(), "not a public address"),
        (
            "http://169.254.169.254/latest/meta-data/".to_owned(),
            "not a public address",
        ),
        ("http://[::1]/x".to_owned(), "not a public address"),
    ] {
        let run = daemon.corebox(&["import", &url, "--wait"]);
        let error = run.fails(exit::FAILURE);
        assert!(error.contains(reason), "{url}: {error}");
    }
    assert_eq!(server.requests(), 0, "nothing reached the server");
    let bad = daemon.corebox(&["import", "file:///etc/passwd"]);
    assert!(
        bad.fails(exit::FAILURE)
            .contains("only http:// and https://")
    );
    let listed = daemon.corebox(&["ls", "--json"]).json();
    assert_eq!(listed, serde_json::json!([]));
}

#[test]
fn an_allowed_address_cannot_redirect_an_import_to_another_private_one() {
    let secret = Server::start_on("127.0.0.2", |_, stream| {
        respond(stream, "200 OK", b"internal secret");
    });
    let inside = format!("{}/secret", secret.base);
    // The mirror's first answer sends the import on to the secret server;
    // later ones serve its own file.
    let mirror = Server::start(move |number, stream| {
        if number == 0 {
            redirect(stream, &inside);
        } else {
            respond(stream, "200 OK", b"mirrored");
        }
    });
    let daemon =
        daemon_with(DaemonOptions::default().env("COREBOX_IMPORT_ALLOW_ADDRESSES", "127.0.0.1"));

    let run = daemon.corebox(&["import", &format!("{}/moved", mirror.base), "--wait"]);
    let error = run.fails(exit::FAILURE);
    assert!(
        error.contains("a redirect to 127.0.0.2, which is not a public address"),
        "{run:#?}"
    );
    assert_eq!(secret.requests(), 0, "nothing reached the secret server");
    assert_eq!(mirror.requests(), 1, "refused for good, not retried");

    let run = daemon.corebox(&[
        "import",
        &format!("{}/file.txt", mirror.base),
        "--wait",
        "-q",
    ]);
    let id = run.ok().trim().to_owned();
    let got = daemon.corebox(&["download", &id, "-o", "-"]);
    assert_eq!(got.ok(), "mirrored");
    let listed = daemon.corebox(&["ls", "--json"]).json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
}

#[test]
fn what_jobs_make_is_held_to_the_upload_limits_and_readers_make_no_thumbnails() {
    let daemon = daemon_with(
        DaemonOptions::default()
            .env("COREBOX_IMPORT_ALLOW_PRIVATE", "true")
            .env("COREBOX_MAX_FILE_SIZE", "1KiB"),
    );
    let server = Server::start(|_, stream| respond(stream, "200 OK", &[7; 2048]));
    let run = daemon.corebox(&["import", &format!("{}/big.bin", server.base), "--wait"]);
    assert!(
        run.fails(exit::FAILURE)
            .contains("2 KiB is larger than the 1 KiB this daemon accepts per file"),
        "{run:#?}"
    );
    assert_eq!(
        daemon.corebox(&["ls", "--json"]).json(),
        serde_json::json!([])
    );
    // A declared length past the quota is refused before any body comes
    // (this server never sends one).
    daemon
        .corebox(&["admin", "users", "set-quota", "alice", "512"])
        .ok();
    let silent = Server::stalling(b"HTTP/1.1 200 OK\r\nContent-Length: 600\r\n\r\n");
    let run = daemon.corebox(&["import", &format!("{}/later.bin", silent.base), "--wait"]);
    assert!(
        run.fails(exit::FAILURE).contains("would exceed your quota"),
        "{run:#?}"
    );

    let bob = Home::new();
    daemon.signup(&bob, "bob", "password-b").ok();
    let small = picture(ImageFormat::Png, 8, 8);
    let id = daemon.upload_bytes(&daemon.home, "small.png", &small);
    daemon.corebox(&["grant", &id, "--user", "bob"]).ok();
    let refused = daemon.corebox_as(&bob, &["image", "thumbnail", &id], None, &[]);
    assert!(
        refused.fails(exit::FAILURE).contains("only its owner"),
        "{refused:#?}"
    );
}

/// A daemon that may import from loopback and retries quickly.
fn importing(attempts: u32) -> Daemon {
    daemon_with(
        DaemonOptions::default()
            .env("COREBOX_IMPORT_ALLOW_PRIVATE", "true")
            .env("COREBOX_JOB_RETRY_BASE", "100ms")
            .env("COREBOX_JOB_ATTEMPTS", &attempts.to_string()),
    )
}

#[test]
fn an_import_that_fails_twice_then_succeeds_is_retried_with_backoff() {
    let daemon = importing(5);
    let body = crate::harness::noise(300_000, 31);
    let served = body.clone();
    let server = Server::start(move |number, stream| {
        if number < 2 {
            respond(stream, "503 Service Unavailable", b"busy");
        } else {
            respond(stream, "200 OK", &served);
        }
    });
    let url = format!("{}/data/report.bin", server.base);
    let id = daemon
        .corebox(&["import", &url, "-q"])
        .ok()
        .trim()
        .to_owned();
    let watch = Watch::start(&daemon, &id);
    let (mut changes, code) = {
        let first = watch.next();
        let (rest, code) = watch.rest();
        (std::iter::once(first).chain(rest).collect::<Vec<_>>(), code)
    };
    assert_eq!(code, 0, "{changes:#?}");
    let last = changes.pop().expect("a last change");
    assert_eq!(last["state"], "succeeded", "{last}");
    assert_eq!(last["attempts"], 3, "{last}");
    assert_eq!(server.requests(), 3);
    // Every failed attempt waits before the next: run_after is ahead of it.
    for change in changes.iter().filter(|change| change["state"] == "failed") {
        assert!(
            change["error"].as_str().unwrap_or_default().contains("503"),
            "{change}"
        );
        let started_ms = change["started_at"].as_i64().expect("started") * 1000;
        assert!(
            change["run_after_ms"].as_i64().expect("run after") > started_ms,
            "{change}"
        );
    }
    let states: Vec<&str> = changes
        .iter()
        .filter_map(|change| change["state"].as_str())
        .collect();
    let order = ["queued", "running", "failed", "succeeded"];
    let ranks: Vec<usize> = states
        .iter()
        .map(|state| {
            order
                .iter()
                .position(|known| known == state)
                .expect("a known state")
        })
        .collect();
    assert!(
        !states.is_empty()
            && ranks
                .windows(2)
                .all(|pair| pair[0] <= pair[1] || pair[1] == 1),
        "{states:?}"
    );

    let file = last["result"]["file_id"]
        .as_str()
        .expect("a file")
        .to_owned();
    assert_eq!(sha256_hex(&fetch(&daemon, &file)), sha256_hex(&body));
    let info = daemon.corebox(&["info", &file, "--json"]).json();
    assert_eq!(info["name"], "report.bin");
}

#[test]
fn an_always_failing_import_goes_dead_and_retry_revives_it() {
    let daemon = importing(2);
    let healthy = Arc::new(AtomicBool::new(false));
    let now_healthy = Arc::clone(&healthy);
    let server = Server::start(move |_, stream| {
        if now_healthy.load(Ordering::SeqCst) {
            respond(stream, "200 OK", b"finally");
        } else {
            respond(stream, "500 Internal Server Error", b"broken");
        }
    });
    let url = format!("{}/flaky.txt", server.base);
    let run = daemon.corebox(&["import", &url, "--wait", "--json"]);
    assert_eq!(run.code, exit::FAILURE, "{run:#?}");
    let id = run
        .stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str::<Value>(line).ok())
        .and_then(|job| job["id"].as_str().map(str::to_owned))
        .expect("the job's id");
    let dead = job(&daemon, &id);
    assert_eq!(
        (dead["state"].as_str(), dead["attempts"].as_u64()),
        (Some("dead"), Some(2)),
        "{dead}"
    );
    assert_eq!(server.requests(), 2);

    healthy.store(true, Ordering::SeqCst);
    daemon.corebox(&["jobs", "retry", &id]).ok();
    daemon.corebox(&["jobs", "watch", &id]).ok();
    let revived = job(&daemon, &id);
    assert_eq!(revived["state"], "succeeded", "{revived}");
    assert_eq!(revived["attempts"], 1, "fresh attempts: {revived}");
    let again = daemon.corebox(&["jobs", "retry", &id]);
    again.fails(exit::FAILURE);
}

/// A daemon whose upload check is `script` (run by /bin/sh), which may
/// import from the test's servers.
fn checking(dir: &std::path::Path, script: &str) -> Daemon {
    checking_with(dir, script, DaemonOptions::default())
}

/// As [`checking`], with more `options`.
fn checking_with(dir: &std::path::Path, script: &str, options: DaemonOptions) -> Daemon {
    let path = dir.join("check.sh");
    std::fs::write(&path, script).expect("script");
    let hook = format!("/bin/sh {}", path.display());
    daemon_with(
        options
            .env("COREBOX_UPLOAD_HOOK", &hook)
            .env("COREBOX_IMPORT_ALLOW_ADDRESSES", "127.0.0.1"),
    )
}

#[test]
fn a_check_that_never_finishes_leaves_the_file_held_saying_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let daemon = checking_with(
        dir.path(),
        "exec sleep 60\n",
        DaemonOptions::default()
            .env("COREBOX_JOB_TIMEOUT", "1s")
            .env("COREBOX_JOB_ATTEMPTS", "1"),
    );
    let path = Daemon::local_file(&daemon.home, "slow.txt", b"bytes");
    let run = daemon.corebox(&["upload", path.to_str().expect("utf-8"), "--wait"]);
    run.fails(exit::FAILURE);
    let id = run.stdout.trim().to_owned();
    let info = daemon.corebox(&["info", &id, "--json"]).json();
    assert!(
        info["quarantine"]
            .as_str()
            .is_some_and(|why| why.starts_with("the upload check did not finish")),
        "{info}"
    );
}

#[test]
fn a_failing_check_holds_the_file_back_and_says_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    let daemon = checking(
        dir.path(),
        "echo 'EICAR-TEST-SIGNATURE found' >&2\nexit 1\n",
    );
    let bob = Home::new();
    daemon.signup(&bob, "bob", "password-b").ok();
    let path = Daemon::local_file(
        &daemon.home,
        "payload.bin",
        b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR",
    );
    let run = daemon.corebox(&["upload", path.to_str().expect("utf-8"), "--wait"]);
    let error = run.fails(exit::FAILURE);
    assert!(
        error.contains("held back: the upload check failed: EICAR-TEST-SIGNATURE found"),
        "{error}"
    );
    let id = run.stdout.trim().to_owned();
    let info = daemon.corebox(&["info", &id, "--json"]).json();
    assert!(
        info["quarantine"]
            .as_str()
            .unwrap_or_default()
            .contains("EICAR-TEST-SIGNATURE"),
        "{info}"
    );
    let shared = daemon.corebox(&["share", &id]);
    assert!(
        shared.fails(exit::FAILURE).contains("cannot be shared"),
        "{shared:#?}"
    );
    daemon.corebox(&["grant", &id, "--user", "bob"]).ok();
    daemon
        .corebox_as(&bob, &["info", &id], None, &[])
        .fails(exit::NOT_FOUND);
    let listed = daemon.corebox_as(&bob, &["ls", "--json"], None, &[]);
    assert_eq!(listed.json(), serde_json::json!([]), "not listed either");
    // The owner still has it, byte for byte.
    assert_eq!(fetch(&daemon, &id), b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR");
}

#[test]
fn a_passing_check_clears_the_file_and_upload_share_waits_for_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let daemon = checking(
        dir.path(),
        "test -s \"$1\" && test -n \"$COREBOX_FILE_ID\"\n",
    );
    let url = daemon.upload_shared(&daemon.home, "clean.txt", b"nothing to see", &[]);
    assert_eq!(crate::http::curl(&url, &[]).body, b"nothing to see");
    let id = daemon.upload_bytes(&daemon.home, "also-clean.txt", b"fine too");
    daemon.corebox(&["jobs", "watch"]).ok();
    let info = daemon.corebox(&["info", &id, "--json"]).json();
    assert_eq!(info["quarantine"], Value::Null, "{info}");
}

#[test]
fn what_jobs_make_is_held_like_an_upload() {
    let dir = tempfile::tempdir().expect("temp dir");
    let daemon = checking(
        dir.path(),
        "case \"$COREBOX_FILE_NAME\" in *virus*) echo 'FOUND: test signature'; exit 1;; esac\n",
    );
    let quarantine = |id: &str| {
        let info = daemon.corebox(&["info", id, "--json"]).json();
        info["quarantine"].as_str().map(str::to_owned)
    };
    let refused_share = |id: &str| {
        let shared = daemon.corebox(&["share", id]);
        assert!(
            shared.fails(exit::FAILURE).contains("cannot be shared"),
            "{id}: {shared:#?}"
        );
    };
    // The check of what a job made is queued once that job has succeeded:
    // find it, then watch it end.
    let checked = |id: &str| {
        let asked = std::time::Instant::now();
        let check = loop {
            let found = jobs_on(&daemon, id)
                .into_iter()
                .find(|job| job["kind"] == "upload-hook");
            if let Some(check) = found {
                break check["id"].as_str().expect("id").to_owned();
            }
            assert!(
                asked.elapsed() < Duration::from_secs(30),
                "no check of {id}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        daemon.corebox(&["jobs", "watch", &check]);
    };
    let image = picture(ImageFormat::Png, 60, 40);
    let upload = |name: &str| {
        let path = Daemon::local_file(&daemon.home, name, &image);
        daemon.corebox(&["upload", path.to_str().expect("utf-8"), "--wait"])
    };

    // A held image: its thumbnail and a resized copy are held with it.
    let run = upload("virus.png");
    run.fails(exit::FAILURE);
    let virus = run.stdout.trim().to_owned();
    assert!(quarantine(&virus).is_some_and(|why| why.contains("FOUND")));
    let info = daemon.corebox(&["info", &virus, "--json"]).json();
    let thumbnail = info["thumbnail"].as_str().expect("a thumbnail").to_owned();
    assert!(quarantine(&thumbnail).is_some_and(|why| why.contains("FOUND")));
    refused_share(&thumbnail);
    let copy = daemon
        .corebox(&["image", "resize", &virus, "--width", "30", "--wait", "-q"])
        .ok()
        .trim()
        .to_owned();
    assert!(quarantine(&copy).is_some_and(|why| why.contains("FOUND")));
    refused_share(&copy);

    // An import is checked like an upload; a clean copy gets its own check.
    let server = Server::start(|_, stream| respond(stream, "200 OK", b"imported bytes"));
    for (name, held) in [("virus.txt", true), ("clean.txt", false)] {
        let url = format!("{}/{name}", server.base);
        let id = daemon
            .corebox(&["import", &url, "--wait", "-q"])
            .ok()
            .trim()
            .to_owned();
        checked(&id);
        assert_eq!(quarantine(&id).is_some(), held, "{name}");
        if held {
            refused_share(&id);
        } else {
            daemon.corebox(&["share", &id, "-q"]).ok();
        }
    }
    let clean = upload("clean.png").ok().trim().to_owned();
    let copy = daemon
        .corebox(&["image", "resize", &clean, "--width", "30", "--wait", "-q"])
        .ok()
        .trim()
        .to_owned();
    checked(&copy);
    assert_eq!(quarantine(&copy), None);
    daemon.corebox(&["share", &copy, "-q"]).ok();
}

/// Whether process `pid` still exists (and is not a zombie).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.split(' ').nth(2).is_none_or(|state| state != "Z"))
}

#[test]
fn cancel_kills_a_running_check_and_what_it_started() {
    let dir = tempfile::tempdir().expect("temp dir");
    // The check tells its pids through a FIFO: reading it waits for them.
    let pids = dir.path().join("pids");
    let made = std::process::Command::new("mkfifo")
        .arg(&pids)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let script = format!("sleep 300 &\necho $$ $! > {}\nwait\n", pids.display());
    let daemon = checking(dir.path(), &script);
    let id = daemon.upload_bytes(&daemon.home, "slow.txt", b"check me slowly");
    let check = jobs_on(&daemon, &id)
        .into_iter()
        .find(|job| job["kind"] == "upload-hook")
        .expect("a check job");
    let check_id = check["id"].as_str().expect("id").to_owned();
    let watch = Watch::start(&daemon, &check_id);
    let written = std::fs::read_to_string(&pids).expect("pids");
    watch.until(|job| job["state"] == "running");
    let started: Vec<u32> = written
        .split_whitespace()
        .map(|pid| pid.parse().expect("a pid"))
        .collect();
    assert!(started.iter().all(|pid| alive(*pid)), "{started:?}");

    daemon.corebox(&["jobs", "cancel", &check_id]).ok();
    let (_, code) = watch.rest();
    assert_eq!(code, exit::FAILURE, "a cancelled job is not a success");
    // A bounded wait for the kernel to reap the group, not for readiness.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while started.iter().any(|pid| alive(*pid)) {
        assert!(
            std::time::Instant::now() < deadline,
            "left behind: {started:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(job(&daemon, &check_id)["state"], "cancelled");
    let info = daemon.corebox(&["info", &id, "--json"]).json();
    assert!(info["quarantine"].is_string(), "still held back: {info}");
}

#[test]
fn a_daemon_killed_mid_import_finishes_it_once_after_restart() {
    let mut daemon = importing(3);
    let body = crate::harness::noise(2 << 20, 32);
    let served = body.clone();
    let (release, held) = mpsc::channel::<()>();
    let held = std::sync::Mutex::new(held);
    let server = Server::start(move |number, stream| {
        use std::io::Write;
        if number == 0 {
            // Half the body, then hold the connection until the test says.
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
                served.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&served[..served.len() / 2]);
            let _ = held.lock().expect("lock").recv();
        } else {
            respond(stream, "200 OK", &served);
        }
    });
    let url = format!("{}/big.bin", server.base);
    let id = daemon
        .corebox(&["import", &url, "-q"])
        .ok()
        .trim()
        .to_owned();
    let watch = Watch::start(&daemon, &id);
    watch.until(|job| {
        job["state"] == "running" && job["progress"].as_f64().is_some_and(|p| p > 0.2)
    });
    daemon.signal("KILL");
    daemon.wait();
    let _ = release.send(());
    drop(watch);

    daemon.restart();
    daemon.corebox(&["jobs", "watch", &id]).ok();
    let done = job(&daemon, &id);
    assert_eq!(done["state"], "succeeded", "{done}");
    let listed = daemon.corebox(&["ls", "--json"]).json();
    let files = listed.as_array().expect("array");
    assert_eq!(files.len(), 1, "the result exists once: {listed}");
    assert_eq!(files[0]["name"], "big.bin");
    assert_eq!(
        sha256_hex(&fetch(&daemon, files[0]["id"].as_str().expect("id"))),
        sha256_hex(&body)
    );
}

#[test]
fn a_job_the_daemon_dies_under_on_its_last_attempt_is_dead_after_restart() {
    let mut daemon = importing(1);
    let server = Server::stalling(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome");
    let url = format!("{}/never.bin", server.base);
    let id = daemon
        .corebox(&["import", &url, "-q"])
        .ok()
        .trim()
        .to_owned();
    let watch = Watch::start(&daemon, &id);
    watch.until(|job| job["state"] == "running");
    // The request is on the wire once the server counts it.
    let asked = std::time::Instant::now();
    while server.requests() == 0 {
        assert!(asked.elapsed() < Duration::from_secs(30), "no request came");
        std::thread::sleep(Duration::from_millis(10));
    }
    daemon.signal("KILL");
    daemon.wait();
    drop(watch);

    daemon.restart();
    let watched = daemon.corebox(&["jobs", "watch", &id]);
    watched.fails(exit::FAILURE);
    let dead = job(&daemon, &id);
    assert_eq!(dead["state"], "dead", "{dead}");
    assert!(
        dead["error"]
            .as_str()
            .is_some_and(|error| error.contains("daemon stopped")),
        "{dead}"
    );
    assert_eq!(server.requests(), 1, "not tried again");
}

#[test]
fn verify_finds_content_that_changed_on_disk() {
    let daemon = daemon_with(DaemonOptions::default().env("COREBOX_THUMBNAILS", "false"));
    let bob = Home::new();
    daemon.signup(&bob, "bob", "password-b").ok();
    let good = b"this content stays as it was".to_vec();
    let bad = b"this content will rot on disk".to_vec();
    daemon.upload_bytes(&daemon.home, "good.txt", &good);
    daemon.upload_bytes(&daemon.home, "bad.txt", &bad);
    let sha = sha256_hex(&bad);
    let blob = daemon
        .data_dir()
        .join(format!("blobs/sha256/{}/{}/{sha}", &sha[..2], &sha[2..4]));
    std::fs::write(&blob, b"this content DID rot on disk!").expect("corrupt");

    let run = daemon.corebox(&["verify", "--wait"]);
    let summary = run.ok().trim().to_owned();
    assert!(summary.contains("1 do not match"), "{summary}");
    let jobs = daemon.corebox(&["jobs", "ls", "--json"]).json();
    let verify = jobs
        .as_array()
        .expect("array")
        .iter()
        .find(|job| job["kind"] == "verify")
        .expect("a verify job")
        .clone();
    assert_eq!(verify["result"]["checked"], 2, "{verify}");
    assert_eq!(
        verify["result"]["mismatched"],
        serde_json::json!([sha]),
        "{verify}"
    );

    daemon
        .corebox_as(&bob, &["verify", "--all"], None, &[])
        .fails(exit::AUTH);
    let everything = daemon.corebox(&["verify", "--all", "--wait"]);
    assert!(
        everything.ok().contains("1 do not match"),
        "{everything:#?}"
    );
}

#[test]
fn a_video_without_ffmpeg_gets_no_poster_job_and_asking_for_one_says_why() {
    let daemon = daemon_with(DaemonOptions::default().env("COREBOX_FFMPEG", "/nonexistent/ffmpeg"));
    // The start of an MP4 file: enough for the content sniffer.
    let mut mp4 = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    mp4.extend_from_slice(&crate::harness::noise(4096, 33));
    let path = Daemon::local_file(&daemon.home, "clip.mp4", &mp4);
    let run = daemon.corebox(&["upload", path.to_str().expect("utf-8"), "--wait"]);
    let id = run.ok().trim().to_owned();
    assert_eq!(jobs_on(&daemon, &id), Vec::<Value>::new());
    let asked = daemon.corebox(&["image", "thumbnail", &id, "--wait"]);
    let error = asked.fails(exit::FAILURE);
    assert!(error.contains("ffmpeg is not installed"), "{error}");
    let failed = &jobs_on(&daemon, &id)[0];
    assert_eq!(
        (failed["kind"].as_str(), failed["state"].as_str()),
        (Some("video-thumbnail"), Some("dead"))
    );
}

#[test]
fn another_users_jobs_answer_like_unknown_ones() {
    let daemon = daemon_with(DaemonOptions::default());
    let mallory = Home::new();
    daemon.signup(&mallory, "mallory", "password-m").ok();
    let id = daemon.upload_bytes(&daemon.home, "mine.png", &picture(ImageFormat::Png, 40, 40));
    daemon.corebox(&["jobs", "watch"]).ok();
    let job_id = jobs_on(&daemon, &id)[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for command in ["show", "cancel", "retry", "watch"] {
        let theirs = daemon.corebox_as(&mallory, &["jobs", command, &job_id], None, &[]);
        let missing =
            daemon.corebox_as(&mallory, &["jobs", command, "00000000deadbeef"], None, &[]);
        let theirs = theirs
            .fails(exit::NOT_FOUND)
            .replace(&job_id, "00000000deadbeef");
        assert_eq!(theirs, missing.fails(exit::NOT_FOUND), "jobs {command}");
    }
    let listed = daemon.corebox_as(&mallory, &["jobs", "ls", "--all", "--json"], None, &[]);
    assert_eq!(listed.json(), serde_json::json!([]));
    let resize = daemon.corebox_as(
        &mallory,
        &["image", "resize", &id, "--width", "10"],
        None,
        &[],
    );
    resize.fails(exit::NOT_FOUND);
}

#[test]
fn an_admins_token_without_the_admin_scope_cannot_work_on_others_files() {
    let daemon = daemon_with(DaemonOptions::default());
    let bob = Home::new();
    daemon.signup(&bob, "bob", "password-b").ok();
    let theirs = daemon.upload_bytes(&bob, "bob.png", &picture(ImageFormat::Png, 40, 40));
    let token = daemon
        .corebox(&[
            "token",
            "create",
            "ci",
            "--scopes",
            "files:read,files:write,jobs:read,jobs:write",
            "-q",
        ])
        .ok()
        .trim()
        .to_owned();
    let env = [("COREBOX_TOKEN", token.as_str())];
    let as_ci = |args: &[&str]| daemon.corebox_as(&Home::new(), args, None, &env);
    for args in [
        vec!["image", "compress", "ID", "--wait"],
        vec!["image", "resize", "ID", "--width", "10", "--wait"],
        vec!["image", "thumbnail", "ID", "--wait"],
    ] {
        let with = |id: &str| {
            let args: Vec<&str> = args
                .iter()
                .map(|arg| if *arg == "ID" { id } else { arg })
                .collect();
            as_ci(&args)
        };
        let refused = with(&theirs);
        let missing = with("00000000deadbeef");
        assert_eq!(
            refused
                .fails(exit::NOT_FOUND)
                .replace(&theirs, "00000000deadbeef"),
            missing.fails(exit::NOT_FOUND),
            "{args:?}"
        );
    }
    let mine = as_ci(&["ls", "--json"]).json();
    assert_eq!(mine, serde_json::json!([]), "nothing was copied");
}
