//! Share links through the CLI and their public URLs: creation, listing,
//! expiry, download limits under concurrency, revoke, deletion, other
//! users' tokens, statistics and `corebox download URL`.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::exit;
use crate::harness::{Daemon, DaemonOptions, Home, noise, sha256_hex};
use crate::http::unknown_token_like;
use crate::http::{BROWSER, CURL, Reply, curl, get, poll_until_status, share_token};

/// A field of `shares stats --json`: at the top or under `share`.
fn share_field<'a>(stats: &'a Value, key: &str) -> &'a Value {
    match stats.get(key) {
        Some(value) => value,
        None => &stats["share"][key],
    }
}

/// Polls `shares stats TOKEN --json` until it counts `downloads`: the
/// daemon records a download when it has streamed the last byte, which
/// may be just after the client read it.
#[track_caller]
fn stats_with_downloads(daemon: &Daemon, token: &str, downloads: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let stats = daemon.corebox(&["shares", "stats", token, "--json"]).json();
        if share_field(&stats, "downloads").as_u64() == Some(downloads) {
            return stats;
        }
        assert!(
            Instant::now() < deadline,
            "never {downloads} downloads: {stats}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The tokens `shares ls --json` lists.
fn listed_tokens(daemon: &Daemon) -> Vec<String> {
    let listed = daemon.corebox(&["shares", "ls", "--json"]).json();
    listed
        .as_array()
        .unwrap_or_else(|| panic!("an array: {listed}"))
        .iter()
        .map(|share| share["token"].as_str().expect("token").to_owned())
        .collect()
}

/// Status, type and body: what a visitor can tell about an answer.
fn visible(reply: &Reply) -> (u16, Option<String>, Vec<u8>) {
    let kind = reply.header("content-type").map(str::to_owned);
    (reply.status, kind, reply.body.clone())
}

/// Checks that `url` answers exactly like `unknown` to curl and browsers,
/// on the share and on its `/raw` form.
#[track_caller]
fn assert_answers_like_unknown(url: &str, unknown: &str) {
    for suffix in ["", "/raw"] {
        for headers in [CURL, BROWSER] {
            let gone = get(&format!("{url}{suffix}"), headers);
            assert_eq!(gone.status, 404, "{url}{suffix}: {}", gone.summary());
            let never = get(&format!("{unknown}{suffix}"), headers);
            assert_eq!(visible(&gone), visible(&never), "{url}{suffix}");
        }
    }
}

#[test]
fn share_json_and_listing_show_live_links_with_distinct_tokens() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let id = daemon.upload_bytes(&daemon.home, "listed.txt", b"listed bytes");
    let made = daemon
        .corebox(&[
            "share",
            &id,
            "--expires",
            "1d",
            "--max-downloads",
            "3",
            "--json",
        ])
        .json();
    let token = made["token"].as_str().expect("token").to_owned();
    assert_eq!(made["url"], format!("{}/s/{token}", daemon.http_base()));
    assert_eq!(made["max_downloads"], 3);
    let expires = made["expires_at"].as_i64().expect("expires_at");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    assert!(
        (expires - now - 86_400).abs() < 120,
        "a day from now: {made}"
    );

    let mut tokens = vec![token.clone()];
    for _ in 0..4 {
        let url = daemon.share(&daemon.home, &id, &[], None);
        tokens.push(share_token(&url));
    }
    let mut distinct = tokens.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 5, "{tokens:?}");
    let mut listed = listed_tokens(&daemon);
    listed.sort();
    assert_eq!(listed, distinct);

    daemon.corebox(&["shares", "revoke", &token]).ok();
    assert!(!listed_tokens(&daemon).contains(&token));
}

