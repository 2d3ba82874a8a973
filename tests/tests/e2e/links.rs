//! Short links through the CLI and their public URLs: redirects, aliases,
//! expiry, click limits under concurrency, passwords, the inspect page,
//! exact statistics, clicks across a restart, and changes that the cache
//! must not hide.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::exit;
use crate::harness::{Daemon, DaemonOptions, Home};
use crate::http::{
    BROWSER, CURL, Reply, basic_auth, curl, get, http, poll_until_status, raw, raw_request,
    share_token, unknown_token_like,
};

/// Makes a short link with `corebox shorten TARGET -q` and `extra` flags
/// (`stdin` feeds `--password-stdin`); returns the URL, its only line.
fn shorten(daemon: &Daemon, target: &str, extra: &[&str], stdin: Option<&[u8]>) -> String {
    let mut args = vec!["shorten", target, "-q"];
    args.extend_from_slice(extra);
    let run = daemon.corebox_as(&daemon.home, &args, stdin, &[]);
    let lines: Vec<&str> = run.ok().lines().collect();
    assert_eq!(lines.len(), 1, "one line expected: {run:#?}");
    lines[0].trim().to_owned()
}

/// A daemon with a first account, and no rate limit in the way of a test
/// that sends many requests.
fn daemon_with(options: DaemonOptions) -> Daemon {
    let daemon = Daemon::start_with(
        options
            .env("COREBOX_HTTP_RATE_PER_SECOND", "10000")
            .env("COREBOX_HTTP_BURST", "10000"),
    );
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    daemon
}

fn daemon() -> Daemon {
    daemon_with(DaemonOptions::default())
}

#[track_caller]
fn assert_redirect(reply: &Reply, status: u16, target: &str) {
    assert_eq!(reply.status, status, "{}", reply.summary());
    assert_eq!(
        reply.header("location"),
        Some(target),
        "{}",
        reply.summary()
    );
    assert_eq!(
        reply.header("cache-control"),
        Some("private, no-store"),
        "{}",
        reply.summary()
    );
}

/// What a visitor can tell about an answer.
fn visible(reply: &Reply) -> (u16, Option<String>, Option<String>, Vec<u8>) {
    (
        reply.status,
        reply.header("content-type").map(str::to_owned),
        reply.header("location").map(str::to_owned),
        reply.body.clone(),
    )
}

/// `links stats CODE --json`.
fn stats(daemon: &Daemon, code: &str) -> Value {
    daemon.corebox(&["links", "stats", code, "--json"]).json()
}

#[test]
fn a_short_link_redirects_with_302_and_head_counts_nothing() {
    let daemon = daemon();
    let target = "https://example.com/docs/page?lang=en#intro";
    let url = shorten(&daemon, target, &[], None);
    let code = url
        .strip_prefix(&format!("{}/", daemon.http_base()))
        .unwrap_or_else(|| panic!("a short URL on the endpoint: {url}"));
    assert_eq!(code.len(), 7, "default random code: {code}");
    assert!(
        code.bytes().all(|byte| byte.is_ascii_alphanumeric()),
        "{code}"
    );

    assert_redirect(&curl(&url, &[]), 302, target);
    // Random codes count all 62 characters: another case is another code.
    let swapped: String = code
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    if swapped != code {
        let other = curl(&format!("{}/{swapped}", daemon.http_base()), &[]);
        assert_eq!(other.status, 404, "{}", other.summary());
    }
    let base = daemon.http_base();
    let head = raw(base, &raw_request("HEAD", &format!("/{code}"), base, &[])).expect("an answer");
    assert_redirect(&head, 302, target);
    assert!(head.body.is_empty(), "{}", head.summary());

    let made = daemon.corebox(&["links", "show", code, "--json"]).json();
    assert_eq!(made["target"], target);
    assert_eq!(
        made["clicks"], 1,
        "the GET counts, the HEAD does not: {made}"
    );
    assert_eq!(made["live"], true);
}

#[test]
fn shorten_json_has_the_fields_and_the_redirect_status_is_configurable() {
    let daemon = daemon_with(DaemonOptions::default().env("COREBOX_LINK_REDIRECT", "308"));
    let made = daemon
        .corebox(&[
            "shorten",
            "https://example.com/",
            "--alias",
            "Release-42",
            "--expires",
            "1d",
            "--max-clicks",
            "3",
            "--json",
        ])
        .json();
    assert_eq!(made["code"], "Release-42");
    assert_eq!(made["url"], format!("{}/Release-42", daemon.http_base()));
    assert_eq!(made["target"], "https://example.com/");
    assert_eq!(made["max_clicks"], 3);
    assert!(made["expires_at"].as_i64().is_some(), "{made}");
    // Codes are found without case.
    let reply = curl(&format!("{}/release-42", daemon.http_base()), &[]);
    assert_redirect(&reply, 308, "https://example.com/");
}

