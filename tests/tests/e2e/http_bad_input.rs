//! Bad input to the public endpoint, written byte by byte on raw TCP:
//! malformed and overlong tokens, traversal and percent-encoding tricks,
//! absurd Range headers, huge headers, odd methods and password
//! submissions. Each gets a 4xx (or, for a Range the RFC lets a server
//! ignore, the whole file), never a 5xx; no byte from outside the store
//! is ever served; and the daemon keeps serving.

use std::path::Path;

use crate::harness::{Daemon, DaemonOptions, noise};
use crate::http::{Reply, basic_auth, contains, curl, raw, raw_get, raw_request, share_token};

/// Bytes that must never appear in any answer.
struct Forbidden {
    markers: Vec<Vec<u8>>,
}

impl Forbidden {
    /// Plants marker files next to and inside the data directory; their
    /// content, /etc/passwd and the database must never be served.
    fn plant(daemon: &Daemon) -> Forbidden {
        let data = daemon.data_dir();
        let beside = data.parent().expect("data dir has a parent");
        let outside = b"OUTSIDE-THE-STORE-7f3a9c".to_vec();
        let inside = b"INSIDE-DATA-DIR-NOT-A-BLOB-51e2".to_vec();
        std::fs::write(beside.join("marker.txt"), &outside).expect("outside marker");
        std::fs::write(data.join("marker.txt"), &inside).expect("inside marker");
        let mut markers = vec![outside, inside, b"SQLite format 3".to_vec()];
        if let Ok(passwd) = std::fs::read(Path::new("/etc/passwd")) {
            markers.push(passwd.iter().copied().take(24).collect());
        }
        Forbidden { markers }
    }

    #[track_caller]
    fn assert_absent(&self, reply: &Reply, what: &str) {
        for marker in &self.markers {
            assert!(
                !contains(&reply.body, marker),
                "{what}: served {:?}",
                String::from_utf8_lossy(marker)
            );
        }
    }
}

/// A daemon that will not rate-limit a test sending many requests.
fn daemon() -> Daemon {
    let daemon = Daemon::start_with(
        DaemonOptions::default()
            .env("COREBOX_HTTP_RATE_PER_SECOND", "10000")
            .env("COREBOX_HTTP_BURST", "10000"),
    );
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    daemon
}

#[track_caller]
fn assert_4xx(reply: &Reply, what: &str) {
    assert!(
        (400..500).contains(&reply.status),
        "{what}: {}",
        reply.summary()
    );
}

/// The daemon still answers /healthz and serves `url` whole.
#[track_caller]
fn assert_still_serving(daemon: &Daemon, url: &str, bytes: &[u8]) {
    let healthz = curl(&format!("{}/healthz", daemon.http_base()), &[]);
    assert_eq!(healthz.status, 200, "{}", healthz.summary());
    let share = curl(url, &[]);
    assert_eq!(share.status, 200, "{}", share.summary());
    assert!(share.body == bytes, "the share still serves its bytes");
}

