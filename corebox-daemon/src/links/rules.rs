//! What a short link may be: the shape of codes and aliases, the words the
//! public endpoint keeps for itself, and the checks every target passes.
//!
//! A target is stored in the normal form the `url` crate gives it: ASCII
//! only (international host names as punycode, everything else
//! percent-encoded), so it can go into a `Location` header as it is and a
//! look-alike host shows what it really is on the inspect page.

use std::net::{IpAddr, SocketAddr};

use unicode_security::MixedScript;
use url::{Host, Url};

use super::LinksError;

/// First path segments the public endpoint uses or keeps for later; no
/// alias may be one of them (compared without case).
pub const RESERVED_WORDS: &[&str] = &[
    "s",
    "healthz",
    "metrics",
    "robots.txt",
    "favicon.ico",
    "api",
    "static",
    "assets",
    "admin",
    "login",
];

/// Longest alias, in characters.
pub const MAX_ALIAS_CHARS: usize = 64;

/// Longest target, in bytes, as given and as stored.
pub const MAX_TARGET_BYTES: usize = 4096;

/// Whether `code` could name a link: 1 to 64 of `[A-Za-z0-9_-]`. Checked
/// before any lookup, so junk never reaches the cache or the database.
pub fn is_code_shaped(code: &str) -> bool {
    (1..=MAX_ALIAS_CHARS).contains(&code.len())
        && code
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
}

/// The lookup key of a code: codes are unique and found without case.
pub fn key_of(code: &str) -> String {
    code.to_ascii_lowercase()
}

/// Checks an alias the user chose.
///
/// # Errors
///
/// [`LinksError::Invalid`] saying which rule it breaks.
pub fn check_alias(alias: &str) -> Result<(), LinksError> {
    if !is_code_shaped(alias) {
        return Err(LinksError::Invalid(format!(
            "an alias is 1 to {MAX_ALIAS_CHARS} letters, digits, '_' or '-': choose another"
        )));
    }
    if RESERVED_WORDS.contains(&key_of(alias).as_str()) {
        return Err(LinksError::Invalid(format!(
            "'{alias}' is a path this CoreBox uses itself: choose another alias"
        )));
    }
    Ok(())
}

/// The addresses this daemon answers on, which no target may point at
/// (a link to itself would redirect forever). Hosts are compared as the
/// URL parser normalises them, names without a trailing dot, IPs as
/// addresses (an IPv4-mapped IPv6 address is its IPv4 address); when the
/// daemon listens on loopback or on every address, any loopback address,
/// `localhost` and `0.0.0.0` at its port are itself too; when it listens on
/// every address, so is any address of this machine at its port (one this
/// host can bind). A host name other than the public one that resolves to
/// this machine is not caught: names are not resolved when a link is made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Own {
    /// The public host name: itself on any port (behind a proxy).
    names: Vec<String>,
    /// The public address and the bound one, when they are IPs.
    addresses: Vec<SocketAddr>,
    loopback_ports: Vec<u16>,
    /// The port, when the daemon listens on every address.
    every_address_port: Option<u16>,
}

/// Whether `ip` is an address of this machine: only those can be bound.
fn is_local_address(ip: IpAddr) -> bool {
    std::net::UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok()
}

fn normal_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl Own {
    /// The addresses of a daemon whose links start with `public_base` and
    /// which listens on `bound`.
    pub fn new(public_base: &str, bound: SocketAddr) -> Own {
        let mut own = Own {
            addresses: vec![SocketAddr::new(bound.ip().to_canonical(), bound.port())],
            ..Own::default()
        };
        if let Ok(url) = Url::parse(public_base) {
            let port = url.port_or_known_default().unwrap_or(0);
            match url.host() {
                Some(Host::Domain(name)) => own.names.push(normal_name(name)),
                Some(Host::Ipv4(ip)) => own.addresses.push(SocketAddr::new(IpAddr::V4(ip), port)),
                Some(Host::Ipv6(ip)) => own
                    .addresses
                    .push(SocketAddr::new(IpAddr::V6(ip).to_canonical(), port)),
                None => {}
            }
        }
        if bound.ip().is_loopback() || bound.ip().is_unspecified() {
            own.loopback_ports.push(bound.port());
        }
        if bound.ip().is_unspecified() {
            own.every_address_port = Some(bound.port());
        }
        own
    }

    /// Whether `url` points at this daemon.
    fn contains(&self, url: &Url) -> bool {
        let port = url.port_or_known_default().unwrap_or(0);
        let ip = match url.host() {
            Some(Host::Domain(name)) => {
                let name = normal_name(name);
                let local = name == "localhost" || name.ends_with(".localhost");
                return self.names.contains(&name)
                    || (local && self.loopback_ports.contains(&port));
            }
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(Host::Ipv6(ip)) => IpAddr::V6(ip).to_canonical(),
            None => return false,
        };
        self.addresses.contains(&SocketAddr::new(ip, port))
            || ((ip.is_loopback() || ip.is_unspecified()) && self.loopback_ports.contains(&port))
            || (self.every_address_port == Some(port) && is_local_address(ip))
    }
}