#[test]
fn aliases_are_unique_without_case_and_never_a_route() {
    let daemon = daemon();
    shorten(&daemon, "https://example.com/a", &["--alias", "docs"], None);
    let taken = daemon.corebox(&["shorten", "https://example.com/b", "--alias", "DOCS"]);
    assert!(taken.fails(exit::FAILURE).contains("taken"), "{taken:#?}");
    for word in ["s", "healthz", "metrics", "HEALTHZ", "api"] {
        let run = daemon.corebox(&["shorten", "https://example.com/c", "--alias", word]);
        let error = run.fails(exit::FAILURE);
        assert!(error.contains("uses itself"), "{word}: {error}");
    }
    for bad in ["a b", "a/b", "..", "ünï", "a.b", &"x".repeat(65)] {
        let run = daemon.corebox(&["shorten", "https://example.com/d", "--alias", bad]);
        assert_ne!(run.code, 0, "{bad:?} accepted: {run:#?}");
        assert!(run.stderr.starts_with("corebox: "), "{run:#?}");
    }
    let listed = daemon.corebox(&["links", "ls", "--json"]).json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    // The routes still answer as themselves.
    let healthz = curl(&format!("{}/healthz", daemon.http_base()), &[]);
    assert_eq!((healthz.status, healthz.text().trim()), (200, "ok"));
}

#[test]
fn expired_removed_and_unknown_links_answer_alike() {
    let daemon = daemon();
    let made = Instant::now();
    let brief = shorten(
        &daemon,
        "https://example.com/brief",
        &["--expires", "2s"],
        None,
    );
    assert_redirect(&curl(&brief, &[]), 302, "https://example.com/brief");
    poll_until_status(&brief, CURL, 404, Duration::from_secs(15));
    assert!(
        made.elapsed() >= Duration::from_secs(1),
        "{:?}",
        made.elapsed()
    );

    let removed = shorten(
        &daemon,
        "https://example.com/gone",
        &["--alias", "gone"],
        None,
    );
    assert_eq!(curl(&removed, &[]).status, 302);
    daemon.corebox(&["links", "rm", "gone"]).ok();
    let unknown = format!("{}/neverMade", daemon.http_base());
    for headers in [CURL, BROWSER] {
        let never = visible(&get(&unknown, headers));
        assert_eq!(never.0, 404);
        assert_eq!(visible(&get(&brief, headers)), never);
        assert_eq!(visible(&get(&removed, headers)), never);
    }
    let again = daemon.corebox(&["links", "rm", "gone"]);
    again.fails(exit::NOT_FOUND);
}

#[test]
fn a_click_limit_holds_for_fifty_racing_clients() {
    let daemon = daemon();
    let url = shorten(
        &daemon,
        "https://example.com/race",
        &["--max-clicks", "7"],
        None,
    );
    let barrier = Barrier::new(50);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let racers: Vec<_> = (0..50)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    curl(&url, &[]).status
                })
            })
            .collect();
        racers
            .into_iter()
            .map(|racer| racer.join().expect("client thread"))
            .collect()
    });
    let redirected = statuses.iter().filter(|status| **status == 302).count();
    let refused = statuses.iter().filter(|status| **status == 404).count();
    assert_eq!((redirected, refused), (7, 43), "{statuses:?}");
    assert_eq!(curl(&url, &[]).status, 404, "used up");
    let code = url.rsplit('/').next().expect("code");
    let shown = daemon.corebox(&["links", "show", code, "--json"]).json();
    assert_eq!(shown["clicks"], 7, "{shown}");
    assert_eq!(shown["live"], false, "{shown}");
}

