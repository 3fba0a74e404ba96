//! The `[sip]` section of the configuration: where callouts go, where the gateway listens, who answers which
//! number, which destinations may be dialled and how many seconds each user may talk.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

/// `[sip]`. Its presence (with a trunk) turns the SIP gateway on (D13); without it callouts get 610 402/−4.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SipConfig {
    /// Where callouts go: `sip:HOST:PORT` (port 5060 when omitted), over UDP; `sip:HOST:PORT;transport=tcp` sends
    /// them over TCP (one connection, opened on demand and reused).
    pub trunk: String,
    /// Address the gateway binds for UDP and TCP alike (where the trunk sends responses and call-ins).
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Address written in Via, Contact and SDP. Defaults to the listen address, or 127.0.0.1 when that is
    /// unspecified (0.0.0.0): set it on a real host.
    #[serde(default)]
    pub advertise: Option<IpAddr>,
    /// Address the WebRTC legs bind when it is not `advertise` itself: a host behind a 1:1 NAT binds its private
    /// address here and announces `advertise` (its public one) in its ICE candidates. Absent: they bind
    /// `advertise`.
    #[serde(default)]
    pub webrtc_bind: Option<IpAddr>,
    /// Credentials for the trunk's Digest challenges (401/407 to an INVITE). Without them a challenge ends the
    /// call (503 486).
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// Call-in numbers (as the trunk sends them in the Request-URI user part) → azStackUserId.
    #[serde(default)]
    pub callin: BTreeMap<String, String>,
    /// Destinations a callout may dial, by prefix of the digits (a leading `+` ignored). Empty: every number.
    #[serde(default)]
    pub allowed_prefixes: Vec<String>,
    /// Destinations never dialled, by prefix; checked after `allowed_prefixes`.
    #[serde(default)]
    pub blocked_prefixes: Vec<String>,
    /// Talk time each user starts with, in seconds; absent: unlimited. Kept in memory (a restart refills it).
    #[serde(default)]
    pub balance_seconds: Option<u64>,
    /// RFC 3261 T1 (round-trip estimate), in milliseconds: Timer A starts at T1, Timer B and F are 64·T1 (over TCP
    /// too, which has no retransmissions; 64·T1 also bounds a TCP connect, a write and a half-received message).
    #[serde(default = "default_t1")]
    pub t1_ms: u64,
    /// A callout still ringing (provisional responses only) after this many seconds is cancelled and ends as 480.
    #[serde(default = "default_ring_timeout")]
    pub ring_timeout_secs: u64,
    /// A callout whose offer (501) has not arrived this many seconds after 504 is dropped.
    #[serde(default = "default_offer_timeout")]
    pub offer_timeout_secs: u64,
    /// Least playout delay of the carrier's audio (the media bridge's jitter buffer), in milliseconds, rounded to
    /// 20 ms packets; the buffer grows from it (up to 120 ms) when packets arrive later than that.
    #[serde(default = "default_jitter_ms")]
    pub jitter_ms: u64,
    /// An answered call whose carrier sent no RTP for this many seconds is hung up (BYE) as dead; 0: never.
    #[serde(default = "default_rtp_timeout")]
    pub rtp_timeout_secs: u64,
    /// `[sip.recording]`: record every answered call. Absent: nothing is recorded and `recordUrl` is `""`.
    #[serde(default)]
    pub recording: Option<RecordingConfig>,
}

/// `[sip.recording]`: answered calls are recorded to WAV files (8 kHz, 16-bit, the carrier left and the app right)
/// and their logs carry a link that works for `link_secs` from the moment it is handed out (601, 509).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordingConfig {
    /// Directory of the recordings (created if missing). It also holds the links' signing key, `.link-key`.
    pub dir: std::path::PathBuf,
    /// How long a recording link works after it was handed out, in seconds; listing the logs again (509) gives
    /// fresh links.
    #[serde(default = "default_link_secs")]
    pub link_secs: u64,
    /// Where apps reach this server's HTTP, e.g. `https://calls.example.org` behind a proxy. Absent:
    /// `http://` + the public host and port (the listen address when those are unset).
    #[serde(default)]
    pub base_url: Option<String>,
}

impl RecordingConfig {
    /// Recordings in `dir` with the default link lifetime and base URL.
    pub fn in_dir(dir: std::path::PathBuf) -> RecordingConfig {
        RecordingConfig { dir, link_secs: default_link_secs(), base_url: None }
    }
}

fn default_link_secs() -> u64 {
    24 * 3600
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 5060))
}

fn default_t1() -> u64 {
    500
}

fn default_ring_timeout() -> u64 {
    180
}

fn default_offer_timeout() -> u64 {
    30
}

fn default_jitter_ms() -> u64 {
    20
}

fn default_rtp_timeout() -> u64 {
    30
}

impl SipConfig {
    /// A configuration with the defaults and the given trunk and listen address.
    pub fn new(trunk: &str, listen: SocketAddr) -> SipConfig {
        SipConfig {
            trunk: trunk.to_owned(),
            listen,
            advertise: None,
            webrtc_bind: None,
            username: None,
            password: None,
            callin: BTreeMap::new(),
            allowed_prefixes: Vec::new(),
            blocked_prefixes: Vec::new(),
            balance_seconds: None,
            t1_ms: default_t1(),
            ring_timeout_secs: default_ring_timeout(),
            offer_timeout_secs: default_offer_timeout(),
            jitter_ms: default_jitter_ms(),
            rtp_timeout_secs: default_rtp_timeout(),
            recording: None,
        }
    }

