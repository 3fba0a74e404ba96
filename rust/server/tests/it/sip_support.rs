//! Shared by the SIP gateway tests: a real SIPp process (Debian's `sip-tester`) as the carrier, and a test server
//! whose `[sip]` trunk points at it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use azstack_protocol::Service;
use azstack_server::config::Config;
use azstack_server::testkit::{TestClient, TestServer};
use azstack_sip::SipConfig;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// How long a SIPp scenario may take before the test fails.
pub const SIPP_DEADLINE: Duration = Duration::from_secs(20);

/// A SIPp process playing the carrier on 127.0.0.1, over UDP or (SIPp's `-t t1`: one TCP connection) TCP.
pub struct Carrier {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
    tcp: bool,
}

/// What SIPp reported after its scenario.
pub struct CarrierResult {
    pub success: bool,
    /// SIPp's message trace: every message it sent and received.
    pub messages: String,
    pub errors: String,
}

impl CarrierResult {
    /// The start lines of the messages SIPp received, in order (e.g. `INVITE`, `ACK`, `SIP/2.0 200 OK`).
    pub fn received(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut lines = self.messages.lines();
        while let Some(line) = lines.next() {
            if line.contains("message received") {
                // The start line is the first non-empty line after the banner.
                if let Some(start) = lines.by_ref().find(|l| !l.trim().is_empty()) {
                    out.push(start.trim().to_owned());
                }
            }
        }
        out
    }

    /// The methods (or `SIP/2.0 CODE`) SIPp received, in order. UDP retransmissions (the same kind twice in a
    /// row, e.g. an INVITE sent again by Timer A before SIPp answered) count once.
    pub fn received_kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self
            .received()
            .iter()
            .map(|l| {
                if l.starts_with("SIP/2.0") {
                    l.split(' ').take(2).collect::<Vec<_>>().join(" ")
                } else {
                    l.split(' ').next().unwrap_or_default().to_owned()
                }
            })
            .collect();
        kinds.dedup();
        kinds
    }
}

/// `rust/server/tests/sip/NAME`, also from the engine's tests (which include this module by path).
fn scenario_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/tests/sip").join(name)
}

fn free_udp_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind a UDP port");
    socket.local_addr().expect("local addr").port()
}

fn free_tcp_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a TCP port");
    listener.local_addr().expect("local addr").port()
}

impl Carrier {
    /// Starts `sipp` with scenario `tests/sip/NAME` for one call; `keys` become `-key K V` (`[K]` in the XML).
    pub fn start(scenario: &str, keys: &[(&str, &str)]) -> Carrier {
        Carrier::spawn(scenario, keys, &[], false)
    }

    /// Like [`Carrier::start`], over TCP: SIPp listens on a TCP port and the trunk URI says `;transport=tcp`.
    pub fn start_tcp(scenario: &str, keys: &[(&str, &str)]) -> Carrier {
        Carrier::spawn(scenario, keys, &[], true)
    }

    /// Like [`Carrier::call`], over one TCP connection to the gateway.
    pub fn call_tcp(scenario: &str, gateway: std::net::SocketAddr, service: &str) -> Carrier {
        Carrier::spawn(scenario, &[], &[gateway.to_string(), "-s".into(), service.into()], true)
    }

    /// Starts `sipp` as the calling side: scenario `NAME` calls `service` (the called number) at `gateway`.
    pub fn call(scenario: &str, gateway: std::net::SocketAddr, service: &str) -> Carrier {
        Carrier::call_with(scenario, gateway, service, &[])
    }

    /// Like [`Carrier::call`], with `keys` as in [`Carrier::start`].
    pub fn call_with(scenario: &str, gateway: std::net::SocketAddr, service: &str, keys: &[(&str, &str)]) -> Carrier {
        Carrier::spawn(scenario, keys, &[gateway.to_string(), "-s".into(), service.into()], false)
    }

    fn spawn(scenario: &str, keys: &[(&str, &str)], extra: &[String], tcp: bool) -> Carrier {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = if tcp { free_tcp_port() } else { free_udp_port() };
        let mut cmd = Command::new("sipp");
        cmd.args(extra)
            .args(["-t", if tcp { "t1" } else { "u1" }])
            .arg("-sf")
            .arg(scenario_path(scenario))
            .args(["-i", "127.0.0.1", "-p", &port.to_string(), "-m", "1", "-nostdin"])
            .args(["-recv_timeout", "10000", "-timeout", "20s", "-timeout_error"])
            .args(["-trace_msg", "-trace_err"])
            .arg("-message_file")
            .arg(dir.path().join("messages.log"))
            .arg("-error_file")
            .arg(dir.path().join("errors.log"))
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        for (k, v) in keys {
            cmd.args(["-key", k, v]);
        }
        let child = cmd.spawn().expect("start sipp (Debian package sip-tester)");
        Carrier { child, port, dir, tcp }
    }

    /// `sip:127.0.0.1:PORT`, with `;transport=tcp` for a TCP carrier.
    pub fn uri(&self) -> String {
        let transport = if self.tcp { ";transport=tcp" } else { "" };
        format!("sip:127.0.0.1:{}{transport}", self.port)
    }

    /// Waits for SIPp to finish its one call.
    pub async fn finish(mut self) -> CarrierResult {
        let status = tokio::time::timeout(SIPP_DEADLINE, self.child.wait()).await;
        let success = matches!(status, Ok(Ok(s)) if s.success());
        if status.is_err() {
            let _ = self.child.kill().await;
        }
        let read = |name: &str| std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
        CarrierResult { success, messages: read("messages.log"), errors: read("errors.log") }
    }
}

