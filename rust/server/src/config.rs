//! Server configuration: the TOML file of `azstack-server serve --config FILE`, and what `dev` builds in code.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::auth::Verifier;

/// The whole configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on, e.g. `0.0.0.0:9199`.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// `sqlite://PATH`, `sqlite::memory:` or `postgres://…`.
    pub database: String,
    /// Host and port announced in the discovery reply (svc 29). Defaults to the listen address.
    #[serde(default)]
    pub public_host: Option<String>,
    #[serde(default)]
    pub public_port: Option<u16>,
    /// Development mode: allows the `accept-all` verifier and says so loudly in the log.
    #[serde(default)]
    pub dev: bool,
    /// ICE servers handed to every client in svc 162.
    #[serde(default)]
    pub ice_servers: Vec<IceServer>,
    #[serde(default)]
    pub limits: Limits,
    /// The admin listener (`[admin]`): `/metrics` and `/healthz`. Absent: `/metrics` is not served.
    #[serde(default)]
    pub admin: Option<AdminConfig>,
    /// Credential verifier per application id. Applications themselves live in the database
    /// (`azstack-server app create`).
    #[serde(default)]
    pub apps: Vec<AppConfig>,
    /// The sticker catalogue served by svc 112.
    #[serde(default)]
    pub stickers: Vec<StickerPack>,
    /// The SIP gateway (`[sip]`): callouts through a trunk and call-ins from it, with the media bridge. Absent: 500
    /// gets 610 402/−4 (D13).
    #[serde(default)]
    pub sip: Option<azstack_sip::SipConfig>,
    /// The embedded STUN/TURN server (`[turn]`): when present, svc 162 hands every login this server with
    /// credentials of its own, after `ice_servers`.
    #[serde(default)]
    pub turn: Option<crate::turn::TurnConfig>,
    /// Files and recordings on object storage (`[files]`): the upload endpoint and signed download links. Absent:
    /// no uploads, recordings stay in `[sip.recording] dir`.
    #[serde(default)]
    pub files: Option<crate::files::FilesConfig>,
    /// Several nodes on one PostgreSQL database and one Redis (`[cluster]`). Absent: a single node, no Redis.
    #[serde(default)]
    pub cluster: Option<crate::cluster::ClusterConfig>,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 9199))
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IceServer {
    pub url: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
}

/// `[admin]`: where `/metrics` is served, apart from the clients' listener.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    pub listen: SocketAddr,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    pub id: String,
    pub verifier: Verifier,
    /// `[apps.push]`: APNs/FCM credentials (`crate::push`). Absent: the application's users get no mobile push.
    #[serde(default)]
    pub push: Option<crate::push::PushConfig>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StickerPack {
    pub id: i64,
    pub name: String,
    pub full_cover: String,
    pub mini_cover: String,
    pub url: String,
    #[serde(default)]
    pub default: bool,
}

/// Bounds on what one client may send.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest accepted Socket.IO payload, in bytes.
    pub max_packet_bytes: usize,
    /// Most ids in one 164/165 request and members in one group request (OQ-34).
    pub max_list: usize,
    /// Sustained packets per second per session.
    pub packets_per_sec: u32,
    /// Packets a session may send in a burst above the sustained rate.
    pub burst: u32,
    /// Free calls ringing longer than this end as NOT_ANSWERED (OQ-19).
    pub ring_timeout_secs: u64,
    /// A session lost during a call may come back within this time before the call ends (OQ-5).
    pub call_grace_secs: u64,
    /// A refused login's socket stays open this long so the client can read the 162 failure (D3).
    pub auth_failure_grace_ms: u64,

    // --- Connections, queues and logins (server hardening) ---
    /// A socket that has not logged in (no successful 162) this long after its TCP accept is closed.
    pub login_timeout_secs: u64,
    /// A client must send its whole HTTP request head (the WebSocket upgrade, `/healthz`) within this time.
    pub http_header_timeout_secs: u64,
    /// Sockets not logged in, over all addresses; beyond it the oldest is shed.
    pub max_unauthenticated: usize,
    /// Sockets not logged in from one IP address; beyond it new connections from that address are refused.
    pub max_unauthenticated_per_ip: usize,
    /// Open files kept free for logged-in users' logins and `/healthz`: when fewer remain, the oldest socket that
    /// has not logged in is shed for each new connection.
    pub fd_reserve: usize,
    /// Packets waiting in one socket's inbound queue (beyond: dropped).
    pub inbound_queue_packets: usize,
    /// Bytes waiting in one socket's inbound queue (beyond: dropped).
    pub inbound_queue_bytes: usize,
    /// Packets waiting to be written to one socket; a session whose buffer is full is disconnected (slow consumer).
    pub outbound_buffer_packets: usize,
    /// Bytes written to one socket's buffers but not yet to the network; beyond, the session is disconnected.
    pub outbound_buffer_bytes: usize,
    /// Live sessions of one user; a new login beyond it disconnects the user's oldest session.
    pub max_sessions_per_user: usize,
    /// Token decryptions (RSA) running at once over the whole server; a login that cannot start one within
    /// `login_timeout_secs` is refused.
    pub max_concurrent_decrypts: usize,
    // Calls and logs (server hardening: the rules of what one user may start, and what one client may write to
    // the log). A user has at most one outgoing free call ringing or answered: a rule, not a setting.
    /// Free calls (186) ringing for one callee at once; further offers are refused as busy (188 status 600).
    pub max_offers_per_callee: usize,
    /// Call attempts (186 free call, 500 callout) one user may start per minute, with a burst of as many; beyond it
    /// a 186 gets 188 status 400 and a 500 gets 610 402/−3.
    pub call_attempts_per_min: u32,
    /// A warning caused by clients (dropped packets, rejected requests) is logged at most once per this many
    /// seconds per cause; the next line says how many were suppressed.
    pub log_interval_secs: u64,
    /// Untrusted strings (service names, ids, error texts quoting a client's input) are cut to this many bytes in
    /// log lines.
    pub log_field_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_packet_bytes: 64 * 1024,
            max_list: 200,
            packets_per_sec: 200,
            burst: 1000,
            ring_timeout_secs: 45,
            call_grace_secs: 10,
            auth_failure_grace_ms: 5000,
            login_timeout_secs: 10,
            http_header_timeout_secs: 10,
            max_unauthenticated: 8192,
            max_unauthenticated_per_ip: 512,
            fd_reserve: 64,
            inbound_queue_packets: 1024,
            inbound_queue_bytes: 1024 * 1024,
            outbound_buffer_packets: 8192,
            outbound_buffer_bytes: 4 * 1024 * 1024,
            max_sessions_per_user: 10,
            max_concurrent_decrypts: 4,
            max_offers_per_callee: 4,
            call_attempts_per_min: 30,
            log_interval_secs: 10,
            log_field_bytes: 128,
        }
    }
}

