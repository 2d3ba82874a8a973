//! What records keep of a visitor: the address as the `client_address`
//! setting allows, and headers (User-Agent, Referer) up to a length.

use std::net::IpAddr;

use crate::config::ClientAddress;

/// The part of `ip` that records may keep: all of it, its network (IPv4
/// /24, IPv6 /48, written with the rest zeroed), or nothing.
pub fn kept_address(ip: IpAddr, setting: ClientAddress) -> Option<String> {
    match setting {
        ClientAddress::Full => Some(ip.to_canonical().to_string()),
        ClientAddress::None => None,
        ClientAddress::Truncated => Some(match ip.to_canonical() {
            IpAddr::V4(v4) => {
                let [a, b, c, _] = v4.octets();
                format!("{a}.{b}.{c}.0/24")
            }
            IpAddr::V6(v6) => {
                let segments = v6.segments();
                let network =
                    std::net::Ipv6Addr::new(segments[0], segments[1], segments[2], 0, 0, 0, 0, 0);
                format!("{network}/48")
            }
        }),
    }
}

/// Longest User-Agent or Referer kept, in bytes.
const MAX_HEADER_KEPT: usize = 512;

/// At most 512 bytes of a header's text, cut at a character boundary.
pub fn kept_header(text: &str) -> &str {
    if text.len() <= MAX_HEADER_KEPT {
        return text;
    }
    let mut end = MAX_HEADER_KEPT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_kept_as_configured() {
        let v4: IpAddr = "203.0.113.77".parse().expect("ip");
        let v6: IpAddr = "2001:db8:1234:5678::9".parse().expect("ip");
        let mapped: IpAddr = "::ffff:198.51.100.9".parse().expect("ip");
        assert_eq!(
            kept_address(v4, ClientAddress::Full).as_deref(),
            Some("203.0.113.77")
        );
        assert_eq!(
            kept_address(v4, ClientAddress::Truncated).as_deref(),
            Some("203.0.113.0/24")
        );
        assert_eq!(
            kept_address(v6, ClientAddress::Truncated).as_deref(),
            Some("2001:db8:1234::/48")
        );
        assert_eq!(
            kept_address(mapped, ClientAddress::Truncated).as_deref(),
            Some("198.51.100.0/24")
        );
        assert_eq!(kept_address(v4, ClientAddress::None), None);
    }

    #[test]
    fn long_headers_are_cut_at_a_character() {
        assert_eq!(kept_header("short"), "short");
        let long = "é".repeat(300);
        let kept = kept_header(&long);
        assert!(kept.len() <= 512 && kept.len() >= 510, "{}", kept.len());
        assert!(long.starts_with(kept));
    }
}
