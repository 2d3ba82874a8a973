//! The HTTP side of the harness: a real client (ureq) for ordinary
//! requests, and a raw TCP writer for requests no client would send
//! (absurd paths, broken percent-encoding, huge headers) and for checking
//! exactly what came back on the wire (no body after HEAD or 304).
//!
//! Every status is returned as it is, redirects are never followed, and
//! every exchange is bounded by a timeout, so a hung daemon fails a test
//! instead of hanging it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How long one HTTP exchange with the daemon may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The headers curl sends.
pub const CURL: &[(&str, &str)] = &[("Accept", "*/*"), ("User-Agent", "curl/8.5.0")];

/// The headers a browser sends for a page.
pub const BROWSER: &[(&str, &str)] = &[
    (
        "Accept",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ),
    (
        "User-Agent",
        "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
    ),
];

/// One HTTP response, read to the end.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Header names (lower case) and values, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Reply {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Every value of header `name` (any case).
    pub fn all(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Header `name`, which must be there.
    #[track_caller]
    pub fn expect_header(&self, name: &str) -> &str {
        self.header(name)
            .unwrap_or_else(|| panic!("no {name} header: {}", self.summary()))
    }

    /// The body as text, invalid UTF-8 replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Status, headers and the start of the body, for failure messages.
    pub fn summary(&self) -> String {
        let mut text = format!("HTTP {}\n", self.status);
        for (key, value) in &self.headers {
            let value: String = value.chars().take(200).collect();
            text.push_str(&format!("{key}: {value}\n"));
        }
        let body = self.text();
        let head: String = body.chars().take(600).collect();
        text.push_str(&format!("({} body bytes) {head}", self.body.len()));
        text
    }

    /// True when the body contains `needle` anywhere.
    pub fn body_contains(&self, needle: &[u8]) -> bool {
        contains(&self.body, needle)
    }
}

/// True when `haystack` contains `needle` (an empty needle is always in).
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

/// Sends one request with a real HTTP client and reads the whole answer.
/// Panics only when no answer came at all (refused, reset, timed out).
#[track_caller]
pub fn http(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Reply {
    // A fresh agent per request: pooled connections could outlive the
    // daemon they went to, and a later daemon may reuse its port.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(HTTP_TIMEOUT))
        .build()
        .into();
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let result = match body {
        Some(bytes) => agent.run(request.body(bytes.to_vec()).expect("valid request")),
        None => agent.run(request.body(()).expect("valid request")),
    };
    let mut response =
        result.unwrap_or_else(|error| panic!("{method} {url}: no HTTP answer: {error}"));
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_ascii_lowercase(), value)
        })
        .collect();
    let body = if method == "HEAD" {
        Vec::new()
    } else {
        response
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .read_to_vec()
            .unwrap_or_else(|error| panic!("{method} {url}: body cut short: {error}"))
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// `GET url` with `headers`.
#[track_caller]
pub fn get(url: &str, headers: &[(&str, &str)]) -> Reply {
    http("GET", url, headers, None)
}

/// `GET url` as curl would, plus `extra` headers.
#[track_caller]
pub fn curl(url: &str, extra: &[(&str, &str)]) -> Reply {
    let mut headers = CURL.to_vec();
    headers.extend_from_slice(extra);
    get(url, &headers)
}

/// The authority (`127.0.0.1:PORT`) of a base URL such as `http_base()`.
pub fn authority(base: &str) -> &str {
    let rest = base.strip_prefix("http://").unwrap_or(base);
    rest.split('/').next().unwrap_or(rest)
}

/// Writes `request` as it is on a new connection to `base`'s address and
/// reads until the daemon closes it (the request should say
/// `Connection: close`). `None` when the daemon closed the connection
/// without a single byte of answer.
#[track_caller]
pub fn raw(base: &str, request: &[u8]) -> Option<Reply> {
    let address = authority(base);
    let mut stream =
        TcpStream::connect(address).unwrap_or_else(|error| panic!("connect to {address}: {error}"));
    stream
        .set_read_timeout(Some(HTTP_TIMEOUT))
        .expect("read timeout");
    stream
        .set_write_timeout(Some(HTTP_TIMEOUT))
        .expect("write timeout");
    // The daemon may answer and close before reading all of an oversized
    // request; what it answered is still readable.
    let _ = stream.write_all(request);
    let mut received = Vec::new();
    let deadline = Instant::now() + HTTP_TIMEOUT;
    let mut buffer = [0u8; 16 * 1024];
    while Instant::now() < deadline {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            // A reset after the answer, or a timeout on a kept-alive
            // connection: what arrived is the answer.
            Err(_) => break,
        }
    }
    if received.is_empty() {
        return None;
    }
    Some(parse_response(&received))
}

