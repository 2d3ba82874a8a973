//! What a visitor of a share URL gets over real HTTP: bytes and headers
//! for curl, a page for a browser, image previews, HEAD, ranges, ETag
//! revalidation and the password flow with its throttling.

use percent_encoding::percent_decode_str;

use crate::harness::{Daemon, noise, sha256_hex};
use crate::http::{
    BROWSER, CURL, Reply, basic_auth, contains, curl, get, http, raw, raw_request, share_token,
};

/// A valid 1x1 RGB PNG.
pub const PNG: [u8; 69] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0xf7, 0x03, 0x41, 0x43, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Printable text of `len` bytes, so that it sniffs as text/plain.
fn text(len: usize) -> Vec<u8> {
    let line = b"the quick brown fox jumps over the lazy dog 0123456789\n";
    line.iter().copied().cycle().take(len).collect()
}

/// Ways a page may write `size` bytes for people.
fn size_renderings(size: u64) -> Vec<String> {
    let kib = size as f64 / 1024.0;
    let kb = size as f64 / 1000.0;
    vec![
        size.to_string(),
        format!("{},{:03}", size / 1000, size % 1000),
        format!("{kib:.1} KiB"),
        format!("{kib:.2} KiB"),
        format!("{kib:.0} KiB"),
        format!("{kb:.1} kB"),
        format!("{kb:.1} KB"),
        format!("{kb:.0} kB"),
    ]
}

/// Checks an RFC 6266 `Content-Disposition` naming `name`: ASCII only, an
/// ASCII `filename` fallback and an RFC 5987 `filename*` that decodes to
/// `name` exactly.
#[track_caller]
fn assert_names(disposition: &str, kind: &str, name: &str) {
    assert!(disposition.is_ascii(), "{disposition}");
    assert!(disposition.starts_with(kind), "{disposition}");
    let params: Vec<&str> = disposition.split(';').map(str::trim).collect();
    let star = params
        .iter()
        .find_map(|param| param.strip_prefix("filename*="))
        .unwrap_or_else(|| panic!("no filename*: {disposition}"));
    let (charset, encoded) = star
        .split_once("''")
        .unwrap_or_else(|| panic!("filename* without charset'': {disposition}"));
    assert!(charset.eq_ignore_ascii_case("utf-8"), "{disposition}");
    let decoded = percent_decode_str(encoded)
        .decode_utf8()
        .expect("filename* is UTF-8");
    assert_eq!(decoded, name, "{disposition}");
    assert!(
        params.iter().any(|param| param.starts_with("filename=\"")),
        "no quoted ASCII fallback: {disposition}"
    );
}

#[track_caller]
fn assert_bytes(reply: &Reply, bytes: &[u8], what: &str) {
    assert_eq!(reply.status, 200, "{what}: {}", reply.summary());
    assert!(
        reply.body == bytes,
        "{what}: other bytes: {}",
        reply.summary()
    );
    let length = bytes.len().to_string();
    assert_eq!(
        reply.header("content-length"),
        Some(length.as_str()),
        "{what}"
    );
    let etag = format!("\"{}\"", sha256_hex(bytes));
    assert_eq!(reply.header("etag"), Some(etag.as_str()), "{what}");
    assert_eq!(reply.header("accept-ranges"), Some("bytes"), "{what}");
}

#[test]
fn curl_gets_the_exact_bytes_with_rfc_6266_names() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let name = "résumé 2026 ✓.txt";
    let bytes = text(3000);
    let url = daemon.upload_shared(&daemon.home, name, &bytes, &[]);
    assert!(
        url.starts_with(&format!("{}/s/", daemon.http_base())),
        "{url}"
    );
    let token = share_token(&url);
    assert!(
        token.len() >= 22 && token.chars().all(|c| c.is_ascii_alphanumeric()),
        "at least 128 bits of base62: {token}"
    );

    let reply = curl(&url, &[]);
    assert_bytes(&reply, &bytes, "curl");
    assert!(
        reply
            .expect_header("content-type")
            .starts_with("text/plain"),
        "{}",
        reply.summary()
    );
    assert_names(
        reply.expect_header("content-disposition"),
        "attachment",
        name,
    );

    // /raw is bytes whatever the client accepts; safe text may be inline.
    for headers in [CURL, BROWSER] {
        let raw_reply = get(&format!("{url}/raw"), headers);
        assert_bytes(&raw_reply, &bytes, "raw");
        assert_names(raw_reply.expect_header("content-disposition"), "", name);
    }
    let forced = get(&format!("{url}/raw?download=1"), BROWSER);
    assert_bytes(&forced, &bytes, "raw?download=1");
    assert_names(
        forced.expect_header("content-disposition"),
        "attachment",
        name,
    );
}