#[test]
fn a_password_link_shows_a_form_and_takes_basic_auth() {
    let daemon = daemon();
    let target = "https://example.com/secret";
    let url = shorten(
        &daemon,
        target,
        &["--password-stdin"],
        Some(b"open sesame\n"),
    );

    let form = get(&url, BROWSER);
    assert_eq!(form.status, 200, "{}", form.summary());
    let html = form.text().to_ascii_lowercase();
    assert!(
        html.contains("<form") && html.contains("name=\"password\""),
        "{html}"
    );
    assert!(
        !html.contains("example.com/secret"),
        "the form keeps the target: {html}"
    );

    let mut post = BROWSER.to_vec();
    post.push(("Content-Type", "application/x-www-form-urlencoded"));
    let wrong = http("POST", &url, &post, Some(b"password=open+sesame+no"));
    assert_ne!(wrong.status, 303, "{}", wrong.summary());
    assert!(wrong.header("location").is_none());
    let right = http("POST", &url, &post, Some(b"password=open+sesame"));
    assert_eq!(right.status, 303, "{}", right.summary());
    assert_eq!(right.header("location"), Some(target));

    let bare = curl(&url, &[]);
    assert_eq!(bare.status, 401, "{}", bare.summary());
    assert!(bare.expect_header("www-authenticate").starts_with("Basic"));
    let wrong = curl(&url, &[("Authorization", &basic_auth("", "nope"))]);
    assert_eq!(wrong.status, 401);
    let right = curl(&url, &[("Authorization", &basic_auth("", "open sesame"))]);
    assert_redirect(&right, 302, target);

    let inspect = get(&format!("{url}+"), BROWSER).text();
    assert!(!inspect.contains("example.com/secret"), "{inspect}");

    // Guessing is throttled, then even the right password waits.
    let mut throttled = false;
    for guess in 0..40 {
        let reply = curl(
            &url,
            &[("Authorization", &basic_auth("", &format!("guess {guess}")))],
        );
        if reply.status == 429 {
            assert!(reply.expect_header("retry-after").parse::<u64>().is_ok());
            throttled = true;
            break;
        }
        assert_eq!(reply.status, 401, "{}", reply.summary());
    }
    assert!(throttled, "40 wrong guesses and never a 429");
    let right = curl(&url, &[("Authorization", &basic_auth("", "open sesame"))]);
    assert_eq!(right.status, 429, "{}", right.summary());
    let code = url.rsplit('/').next().expect("code");
    let shown = daemon.corebox(&["links", "show", code, "--json"]).json();
    assert_eq!(
        shown["clicks"], 2,
        "the form and Basic redirects only: {shown}"
    );
}

#[test]
fn the_inspect_page_shows_the_target_and_counts_nothing() {
    let daemon = daemon();
    let target = "https://example.com/look?before=leaping";
    let url = shorten(
        &daemon,
        target,
        &["--alias", "look", "--expires", "1d"],
        None,
    );
    for headers in [BROWSER, CURL] {
        let page = get(&format!("{url}+"), headers);
        assert_eq!(page.status, 200, "{}", page.summary());
        assert!(page.header("location").is_none());
        let html = page.text();
        assert!(
            html.contains("https://example.com/look?before=leaping"),
            "{html}"
        );
        assert!(html.contains("works until"), "{html}");
    }
    let shown = daemon.corebox(&["links", "show", "look", "--json"]).json();
    assert_eq!(shown["clicks"], 0, "{shown}");
    // Going on from the page follows the link itself, so it is counted.
    let page = get(&format!("{url}+"), BROWSER).text();
    assert!(page.contains("href=\"/look\""), "{page}");
    assert_eq!(
        get(&format!("{}/nothing+", daemon.http_base()), BROWSER).status,
        404
    );
}

#[test]
fn stats_count_exactly_the_visits_made() {
    let daemon = daemon();
    let url = shorten(
        &daemon,
        "https://example.com/counted",
        &["--alias", "counted"],
        None,
    );
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";
    let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                  Chrome/131.0.0.0 Safari/537.36";
    let bot = "Googlebot/2.1 (+http://www.google.com/bot.html)";
    let visits: [(&str, Option<&str>, usize); 4] = [
        (firefox, Some("https://news.example.org/post/1"), 3),
        (chrome, Some("https://news.example.org/post/2"), 2),
        (chrome, None, 1),
        (bot, None, 4),
    ];
    for (agent, referrer, times) in visits {
        for _ in 0..times {
            let mut headers = vec![("User-Agent", agent)];
            if let Some(referrer) = referrer {
                headers.push(("Referer", referrer));
            }
            assert_eq!(get(&url, &headers).status, 302);
        }
    }
    let stats = stats(&daemon, "counted");
    assert_eq!(stats["clicks"], 10, "{stats}");
    assert_eq!(stats["link"]["clicks"], 10, "{stats}");
    // One address, three user agents: three visitors today.
    assert_eq!(stats["unique"], 3, "{stats}");
    assert_eq!(stats["bots"], 4, "{stats}");
    assert_eq!(
        stats["top_referrers"],
        json!([{"name": "direct", "clicks": 5}, {"name": "news.example.org", "clicks": 5}]),
        "{stats}"
    );
    assert_eq!(
        stats["top_browsers"],
        json!([
            {"name": "other", "clicks": 4},
            {"name": "Chrome", "clicks": 3},
            {"name": "Firefox", "clicks": 3}
        ]),
        "{stats}"
    );
    let per_day = stats["per_day"].as_array().expect("days");
    assert_eq!(per_day.len(), 30, "the default window");
    assert_eq!(per_day.last().expect("today")["clicks"], 10);
    let text = daemon
        .corebox(&["links", "stats", "counted", "--days", "7"])
        .ok()
        .to_owned();
    assert!(text.contains('█'), "a chart: {text}");
    assert!(text.contains("news.example.org"), "{text}");
}

