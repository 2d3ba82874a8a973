//! `import`: the daemon downloads a URL into its owner's files.
//!
//! The daemon sits inside a network the public cannot reach, so a URL
//! must not make it fetch from there (server-side request forgery). Every
//! address a request would connect to is checked: host names through a
//! resolver that refuses loopback, private, link-local and other
//! non-public addresses, IP literals in the URL and in every redirect
//! before they are followed, and proxies are never used (they would
//! resolve names themselves). `import_allow_private` lifts the check, for
//! a daemon whose private network is meant to be imported from;
//! `import_allow_addresses` lifts it for a few addresses only (an
//! internal mirror), so that a redirect from there to anywhere else
//! private is still refused.
//!
//! The body streams into a staged output, hashed on the way, within
//! `import_max_size`; progress is the share of `Content-Length` received.

use std::error::Error as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use corebox_proto::types::JobOutcome;
use percent_encoding::percent_decode_str;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{CONTENT_DISPOSITION, HeaderMap};
use reqwest::{StatusCode, Url, redirect};
use tokio_util::sync::CancellationToken;

use super::outputs::{NewFile, check_file_size, quota_failure};
use super::{Done, Failure, Progress, commit_file};
use crate::auth::Actor;
use crate::files::check_quota;
use crate::jobs::Jobs;
use crate::storage::Output;
use crate::units::Size;

/// Longest URL accepted, in bytes.
const MAX_URL_BYTES: usize = 4096;

/// Redirects followed at most.
const MAX_REDIRECTS: usize = 5;

/// Bytes gathered before each write to the staged output.
const WRITE_BYTES: usize = 1 << 20;

/// Whether `ip` is a public unicast address: not loopback, private,
/// link-local, shared (CGNAT), documentation, benchmarking, multicast,
/// broadcast, unspecified or reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || (a == 100 && (b & 0xc0) == 64)
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (b & 0xfe) == 18))
        }
        IpAddr::V6(v6) => {
            let [first, second, third, ..] = v6.segments();
            let bits = v6.to_bits();
            // Addresses that carry an IPv4 address, which decides: NAT64
            // (64:ff9b::/96, the last 32 bits), IPv4-compatible (::/96,
            // deprecated but still routed by some stacks) and 6to4
            // (2002::/16, the 32 bits after the prefix).
            let embedded = if (first == 0x64 && second == 0xff9b) || bits >> 32 == 0 {
                Some(std::net::Ipv4Addr::from_bits(bits as u32))
            } else if first == 0x2002 {
                Some(std::net::Ipv4Addr::from_bits(
                    (u32::from(second) << 16) | u32::from(third),
                ))
            } else {
                None
            };
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
                || (first == 0x2001 && second == 0x0db8)
                || embedded.is_some_and(|v4| !is_public(IpAddr::V4(v4))))
        }
    }
}

/// A request refused because of where it would go.
#[derive(Debug)]
struct Refused(String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// Why `url` may not be imported from, checked before a job is queued.
///
/// # Errors
///
/// The reason, for the user.
pub fn check_url(url: &str) -> Result<Url, String> {
    if url.len() > MAX_URL_BYTES {
        return Err("a URL to import is at most 4096 bytes".to_owned());
    }
    let parsed =
        Url::parse(url.trim()).map_err(|error| format!("'{url}' is not a URL: {error}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "only http:// and https:// URLs can be imported, not {}:",
            parsed.scheme()
        ));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("the URL has no host".to_owned());
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("put no user name or password in the URL to import".to_owned());
    }
    Ok(parsed)
}

/// The IP in `url`'s host, when it is written as one.
fn literal_ip(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

/// The addresses imports may reach beyond the public ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowance {
    /// Every loopback, private and other non-public address.
    pub private: bool,
    /// These addresses only.
    pub addresses: Vec<IpAddr>,
}