#[test]
fn malformed_tokens_and_traversal_paths_get_4xx_and_nothing_outside() {
    let daemon = daemon();
    let forbidden = Forbidden::plant(&daemon);
    let bytes = b"PUBLIC-SHARED-CONTENT".to_vec();
    let url = daemon.upload_shared(&daemon.home, "public.txt", &bytes, &[]);
    let token = share_token(&url);
    let sha = crate::harness::sha256_hex(&bytes);
    let base = daemon.http_base().to_owned();
    let long = "A".repeat(10 * 1024);
    let encoded_long = "%41".repeat(3000);

    let targets = [
        format!("/s/{long}"),
        format!("/s/{long}/raw"),
        format!("/s/{encoded_long}"),
        format!("/s/{}", "B".repeat(100 * 1024)),
        "/s/..".to_owned(),
        "/s/../marker.txt".to_owned(),
        "/s/../../marker.txt".to_owned(),
        "/s/../../etc/passwd".to_owned(),
        "/s/../../../../../../etc/passwd".to_owned(),
        "/s/%2e%2e%2f%2e%2e%2fetc%2fpasswd".to_owned(),
        "/s/%2e%2e%2f%2e%2e%2fmarker.txt".to_owned(),
        "/s/%2e%2e/%2e%2e/marker.txt".to_owned(),
        "/s/..%2fmarker.txt".to_owned(),
        "/s/..%2f..%2fmarker.txt".to_owned(),
        "/s/..%5c..%5cmarker.txt".to_owned(),
        "/s/%252e%252e%252fmarker.txt".to_owned(),
        "/s/%c0%ae%c0%ae%c0%afmarker.txt".to_owned(),
        "/s/%00".to_owned(),
        "/s/%00/raw".to_owned(),
        "/s/%zz".to_owned(),
        "/s/%".to_owned(),
        "/s/%ff%fe%fd".to_owned(),
        "/s/".to_owned(),
        "/s".to_owned(),
        "/s//raw".to_owned(),
        "/s/marker.txt".to_owned(),
        "/s/data/marker.txt".to_owned(),
        format!("/s/{sha}"),
        format!("/s/{token}%00"),
        format!("/s/{token}%2f..%2f..%2fmarker.txt"),
        format!("/s/{token}/../../marker.txt"),
        format!("/s/{token}/raw/..%2f..%2f..%2fmarker.txt"),
        format!("/s/{token}/raw/../../../marker.txt"),
        format!("/s/{token}/..%2f..%2fdata%2fcorebox.db"),
        "/../marker.txt".to_owned(),
        "/..%2fmarker.txt".to_owned(),
        "/marker.txt".to_owned(),
        "/data/marker.txt".to_owned(),
        format!("/blobs/sha256/{}/{}/{sha}", &sha[..2], &sha[2..4]),
        "//etc/passwd".to_owned(),
        "/%2e%2e/%2e%2e/etc/passwd".to_owned(),
    ];
    for target in &targets {
        let what: String = format!("GET {target}").chars().take(120).collect();
        let reply = raw_get(&base, target, &["Accept: */*"]);
        assert_4xx(&reply, &what);
        forbidden.assert_absent(&reply, &what);
        assert!(!reply.body_contains(&bytes), "{what}: served the share");
    }

    // Request targets no HTTP client would send: bytes the URI grammar
    // forbids. The daemon may answer 400 or hang up; never anything else.
    for target in ["/s/a b", "/s/\u{e9}t\u{e9}", "/s/\ttab", "/s/\u{7f}"] {
        let request = raw_request("GET", target, &base, &["Accept: */*"]);
        if let Some(reply) = raw(&base, &request) {
            assert_4xx(&reply, &format!("{target:?}"));
            forbidden.assert_absent(&reply, target);
        }
    }
    let garbage = b"\x00\x01\x02GARBAGE / HTTP/9.9\r\n\x7f\r\n\r\n";
    if let Some(reply) = raw(&base, garbage) {
        assert_4xx(&reply, "garbage");
    }
    assert_still_serving(&daemon, &url, &bytes);
}

#[test]
fn segments_that_are_not_utf8_get_the_usual_not_found_answer() {
    let daemon = daemon();
    let base = daemon.http_base().to_owned();
    for accept in ["Accept: */*", "Accept: text/html"] {
        let unknown_link = raw_get(&base, "/neverMade", &[accept]);
        let unknown_share = raw_get(&base, "/s/AAAAAAAAAAAAAAAAAAAAAA", &[accept]);
        assert_eq!(unknown_link.status, 404, "{}", unknown_link.summary());
        assert_eq!(unknown_link.body, unknown_share.body);
        for target in [
            "/%ff%fe",
            "/%ff%fe+",
            "/%c0%af",
            "/s/%ff%fe%fd",
            "/s/%ff%fe%fd/raw",
        ] {
            let reply = raw_get(&base, target, &[accept]);
            assert_eq!(
                (reply.status, reply.header("content-type"), &reply.body),
                (404, unknown_link.header("content-type"), &unknown_link.body),
                "{target} with {accept}: {}",
                reply.summary()
            );
        }
    }
}

