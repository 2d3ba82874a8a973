//! Safety of the public endpoint: uploaded active content is served inert,
//! every route carries the secure headers, bursts are limited per client
//! (X-Forwarded-For only from trusted proxies), metrics are for loopback,
//! and share tokens and passwords never reach the log.

use std::time::Duration;

use crate::harness::{Daemon, DaemonOptions};
use crate::http::{
    BROWSER, CURL, Reply, assert_secure_headers, basic_auth, curl, get, http, poll_until_status,
    raw, raw_request, share_token,
};

/// Types that would run as a page of the daemon's origin.
fn is_active_type(content_type: &str) -> bool {
    let kind = content_type.to_ascii_lowercase();
    ["html", "xml", "svg", "javascript", "ecmascript"]
        .iter()
        .any(|active| kind.contains(active))
}

#[track_caller]
fn assert_inert(reply: &Reply, bytes: &[u8], what: &str) {
    let context = format!("{what}: {}", reply.summary());
    assert_eq!(reply.status, 200, "{context}");
    assert!(reply.body == bytes, "{context}");
    let kind = reply.header("content-type").unwrap_or_default();
    assert!(!is_active_type(kind), "{context}");
    let csp = reply.header("content-security-policy").unwrap_or_default();
    assert!(csp.contains("sandbox"), "{context}");
    assert_eq!(
        reply.header("x-content-type-options"),
        Some("nosniff"),
        "{context}"
    );
    let disposition = reply.header("content-disposition").unwrap_or_default();
    assert!(disposition.starts_with("attachment"), "{context}");
}

#[test]
fn uploaded_html_svg_and_scripts_are_served_inert() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let files: [(&str, &[u8]); 5] = [
        (
            "page.html",
            b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
        ),
        (
            "drawing.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
        ),
        (
            "feed.xml",
            b"<?xml version=\"1.0\"?>\n<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">\
              alert(1)</x:script>",
        ),
        (
            "app.js",
            b"fetch('/metrics').then(r => r.text()).then(alert);\n",
        ),
        (
            "notes.txt",
            b"<html><script>alert('html in a .txt')</script></html>",
        ),
    ];
    for (name, bytes) in files {
        let url = daemon.upload_shared(&daemon.home, name, bytes, &[]);
        for (suffix, headers) in [("", CURL), ("/raw", CURL), ("/raw", BROWSER)] {
            let reply = get(&format!("{url}{suffix}"), headers);
            // A .txt whose content is HTML may stay text/plain, inline:
            // with nosniff and a sandbox it cannot run either.
            if name == "notes.txt" {
                let kind = reply.header("content-type").unwrap_or_default();
                assert!(!is_active_type(kind), "{name}{suffix}: {}", reply.summary());
                let csp = reply.header("content-security-policy").unwrap_or_default();
                assert!(csp.contains("sandbox"), "{}", reply.summary());
                assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
            } else {
                assert_inert(&reply, bytes, &format!("{name}{suffix}"));
            }
        }
        // The page about the file is the daemon's own, and embeds nothing
        // of it.
        let page = get(&url, BROWSER);
        assert_eq!(page.status, 200, "{}", page.summary());
        let html = page.text();
        assert!(!html.contains("<script"), "{name}: {html}");
        assert!(!html.contains("alert("), "{name}: {html}");
        assert!(!html.contains("<img"), "no preview of {name}: {html}");
    }
}

#[test]
fn a_file_name_with_markup_is_escaped_on_the_page() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let name = "\"><img src=x onerror=alert(1)>.txt";
    let url = daemon.upload_shared(&daemon.home, name, b"plain", &[]);
    let html = get(&url, BROWSER).text();
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(
        html.contains("&lt;img"),
        "the name is shown, escaped: {html}"
    );
    let reply = curl(&url, &[]);
    let disposition = reply.expect_header("content-disposition");
    assert!(
        disposition.is_ascii() && !disposition.contains('<'),
        "{disposition}"
    );
}