    /// The media bridge's tuning.
    pub fn bridge_settings(&self) -> super::media::bridge::BridgeSettings {
        super::media::bridge::BridgeSettings {
            jitter_packets: u32::try_from(self.jitter_ms.div_ceil(20)).unwrap_or(u32::MAX).min(10),
            inactivity: (self.rtp_timeout_secs > 0).then(|| std::time::Duration::from_secs(self.rtp_timeout_secs)),
        }
    }

    /// Whether `number` (already checked to be digits with an optional `+`) may be dialled.
    pub fn destination_allowed(&self, number: &str) -> bool {
        let digits = number.strip_prefix('+').unwrap_or(number);
        let matches = |p: &String| digits.starts_with(p.strip_prefix('+').unwrap_or(p));
        (self.allowed_prefixes.is_empty() || self.allowed_prefixes.iter().any(matches))
            && !self.blocked_prefixes.iter().any(matches)
    }
}

/// `sip:HOST[:PORT][;params]` → (host, port).
pub fn trunk_host_port(uri: &str) -> Option<(String, u16)> {
    let rest = uri.strip_prefix("sip:")?;
    let rest = rest.split([';', '?']).next()?;
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    if rest.is_empty() {
        return None;
    }
    if let Some(v6) = rest.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => 5060,
            None => return None,
        };
        return Some((host.to_owned(), port));
    }
    let (host, port) = match rest.split_once(':') {
        Some((h, p)) => (h, p.parse().ok()?),
        None => (rest, 5060),
    };
    Some((host.to_owned(), port)).filter(|(h, _)| !h.is_empty())
}

/// The transport a trunk URI asks for: its `transport` parameter (`udp`, the default, or `tcp`); `None` for any
/// other value.
pub fn trunk_transport(uri: &str) -> Option<super::transport::Transport> {
    let params = uri.split('?').next().unwrap_or(uri).split(';').skip(1);
    let mut transport = super::transport::Transport::Udp;
    for param in params {
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        if name.trim().eq_ignore_ascii_case("transport") {
            transport = match value.trim().to_ascii_lowercase().as_str() {
                "udp" => super::transport::Transport::Udp,
                "tcp" => super::transport::Transport::Tcp,
                _ => return None,
            };
        }
    }
    Some(transport)
}

/// A phone number as the protocol accepts it: `^\+?\d+$`, 3 to 20 digits.
pub fn valid_number(number: &str) -> bool {
    let digits = number.strip_prefix('+').unwrap_or(number);
    (3..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_uris() {
        assert_eq!(trunk_host_port("sip:127.0.0.1:5070"), Some(("127.0.0.1".into(), 5070)));
        assert_eq!(trunk_host_port("sip:trunk.example.org"), Some(("trunk.example.org".into(), 5060)));
        assert_eq!(trunk_host_port("sip:gw@10.0.0.1:5080;transport=udp"), Some(("10.0.0.1".into(), 5080)));
        assert_eq!(trunk_host_port("sip:[::1]:5070"), Some(("::1".into(), 5070)));
        assert_eq!(trunk_host_port("http://x"), None);
        assert_eq!(trunk_host_port("sip:h:notaport"), None);
        assert_eq!(trunk_host_port("sip:127.0.0.1:5070;transport=tcp"), Some(("127.0.0.1".into(), 5070)));
    }

    #[test]
    fn trunk_transports() {
        use crate::transport::Transport;
        assert_eq!(trunk_transport("sip:127.0.0.1:5070"), Some(Transport::Udp));
        assert_eq!(trunk_transport("sip:127.0.0.1:5070;transport=udp"), Some(Transport::Udp));
        assert_eq!(trunk_transport("sip:127.0.0.1:5070;transport=tcp"), Some(Transport::Tcp));
        assert_eq!(trunk_transport("sip:gw@h;lr;Transport=TCP"), Some(Transport::Tcp));
        assert_eq!(trunk_transport("sip:h;transport=tls"), None);
        assert_eq!(trunk_transport("sip:h;transport=ws"), None);
    }

    #[test]
    fn prefixes() {
        let mut c = SipConfig::new("sip:h", default_listen());
        assert!(c.destination_allowed("+84901234567"));
        c.allowed_prefixes = vec!["+84".into(), "1".into()];
        c.blocked_prefixes = vec!["8419".into()];
        assert!(c.destination_allowed("84901234567"));
        assert!(c.destination_allowed("1555"));
        assert!(!c.destination_allowed("+841900123"));
        assert!(!c.destination_allowed("33123456"));
    }

    #[test]
    fn numbers() {
        assert!(valid_number("+84901234567"));
        assert!(valid_number("911"));
        assert!(!valid_number("12"));
        assert!(!valid_number("+"));
        assert!(!valid_number("12a45"));
        assert!(!valid_number("++123"));
    }
}
