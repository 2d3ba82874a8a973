//! What is kept of a visitor's address, per the `client_address` setting.

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
}