#[test]
fn every_route_carries_the_secure_headers() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let base = daemon.http_base().to_owned();
    let bytes = b"some bytes to serve".to_vec();
    let url = daemon.upload_shared(&daemon.home, "served.txt", &bytes, &[]);
    let id = daemon.upload_bytes(&daemon.home, "locked.txt", b"locked");
    let locked = daemon.share(
        &daemon.home,
        &id,
        &["--password-stdin"],
        Some(b"pass-word\n"),
    );
    let etag = curl(&url, &[]).expect_header("etag").to_owned();
    let path = format!("/s/{}", share_token(&url));

    let healthz = curl(&format!("{base}/healthz"), &[]);
    assert_eq!((healthz.status, healthz.text().trim()), (200, "ok"));
    let page = get(&url, BROWSER);
    let page_csp = page.expect_header("content-security-policy");
    assert!(page_csp.contains("default-src 'none'"), "{page_csp}");
    assert!(!page_csp.contains("unsafe-inline"), "{page_csp}");
    let head = raw(&base, &raw_request("HEAD", &path, &base, &["Accept: */*"]));

    let answers: Vec<(&str, Reply)> = vec![
        ("healthz", healthz),
        (
            "unknown share, curl",
            curl(&format!("{base}/s/unknown"), &[]),
        ),
        (
            "unknown share, browser",
            get(&format!("{base}/s/unknown"), BROWSER),
        ),
        ("share page", page),
        ("bytes", curl(&url, &[])),
        ("raw", curl(&format!("{url}/raw"), &[])),
        ("range", curl(&url, &[("Range", "bytes=0-3")])),
        ("unsatisfiable", curl(&url, &[("Range", "bytes=999-")])),
        ("not modified", curl(&url, &[("If-None-Match", &etag)])),
        ("head", head.expect("an answer to HEAD")),
        ("password needed", curl(&locked, &[])),
        ("password form", get(&locked, BROWSER)),
        (
            "wrong password",
            curl(&locked, &[("Authorization", &basic_auth("", "nope"))]),
        ),
        ("random path", curl(&format!("{base}/no/such/thing"), &[])),
        ("root", get(&format!("{base}/"), BROWSER)),
        ("metrics", curl(&format!("{base}/metrics"), &[])),
        (
            "wrong method",
            http("DELETE", &format!("{base}/healthz"), CURL, None),
        ),
    ];
    let statuses: Vec<u16> = answers.iter().map(|(_, reply)| reply.status).collect();
    assert_eq!(
        &statuses[..10],
        [200, 404, 404, 200, 200, 200, 206, 416, 304, 200]
    );
    for (what, reply) in &answers {
        assert_secure_headers(reply, what);
        assert!(
            reply.header("strict-transport-security").is_none(),
            "no HSTS over plain http: {what}"
        );
    }
}

#[test]
fn an_https_public_url_is_printed_and_adds_hsts() {
    let daemon =
        Daemon::start_with(DaemonOptions::default().arg("--public-url=https://files.example.test"));
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let url = daemon.upload_shared(&daemon.home, "tls.txt", b"behind a proxy", &[]);
    assert!(url.starts_with("https://files.example.test/s/"), "{url}");
    let local = format!("{}/s/{}", daemon.http_base(), share_token(&url));
    for reply in [
        curl(&local, &[]),
        get(&local, BROWSER),
        curl(&format!("{}/healthz", daemon.http_base()), &[]),
    ] {
        let hsts = reply.expect_header("strict-transport-security");
        assert!(hsts.contains("max-age="), "{hsts}");
        assert_secure_headers(&reply, "https public url");
    }
}

/// Sends 20 quick requests to /healthz with `headers(i)` and returns the
/// answers.
fn burst(daemon: &Daemon, headers: impl Fn(usize) -> Vec<(String, String)>) -> Vec<Reply> {
    let url = format!("{}/healthz", daemon.http_base());
    (0..20)
        .map(|i| {
            let owned = headers(i);
            let borrowed: Vec<(&str, &str)> = owned
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect();
            curl(&url, &borrowed)
        })
        .collect()
}

fn strict_limits() -> DaemonOptions {
    DaemonOptions::default()
        .env("COREBOX_HTTP_RATE_PER_SECOND", "1")
        .env("COREBOX_HTTP_BURST", "5")
}

fn count(replies: &[Reply], status: u16) -> usize {
    replies
        .iter()
        .filter(|reply| reply.status == status)
        .count()
}