/// Checks one answer to a request with `range` against the file: 200 with
/// the whole file, 206 with a consistent Content-Range and exactly those
/// bytes, 416 with `bytes */SIZE`, 304 without a body, or another 4xx.
#[track_caller]
fn assert_sound_range_answer(reply: &Reply, range: &str, bytes: &[u8]) {
    let what: String = format!("Range {range}").chars().take(120).collect();
    let context = format!("{what}: {}", reply.summary());
    let size = bytes.len();
    match reply.status {
        200 => assert!(reply.body == bytes, "{context}"),
        206 => {
            let content_range = reply.expect_header("content-range");
            let spec = content_range
                .strip_prefix("bytes ")
                .and_then(|rest| rest.strip_suffix(&format!("/{size}")))
                .unwrap_or_else(|| panic!("{context}"));
            let (first, last) = spec.split_once('-').unwrap_or_else(|| panic!("{context}"));
            let first: usize = first.parse().unwrap_or_else(|_| panic!("{context}"));
            let last: usize = last.parse().unwrap_or_else(|_| panic!("{context}"));
            assert!(first <= last && last < size, "{context}");
            assert!(reply.body == bytes[first..=last], "{context}");
        }
        // Only where the request had If-None-Match: * and the like.
        304 => assert!(reply.body.is_empty(), "{context}"),
        416 => {
            let expected = format!("bytes */{size}");
            assert_eq!(
                reply.header("content-range"),
                Some(expected.as_str()),
                "{context}"
            );
        }
        status => assert!((400..500).contains(&status), "{context}"),
    }
}

#[test]
fn absurd_range_headers_never_break_the_daemon() {
    let daemon = daemon();
    let bytes = noise(1000, 21);
    let url = daemon.upload_shared(&daemon.home, "ranged.bin", &bytes, &[]);
    let path = format!("/s/{}", share_token(&url));
    let base = daemon.http_base().to_owned();
    let many = vec!["0-0"; 2600].join(",");
    let huge_number = "9".repeat(5000);

    let ranges = [
        "bytes=99999999999999999999-".to_owned(),
        "bytes=-99999999999999999999".to_owned(),
        "bytes=0-99999999999999999999".to_owned(),
        "bytes=18446744073709551615-".to_owned(),
        "bytes=0-18446744073709551615".to_owned(),
        "bytes=18446744073709551615-18446744073709551615".to_owned(),
        "bytes=5-2".to_owned(),
        "bytes=--1".to_owned(),
        "bytes=-0".to_owned(),
        "bytes=-".to_owned(),
        "bytes=".to_owned(),
        "bytes".to_owned(),
        "bytes=a-b".to_owned(),
        "bytes=1-2-3".to_owned(),
        "bytes=+1-2".to_owned(),
        "bytes=0x10-0x20".to_owned(),
        "bytes=0-0,-".to_owned(),
        "bytes = 0 - 1".to_owned(),
        "items=0-5".to_owned(),
        "bytes=\u{00bd}-1".to_owned(),
        format!("bytes={many}"),
        format!("bytes={huge_number}-"),
        format!("bytes=0-{huge_number}"),
    ];
    for target in [path.clone(), format!("{path}/raw")] {
        for range in &ranges {
            let header = format!("Range: {range}");
            let reply = raw_get(&base, &target, &["Accept: */*", &header]);
            assert_sound_range_answer(&reply, range, &bytes);
        }
    }
    // A Range with If-Range garbage, and If-None-Match garbage, too.
    for lines in [
        ["Range: bytes=0-1", "If-Range: \"\u{1}\u{2}\""],
        [
            "Range: bytes=0-1",
            "If-Range: Sat, 99 Foo 99999 99:99:99 GMT",
        ],
        ["If-None-Match: \"unterminated", "Accept: */*"],
        ["If-None-Match: *, *, \"\"", "If-Modified-Since: yesterday"],
    ] {
        let reply = raw_get(&base, &path, &lines);
        assert_sound_range_answer(&reply, &lines.join(" "), &bytes);
    }
    assert_still_serving(&daemon, &url, &bytes);
}