impl Allowance {
    /// Whether an import may connect to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.private
            || is_public(ip)
            || self
                .addresses
                .iter()
                .any(|allowed| allowed.to_canonical() == ip.to_canonical())
    }
}

/// The resolver that refuses addresses the allowance does not cover.
struct Guarded {
    allowance: Arc<Allowance>,
}

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let (host, allowance) = (name.as_str().to_owned(), Arc::clone(&self.allowance));
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(private) = found.iter().find(|addr| !allowance.allows(addr.ip())) {
                return Err(Box::new(Refused(format!(
                    "{host} resolves to {}, which is not a public address",
                    private.ip()
                ))) as _);
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

fn client(allowance: &Arc<Allowance>) -> Result<reqwest::Client, Failure> {
    let guard = Arc::clone(allowance);
    let policy = redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= MAX_REDIRECTS {
            return attempt.error(Refused(format!("more than {MAX_REDIRECTS} redirects")));
        }
        let url = attempt.url();
        if !matches!(url.scheme(), "http" | "https") {
            let refused = Refused(format!("a redirect to {}: is not followed", url.scheme()));
            return attempt.error(refused);
        }
        match literal_ip(url) {
            Some(ip) if !guard.allows(ip) => attempt.error(Refused(format!(
                "a redirect to {ip}, which is not a public address"
            ))),
            _ => attempt.follow(),
        }
    });
    reqwest::Client::builder()
        .user_agent(concat!("corebox-import/", env!("CARGO_PKG_VERSION")))
        .no_proxy()
        .dns_resolver(Arc::new(Guarded {
            allowance: Arc::clone(allowance),
        }))
        .redirect(policy)
        .connect_timeout(Duration::from_secs(15))
        .read_timeout(Duration::from_secs(60))
        .build()
        .map_err(|error| Failure::Permanent(format!("cannot set up the HTTP client: {error}")))
}

/// A request error as a failure: refusals are final, the rest retried.
fn request_failure(error: &reqwest::Error) -> Failure {
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<Refused>() {
            return Failure::Permanent(format!("refused: {refused}"));
        }
        source = cause.source();
    }
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message = format!("{message}: {cause}");
        source = cause.source();
    }
    // The error names the URL, which goes to the log: without its query,
    // where signed URLs keep their secrets.
    if let Some(url) = error.url() {
        message = message.replace(url.as_str(), &without_query(url));
    }
    Failure::Retry(format!("cannot download: {message}"))
}

/// `url` without its query and fragment, marked where they were cut.
fn without_query(url: &Url) -> String {
    let mut shown = url.clone();
    let cut = shown.query().is_some() || shown.fragment().is_some();
    shown.set_query(None);
    shown.set_fragment(None);
    if cut {
        format!("{shown}?…")
    } else {
        shown.to_string()
    }
}

/// The file name a `Content-Disposition` header gives, if any.
fn disposition_name(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_DISPOSITION)?.to_str().ok()?;
    let parameters: Vec<(&str, &str)> = value
        .split(';')
        .filter_map(|part| part.trim().split_once('='))
        .collect();
    let extended = parameters.iter().find_map(|(key, value)| {
        let (_, encoded) = key
            .eq_ignore_ascii_case("filename*")
            .then_some(value)?
            .split_once("''")?;
        percent_decode_str(encoded)
            .decode_utf8()
            .ok()
            .map(|name| name.into_owned())
    });
    extended.or_else(|| {
        parameters.iter().find_map(|(key, value)| {
            key.eq_ignore_ascii_case("filename")
                .then(|| value.trim_matches('"').to_owned())
        })
    })
}

/// A file name made of `candidate`: no `/`, `\` or control characters;
/// `None` when nothing usable is left.
fn usable_name(candidate: &str) -> Option<String> {
    let name: String = candidate
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if c == '/' || c == '\\' { '_' } else { c })
        .collect();
    let name = name.trim().to_owned();
    crate::files::check_name(&name, "").ok().map(|()| name)
}