#[test]
fn a_burst_over_the_rate_gets_429_with_retry_after() {
    let daemon = Daemon::start_with(strict_limits());
    let replies = burst(&daemon, |_| Vec::new());
    assert_eq!(replies[0].status, 200, "{}", replies[0].summary());
    let limited = count(&replies, 429);
    assert!(
        limited >= 10,
        "20 requests at 1/s, burst 5: {limited} limited"
    );
    assert_eq!(limited + count(&replies, 200), 20);
    for reply in replies.iter().filter(|reply| reply.status == 429) {
        let retry = reply.expect_header("retry-after");
        assert!(retry.parse::<u64>().is_ok(), "seconds: {}", reply.summary());
        assert_secure_headers(reply, "429");
    }
    // The limit passes: the daemon serves again within a few seconds.
    let healthz = format!("{}/healthz", daemon.http_base());
    poll_until_status(&healthz, CURL, 200, Duration::from_secs(10));
}

#[test]
fn forwarded_for_names_the_client_only_for_a_trusted_proxy() {
    let forged = |i: usize| vec![("X-Forwarded-For".to_owned(), format!("203.0.113.{i}"))];

    // Untrusted peer: each request claims another client; still one client.
    let direct = Daemon::start_with(strict_limits());
    let replies = burst(&direct, forged);
    assert!(
        count(&replies, 429) >= 10,
        "X-Forwarded-For from anyone obeyed"
    );

    // Behind a trusted proxy on loopback, each forwarded client has its
    // own budget, and one forwarded client is limited alone.
    let proxied = Daemon::start_with(strict_limits().env("COREBOX_TRUSTED_PROXIES", "127.0.0.1"));
    let replies = burst(&proxied, forged);
    assert_eq!(
        count(&replies, 200),
        20,
        "distinct clients limited together"
    );
    let same = |_| vec![("X-Forwarded-For".to_owned(), "198.51.100.7".to_owned())];
    let replies = burst(&proxied, same);
    assert!(count(&replies, 429) >= 10, "one client behind the proxy");
}

#[test]
fn metrics_count_requests_and_secrets_never_reach_the_log() {
    let mut daemon = Daemon::start_with(DaemonOptions::default().env("COREBOX_LOG", "debug"));
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let base = daemon.http_base().to_owned();
    let url = daemon.upload_shared(&daemon.home, "watched.txt", b"watched bytes", &[]);
    let password = "log-me-not-9271";
    let id = daemon.upload_bytes(&daemon.home, "secret.txt", b"secret bytes");
    let stdin = format!("{password}\n");
    let locked = daemon.share(
        &daemon.home,
        &id,
        &["--password-stdin"],
        Some(stdin.as_bytes()),
    );
    let tokens = [share_token(&url), share_token(&locked)];

    curl(&format!("{base}/healthz"), &[]);
    assert_eq!(curl(&url, &[]).status, 200);
    assert_eq!(get(&url, BROWSER).status, 200);
    assert_eq!(
        curl(&format!("{url}/raw"), &[("Range", "bytes=0-1")]).status,
        206
    );
    assert_eq!(curl(&locked, &[]).status, 401);
    let right = basic_auth("", password);
    assert_eq!(curl(&locked, &[("Authorization", &right)]).status, 200);
    let mut form = BROWSER.to_vec();
    form.push(("Content-Type", "application/x-www-form-urlencoded"));
    let body = format!("password={password}");
    assert_eq!(
        http("POST", &locked, &form, Some(body.as_bytes())).status,
        303
    );

    let metrics = curl(&format!("{base}/metrics"), &[]);
    assert_eq!(metrics.status, 200, "{}", metrics.summary());
    assert!(
        metrics
            .expect_header("content-type")
            .starts_with("text/plain"),
        "{}",
        metrics.summary()
    );
    let text = metrics.text();
    assert!(text.contains("# TYPE"), "{text}");
    let counted = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .any(|line| line.contains("http_requests"));
    assert!(counted, "a request counter: {text}");
    for token in &tokens {
        assert!(!text.contains(token.as_str()), "token in metrics: {text}");
    }

    assert!(daemon.stop().success());
    let log = daemon.log();
    assert!(log.contains("/s/"), "requests are logged at debug: {log}");
    for token in &tokens {
        assert!(
            !log.contains(token.as_str()),
            "token {token} in the log:\n{log}"
        );
    }
    assert!(!log.contains(password), "password in the log:\n{log}");
}