#[test]
fn clicks_survive_a_graceful_restart() {
    let mut daemon = daemon();
    let url = shorten(
        &daemon,
        "https://example.com/kept",
        &["--alias", "kept"],
        None,
    );
    for _ in 0..25 {
        assert_eq!(curl(&url, &[]).status, 302);
    }
    daemon.restart();
    let stats = stats(&daemon, "kept");
    assert_eq!(stats["clicks"], 25, "{stats}");
    let again = curl(&format!("{}/kept", daemon.http_base()), &[]);
    assert_redirect(&again, 302, "https://example.com/kept");
}

#[test]
fn edits_and_removal_take_effect_at_once_despite_the_cache() {
    let daemon = daemon();
    let url = shorten(
        &daemon,
        "https://example.com/v1",
        &["--alias", "moving"],
        None,
    );
    assert_redirect(&curl(&url, &[]), 302, "https://example.com/v1");
    daemon
        .corebox(&[
            "links",
            "edit",
            "moving",
            "--target",
            "https://example.com/v2",
        ])
        .ok();
    assert_redirect(&curl(&url, &[]), 302, "https://example.com/v2");
    daemon
        .corebox(&["links", "edit", "moving", "--max-clicks", "3"])
        .ok();
    assert_eq!(curl(&url, &[]).status, 302, "third click");
    assert_eq!(
        curl(&url, &[]).status,
        404,
        "the limit counts the clicks before it"
    );
    daemon
        .corebox(&["links", "edit", "moving", "--unlimited"])
        .ok();
    assert_eq!(curl(&url, &[]).status, 302);
    let below = daemon.corebox(&["links", "edit", "moving", "--max-clicks", "3"]);
    assert!(
        below.fails(exit::FAILURE).contains("4 clicks already"),
        "{below:#?}"
    );
    assert_eq!(
        curl(&url, &[]).status,
        302,
        "the refused edit changed nothing"
    );
    daemon
        .corebox(&["links", "edit", "moving", "--max-clicks", "5"])
        .ok();
    assert_eq!(curl(&url, &[]).status, 404, "five clicks, the limit");
    daemon.corebox(&["links", "rm", "moving"]).ok();
    assert_eq!(curl(&url, &[]).status, 404, "removed at once");
    // The alias is free again, for a new link with its own clicks.
    shorten(
        &daemon,
        "https://example.com/v3",
        &["--alias", "moving"],
        None,
    );
    assert_redirect(&curl(&url, &[]), 302, "https://example.com/v3");
    assert_eq!(stats(&daemon, "moving")["clicks"], 1);
}

#[test]
fn another_users_link_answers_like_an_unknown_one() {
    let daemon = daemon();
    let mallory = Home::new();
    daemon.signup(&mallory, "mallory", "password-m").ok();
    shorten(
        &daemon,
        "https://example.com/alice",
        &["--alias", "alices"],
        None,
    );
    for args in [
        vec!["links", "show"],
        vec!["links", "rm"],
        vec!["links", "stats"],
        vec!["links", "edit", "--target", "https://evil.example/"],
    ] {
        let with = |code: &str| {
            let mut full = args.clone();
            full.insert(2, code);
            daemon.corebox_as(&mallory, &full, None, &[])
        };
        let theirs = with("alices");
        let missing = with("nosuchcode");
        assert_eq!(
            theirs.fails(exit::NOT_FOUND),
            missing.fails(exit::NOT_FOUND),
            "{args:?}"
        );
    }
    let listed = daemon.corebox_as(&mallory, &["links", "ls", "--json"], None, &[]);
    assert_eq!(listed.json(), json!([]));
    let reply = curl(&format!("{}/alices", daemon.http_base()), &[]);
    assert_redirect(&reply, 302, "https://example.com/alice");
}