#[test]
fn an_expired_share_answers_exactly_like_an_unknown_or_revoked_one() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let bytes = noise(2000, 10);
    let id = daemon.upload_bytes(&daemon.home, "brief.bin", &bytes);
    let made = Instant::now();
    let url = daemon.share(&daemon.home, &id, &["--expires", "2s"], None);
    let fresh = curl(&url, &[]);
    assert_eq!(fresh.status, 200, "{}", fresh.summary());
    assert!(fresh.body == bytes);

    poll_until_status(&url, CURL, 404, Duration::from_secs(15));
    assert!(
        made.elapsed() >= Duration::from_secs(1),
        "expired after {:?}",
        made.elapsed()
    );
    let unknown = url.replace(&share_token(&url), &unknown_token_like(&share_token(&url)));
    assert_answers_like_unknown(&url, &unknown);

    let revoked = daemon.share(&daemon.home, &id, &[], None);
    assert_eq!(curl(&revoked, &[]).status, 200);
    daemon
        .corebox(&["shares", "revoke", &share_token(&revoked)])
        .ok();
    assert_answers_like_unknown(&revoked, &unknown);
    assert!(listed_tokens(&daemon).is_empty(), "neither is live");
}

#[test]
fn one_download_share_serves_exactly_one_of_fifty_racing_clients() {
    let daemon = Daemon::start_with(
        DaemonOptions::default()
            .env("COREBOX_HTTP_RATE_PER_SECOND", "10000")
            .env("COREBOX_HTTP_BURST", "10000"),
    );
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let bytes = noise(2 << 20, 11);
    let id = daemon.upload_bytes(&daemon.home, "once.bin", &bytes);
    let url = daemon.share(&daemon.home, &id, &["--max-downloads", "1"], None);
    let token = share_token(&url);

    let barrier = Barrier::new(50);
    let replies: Vec<Reply> = std::thread::scope(|scope| {
        let racers: Vec<_> = (0..50)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    curl(&url, &[])
                })
            })
            .collect();
        racers
            .into_iter()
            .map(|racer| racer.join().expect("client thread"))
            .collect()
    });
    let winners: Vec<&Reply> = replies.iter().filter(|reply| reply.status == 200).collect();
    let refused = replies.iter().filter(|reply| reply.status == 404).count();
    let statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
    assert_eq!(winners.len(), 1, "{statuses:?}");
    assert_eq!(refused, 49, "{statuses:?}");
    assert_eq!(
        sha256_hex(&winners[0].body),
        sha256_hex(&bytes),
        "full bytes"
    );

    assert_eq!(curl(&url, &[]).status, 404, "exhausted");
    let stats = stats_with_downloads(&daemon, &token, 1);
    assert_eq!(share_field(&stats, "max_downloads"), 1, "{stats}");
    assert!(
        !listed_tokens(&daemon).contains(&token),
        "exhausted is not live"
    );
}

#[test]
fn revoking_a_share_or_deleting_its_file_ends_the_url() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let id = daemon.upload_bytes(&daemon.home, "doomed.txt", b"short-lived content");
    let first = daemon.share(&daemon.home, &id, &[], None);
    let second = daemon.share(&daemon.home, &id, &[], None);
    let unknown = first.replace(
        &share_token(&first),
        &unknown_token_like(&share_token(&first)),
    );
    assert_eq!(curl(&first, &[]).status, 200);

    daemon
        .corebox(&["shares", "revoke", &share_token(&first)])
        .ok();
    assert_answers_like_unknown(&first, &unknown);
    assert_eq!(curl(&second, &[]).status, 200, "the other share lives on");
    let again = daemon.corebox(&["shares", "revoke", &share_token(&first)]);
    again.fails(exit::NOT_FOUND);

    daemon.corebox(&["rm", &id]).ok();
    assert_answers_like_unknown(&second, &unknown);
    assert!(listed_tokens(&daemon).is_empty());
}

#[test]
fn another_users_share_token_answers_like_an_unknown_one() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let mallory = Home::new();
    daemon.signup(&mallory, "mallory", "password-m").ok();
    let url = daemon.upload_shared(&daemon.home, "alices.txt", b"alice's bytes", &[]);
    let token = share_token(&url);
    let unknown = unknown_token_like(&token);

    for command in ["stats", "revoke"] {
        let theirs = daemon.corebox_as(&mallory, &["shares", command, &token], None, &[]);
        let missing = daemon.corebox_as(&mallory, &["shares", command, &unknown], None, &[]);
        let theirs = theirs.fails(exit::NOT_FOUND).replace(&token, &unknown);
        assert_eq!(theirs, missing.fails(exit::NOT_FOUND), "shares {command}");
    }
    let listed = daemon.corebox_as(&mallory, &["shares", "ls", "--json"], None, &[]);
    assert_eq!(listed.json(), serde_json::json!([]));
    assert_eq!(curl(&url, &[]).body, b"alice's bytes", "still shared");
}