/// The imported file's name: asked for, from the answer, from the URL's
/// last segment, or `download`.
fn file_name(asked: Option<String>, headers: &HeaderMap, url: &Url) -> String {
    let from_url = url
        .path_segments()
        .and_then(|mut segments| segments.next_back().map(str::to_owned))
        .map(|segment| {
            percent_decode_str(&segment)
                .decode_utf8_lossy()
                .into_owned()
        });
    asked
        .into_iter()
        .chain(disposition_name(headers))
        .chain(from_url)
        .find_map(|name| usable_name(&name))
        .unwrap_or_else(|| "download".to_owned())
}

async fn write(output: Output, buffer: Vec<u8>) -> Result<Output, Failure> {
    tokio::task::spawn_blocking(move || {
        let mut output = output;
        output.write(&buffer).map(|()| output)
    })
    .await
    .map_err(|error| Failure::Retry(format!("cannot store the download: {error}")))?
    .map_err(|error| Failure::Retry(format!("cannot store the download: {error}")))
}

/// Downloads `url` into `actor`'s files.
pub async fn run(
    jobs: &Jobs,
    actor: &Actor,
    url: &str,
    name: Option<String>,
    token: &CancellationToken,
    progress: &Progress,
) -> Result<Done, Failure> {
    let url = check_url(url).map_err(Failure::Permanent)?;
    let allowance = Arc::new(jobs.inner.config.import_allow.clone());
    if let Some(ip) = literal_ip(&url)
        && !allowance.allows(ip)
    {
        return Err(Failure::Permanent(format!(
            "refused: {ip} is not a public address"
        )));
    }
    progress.report(0.0, "connecting").await;
    let stopped = || Failure::Retry("stopped".to_owned());
    let response = tokio::select! {
        sent = client(&allowance)?.get(url.clone()).send() => sent.map_err(|error| request_failure(&error))?,
        () = token.cancelled() => return Err(stopped()),
    };
    let status = response.status();
    if !status.is_success() {
        let message = format!("the server answered {status}");
        let retry = status.is_server_error()
            || matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::REQUEST_TIMEOUT
            );
        return Err(if retry {
            Failure::Retry(message)
        } else {
            Failure::Permanent(message)
        });
    }
    let max = jobs.inner.config.import_max_bytes;
    let length = response.content_length();
    let too_large = || {
        Failure::Permanent(format!(
            "the download is larger than the {} the daemon imports",
            Size(max)
        ))
    };
    if length.is_some_and(|length| length > max) {
        return Err(too_large());
    }
    // A declared length past the upload limits is refused before the
    // body is read; the stored size is checked again when it is kept.
    if let Some(length) = length {
        let limits = jobs.inner.config.limits;
        check_file_size(&limits, length)?;
        let owner = actor.user_id;
        jobs.inner
            .db
            .read(move |conn| check_quota(conn, owner, length, limits.default_quota))
            .await
            .map_err(quota_failure)?;
    }
    let name = file_name(name, response.headers(), response.url());
    let mut output = jobs
        .inner
        .storage
        .create_output()
        .await
        .map_err(|error| Failure::Retry(format!("cannot store the download: {error}")))?;
    let mut response = response;
    let mut buffer = Vec::with_capacity(WRITE_BYTES);
    let mut received: u64 = 0;
    loop {
        let chunk = tokio::select! {
            chunk = response.chunk() => chunk.map_err(|error| request_failure(&error))?,
            () = token.cancelled() => return Err(stopped()),
        };
        let Some(chunk) = chunk else {
            break;
        };
        received += chunk.len() as u64;
        if received > max {
            return Err(too_large());
        }
        buffer.extend_from_slice(&chunk);
        if buffer.len() >= WRITE_BYTES {
            output = write(
                output,
                std::mem::replace(&mut buffer, Vec::with_capacity(WRITE_BYTES)),
            )
            .await?;
        }
        let fraction = length.map_or(0.0, |length| received as f64 / length.max(1) as f64);
        let shown = Size(received);
        progress
            .report(fraction * 0.95, &format!("downloaded {shown}"))
            .await;
    }
    if length.is_some_and(|length| received != length) {
        return Err(Failure::Retry(format!(
            "the download stopped after {received} of {} bytes",
            length.unwrap_or_default()
        )));
    }
    output = write(output, buffer).await?;
    progress.report(0.97, "storing").await;
    let stored = jobs
        .inner
        .storage
        .publish_output(output)
        .await
        .map_err(|error| Failure::Retry(format!("cannot store the download: {error}")))?;
    let outcome = JobOutcome {
        summary: format!("imported {name} ({})", Size(received)),
        ..JobOutcome::default()
    };
    let file = NewFile {
        name,
        variant_of: None,
        source: None,
        stored,
    };
    Ok(Done {
        outcome,
        commit: Some(commit_file(jobs, actor, file).await?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_pass() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::7f00:1",
            "::127.0.0.1",
            "::10.0.0.1",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
            "2001:db8::1",
        ] {
            let ip: IpAddr = private.parse().expect("ip");
            assert!(!is_public(ip), "{private}");
        }
        for public in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "64:ff9b::5db8:d822",
            "2002:5db8:d822::1",
        ] {
            let ip: IpAddr = public.parse().expect("ip");
            assert!(is_public(ip), "{public}");
        }
    }

    #[test]
    fn an_allowance_opens_only_what_it_names() {
        let ip = |text: &str| text.parse::<IpAddr>().expect("ip");
        let mirror = Allowance {
            private: false,
            addresses: vec![ip("10.0.0.7")],
        };
        assert!(mirror.allows(ip("10.0.0.7")));
        assert!(mirror.allows(ip("::ffff:10.0.0.7")));
        assert!(mirror.allows(ip("1.1.1.1")));
        assert!(!mirror.allows(ip("10.0.0.8")));
        assert!(!mirror.allows(ip("127.0.0.1")));
        assert!(!Allowance::default().allows(ip("10.0.0.7")));
        let all = Allowance {
            private: true,
            addresses: Vec::new(),
        };
        assert!(all.allows(ip("127.0.0.1")) && all.allows(ip("fd00::1")));
    }

    #[test]
    fn logged_urls_keep_no_query() {
        let url = Url::parse("https://bucket.example/f.tgz?X-Amz-Signature=SECRET#x").expect("url");
        assert_eq!(without_query(&url), "https://bucket.example/f.tgz?…");
        let plain = Url::parse("https://example.com/f.tgz").expect("url");
        assert_eq!(without_query(&plain), "https://example.com/f.tgz");
    }

    #[test]
    fn urls_are_checked_before_queueing() {
        assert!(check_url("https://example.com/file.tgz").is_ok());
        for bad in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "https://",
            "not a url",
            "https://u:p@example.com/",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_come_from_the_answer_or_the_url() {
        let url = Url::parse("https://example.com/dir/report%202026.pdf?x=1").expect("url");
        let mut headers = HeaderMap::new();
        assert_eq!(file_name(None, &headers, &url), "report 2026.pdf");
        headers.insert(
            CONTENT_DISPOSITION,
            "attachment; filename=\"plain.txt\"; filename*=UTF-8''r%C3%A9sum%C3%A9.txt"
                .parse()
                .expect("value"),
        );
        assert_eq!(file_name(None, &headers, &url), "résumé.txt");
        assert_eq!(
            file_name(Some("mine.bin".into()), &headers, &url),
            "mine.bin"
        );
        let root = Url::parse("https://example.com/").expect("url");
        assert_eq!(file_name(None, &HeaderMap::new(), &root), "download");
        headers.insert(
            CONTENT_DISPOSITION,
            "attachment; filename=\"../../x\"".parse().expect("v"),
        );
        assert_eq!(file_name(None, &headers, &root), ".._.._x");
    }
}