#[test]
fn a_browser_gets_a_page_with_name_size_and_download_link() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let name = "année 2026 notes.txt";
    let bytes = text(3000);
    let url = daemon.upload_shared(&daemon.home, name, &bytes, &[]);
    let token = share_token(&url);

    let page = get(&url, BROWSER);
    assert_eq!(page.status, 200, "{}", page.summary());
    assert!(
        page.expect_header("content-type").starts_with("text/html"),
        "{}",
        page.summary()
    );
    let html = page.text();
    assert!(html.contains(name), "name on the page: {html}");
    assert!(
        size_renderings(3000).iter().any(|size| html.contains(size)),
        "size on the page: {html}"
    );
    assert!(
        html.contains(&format!("/s/{token}/raw")),
        "download link: {html}"
    );
    assert!(
        !page.body_contains(&bytes[..100]),
        "the page is not the file"
    );
    let csp = page.expect_header("content-security-policy");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!html.contains("<img"), "no preview for text: {html}");
}

#[test]
fn an_image_share_page_shows_a_preview_served_from_raw() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let url = daemon.upload_shared(&daemon.home, "dot.png", &PNG, &[]);
    let token = share_token(&url);

    let html = get(&url, BROWSER).text();
    let img = html
        .find("<img")
        .map(|at| &html[at..])
        .unwrap_or_else(|| panic!("no <img> preview: {html}"));
    let tag = &img[..img.find('>').unwrap_or(img.len())];
    assert!(tag.contains(&format!("/s/{token}/raw")), "{tag}");

    let image = get(
        &format!("{url}/raw"),
        &[("Accept", "image/avif,image/*,*/*")],
    );
    assert_bytes(&image, &PNG, "preview");
    assert_eq!(image.header("content-type"), Some("image/png"));
    let bytes = curl(&url, &[]);
    assert_bytes(&bytes, &PNG, "curl");
}

#[test]
fn viewing_a_limited_image_share_page_uses_no_download() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let id = daemon.upload_bytes(&daemon.home, "once.png", &PNG);
    let url = daemon.share(&daemon.home, &id, &["--max-downloads", "1"], None);

    // A preview would fetch the whole image and use up the one download.
    let html = get(&url, BROWSER).text();
    assert!(
        !html.contains("<img"),
        "no preview on a limited share: {html}"
    );
    assert!(html.contains("1 download left"), "{html}");
    assert_bytes(&curl(&url, &[]), &PNG, "the download is still there");
    assert_eq!(curl(&url, &[]).status, 404, "and then it is used up");
}

#[test]
fn head_answers_the_get_headers_without_a_body() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let bytes = noise(10_000, 1);
    let url = daemon.upload_shared(&daemon.home, "data.bin", &bytes, &[]);
    let path = format!("/s/{}", share_token(&url));
    let base = daemon.http_base();

    for target in [path.clone(), format!("{path}/raw")] {
        let full = curl(&format!("{base}{target}"), &[]);
        assert_bytes(&full, &bytes, &target);
        let request = raw_request("HEAD", &target, base, &["Accept: */*"]);
        let head = raw(base, &request).expect("an answer to HEAD");
        assert_eq!(head.status, 200, "{}", head.summary());
        assert!(head.body.is_empty(), "HEAD sent a body: {}", head.summary());
        for name in [
            "content-length",
            "etag",
            "accept-ranges",
            "content-type",
            "content-disposition",
        ] {
            assert_eq!(head.header(name), full.header(name), "{target} {name}");
        }
    }
}

