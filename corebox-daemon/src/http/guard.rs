//! Who the client is, how often it may ask, and the headers every answer
//! carries.
//!
//! The client is the TCP peer, unless the peer is one of the configured
//! `trusted_proxies`: then it is the nearest address in `X-Forwarded-For`
//! that is not itself a trusted proxy. A header from anyone else is
//! ignored, so it cannot be used to dodge the rate limit or to forge the
//! address recorded with a download.
//!
//! Each client gets a token bucket from `governor` (`http_rate_per_second`,
//! bursts of `http_burst`); past it the answer is 429 with `Retry-After`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::Public;

/// The client's address, as [`admit`] worked it out.
#[derive(Debug, Clone, Copy)]
pub struct Client(pub IpAddr);

/// The CSP of answers that do not set their own: nothing may load, and no
/// page may frame them.
const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Rate limits and the trusted proxies.
#[derive(Debug)]
pub struct Guard {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    trusted: Vec<IpAddr>,
}

impl Guard {
    /// `per_second` requests per client, in bursts of `burst`; both are at
    /// least 1 (the configuration checks).
    pub fn new(per_second: u32, burst: u32, trusted: Vec<IpAddr>) -> Guard {
        let per_second = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        Guard {
            limiter: RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)),
            clock: DefaultClock::default(),
            trusted: trusted.into_iter().map(|ip| ip.to_canonical()).collect(),
        }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.contains(&ip)
    }

    /// The client behind a request from `peer`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.is_trusted(peer) {
            return peer;
        }
        // Each proxy appends the address it got the request from, so the
        // nearest untrusted hop, read from the right, is the client.
        let mut client = peer;
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            let hop = hop.trim();
            // Some proxies add the client's port: `1.2.3.4:5`, `[::1]:5`.
            let parsed = hop
                .parse::<IpAddr>()
                .or_else(|_| hop.parse::<SocketAddr>().map(|address| address.ip()));
            let Ok(ip) = parsed else {
                // A hop no one can read: the client is unknown, and must
                // not pass for the (often loopback) proxy itself.
                return IpAddr::V4(Ipv4Addr::UNSPECIFIED);
            };
            client = ip.to_canonical();
            if !self.is_trusted(client) {
                break;
            }
        }
        client
    }

    /// Takes one request from `client`'s budget; `Err` holds the whole
    /// seconds to wait (at least 1).
    fn check(&self, client: IpAddr) -> Result<(), u64> {
        self.limiter.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
        })
    }

    /// Drops the buckets of clients that have been quiet long enough to be
    /// full again, so memory does not grow with every address ever seen.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// Works out the client ([`Client`], for the handlers) and applies its
/// rate limit.
pub async fn admit(
    State(public): State<Arc<Public>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let client = public.guard.client(peer.ip(), request.headers());
    request.extensions_mut().insert(Client(client));
    if let Err(wait) = public.guard.check(client) {
        let mut response = super::text(
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many requests: retry in {wait} s\n"),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return response;
    }
    next.run(request).await
}

/// Adds the headers every answer carries, keeping those a handler set
/// itself (a page's or a file's own CSP).
pub async fn secure_headers(State(public): State<Arc<Public>>, mut response: Response) -> Response {
    let headers = response.headers_mut();
    let mut add = |name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    add(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    add(header::X_FRAME_OPTIONS, "DENY");
    add(header::REFERRER_POLICY, "no-referrer");
    add(header::CONTENT_SECURITY_POLICY, DEFAULT_CSP);
    add(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if public.is_https {
        add(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    response
}

/// An empty body with `status`, for answers whose headers say it all.
pub fn empty(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                "x-forwarded-for",
                HeaderValue::from_str(value).expect("value"),
            );
        }
        headers
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        let inner: IpAddr = "10.0.0.2".parse().expect("ip");
        let guard = Guard::new(1, 1, vec![proxy, inner]);
        let stranger: IpAddr = "192.0.2.9".parse().expect("ip");
        let headers = forwarded(&["198.51.100.1"]);
        assert_eq!(guard.client(stranger, &headers), stranger, "untrusted peer");
        assert_eq!(
            guard.client(proxy, &headers),
            "198.51.100.1".parse::<IpAddr>().expect("ip")
        );
        // A client may send its own X-Forwarded-For; the proxies append
        // theirs: the nearest untrusted hop wins.
        let chain = forwarded(&["6.6.6.6, 198.51.100.1", "10.0.0.2"]);
        assert_eq!(
            guard.client(proxy, &chain),
            "198.51.100.1".parse::<IpAddr>().expect("ip")
        );
        let junk = forwarded(&["not-an-ip"]);
        assert_eq!(
            guard.client(proxy, &junk),
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            "unparsable: unknown, never the proxy"
        );
        let ported = forwarded(&["198.51.100.1:4711", "[2001:db8::5]:80"]);
        assert_eq!(
            guard.client(proxy, &ported),
            "2001:db8::5".parse::<IpAddr>().expect("ip"),
            "ports are dropped"
        );
        assert_eq!(guard.client(proxy, &HeaderMap::new()), proxy);
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().expect("ip");
        assert_eq!(
            guard.client(mapped, &headers),
            "198.51.100.1".parse::<IpAddr>().expect("ip"),
            "IPv4-mapped peers are the same proxy"
        );
    }

    #[test]
    fn a_client_past_its_burst_waits_whole_seconds() {
        let guard = Guard::new(1, 2, Vec::new());
        let client: IpAddr = "192.0.2.1".parse().expect("ip");
        assert!(guard.check(client).is_ok());
        assert!(guard.check(client).is_ok());
        let wait = guard.check(client).expect_err("over the burst");
        assert!(wait >= 1, "{wait}");
        let other: IpAddr = "192.0.2.2".parse().expect("ip");
        assert!(guard.check(other).is_ok(), "budgets are per client");
    }
}