impl Config {
    /// Reads a TOML configuration file.
    pub fn from_file(path: &std::path::Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The development configuration: SQLite under `data`, accept-all credentials, no ICE servers.
    pub fn dev(port: u16, data: &std::path::Path) -> Config {
        let db: PathBuf = data.join("azstack.db");
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], port)),
            database: format!("sqlite://{}", db.display()),
            public_host: None,
            public_port: None,
            dev: true,
            // No STUN/TURN entry: nothing would answer one on a development machine, and a server that never
            // answers makes every ICE gathering wait for its time-out. Host candidates connect local peers.
            ice_servers: Vec::new(),
            limits: Limits::default(),
            // `/metrics` on loopback, an ephemeral port (printed at start).
            admin: Some(AdminConfig { listen: SocketAddr::from(([127, 0, 0, 1], 0)) }),
            apps: Vec::new(),
            stickers: default_stickers(),
            sip: None,
            turn: None,
            files: Some(crate::files::FilesConfig::in_dir(&data.join("files"))),
            cluster: None,
        }
    }
}

/// A small catalogue so svc 112 answers something useful out of the box.
pub fn default_stickers() -> Vec<StickerPack> {
    (1..=3)
        .map(|id| StickerPack {
            id,
            name: format!("Pack {id}"),
            full_cover: format!("https://stickers.example.org/{id}/full.png"),
            mini_cover: format!("https://stickers.example.org/{id}/mini.png"),
            url: format!("https://stickers.example.org/{id}.zip"),
            default: id == 1,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_configuration_parses() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("azstack.example.toml");
        let config = Config::from_file(&path).unwrap();
        assert!(!config.dev);
        assert_eq!(config.ice_servers.len(), 2);
        assert_eq!(config.apps.len(), 2);
        assert!(matches!(config.apps[1].verifier, Verifier::Webhook { timeout_ms: 3000, .. }));
        let push = config.apps[0].push.as_ref().expect("[apps.push]");
        let apns = push.apns.as_ref().expect("[apps.push.apns]");
        assert_eq!(
            (apns.bundle_id.as_str(), apns.endpoint.as_str()),
            ("com.example.chat", "https://api.push.apple.com")
        );
        assert_eq!(push.fcm.as_ref().map(|f| f.endpoint.as_str()), Some("https://fcm.googleapis.com"));
        assert!(config.apps[1].push.is_none());
        assert_eq!(config.limits.ring_timeout_secs, 45);
        let sip = config.sip.expect("[sip]");
        assert_eq!(sip.trunk, "sip:trunk.example.org:5060");
        assert_eq!(sip.balance_seconds, Some(3600));
        assert_eq!(sip.callin.get("+842873001234").map(String::as_str), Some("support-desk"));
        assert!(!sip.destination_allowed("+8419001234"));
        assert_eq!((sip.jitter_ms, sip.rtp_timeout_secs), (20, 30));
        let recording = sip.recording.expect("[sip.recording]");
        assert_eq!((recording.link_secs, recording.base_url.as_deref()), (86400, Some("https://calls.example.org")));
        let turn = config.turn.expect("[turn]");
        assert_eq!(turn.public_ip, std::net::IpAddr::from([203, 0, 113, 7]));
        assert_eq!((turn.relay_ports, turn.max_allocations_per_user), ([49152, 65535], 12));
        assert!(turn.check().is_ok());
        let files = config.files.expect("[files]");
        assert_eq!((files.max_file_bytes, files.link_ttl_secs), (100 * 1024 * 1024, 30 * 24 * 3600));
        assert!(files.options.is_empty());
    }

    #[test]
    fn unknown_keys_are_errors() {
        let bad: Result<Config, _> = toml::from_str("database = \"sqlite::memory:\"\nlisten_addr = \"x\"\n");
        assert!(bad.is_err());
    }
}
