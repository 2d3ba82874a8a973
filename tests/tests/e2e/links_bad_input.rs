//! Bad input to short links: targets a shortener must refuse, aliases that
//! collide, and codes no link can have, asked for over raw HTTP. Each gets
//! a clear refusal or a 4xx, nothing is created, and the daemon goes on.

use crate::harness::{Daemon, DaemonOptions};
use crate::http::{curl, raw, raw_get, raw_request};

fn daemon() -> Daemon {
    let daemon = Daemon::start_with(
        DaemonOptions::default()
            .env("COREBOX_HTTP_RATE_PER_SECOND", "10000")
            .env("COREBOX_HTTP_BURST", "10000")
            .env("COREBOX_LINK_MISSES_PER_MINUTE", "10000"),
    );
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    daemon
}

#[test]
fn bad_targets_are_refused_clearly_and_nothing_is_made() {
    let daemon = daemon();
    let own = format!("{}/s/anything", daemon.http_base());
    let own_host = daemon.http_base().replace("127.0.0.1", "localhost");
    let long = format!("https://example.com/{}", "a".repeat(5000));
    let cases: Vec<(String, &str)> = vec![
        ("javascript:alert(document.cookie)".into(), "'javascript:'"),
        ("data:text/html,<script>alert(1)</script>".into(), "'data:'"),
        ("file:///etc/passwd".into(), "'file:'"),
        ("ftp://example.com/x".into(), "'ftp:'"),
        ("vbscript:msgbox".into(), "'vbscript:'"),
        ("example.com/no-scheme".into(), "http://"),
        (
            "https://example.com/a\r\nLocation: https://evil.example/".into(),
            "control",
        ),
        ("https://example.com/\u{7}".into(), "control"),
        ("https://example.com/\t".into(), "control"),
        ("https://user:secret@example.com/".into(), "password"),
        ("https://%65%76%69%6c.example/".into(), "percent-encoded"),
        ("https://example.com\\@evil.example/".into(), "'\\'"),
        ("https://ex\u{0430}mple.com/".into(), "mixes alphabets"),
        ("https:///nohost".into(), "host name"),
        (long, "4096"),
        (own, "loop"),
        (own_host.clone(), "loop"),
        (own_host.replace("localhost", "localhost."), "loop"),
        (own_host.replace("localhost", "[::ffff:127.0.0.1]"), "loop"),
        (own_host.replace("localhost", "0.0.0.0"), "loop"),
        (own_host.replace("localhost", "[::1]"), "loop"),
    ];
    for (target, reason) in &cases {
        let run = daemon.corebox(&["shorten", target]);
        let what: String = target.chars().take(60).collect();
        assert_ne!(run.code, 0, "{what:?} accepted: {run:#?}");
        assert!(run.stderr.starts_with("corebox: "), "{run:#?}");
        assert_eq!(run.stderr.lines().count(), 1, "one line: {run:#?}");
        assert!(run.stderr.contains(reason), "{what:?}: {}", run.stderr);
        assert!(!run.stderr.contains('\r'), "{run:#?}");
    }
    // And the same through edit.
    daemon
        .corebox(&["shorten", "https://example.com/", "--alias", "fine"])
        .ok();
    let edit = daemon.corebox(&["links", "edit", "fine", "--target", "javascript:alert(1)"]);
    assert_ne!(edit.code, 0, "{edit:#?}");
    let listed = daemon.corebox(&["links", "ls", "--json"]).json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["target"], "https://example.com/");
}

#[test]
fn odd_codes_and_traversal_get_404_and_the_daemon_goes_on() {
    let daemon = daemon();
    let url = daemon
        .corebox(&[
            "shorten",
            "https://example.com/kept",
            "--alias",
            "kept",
            "-q",
        ])
        .ok()
        .trim()
        .to_owned();
    let base = daemon.http_base().to_owned();
    let long = "k".repeat(10_000);
    for target in [
        "/kept%00".to_owned(),
        "/kept%2f..".to_owned(),
        "/..%2fkept".to_owned(),
        "/%2e%2e".to_owned(),
        "/kept.".to_owned(),
        "/ke%20pt".to_owned(),
        "/kept++".to_owned(),
        "/+".to_owned(),
        "/%ff%fe".to_owned(),
        "/KEPT/".to_owned(),
        format!("/{long}"),
        format!("/{long}+"),
    ] {
        let reply = raw_get(&base, &target, &["Accept: */*"]);
        let what: String = target.chars().take(40).collect();
        assert!(
            (400..500).contains(&reply.status),
            "{what}: {}",
            reply.summary()
        );
        assert!(
            reply.header("location").is_none(),
            "{what}: {}",
            reply.summary()
        );
    }
    let post = raw(
        &base,
        &raw_request("POST", "/kept", &base, &["Content-Length: 0"]),
    )
    .expect("an answer");
    assert_eq!(post.status, 303, "a link without a password just goes on");
    let healthz = curl(&format!("{base}/healthz"), &[]);
    assert_eq!(healthz.status, 200);
    assert_eq!(curl(&url, &[]).status, 302);
    assert_eq!(
        curl(&format!("{base}/KEPT"), &[]).status,
        302,
        "case does not matter"
    );
}

#[test]
fn absurd_lifetimes_are_usage_errors() {
    let daemon = daemon();
    for lifetime in ["584542046090y", "18446744073709551615s 1ns", "0s"] {
        let run = daemon.corebox(&["shorten", "https://example.com/", "--expires", lifetime]);
        assert_eq!(run.code, crate::exit::USAGE, "{lifetime}: {run:#?}");
        assert!(run.stderr.starts_with("corebox: "), "{run:#?}");
    }
    let listed = daemon.corebox(&["links", "ls", "--json"]).json();
    assert_eq!(listed, serde_json::json!([]));
}
