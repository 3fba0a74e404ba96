//! Which peer addresses a relay may talk to.
//!
//! A TURN server sends whatever its clients ask to any address they name, from inside the operator's network. Left
//! open, a client could reach the server's own loopback services, the cloud's metadata endpoint (169.254.169.254) or
//! the private network behind it. So a relay only exchanges packets with public addresses, plus the networks the
//! operator lists in `allowed_peers` (coturn's `denied-peer-ip` / `allowed-peer-ip`, with a closed default).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// The allow rule of one TURN server.
#[derive(Clone, Debug, Default)]
pub struct PeerPolicy {
    allowed: Vec<IpNet>,
}

impl PeerPolicy {
    pub fn new(allowed: Vec<IpNet>) -> PeerPolicy {
        PeerPolicy { allowed }
    }

    /// Whether a relay may send to / accept from `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
            v4 => v4,
        };
        self.allowed.iter().any(|net| net.contains(&ip)) || is_public(ip)
    }
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT), RFC 6598
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking, RFC 2544
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0) // site-local (deprecated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_default_rule_relays_to_public_addresses_only() {
        let policy = PeerPolicy::default();
        for public in ["8.8.8.8", "198.51.100.7", "203.0.113.9", "2001:db8::1", "2606:4700::1111"] {
            assert!(policy.allows(ip(public)), "{public} should be allowed");
        }
        for closed in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!policy.allows(ip(closed)), "{closed} should be refused");
        }
    }

    #[test]
    fn listed_networks_are_opened_and_nothing_else() {
        let policy = PeerPolicy::new(vec!["10.20.0.0/16".parse().unwrap()]);
        assert!(policy.allows(ip("10.20.3.4")));
        assert!(!policy.allows(ip("10.21.3.4")));
        assert!(!policy.allows(ip("127.0.0.1")));
    }
}