#[test]
fn only_the_owner_with_shares_write_may_share() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let bob = Home::new();
    daemon.signup(&bob, "bob", "password-b").ok();
    let id = daemon.upload_bytes(&daemon.home, "mine.txt", b"owner only");

    daemon.corebox(&["grant", &id, "--user", "bob"]).ok();
    let reshare = daemon.corebox_as(&bob, &["share", &id], None, &[]);
    reshare.fails(exit::AUTH);
    let missing = daemon.corebox_as(&bob, &["share", "0123456789abcdef"], None, &[]);
    missing.fails(exit::NOT_FOUND);

    let token = daemon
        .corebox(&["token", "create", "ci", "--scopes", "files:read", "-q"])
        .ok()
        .trim()
        .to_owned();
    let env = [("COREBOX_TOKEN", token.as_str())];
    let ci = Home::new();
    daemon
        .corebox_as(&ci, &["share", &id], None, &env)
        .fails(exit::AUTH);
    daemon
        .corebox_as(&ci, &["shares", "ls"], None, &env)
        .fails(exit::AUTH);

    let zero = daemon.corebox(&["share", &id, "--max-downloads", "0"]);
    assert_ne!(zero.code, 0, "{zero:#?}");
    assert!(zero.stderr.starts_with("corebox: "), "{zero:#?}");
    assert!(listed_tokens(&daemon).is_empty(), "nothing was shared");
}

#[test]
fn corebox_download_fetches_a_share_url_with_its_password() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let bytes = noise(3 << 20, 12);
    let id = daemon.upload_bytes(&daemon.home, "public.bin", &bytes);
    let open = daemon.share(&daemon.home, &id, &[], None);
    let locked = daemon.share(
        &daemon.home,
        &id,
        &["--password-stdin"],
        Some(b"share-password\n"),
    );

    // A visitor: no account, no login.
    let visitor = Home::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("open.bin");
    let out_arg = out.to_str().expect("utf-8");
    daemon
        .corebox_as(&visitor, &["download", &open, "-o", out_arg], None, &[])
        .ok();
    assert_eq!(
        sha256_hex(&std::fs::read(&out).expect("saved")),
        sha256_hex(&bytes)
    );

    let wrong = dir.path().join("wrong.bin");
    let wrong_arg = wrong.to_str().expect("utf-8");
    let args = ["download", &locked, "-o", wrong_arg, "--password-stdin"];
    let refused = daemon.corebox_as(&visitor, &args, Some(b"not-the-password\n"), &[]);
    assert_ne!(refused.code, 0, "{refused:#?}");
    assert!(refused.stderr.starts_with("corebox: "), "{refused:#?}");
    assert!(!wrong.exists(), "nothing saved");

    let unlocked = dir.path().join("locked.bin");
    let unlocked_arg = unlocked.to_str().expect("utf-8");
    let args = ["download", &locked, "-o", unlocked_arg, "--password-stdin"];
    daemon
        .corebox_as(&visitor, &args, Some(b"share-password\n"), &[])
        .ok();
    assert_eq!(
        sha256_hex(&std::fs::read(&unlocked).expect("saved")),
        sha256_hex(&bytes)
    );

    daemon
        .corebox(&["shares", "revoke", &share_token(&open)])
        .ok();
    let gone = dir.path().join("gone.bin");
    let gone_arg = gone.to_str().expect("utf-8");
    daemon
        .corebox_as(&visitor, &["download", &open, "-o", gone_arg], None, &[])
        .fails(exit::NOT_FOUND);
    assert!(!gone.exists());
}

