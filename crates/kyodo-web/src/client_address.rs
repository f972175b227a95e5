//! Which address a request comes from. Behind the reverse proxy that TLS
//! needs, every connection comes from the proxy; the proxy names the
//! browser in `X-Forwarded-For`. That header is believed only when the
//! connection comes from a proxy the server was told to trust
//! (`--trusted-proxy`), since anyone else can write anything in it.

use std::net::IpAddr;
use std::str::FromStr;

/// A block of addresses in CIDR notation (`10.0.0.0/8`, `fd00::/8`); a
/// single address stands for itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IpRangeError {
    #[error("「{0}」はIPアドレスではありません（例: 10.0.0.0/8、192.168.1.10、fd00::/8）")]
    Address(String),
    #[error("「{0}」のプレフィックス長が正しくありません（IPv4は0〜32、IPv6は0〜128）")]
    Prefix(String),
}

impl FromStr for IpRange {
    type Err = IpRangeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (address, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network = address
            .parse::<IpAddr>()
            .map_err(|_| IpRangeError::Address(s.to_owned()))?
            .to_canonical();
        let width = width(network);
        let prefix = match prefix {
            None => width,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(|| IpRangeError::Prefix(s.to_owned()))?,
        };
        Ok(IpRange { network, prefix })
    }
}

impl std::fmt::Display for IpRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

fn width(ip: IpAddr) -> u8 {
    if ip.is_ipv4() { 32 } else { 128 }
}

fn bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

impl IpRange {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        if ip.is_ipv4() != self.network.is_ipv4() {
            return false;
        }
        let host_bits = u32::from(width(ip) - self.prefix);
        // A /0 shifts every bit out; checked_shr would refuse a shift of 128.
        bits(ip).checked_shr(host_bits).unwrap_or(0) == bits(self.network).checked_shr(host_bits).unwrap_or(0)
    }
}

fn trusted(ip: IpAddr, proxies: &[IpRange]) -> bool {
    proxies.iter().any(|p| p.contains(ip))
}

/// The client's address: the peer's, unless the peer is a trusted proxy;
/// then the right-most address in `X-Forwarded-For` (every value of the
/// header, in order) that is not itself a trusted proxy. Entries to the left
/// of that one were written by the client and are ignored; an entry that is
/// not an address ends the walk at the last proxy passed.
pub fn client_address<'a>(
    peer: Option<IpAddr>,
    forwarded_for: impl IntoIterator<Item = &'a str>,
    proxies: &[IpRange],
) -> Option<IpAddr> {
    let mut client = peer?.to_canonical();
    if !trusted(client, proxies) {
        return Some(client);
    }
    let hops: Vec<&str> = forwarded_for.into_iter().flat_map(|v| v.split(',')).collect();
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip.to_canonical();
                if !trusted(client, proxies) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn ranges(list: &[&str]) -> Vec<IpRange> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn ranges_parse_and_contain() {
        let r: IpRange = "10.0.0.0/8".parse().unwrap();
        assert!(r.contains(ip("10.255.1.2")));
        assert!(!r.contains(ip("11.0.0.1")));
        assert!(r.contains(ip("::ffff:10.1.2.3")), "IPv4 seen through an IPv6 socket");
        assert!(!r.contains(ip("::1")));
        let one: IpRange = "192.168.1.10".parse().unwrap();
        assert_eq!(one.to_string(), "192.168.1.10/32");
        assert!(one.contains(ip("192.168.1.10")) && !one.contains(ip("192.168.1.11")));
        let v6: IpRange = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        let all: IpRange = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        let all6: IpRange = "::/0".parse().unwrap();
        assert!(all6.contains(ip("2001:db8::1")));
        assert!("10.1.2.3/8".parse::<IpRange>().unwrap().contains(ip("10.9.9.9")));
    }

    #[test]
    fn bad_ranges_are_named() {
        assert_eq!(
            "10.0.0/8".parse::<IpRange>(),
            Err(IpRangeError::Address("10.0.0/8".into()))
        );
        assert_eq!(
            "10.0.0.0/33".parse::<IpRange>(),
            Err(IpRangeError::Prefix("10.0.0.0/33".into()))
        );
        assert!("::/129".parse::<IpRange>().is_err());
        assert!("10.0.0.0/x".parse::<IpRange>().is_err());
        assert!("".parse::<IpRange>().is_err());
    }

    #[test]
    fn the_header_is_ignored_unless_the_peer_is_trusted() {
        let proxies = ranges(&["10.0.0.0/8"]);
        assert_eq!(
            client_address(Some(ip("203.0.113.5")), ["198.51.100.1"], &proxies),
            Some(ip("203.0.113.5"))
        );
        assert_eq!(
            client_address(Some(ip("10.0.0.2")), ["198.51.100.1"], &[]),
            Some(ip("10.0.0.2")),
            "no proxy trusted by default"
        );
        assert_eq!(client_address(None, ["198.51.100.1"], &proxies), None);
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let proxies = ranges(&["10.0.0.0/8", "fd00::/8"]);
        let peer = Some(ip("10.0.0.2"));
        assert_eq!(
            client_address(peer, ["198.51.100.1"], &proxies),
            Some(ip("198.51.100.1"))
        );
        // The client wrote the left-most entry itself; the proxy appended the real one.
        assert_eq!(
            client_address(peer, ["1.2.3.4, 198.51.100.1"], &proxies),
            Some(ip("198.51.100.1"))
        );
        // Two proxies in a row, over two header lines.
        assert_eq!(
            client_address(peer, ["198.51.100.1, 10.1.1.1", "fd00::7"], &proxies),
            Some(ip("198.51.100.1"))
        );
        // No header: the proxy itself.
        assert_eq!(client_address(peer, [], &proxies), Some(ip("10.0.0.2")));
        // Garbage stops the walk at the last proxy passed.
        assert_eq!(
            client_address(peer, ["198.51.100.1, unknown, 10.1.1.1"], &proxies),
            Some(ip("10.1.1.1"))
        );
    }
}
