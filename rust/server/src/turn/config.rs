//! `[turn]`: the embedded STUN/TURN server's settings, with the defaults a single public host needs.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// `[turn]` in the TOML. Only `public_ip` has no default: it is the address peers are told to send relayed media to,
/// and guessing it (the listen address, an interface) is wrong behind every cloud's 1:1 NAT.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnConfig {
    /// UDP address of the STUN/TURN listener (RFC 5766 over UDP), default `0.0.0.0:3478`.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The address relayed candidates and the `turn:`/`stun:` URLs carry.
    pub public_ip: IpAddr,
    /// The TURN realm (part of the long-term credential key).
    #[serde(default = "default_realm")]
    pub realm: String,
    /// Relay sockets are bound on ports in this inclusive range (open it in the firewall).
    #[serde(default = "default_relay_ports")]
    pub relay_ports: [u16; 2],
    /// The HMAC secret of the time-limited credentials. Absent: a random one per start (logins after a restart get
    /// new credentials anyway); set it when credentials must outlive a restart.
    #[serde(default)]
    pub secret: Option<String>,
    /// How long the credentials handed out at login are valid.
    #[serde(default = "default_credential_ttl_secs")]
    pub credential_ttl_secs: u64,
    /// Allocations (relayed addresses) one user may hold at once; an ICE agent makes one per local socket.
    #[serde(default = "default_max_allocations_per_user")]
    pub max_allocations_per_user: usize,
    /// Relayed bandwidth of one allocation in each direction, kbit/s; packets over it are dropped.
    #[serde(default = "default_max_kbps_per_allocation")]
    pub max_kbps_per_allocation: u64,
    /// Peers in private, loopback, link-local, shared (CGNAT) and other non-public ranges are never relayed to or
    /// from — TURN must not become a proxy into the server's own network — except those in these networks
    /// (e.g. `["10.0.0.0/8"]` when the peers share a private network with the server).
    #[serde(default)]
    pub allowed_peers: Vec<IpNet>,
}

impl TurnConfig {
    /// `dev --turn`: everything on loopback, relaying between loopback peers allowed.
    pub fn loopback() -> TurnConfig {
        TurnConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_ip: IpAddr::from([127, 0, 0, 1]),
            realm: default_realm(),
            relay_ports: default_relay_ports(),
            secret: None,
            credential_ttl_secs: default_credential_ttl_secs(),
            max_allocations_per_user: default_max_allocations_per_user(),
            max_kbps_per_allocation: default_max_kbps_per_allocation(),
            allowed_peers: IpNet::new(IpAddr::from([127, 0, 0, 0]), 8).into_iter().collect(),
        }
    }

    /// What is wrong with these settings, if anything.
    pub fn check(&self) -> Result<(), String> {
        let [low, high] = self.relay_ports;
        if low == 0 || high < low {
            return Err(format!("relay_ports [{low}, {high}]: give two ports, low to high, neither 0"));
        }
        if self.public_ip.is_unspecified() {
            return Err("public_ip must be an address peers can reach, not 0.0.0.0".into());
        }
        if self.credential_ttl_secs == 0 || self.max_allocations_per_user == 0 || self.max_kbps_per_allocation == 0 {
            return Err(
                "credential_ttl_secs, max_allocations_per_user and max_kbps_per_allocation must be above 0".into()
            );
        }
        Ok(())
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 3478))
}
fn default_realm() -> String {
    "azstack".into()
}
fn default_relay_ports() -> [u16; 2] {
    [49152, 65535]
}
fn default_credential_ttl_secs() -> u64 {
    24 * 3600
}
fn default_max_allocations_per_user() -> usize {
    12
}
fn default_max_kbps_per_allocation() -> u64 {
    5_000
}