/// Checks a target and returns its normal form.
///
/// # Errors
///
/// [`LinksError::Invalid`] saying what is wrong: too long, control
/// characters, not an absolute http(s) URL, credentials, a percent-encoded
/// or mixed-script host, or one of `own` (a link to itself would loop).
pub fn check_target(raw: &str, own: &Own) -> Result<String, LinksError> {
    let invalid = |message: &str| Err(LinksError::Invalid(message.to_owned()));
    let raw = raw.trim_matches(|c: char| c == ' ');
    if raw.len() > MAX_TARGET_BYTES {
        return invalid("a target is at most 4096 bytes: shorten it first");
    }
    if raw.chars().any(char::is_control) {
        return invalid(
            "a target cannot contain control characters (line breaks, tabs, NUL): \
             percent-encode them",
        );
    }
    let scheme = raw
        .split_once(':')
        .map(|(scheme, _)| scheme.to_ascii_lowercase())
        .filter(|scheme| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
    match scheme.as_deref() {
        Some("http" | "https") => {}
        Some(other) => {
            return Err(LinksError::Invalid(format!(
                "'{other}:' targets cannot be shortened: only http:// and https:// URLs can"
            )));
        }
        None => {
            return invalid("a target is an absolute URL starting with http:// or https://");
        }
    }
    // What the URL parser would quietly rewrite: a host written in
    // percent-escapes, and backslashes, which it reads as '/'.
    let authority = raw.split_once("://").map_or("", |(_, rest)| {
        rest.split(['/', '?', '#']).next().unwrap_or("")
    });
    if authority.is_empty() {
        return invalid("a target needs a host name right after http:// or https://");
    }
    if authority.contains('%') {
        return invalid("a target's host cannot be percent-encoded: write it plainly");
    }
    if raw.contains('\\') {
        return invalid("a target cannot contain '\\': use '/' or percent-encode it as %5C");
    }
    let url = Url::parse(raw).map_err(|error| {
        LinksError::Invalid(format!("the target is not a valid URL ({error}): check it"))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return invalid(
            "a target cannot carry a user name or password (user:password@): remove them",
        );
    }
    let Some(host) = url.host_str() else {
        return invalid("a target needs a host name");
    };
    let (unicode, errors) = idna::domain_to_unicode(host);
    if errors.is_err() {
        return invalid("the target's host is not a valid international domain name");
    }
    if let Some(label) = unicode.split('.').find(|label| !label.is_single_script()) {
        return Err(LinksError::Invalid(format!(
            "the target's host mixes alphabets in '{label}', as look-alike addresses do: \
             check it"
        )));
    }
    if own.contains(&url) {
        return invalid("a target on this CoreBox's own address would loop: link elsewhere");
    }
    let normal = url.to_string();
    if normal.len() > MAX_TARGET_BYTES {
        return invalid("a target is at most 4096 bytes once encoded: shorten it first");
    }
    Ok(normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own() -> Own {
        Own::new(
            "http://127.0.0.1:8390",
            "127.0.0.1:8390".parse().expect("address"),
        )
    }

    #[test]
    fn good_targets_come_back_normalised() {
        for (raw, normal) in [
            ("https://example.com", "https://example.com/"),
            (
                "HTTPS://Example.COM:443/a/../b?q=1#top",
                "https://example.com/b?q=1#top",
            ),
            ("https://münchen.de/a b", "https://xn--mnchen-3ya.de/a%20b"),
            ("http://127.0.0.1:8391/other", "http://127.0.0.1:8391/other"),
            (
                "https://example.com/?next=%0d%0a",
                "https://example.com/?next=%0d%0a",
            ),
        ] {
            let checked =
                check_target(raw, &own()).unwrap_or_else(|error| panic!("{raw}: {error}"));
            assert_eq!(checked, normal, "{raw}");
        }
    }

    #[test]
    fn bad_targets_are_refused_with_the_reason() {
        let long = format!("https://example.com/{}", "a".repeat(4096));
        for (raw, reason) in [
            ("javascript:alert(1)", "'javascript:'"),
            ("JavaScript:alert(1)", "'javascript:'"),
            ("data:text/html,<script>", "'data:'"),
            ("file:///etc/passwd", "'file:'"),
            ("ftp://example.com/", "'ftp:'"),
            ("example.com", "absolute URL"),
            ("//example.com", "absolute URL"),
            (
                "https://example.com/\r\nSet-Cookie: x",
                "control characters",
            ),
            ("https://example.com/\0", "control characters"),
            ("https://user:pw@example.com/", "password"),
            ("https://user@example.com/", "password"),
            ("http://%65vil.com/", "percent-encoded"),
            ("https://evil.com\\@good.com/", "'\\'"),
            ("https://exаmple.com/", "mixes alphabets"),
            ("http://127.0.0.1:8390/s/abc", "loop"),
            ("http://127.0.0.1:8390", "loop"),
            ("http://[::ffff:127.0.0.1]:8390/loop", "loop"),
            ("http://0.0.0.0:8390/loop", "loop"),
            ("http://127.1.2.3:8390/loop", "loop"),
            ("http://[::1]:8390/loop", "loop"),
            ("http://localhost.:8390/loop", "loop"),
            ("http://LOCALHOST:8390/loop", "loop"),
            ("https://", "host name"),
            ("https:///nohost", "host name"),
            ("https:/nohost", "host name"),
            (long.as_str(), "4096"),
        ] {
            let error = check_target(raw, &own()).expect_err(raw).to_string();
            assert!(error.contains(reason), "{raw:?}: {error}");
        }
    }

    #[test]
    fn the_public_host_is_itself_on_any_port_and_scheme() {
        let own = Own::new(
            "https://box.example.com",
            "127.0.0.1:8390".parse().expect("address"),
        );
        for looping in [
            "https://box.example.com/docs",
            "https://box.example.com./docs",
            "http://box.example.com/docs",
            "https://BOX.example.com:8443/x",
            "http://127.0.0.1:8390/x",
        ] {
            let error = check_target(looping, &own).expect_err(looping).to_string();
            assert!(error.contains("loop"), "{looping}: {error}");
        }
        for fine in [
            "https://example.com/",
            "http://127.0.0.1:8391/",
            "https://sub.box.example.com/",
        ] {
            check_target(fine, &own).unwrap_or_else(|error| panic!("{fine}: {error}"));
        }
    }

    #[test]
    fn listening_on_every_address_makes_each_address_of_this_machine_itself() {
        let own = Own::new(
            "http://box.example.com:8390",
            "0.0.0.0:8390".parse().expect("address"),
        );
        for looping in [
            "http://127.0.0.2:8390/x",
            "http://0.0.0.0:8390/x",
            "http://[::1]:8390/",
        ] {
            let error = check_target(looping, &own).expect_err(looping).to_string();
            assert!(error.contains("loop"), "{looping}: {error}");
        }
        // The address this machine would send from, where it has a route.
        let probe = std::net::UdpSocket::bind("0.0.0.0:0").expect("udp");
        if probe.connect("192.0.2.1:9").is_ok()
            && let Ok(local) = probe.local_addr()
            && !local.ip().is_unspecified()
        {
            let looping = format!("http://{}:8390/x", local.ip());
            let error = check_target(&looping, &own)
                .expect_err(&looping)
                .to_string();
            assert!(error.contains("loop"), "{looping}: {error}");
            let other_port = format!("http://{}:8391/x", local.ip());
            check_target(&other_port, &own).unwrap_or_else(|error| panic!("{error}"));
        }
        // Addresses of other machines stay fine.
        check_target("http://192.0.2.254:8390/x", &own).expect("another machine");
    }

    #[test]
    fn aliases_follow_the_charset_and_skip_reserved_words() {
        for good in ["docs", "release-42", "A_b", &"x".repeat(64)] {
            check_alias(good).unwrap_or_else(|error| panic!("{good}: {error}"));
        }
        for bad in ["", "a b", "a/b", "..", "ü", "a.b", "a+", &"x".repeat(65)] {
            assert!(check_alias(bad).is_err(), "{bad:?}");
        }
        for reserved in ["s", "S", "healthz", "Metrics", "api"] {
            let error = check_alias(reserved).expect_err(reserved).to_string();
            assert!(error.contains("uses itself"), "{error}");
        }
    }
}