/// A server whose trunk is `carrier`, with `tweak` applied to the `[sip]` section.
pub async fn server_for(trunk: &str, tweak: impl FnOnce(&mut SipConfig)) -> TestServer {
    TestServer::sqlite_with(|config: &mut Config| {
        let mut sip = SipConfig::new(trunk, "127.0.0.1:0".parse().expect("addr"));
        sip.t1_ms = 200;
        tweak(&mut sip);
        config.sip = Some(sip);
    })
    .await
}

/// Answers the call-in `start` (its 505) from `client`: 506 183, then 506 200 with `answer`.
pub fn answer_callin_with(client: &TestClient, start: &Value, answer: &str) {
    let body = |code: i64| {
        let mut b = json!({"callId": start["callId"], "callType": start["callType"], "destination": start["from"],
                           "phonenumber": start["to"], "code": code});
        if code == 200 {
            b["sdp_candidate"] = json!(answer);
        }
        b
    };
    client.send(Service::CALLIN_STATUS_CHANGED, &body(183));
    client.send(Service::CALLIN_STATUS_CHANGED, &body(200));
}

/// 500 → 610 (expected `{status, chargingError}`) and, on success, 504.
pub async fn start_callout(client: &mut TestClient, call_id: i64, to: &str) -> Value {
    client.send(Service::CALLOUT_START_SEND, &json!({"callId": call_id, "to": to, "tags": "t1"}));
    let initial = client.recv(Service::CALLOUT_START_INITIAL).await.expect("610");
    assert_eq!(initial["callId"], call_id);
    if initial["status"] == 100 {
        let done = client.recv(Service::CALLOUT_START_DONE).await.expect("504");
        assert_eq!(done, json!({"callId": call_id}));
    }
    initial
}

/// A WebRTC offer as the app sends it in 501 (SDP with appended candidate lines): well-formed (ICE credentials,
/// DTLS fingerprint, Opus), so the gateway's WebRTC leg answers it, but its one candidate (port 9) never answers,
/// so no media flows. For tests of the signalling; the media tests use a real peer
/// ([`azstack_sip::testing::app_peer`]).
pub const APP_OFFER: &str = "v=0\r\no=- 4215775240449105457 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
    a=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:Rw2q\r\n\
    a=ice-pwd:4Zl1fWqvS0Yq8vX2pQ7dJ3kT\r\n\
    a=fingerprint:sha-256 3A:1B:7C:52:9D:0E:6F:A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90:A1:B2:C3:D4:E5:F6:07:18:29\r\n\
    a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n\
    a=fmtp:111 minptime=10;useinbandfec=1\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n";

/// The same, as the answer to the gateway's call-in offer (506 200).
pub const APP_ANSWER: &str = "v=0\r\no=- 4215775240449105458 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
    a=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:Rw2r\r\n\
    a=ice-pwd:4Zl1fWqvS0Yq8vX2pQ7dJ3kU\r\n\
    a=fingerprint:sha-256 3A:1B:7C:52:9D:0E:6F:A1:B2:C3:D4:E5:F6:07:18:29:3A:4B:5C:6D:7E:8F:90:A1:B2:C3:D4:E5:F6:07:18:29\r\n\
    a=setup:active\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n\
    a=fmtp:111 minptime=10;useinbandfec=1\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n";

/// Whether `sdp` is a WebRTC description of the gateway's leg: DTLS fingerprint, ICE credentials, Opus and at
/// least one host candidate on 127.0.0.1.
pub fn is_gateway_webrtc_sdp(sdp: &str) -> bool {
    ["a=fingerprint:", "a=ice-ufrag:", "opus/48000/2", "a=candidate:", " 127.0.0.1 "].iter().all(|p| sdp.contains(p))
}

/// 501 for `call_id`.
pub fn send_offer(client: &TestClient, call_id: i64, to: &str) {
    client.send(Service::CALLOUT_DATA_SEND, &json!({"callId": call_id, "to": to, "sdp_candidate": APP_OFFER}));
}

/// The next 503 for `call_id`.
pub async fn next_status(client: &mut TestClient, call_id: i64) -> Value {
    client.recv_where(Service::CALLOUT_DATA_STATUS_CHANGED, |b| b["callId"] == call_id).await.expect("503")
}

/// Collects 503 codes for `call_id` until one of `terminal` arrives (inclusive).
pub async fn codes_until(client: &mut TestClient, call_id: i64, terminal: &[i64]) -> Vec<i64> {
    let mut codes = Vec::new();
    loop {
        let status = next_status(client, call_id).await;
        let code = status["code"].as_i64().expect("code");
        codes.push(code);
        if terminal.contains(&code) {
            return codes;
        }
    }
}

/// The 601 push for `call_id` (its `data`).
pub async fn log_push(client: &mut TestClient, call_id: i64) -> Value {
    let push = client.recv_where(Service::PAID_CALL_LOG_RETURN, |b| b["data"]["callId"] == call_id).await.expect("601");
    push["data"].clone()
}

/// 509's list.
pub async fn paid_logs(client: &mut TestClient) -> Vec<Value> {
    client.send(Service::PAID_CALL_LOGS_GET, &json!({}));
    let reply = client.recv(Service::PAID_CALL_LOGS_GET).await.expect("509");
    assert_eq!(reply["r"], 1);
    reply["data"].as_array().cloned().unwrap_or_default()
}