/// A raw request for `target` with `method`: `Host` and `Connection:
/// close`, then each of `lines` (`Name: value`), then an empty line.
pub fn raw_request(method: &str, target: &str, base: &str, lines: &[&str]) -> Vec<u8> {
    let mut request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        authority(base)
    );
    for line in lines {
        request.push_str(line);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    request.into_bytes()
}

/// [`raw`] of a `GET` request built by [`raw_request`]; panics when the
/// daemon closed the connection without answering.
#[track_caller]
pub fn raw_get(base: &str, target: &str, lines: &[&str]) -> Reply {
    let request = raw_request("GET", target, base, lines);
    raw(base, &request).unwrap_or_else(|| panic!("no answer to GET {target}"))
}

/// Parses one HTTP/1.1 response: status line, headers, and the body as
/// received (de-chunked when chunked). The body is everything after the
/// headers, so bytes sent where none belong (after HEAD or 304) show.
#[track_caller]
fn parse_response(received: &[u8]) -> Reply {
    let split = received
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or_else(|| {
            panic!(
                "no end of headers in: {}",
                String::from_utf8_lossy(received)
            )
        });
    let head = String::from_utf8_lossy(&received[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let rest = &received[split + 4..];
    let chunked = headers
        .iter()
        .any(|(name, value)| name == "transfer-encoding" && value.contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Reply {
        status,
        headers,
        body,
    }
}

/// Decodes a chunked body (trailers ignored).
fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(end) = rest.windows(2).position(|window| window == b"\r\n") {
        let size_text = String::from_utf8_lossy(&rest[..end]).into_owned();
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let Ok(size) = usize::from_str_radix(size_text, 16) else {
            break;
        };
        rest = &rest[end + 2..];
        if size == 0 || rest.len() < size {
            body.extend_from_slice(&rest[..size.min(rest.len())]);
            break;
        }
        body.extend_from_slice(&rest[..size]);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
    body
}

/// The `Authorization` value for HTTP Basic with `user` and `password`.
pub fn basic_auth(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}");
    let mut encoded = String::new();
    for chunk in input.as_bytes().chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let triple = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for i in 0..4 {
            if i <= chunk.len() {
                let sextet = (triple >> (18 - 6 * i)) & 63;
                encoded.push(char::from(ALPHABET[sextet as usize]));
            } else {
                encoded.push('=');
            }
        }
    }
    format!("Basic {encoded}")
}

/// The token of a share URL (`…/s/TOKEN`).
#[track_caller]
pub fn share_token(url: &str) -> String {
    let (_, token) = url
        .rsplit_once("/s/")
        .unwrap_or_else(|| panic!("not a share URL: {url:?}"));
    assert!(!token.is_empty() && !token.contains('/'), "{url:?}");
    token.to_owned()
}

/// A token of the same length and alphabet as `token` that names no share.
pub fn unknown_token_like(token: &str) -> String {
    token
        .chars()
        .map(|c| match c {
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            c if c.is_ascii_alphanumeric() => char::from(c as u8 + 1),
            c => c,
        })
        .collect()
}

/// Asks `url` with `headers` until it answers `status`, for at most
/// `limit`, and returns that answer; panics with the last answer when the
/// time is up. Used for expiry: the test waits only as long as needed.
#[track_caller]
pub fn poll_until_status(
    url: &str,
    headers: &[(&str, &str)],
    status: u16,
    limit: Duration,
) -> Reply {
    let deadline = Instant::now() + limit;
    loop {
        let reply = get(url, headers);
        if reply.status == status {
            return reply;
        }
        assert!(
            Instant::now() < deadline,
            "{url} still answers {} after {limit:?}: {}",
            reply.status,
            reply.summary()
        );
        // A bounded poll of an expiry, not a wait for readiness.
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The security headers every response must carry.
#[track_caller]
pub fn assert_secure_headers(reply: &Reply, what: &str) {
    let context = || format!("{what}: {}", reply.summary());
    assert_eq!(
        reply.header("x-content-type-options"),
        Some("nosniff"),
        "{}",
        context()
    );
    assert_eq!(
        reply.header("referrer-policy"),
        Some("no-referrer"),
        "{}",
        context()
    );
    assert_eq!(
        reply.header("x-frame-options").map(str::to_ascii_uppercase),
        Some("DENY".to_owned()),
        "{}",
        context()
    );
    let csp = reply.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("frame-ancestors 'none'"),
        "CSP without frame-ancestors 'none': {}",
        context()
    );
}
