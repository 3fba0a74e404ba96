//! The embedded STUN/TURN server (`[turn]`, `dev --turn`).
//!
//! On real networks a share of calls finds no direct path: symmetric NATs, firewalls that pass only outgoing UDP to
//! known servers. ICE then relays media through a TURN server (RFC 5766). Rather than ask every self-hoster to run
//! coturn beside us, the server embeds one, as LiveKit's does: webrtc-rs's `turn` crate (the async server of the same
//! project whose WebRTC stack the engine uses, RFC 5766 over UDP, Binding requests answered too, so the same port is
//! the STUN server).
//!
//! What this module adds around that crate:
//! - credentials per login, valid `credential_ttl_secs`, in the `ice_server` list of svc 162 ([`credentials`]);
//! - at most `max_allocations_per_user` relays per user ([`credentials::Checker`]);
//! - relays that talk only to allowed peers, at most `max_kbps_per_allocation` each way ([`relay`], [`peers`]);
//! - counters for `/metrics` ([`Counters`]).
//!
//! TURN over TCP/TLS (for networks that block UDP) is not offered: the crate's server speaks UDP only.

pub mod config;
pub mod credentials;
pub mod peers;
pub mod relay;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use azstack_protocol::bodies::auth::IceServer;
use tokio::net::UdpSocket;
use turn::server::Server;
use turn::server::config::{ConnConfig, ServerConfig};

pub use config::TurnConfig;
use credentials::{Checker, Issuer};
use peers::PeerPolicy;
use relay::RelayPorts;

/// What the TURN server did, for `/metrics`.
#[derive(Default, Debug)]
pub struct Counters {
    pub allocations: AtomicU64,
    pub relayed_bytes: AtomicU64,
    pub dropped_peer: AtomicU64,
    pub dropped_rate: AtomicU64,
    pub refused_credentials: AtomicU64,
    pub refused_quota: AtomicU64,
}

/// Why the TURN server could not start.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    #[error("[turn]: {0}")]
    Config(String),
    #[error("cannot listen on {addr} (UDP): {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    #[error("{0}")]
    Server(#[from] turn::Error),
}

/// A running TURN server.
pub struct Turn {
    server: Server,
    checker: Arc<Checker>,
    /// Where clients reach it: `public_ip` and the bound port.
    pub public_addr: SocketAddr,
    pub counters: Arc<Counters>,
}

impl Turn {
    /// Binds the listener and starts serving.
    pub async fn start(config: &TurnConfig) -> Result<Turn, TurnError> {
        config.check().map_err(TurnError::Config)?;
        let socket =
            UdpSocket::bind(config.listen).await.map_err(|source| TurnError::Listen { addr: config.listen, source })?;
        let port = socket.local_addr().map_err(|source| TurnError::Listen { addr: config.listen, source })?.port();
        let secret: Vec<u8> = match &config.secret {
            Some(secret) => secret.as_bytes().to_vec(),
            None => rand::random::<[u8; 32]>().to_vec(),
        };
        let ttl = Duration::from_secs(config.credential_ttl_secs);
        let counters = Arc::new(Counters::default());
        let checker =
            Arc::new(Checker::new(Issuer::new(&secret, ttl), config.max_allocations_per_user, counters.clone()));
        let (closed_tx, mut closed_rx) = tokio::sync::mpsc::channel(256);
        let relays = RelayPorts {
            bind_ip: config.listen.ip(),
            public_ip: config.public_ip,
            low: config.relay_ports[0],
            high: config.relay_ports[1],
            policy: PeerPolicy::new(config.allowed_peers.clone()),
            bytes_per_sec: config.max_kbps_per_allocation.saturating_mul(1000) / 8,
            counters: counters.clone(),
        };
        let server = Server::new(ServerConfig {
            conn_configs: vec![ConnConfig { conn: Arc::new(socket), relay_addr_generator: Box::new(relays) }],
            realm: config.realm.clone(),
            auth_handler: checker.clone(),
            channel_bind_timeout: Duration::from_secs(0),
            alloc_close_notify: Some(closed_tx),
        })
        .await?;
        let closes = checker.clone();
        tokio::spawn(async move {
            while let Some(info) = closed_rx.recv().await {
                closes.closed(&info.username, info.five_tuple.src_addr);
            }
        });
        let public_addr = SocketAddr::new(config.public_ip, port);
        tracing::info!(%public_addr, listen = %config.listen, "TURN server listening (UDP)");
        Ok(Turn { server, checker, public_addr, counters })
    }

    /// The `ice_server` entries of svc 162 for `user_id`: this server as STUN, and as TURN with fresh credentials.
    pub fn ice_servers(&self, user_id: i64) -> Vec<IceServer> {
        let (username, password) = self.checker.issue(user_id);
        let host = match self.public_addr {
            SocketAddr::V4(v4) => v4.to_string(),
            SocketAddr::V6(v6) => v6.to_string(),
        };
        vec![
            IceServer { url: format!("stun:{host}"), username: String::new(), password: String::new() },
            IceServer { url: format!("turn:{host}?transport=udp"), username, password },
        ]
    }

    /// `/metrics` lines.
    pub fn render_metrics(&self, out: &mut String) {
        let c = &self.counters;
        for (name, kind, help, value) in [
            ("azstack_turn_allocations", "gauge", "TURN relays open.", &c.allocations),
            ("azstack_turn_relayed_bytes_total", "counter", "Bytes relayed, both ways.", &c.relayed_bytes),
            (
                "azstack_turn_dropped_peer_total",
                "counter",
                "Packets to or from a refused peer address.",
                &c.dropped_peer,
            ),
            ("azstack_turn_dropped_rate_total", "counter", "Packets over an allocation's bandwidth.", &c.dropped_rate),
            (
                "azstack_turn_refused_credentials_total",
                "counter",
                "TURN requests with an expired or malformed username.",
                &c.refused_credentials,
            ),
            ("azstack_turn_refused_quota_total", "counter", "Allocations over a user's quota.", &c.refused_quota),
        ] {
            let value = value.load(Ordering::Relaxed);
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"));
        }
    }

    /// Closes every allocation and the listener.
    pub async fn shutdown(&self) {
        if let Err(e) = self.server.close().await {
            tracing::warn!(error = %e, "closing the TURN server");
        }
    }
}