#[test]
fn single_ranges_answer_206_and_unsatisfiable_ones_416() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let bytes = noise(1000, 2);
    let url = daemon.upload_shared(&daemon.home, "ranged.bin", &bytes, &[]);
    let etag = format!("\"{}\"", sha256_hex(&bytes));

    let cases: [(&str, usize, usize); 6] = [
        ("bytes=0-0", 0, 0),
        ("bytes=-1", 999, 999),
        ("bytes=-10", 990, 999),
        ("bytes=5-", 5, 999),
        ("bytes=100-199", 100, 199),
        ("bytes=990-5000", 990, 999),
    ];
    for target in [url.clone(), format!("{url}/raw")] {
        for (range, first, last) in cases {
            let reply = curl(&target, &[("Range", range)]);
            let what = format!("{target} {range}: {}", reply.summary());
            assert_eq!(reply.status, 206, "{what}");
            let expected = format!("bytes {first}-{last}/1000");
            assert_eq!(
                reply.header("content-range"),
                Some(expected.as_str()),
                "{what}"
            );
            assert!(reply.body == bytes[first..=last], "{what}");
            let length = (last - first + 1).to_string();
            assert_eq!(
                reply.header("content-length"),
                Some(length.as_str()),
                "{what}"
            );
        }
        for unsatisfiable in ["bytes=1000-", "bytes=5000-6000"] {
            let reply = curl(&target, &[("Range", unsatisfiable)]);
            assert_eq!(reply.status, 416, "{unsatisfiable}: {}", reply.summary());
            assert_eq!(reply.header("content-range"), Some("bytes */1000"));
            assert!(!reply.body_contains(&bytes[..16]), "{}", reply.summary());
        }
        // Several ranges: the whole file.
        let several = curl(&target, &[("Range", "bytes=0-1,5-6")]);
        assert_bytes(&several, &bytes, "multiple ranges");

        // If-Range: the range only while the ETag still matches.
        let current = curl(&target, &[("Range", "bytes=0-9"), ("If-Range", &etag)]);
        assert_eq!(current.status, 206, "{}", current.summary());
        assert!(current.body == bytes[..10]);
        let stale = "\"0000000000000000000000000000000000000000000000000000000000000000\"";
        let changed = curl(&target, &[("Range", "bytes=0-9"), ("If-Range", stale)]);
        assert_bytes(&changed, &bytes, "stale If-Range");
    }
}

#[test]
fn a_matching_etag_gets_304_which_is_not_a_download() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let bytes = noise(5000, 3);
    let id = daemon.upload_bytes(&daemon.home, "cached.bin", &bytes);
    let url = daemon.share(&daemon.home, &id, &["--max-downloads", "1"], None);
    let base = daemon.http_base();
    let path = format!("/s/{}", share_token(&url));
    let etag = format!("\"{}\"", sha256_hex(&bytes));

    let header = format!("If-None-Match: {etag}");
    for _ in 0..3 {
        let reply = raw(
            base,
            &raw_request("GET", &path, base, &["Accept: */*", &header]),
        )
        .expect("an answer");
        assert_eq!(reply.status, 304, "{}", reply.summary());
        assert!(
            reply.body.is_empty(),
            "304 with a body: {}",
            reply.summary()
        );
        assert_eq!(reply.header("etag"), Some(etag.as_str()));
    }
    let other = curl(&url, &[("If-None-Match", "\"something-else\"")]);
    assert_bytes(&other, &bytes, "non-matching If-None-Match");
    // That was the one download the share allows; the 304s took none.
    assert_eq!(curl(&url, &[]).status, 404);
}

const PASSWORD: &str = "open sesame & 42";

/// Uploads a small file and shares it with [`PASSWORD`]; returns the bytes
/// and the URL.
fn password_share(daemon: &Daemon, name: &str) -> (Vec<u8>, String) {
    let bytes = noise(4000, 4);
    let id = daemon.upload_bytes(&daemon.home, name, &bytes);
    let stdin = format!("{PASSWORD}\n");
    let url = daemon.share(
        &daemon.home,
        &id,
        &["--password-stdin"],
        Some(stdin.as_bytes()),
    );
    (bytes, url)
}

/// The `name=value` part of a `Set-Cookie` header.
fn cookie_pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap_or_default().trim()
}