#[test]
fn stats_record_downloads_and_keep_the_client_as_privacy_allows() {
    let probe = [
        ("Accept", "*/*"),
        ("User-Agent", "stats-probe/1.0"),
        ("Referer", "https://example.org/post"),
    ];
    for (setting, expected) in [
        ("full", Some("127.0.0.1")),
        ("truncated", None),
        ("none", None),
    ] {
        let daemon =
            Daemon::start_with(DaemonOptions::default().env("COREBOX_CLIENT_ADDRESS", setting));
        daemon.signup(&daemon.home, "alice", "password-a").ok();
        let bytes = noise(7000, 13);
        let url = daemon.upload_shared(&daemon.home, "counted.bin", &bytes, &[]);
        let token = share_token(&url);
        assert_eq!(get(&url, &probe).body, bytes);

        let stats = stats_with_downloads(&daemon, &token, 1);
        assert_eq!(share_field(&stats, "bytes_served"), 7000, "{stats}");
        let recent = &stats["recent"][0];
        assert_eq!(recent["bytes"], 7000, "{stats}");
        assert_eq!(recent["completed"], true, "{stats}");
        assert_eq!(recent["user_agent"], "stats-probe/1.0", "{stats}");
        assert_eq!(recent["referrer"], "https://example.org/post", "{stats}");
        let client = recent["client"].as_str();
        match setting {
            "full" => assert_eq!(client, expected, "{stats}"),
            "truncated" => {
                let client = client.unwrap_or_else(|| panic!("a network: {stats}"));
                assert!(client.starts_with("127.0.0."), "{stats}");
                assert_ne!(client, "127.0.0.1", "truncated: {stats}");
            }
            _ => assert_eq!(recent["client"], Value::Null, "{stats}"),
        }
        let text = daemon.corebox(&["shares", "stats", &token]).ok().to_owned();
        assert!(text.contains("stats-probe/1.0"), "{text}");
    }
}

#[test]
fn ranges_cannot_get_round_a_download_limit_and_empty_files_count() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let bytes = noise(100_000, 14);
    let id = daemon.upload_bytes(&daemon.home, "ranged.bin", &bytes);
    let url = daemon.share(&daemon.home, &id, &["--max-downloads", "1"], None);
    // Everything but the last byte, as a range: that is the download.
    let most = curl(&url, &[("Range", "bytes=0-99998")]);
    assert_eq!(most.status, 206, "{}", most.summary());
    let again = curl(&url, &[("Range", "bytes=0-99998")]);
    assert_eq!(again.status, 404, "a second range is a second download");
    assert_eq!(curl(&url, &[]).status, 404);
    stats_with_downloads(&daemon, &share_token(&url), 1);

    let empty = daemon.upload_bytes(&daemon.home, "empty.bin", b"");
    let url = daemon.share(&daemon.home, &empty, &["--max-downloads", "1"], None);
    let first = curl(&url, &[]);
    assert_eq!(
        (first.status, first.body.len()),
        (200, 0),
        "{}",
        first.summary()
    );
    assert_eq!(curl(&url, &[]).status, 404, "an empty file counts too");
    stats_with_downloads(&daemon, &share_token(&url), 1);
}

#[test]
fn the_page_preview_is_not_a_download() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let url = daemon.upload_shared(&daemon.home, "dot.png", &crate::share_http::PNG, &[]);
    let html = get(&url, BROWSER).text();
    assert!(html.contains("/raw?preview=1"), "{html}");
    let preview = get(&format!("{url}/raw?preview=1"), BROWSER);
    assert_eq!(preview.status, 200);
    assert!(preview.body == crate::share_http::PNG);
    assert_eq!(curl(&url, &[]).status, 200);
    // Both transfers are recorded as they end: wait for their bytes.
    let both = 2 * crate::share_http::PNG.len() as u64;
    let deadline = Instant::now() + Duration::from_secs(10);
    let stats = loop {
        let stats = daemon
            .corebox(&["shares", "stats", &share_token(&url), "--json"])
            .json();
        if share_field(&stats, "bytes_served").as_u64() == Some(both) {
            break stats;
        }
        assert!(Instant::now() < deadline, "never both transfers: {stats}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(share_field(&stats, "downloads"), 1, "{stats}");
}