#[test]
fn huge_headers_and_request_lines_get_4xx() {
    let daemon = daemon();
    let bytes = b"headers test".to_vec();
    let url = daemon.upload_shared(&daemon.home, "small.txt", &bytes, &[]);
    let path = format!("/s/{}", share_token(&url));
    let base = daemon.http_base().to_owned();

    let filler = format!("X-Filler: {}", "a".repeat(64 * 1024));
    let cookie = format!("Cookie: c={}", "b".repeat(64 * 1024));
    let range = format!("Range: bytes=0-{}", "1".repeat(64 * 1024));
    let many: Vec<String> = (0..500).map(|i| format!("X-Header-{i}: {i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let cases: [(&str, &str, Vec<&str>); 5] = [
        ("64 kB header", "/healthz", vec![filler.as_str()]),
        ("64 kB header on a share", &path, vec![filler.as_str()]),
        ("64 kB cookie", &path, vec![cookie.as_str()]),
        ("64 kB range", &path, vec![range.as_str()]),
        ("500 headers", &path, many),
    ];
    for (what, target, lines) in cases {
        let request = raw_request("GET", target, &base, &lines);
        let reply = raw(&base, &request).unwrap_or_else(|| panic!("{what}: no answer"));
        assert_4xx(&reply, what);
        assert!(!reply.body_contains(&bytes), "{what}: served the file");
    }
    assert_still_serving(&daemon, &url, &bytes);
}

#[test]
fn odd_methods_change_nothing() {
    let daemon = daemon();
    let bytes = b"do not delete me".to_vec();
    let url = daemon.upload_shared(&daemon.home, "keep.txt", &bytes, &[]);
    let path = format!("/s/{}", share_token(&url));
    let base = daemon.http_base().to_owned();
    for (method, target) in [
        ("DELETE", path.clone()),
        ("PUT", path.clone()),
        ("PATCH", path.clone()),
        ("TRACE", path.clone()),
        ("DELETE", format!("{path}/raw")),
        ("POST", format!("{path}/raw")),
        ("FOO", path.clone()),
        ("PUT", "/healthz".to_owned()),
        ("POST", "/metrics".to_owned()),
    ] {
        let mut request = raw_request(method, &target, &base, &["Content-Length: 4"]);
        request.extend_from_slice(b"junk");
        let reply = raw(&base, &request).unwrap_or_else(|| panic!("{method}: no answer"));
        assert_4xx(&reply, &format!("{method} {target}"));
    }
    assert_still_serving(&daemon, &url, &bytes);
    let listed = daemon.corebox(&["shares", "ls", "--json"]).json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
}

#[test]
fn bad_password_submissions_get_4xx() {
    let daemon = daemon();
    let bytes = noise(3000, 22);
    let id = daemon.upload_bytes(&daemon.home, "locked.bin", &bytes);
    let url = daemon.share(
        &daemon.home,
        &id,
        &["--password-stdin"],
        Some(b"right-password\n"),
    );
    let path = format!("/s/{}", share_token(&url));
    let base = daemon.http_base().to_owned();

    let long_password = basic_auth("", &"p".repeat(10 * 1024));
    let auth_lines = [
        "Authorization: Basic !!!not-base64!!!".to_owned(),
        "Authorization: Basic".to_owned(),
        // base64 of "nocolon": no user:password separator.
        "Authorization: Basic bm9jb2xvbg==".to_owned(),
        "Authorization: Bearer right-password".to_owned(),
        "Authorization: Digest username=\"\", response=\"x\"".to_owned(),
        format!("Authorization: {long_password}"),
        "Cookie: corebox_share=forged; share=forged; s=forged".to_owned(),
    ];
    for line in &auth_lines {
        let reply = raw_get(&base, &path, &["Accept: */*", line]);
        let what: String = line.chars().take(80).collect();
        assert_4xx(&reply, &what);
        assert!(
            !reply.body_contains(&bytes[..64]),
            "{what}: served the file"
        );
    }

    let long_body = format!("password={}", "q".repeat(64 * 1024));
    let forms: [(&str, &str); 6] = [
        ("application/x-www-form-urlencoded", "password=%ff%fe%fd"),
        ("application/x-www-form-urlencoded", "password=%zz"),
        ("application/x-www-form-urlencoded", ""),
        ("application/x-www-form-urlencoded", "nothing=here"),
        ("application/json", "{\"password\":\"right-password\"}"),
        ("application/x-www-form-urlencoded", &long_body),
    ];
    for (kind, body) in forms {
        let content_type = format!("Content-Type: {kind}");
        let length = format!("Content-Length: {}", body.len());
        let mut request = raw_request(
            "POST",
            &path,
            &base,
            &["Accept: text/html", &content_type, &length],
        );
        request.extend_from_slice(body.as_bytes());
        let what: String = format!("POST {kind} {body}").chars().take(80).collect();
        let reply = raw(&base, &request).unwrap_or_else(|| panic!("{what}: no answer"));
        // A browser may get the form again instead of an error page.
        let form_again = reply.status == 200 && reply.text().contains("<form");
        if !form_again {
            assert_4xx(&reply, &what);
        }
        assert!(
            reply.all("set-cookie").is_empty(),
            "{what}: {}",
            reply.summary()
        );
        assert!(
            !reply.body_contains(&bytes[..64]),
            "{what}: served the file"
        );
    }
    let healthz = curl(&format!("{base}/healthz"), &[]);
    assert_eq!(healthz.status, 200, "{}", healthz.summary());
}