#[test]
fn a_disabled_or_deleted_owners_links_and_shares_answer_like_unknown_ones() {
    let daemon = daemon();
    let bob = Home::new();
    daemon.signup(&bob, "bob", "password-b").ok();
    let run = daemon.corebox_as(
        &bob,
        &[
            "shorten",
            "https://example.com/bob",
            "--alias",
            "bobs",
            "-q",
        ],
        None,
        &[],
    );
    let link = run.ok().trim().to_owned();
    let inspect = format!("{link}+");
    let share = daemon.upload_shared(&bob, "bob.txt", b"bob's bytes", &[]);
    let base = daemon.http_base();
    let unknown_link = format!("{base}/neverMade");
    let token = share_token(&share);
    let unknown_share = share.replace(&token, &unknown_token_like(&token));
    // Warm the cache, so a stale row would show.
    assert_redirect(&curl(&link, &[]), 302, "https://example.com/bob");
    assert_eq!(curl(&inspect, &[]).status, 200);
    assert_eq!(curl(&share, &[]).body, b"bob's bytes");

    let all_missing = |when: &str| {
        for headers in [CURL, BROWSER] {
            let never = visible(&get(&unknown_link, headers));
            assert_eq!(never.0, 404, "{when}");
            assert_eq!(visible(&get(&link, headers)), never, "{when}");
            assert_eq!(visible(&get(&inspect, headers)), never, "{when}");
            let never = visible(&get(&unknown_share, headers));
            assert_eq!(never.0, 404, "{when}");
            assert_eq!(visible(&get(&share, headers)), never, "{when}");
        }
    };
    daemon.corebox(&["admin", "users", "disable", "bob"]).ok();
    all_missing("disabled");

    daemon.corebox(&["admin", "users", "enable", "bob"]).ok();
    assert_redirect(&curl(&link, &[]), 302, "https://example.com/bob");
    assert_eq!(curl(&share, &[]).body, b"bob's bytes");

    daemon
        .corebox_as(
            &bob,
            &["account", "delete", "--yes", "--password-stdin"],
            Some(b"password-b\n"),
            &[],
        )
        .ok();
    all_missing("deleted");
    // The alias is free for someone else.
    assert_eq!(
        shorten(
            &daemon,
            "https://example.com/alice",
            &["--alias", "bobs"],
            None
        ),
        link
    );
    assert_redirect(&curl(&link, &[]), 302, "https://example.com/alice");
}

#[test]
fn repeated_misses_from_one_client_are_throttled() {
    let daemon = daemon_with(DaemonOptions::default().env("COREBOX_LINK_MISSES_PER_MINUTE", "5"));
    let url = shorten(
        &daemon,
        "https://example.com/real",
        &["--alias", "real"],
        None,
    );
    let base = daemon.http_base().to_owned();
    let mut statuses = Vec::new();
    for guess in 0..12 {
        statuses.push(curl(&format!("{base}/guess{guess}"), &[]).status);
    }
    assert_eq!(&statuses[..5], [404; 5], "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    let blocked = curl(&url, &[]);
    assert_eq!(
        blocked.status,
        429,
        "a blocked client waits: {}",
        blocked.summary()
    );
    assert!(blocked.expect_header("retry-after").parse::<u64>().is_ok());

    // A browser's favicon requests are not misses.
    let fresh = daemon_with(DaemonOptions::default().env("COREBOX_LINK_MISSES_PER_MINUTE", "2"));
    let url = shorten(
        &fresh,
        "https://example.com/real",
        &["--alias", "real"],
        None,
    );
    for _ in 0..5 {
        let icon = curl(&format!("{}/favicon.ico", fresh.http_base()), &[]);
        assert_eq!(icon.status, 404);
    }
    assert_eq!(curl(&url, &[]).status, 302);
}

#[test]
fn shorten_qr_draws_a_code_and_quiet_keeps_stdout_to_the_url() {
    let daemon = daemon();
    let run = daemon.corebox(&["shorten", "https://example.com/qr", "--alias", "qr", "--qr"]);
    let out = run.ok();
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some(format!("{}/qr", daemon.http_base()).as_str())
    );
    assert!(
        lines.filter(|line| line.contains('█')).count() > 10,
        "{out}"
    );
    let quiet = daemon.corebox(&["shorten", "https://example.com/qr2", "--qr", "-q"]);
    assert_eq!(quiet.ok().lines().count(), 1, "{quiet:#?}");
    assert!(
        quiet.stderr.contains('█'),
        "the code goes to stderr: {quiet:#?}"
    );
}