#[test]
fn password_shares_take_basic_auth_or_the_form() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let (bytes, url) = password_share(&daemon, "locked.bin");
    let token = share_token(&url);

    let bare = curl(&url, &[]);
    assert_eq!(bare.status, 401, "{}", bare.summary());
    let challenge = bare.expect_header("www-authenticate");
    assert!(challenge.starts_with("Basic"), "{challenge}");
    assert!(challenge.contains("realm="), "{challenge}");
    assert!(!bare.body_contains(&bytes[..64]));
    let wrong = curl(&url, &[("Authorization", &basic_auth("", "open sesame"))]);
    assert_eq!(wrong.status, 401, "{}", wrong.summary());
    assert!(!wrong.body_contains(&bytes[..64]));
    let right = basic_auth("", PASSWORD);
    assert_bytes(&curl(&url, &[("Authorization", &right)]), &bytes, "basic");
    assert_bytes(
        &curl(&format!("{url}/raw"), &[("Authorization", &right)]),
        &bytes,
        "basic raw",
    );

    // A browser gets a form first, and nothing of the file.
    let form = get(&url, BROWSER);
    assert!([200, 401].contains(&form.status), "{}", form.summary());
    let html = form.text().to_ascii_lowercase();
    assert!(html.contains("<form") && html.contains("post"), "{html}");
    assert!(
        ["name=\"password\"", "name='password'", "name=password"]
            .iter()
            .any(|field| html.contains(field)),
        "a password field: {html}"
    );
    assert!(!form.body_contains(&bytes[..64]));

    let mut post_headers = BROWSER.to_vec();
    post_headers.push(("Content-Type", "application/x-www-form-urlencoded"));
    let wrong_form = http(
        "POST",
        &url,
        &post_headers,
        Some(b"password=open+sesame+%26+43"),
    );
    assert_ne!(wrong_form.status, 303, "{}", wrong_form.summary());
    assert!(wrong_form.all("set-cookie").is_empty());

    let posted = http(
        "POST",
        &url,
        &post_headers,
        Some(b"password=open+sesame+%26+42"),
    );
    assert_eq!(posted.status, 303, "{}", posted.summary());
    let location = posted.expect_header("location");
    assert!(location.ends_with(&format!("/s/{token}")), "{location}");
    let set_cookie = posted.expect_header("set-cookie");
    assert!(
        set_cookie.contains(&format!("Path=/s/{token}")),
        "cookie scoped to the share: {set_cookie}"
    );
    let cookie = cookie_pair(set_cookie);

    let mut with_cookie = BROWSER.to_vec();
    with_cookie.push(("Cookie", cookie));
    let page = get(&url, &with_cookie);
    assert_eq!(page.status, 200, "{}", page.summary());
    let html = page.text();
    assert!(html.contains("locked.bin"), "{html}");
    assert!(html.contains(&format!("/s/{token}/raw")), "{html}");
    let download = curl(&format!("{url}/raw?download=1"), &[("Cookie", cookie)]);
    assert_bytes(&download, &bytes, "raw with the cookie");

    // A made-up cookie of the same name opens nothing.
    let (cookie_name, _) = cookie.split_once('=').expect("name=value");
    let forged = format!("{cookie_name}=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(curl(&url, &[("Cookie", &forged)]).status, 401);
}

#[test]
fn wrong_password_guesses_are_throttled_then_even_the_right_one_waits() {
    let daemon = Daemon::start();
    daemon.signup(&daemon.home, "alice", "password-a").ok();
    let (bytes, url) = password_share(&daemon, "guarded.bin");

    let mut throttled = None;
    for guess in 0..40 {
        let wrong = basic_auth("", &format!("guess number {guess}"));
        let reply = curl(&url, &[("Authorization", &wrong)]);
        assert!(!reply.body_contains(&bytes[..64]));
        match reply.status {
            401 => continue,
            429 => {
                throttled = Some((guess, reply));
                break;
            }
            _ => panic!("guess {guess}: {}", reply.summary()),
        }
    }
    let (guesses, reply) = throttled.expect("40 wrong guesses and never a 429");
    assert!(guesses >= 1, "throttled before any wrong guess");
    let retry: u64 = reply
        .expect_header("retry-after")
        .parse()
        .unwrap_or_else(|_| panic!("Retry-After in seconds: {}", reply.summary()));
    assert!(retry >= 1, "{}", reply.summary());

    // Until the wait is over the right password is refused too.
    let right = curl(&url, &[("Authorization", &basic_auth("", PASSWORD))]);
    assert_eq!(right.status, 429, "{}", right.summary());
    assert!(right.header("retry-after").is_some());
    assert!(!right.body_contains(&bytes[..64]));
    let mut post_headers = BROWSER.to_vec();
    post_headers.push(("Content-Type", "application/x-www-form-urlencoded"));
    let posted = http(
        "POST",
        &url,
        &post_headers,
        Some(b"password=open+sesame+%26+42"),
    );
    assert_eq!(posted.status, 429, "{}", posted.summary());
    assert!(posted.all("set-cookie").is_empty());
    assert!(!contains(&posted.body, &bytes[..64]));
}
