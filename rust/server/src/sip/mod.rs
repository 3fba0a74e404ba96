//! The SIP gateway: the server's side of callouts (svc 500–504, 610, 601) towards a SIP trunk and of call-ins from
//! it (505/506/508; PROTOCOL.md §5.4–§5.5, D13; issue 5): the signalling, and the media bridge between the app's
//! WebRTC audio and the carrier's RTP ([`media`]).
//!
//! # What it does
//!
//! With a `[sip]` section (a trunk URI) in the configuration, `crate::calls` hands svc 500/501/502 to
//! [`Gateway`] instead of answering 610 402/−4. For a 500 the gateway checks the numbers (destination digits and
//! prefixes: −5; caller id: 404/−6) and the user's balance (−4), then answers 610 `{status: 100, chargingError: 0}`
//! and 504. When the app's offer arrives (501: WebRTC SDP with its candidates inline) the call's task opens the
//! server's own WebRTC leg and applies the offer; an offer the leg refuses ends the call at once with 503 503,
//! before anything reaches the trunk. Then it sends an INVITE to the trunk whose SDP
//! offers PCMU and PCMA (8 kHz, 20 ms) on an RTP port the call holds. SIP responses become svc 503 codes exactly
//! as the §5.4 table says: 100 → 100, 180/183 → 183 (each sent once), 200 → 200, 403, 408, 480, 486, 487 and 503
//! as they are, any other unsuccessful final response → 486, and a transaction time-out (Timer B) → 408. A trunk
//! that wants credentials (401/407 with a Digest challenge) gets the INVITE again with the `[sip]` `username` and
//! `password` ([`digest`]: MD5 or SHA-256, `qop=auth`); the app sees nothing of it. A challenge without
//! credentials, one that cannot be answered, or a second one that is not `stale` ends the call as 486.
//!
//! On the trunk's 200 the gateway reads the carrier's SDP (its RTP address and the G.711 law it chose), makes the
//! leg's answer, waiting for its ICE gathering to complete (host candidates on the advertised address:
//! milliseconds; at most 5 s), starts the call's **bridge** and sends 503 200 whose `sdp_candidate` is that answer
//! with its candidates. The answer is made only now, not at 501, because ICE starts with it: checks started while
//! the carrier rings would time out (about 30 s) on a long ring. A 200 without a usable G.711 stream is hung up
//! (BYE) and reported 503.
//!
//! A 502 from the app cancels the INVITE while it is early (CANCEL, then ACK of the 487) or ends the dialog (BYE)
//! once answered. A 502 before any provisional response is remembered and the CANCEL goes out with the first
//! provisional response (RFC 3261 §9.1); a 200 that crosses a CANCEL is acknowledged and followed by a BYE. A BYE
//! from the trunk is answered 200 and reported as 503 700. With a balance configured, an answered call is hung up
//! (BYE) when the user's remaining seconds run out, and the app gets 503 702. A call still ringing after
//! `ring_timeout_secs` is cancelled and reported 480. When the session that started a callout closes, the call is
//! hung up as if it had sent 502. An answered call whose carrier sent no RTP for `rtp_timeout_secs` (default 30),
//! or whose WebRTC connection failed, is hung up (BYE) and reported 503 700.
//!
//! Every call that reached the trunk leaves a paid call log row (§11.1: `callType` 1, `status` 0 answered with its
//! duration in whole seconds rounded up, 1 busy/rejected, 2 anything else) and a 601 push to all the user's sessions;
//! 509 lists the rows.
//!
//! **Call-in** ([`callin`]): an INVITE for a number of `[sip.callin]` whose SDP offers PCMU or PCMA (else 488) makes
//! a call task, which first makes the server's WebRTC offer (gathering complete) and then rings every session of
//! the mapped user with it (505). The sessions' 506 become 180, 200, 603, 480 or 486 towards the trunk, with 508
//! to the other sessions; a 506 200 carries the app's answer, which the leg applies before the trunk gets 200
//! (G.711 answer on the call's RTP port, the law the carrier offered first) and the bridge starts. CANCEL and BYE
//! from the trunk become 506 702 and 700; a dead carrier or failed connection after answer, BYE and 506 700.
//! Unknown numbers get 404, a user with no session 480 (no push service yet, OQ-24).
//!
//! **Refreshes** ([`refresh`]): in an answered call, a re-INVITE or UPDATE from the carrier that keeps the media
//! (a session-timer refresh, RFC 4028) gets 200 with the gateway's SDP; one that would change it gets 488.
//!
//! # Media
//!
//! The carrier speaks G.711 over plain RTP at 8 kHz; the app speaks Opus (RTP clock 48 kHz) over DTLS-SRTP. The
//! server's WebRTC leg ([`media::webrtc_leg`]) terminates the app's side (audio only, Opus payload type 111, one UDP
//! socket on the advertised IP, host candidates only, RTCP reports but no NACK or congestion-control feedback); the
//! bridge task ([`media::bridge`]) transcodes at 8 kHz throughout, libopus taking and giving the carrier's rate
//! itself, so there is no resampler: carrier RTP → adaptive jitter buffer (20–120 ms) → G.711 decode → Opus → the
//! leg's track, every 20 ms; the app's Opus RTP → decode → G.711 → RTP to the carrier's SDP address, 20 ms per
//! packet. Beyond the jitter buffer, the only algorithmic delay is the Opus encoder's 6.5 ms look-ahead towards the
//! app. RTP from any other address or with another payload type is ignored. The call's end, whichever side or timer causes it, stops the bridge and
//! closes the peer connection; the RTP socket goes with the bridge task.
//!
//! # Recording
//!
//! With `[sip.recording]` (dev: `--record-calls`) every answered call is recorded from the moment its bridge starts:
//! the bridge hands each 20 ms of both sides to a [`media::recorder::Recorder`], which writes a WAV file (8 kHz,
//! 16-bit, the carrier left, the app right) from a task of its own, so the disk never holds up the audio. The
//! call's end completes the file before the log row is pushed, and the row names the file; whoever hands the row to
//! an app (601, 509) turns the name into a signed link that expires ([`crate::recordings`], which also serves it).
//! Calls that were never answered have no recording and `""` as their link.
//!
//! # States of a callout
//!
//! `AwaitingOffer` (after 504) → `Calling` (INVITE sent, retransmitted by Timer A over UDP) → `Early` (a provisional
//! response) → `Confirmed` (200, ACK sent) → `Ended`. Any state may end; an ended call lingers only while one of its
//! requests (CANCEL, BYE, an INVITE waiting for its 487) still awaits its final response, at most 64·T1.
//!
//! # Transports
//!
//! The gateway speaks SIP over UDP and TCP (RFC 3261 §18) on one address and port (`listen`): a UDP socket and a
//! TCP listener. Every message is handled the same way whichever brought it ([`dispatch`]); what differs is
//! carried by a [`transport::Peer`], the transport and remote address a message came from, which is also where
//! its answers go. Over TCP the peer names a connection of the gateway's table ([`tcp`]): one connection per
//! remote address, accepted from the trunk or opened by the gateway on demand; a response goes back on the
//! connection its request came in on (§18.2.2), and a message for an address with no open connection opens one
//! (so a closed trunk connection is opened again by the next request). A stream is cut into messages by their
//! Content-Length ([`framing`]; §18.3: a message on a stream must have it), CRLF keep-alives between messages are
//! skipped (a double-CRLF ping gets a CRLF pong), and one message may be at most 64 KiB; garbage, a message
//! without Content-Length, an over-size one or one left half-sent for 64·T1 closes that connection and nothing
//! else.
//!
//! The trunk URI chooses the callouts' transport: `sip:HOST:PORT;transport=tcp` sends them over TCP, plain
//! `sip:HOST:PORT` (or `;transport=udp`) over UDP. Call-ins may arrive on either; each call keeps its
//! transport for its in-dialog requests. On TCP the gateway writes `SIP/2.0/TCP` in its Via and
//! `;transport=tcp` in its Contact, and since the transport is reliable (§17) its client transactions do not
//! retransmit (no Timer A or E; Timer B and F still give up after 64·T1) and a call-in's final response is sent
//! once (no Timer G; Timer H still bounds the wait for the ACK).
//!
//! # Tasks
//!
//! * one receive task ([`udp`]) reads the UDP socket and hands each datagram to [`dispatch`], which parses it
//!   ([`message`]) and routes it by Call-ID to its call; a new INVITE starts a call-in (a config look-up, an SDP
//!   check and one query, then its task takes over), other requests for no known dialog get 481 (ACK is
//!   dropped), OPTIONS gets 200, malformed messages are dropped and requests missing a mandatory header get 400.
//!   Nothing on this path can panic or block on a call.
//! * one accept task for the TCP listener and one task per TCP connection ([`tcp`]), which reads and frames the
//!   stream, hands each message to [`dispatch`] like a datagram, and writes what the calls queue for it; a call
//!   task never waits on a connection (it queues, and a connection that does not drain loses messages as UDP
//!   would).
//! * one task per call ([`callout`], [`callin`]) owns that call's state, its retransmission timers
//!   ([`transaction`]) and its media ([`call_media`]: the RTP socket and WebRTC leg, then the bridge); it gets SIP
//!   messages, app events (offer, hang-up, session closed) and the bridge's report through a channel, so the socket
//!   reader and the Socket.IO handlers never wait for it. Making the WebRTC answer or offer (gathering) happens in
//!   that task; events arriving meanwhile wait in its channel.
//! * one bridge task per answered call ([`media::bridge`]) moves the audio; webrtc-rs runs its own driver task per
//!   peer connection.
//!
//! # The SIP message crate
//!
//! Parsing and serialising are this module's own ([`message`]), deliberately small and strict. Of the crates on
//! crates.io, `rsip` (0.4.0) has had no release since 2022 and pulls old `nom` 7, `uuid` 0.8, `sha2` 0.9 and
//! `md-5` 0.9 into the lock file; `rsipstack` is maintained but is a whole SIP stack (transports, transactions,
//! dialogs, DNS resolver, TLS, WebSocket) whose message types are not published separately, so using it for
//! parse/serialise would bring a second stack and its dependencies (socket2, if-addrs, parking_lot, rand 0.10…) to
//! keep out of the way; `rvoip-sip-core` is young and large. The gateway needs a handful of headers and the body;
//! ~250 lines that never panic (unit tests, a fuzz target) are easier to keep correct than any of those.
//!
//! # Not done yet
//!
//! * media: DTMF (RFC 4733 telephone-event is neither offered nor passed on), RTCP with the carrier, early media
//!   (183 with SDP is not played to the app), comfort noise; a server behind a NAT other than 1:1 (the leg has
//!   host candidates only: `webrtc_bind` covers a 1:1 NAT by announcing `advertise`, untested through a real NAT;
//!   anything else needs a TURN relay); symmetric-RTP learning of a carrier behind NAT (RTP must come from the
//!   address in its SDP);
//! * offer-less call-in INVITEs (answered 488); re-INVITEs and UPDATEs that change the media (hold, another address
//!   or codec: answered 488, the call goes on as it was);
//! * TLS, WebSocket and SCTP transports; DNS NAPTR/SRV look-ups of the trunk (RFC 3263: the URI's host is
//!   resolved to an address, its `transport` parameter says UDP or TCP); on TCP, requests of a call-in go to the
//!   connection its INVITE came on, and when that connection has closed they are lost (the carrier's Contact and
//!   Via are not used to open a new one); idle TCP connections are never closed by the gateway;
//! * Record-Route/route sets (in-dialog requests go to the trunk address, which suits a trunk that is the next
//!   hop); Digest challenges to requests other than the INVITE (a BYE); final responses
//!   retransmitted after a call ended are not acknowledged again;
//! * call-in to a user with no session (push, OQ-24): answered 480 at once;
//! * a session lost without an explicit disconnect gets no grace period (OQ-5) in gateway calls: its callout or
//!   answered call-in hangs up at once.

mod call_media;
pub mod callin;
pub mod callout;
pub mod config;
pub mod digest;
mod dispatch;
pub mod framing;
mod logs;
pub mod media;
pub mod message;
mod refresh;
pub mod sdp;
mod tcp;
pub mod transaction;
pub mod transport;
mod udp;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{Notify, mpsc, watch};

pub use config::SipConfig;
use message::Message;
use transport::{Peer, Transport};

use crate::hub::Hub;

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum SipError {
    #[error("sip.trunk {0:?} is not sip:HOST[:PORT][;transport=udp|tcp]")]
    TrunkUri(String),
    #[error("sip.trunk {0}: cannot resolve: {1}")]
    Resolve(String, String),
    #[error("sip.listen {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
}

/// What a call task is told.
#[derive(Debug)]
pub(crate) enum Event {
    /// A message of this call's dialog from the trunk, and where it came from.
    Sip(Message, Peer),
    /// svc 501: the app's SDP offer with its candidates.
    Offer(String),
    /// svc 502.
    Hangup,
    /// The session that started the call closed.
    SessionClosed,
    /// A session of the call-in's user closed (it is already out of the registry).
    CallinSessionClosed(u64),
    /// svc 506 from a session of the call-in's user.
    Callin { session_id: u64, status: azstack_protocol::bodies::calls::CallinStatus },
    /// The call's media bridge ended on its own (the carrier went silent, the WebRTC connection failed).
    MediaEnded(media::bridge::BridgeEnd),
}

/// A callout as the app side knows it.
struct AppLeg {
    sip_call_id: String,
    session_id: u64,
}

#[derive(Default)]
struct Table {
    /// By SIP Call-ID.
    by_sip: HashMap<String, mpsc::UnboundedSender<Event>>,
    /// By (userId, app callId).
    by_app: HashMap<(i64, i64), AppLeg>,
}

/// The running gateway, shared through the hub.
pub struct Gateway {
    config: SipConfig,
    socket: UdpSocket,
    /// The TCP listener (same address as the socket) and connections.
    tcp: tcp::Connections,
    local: SocketAddr,
    advertise: IpAddr,
    /// Where callouts go, on the trunk URI's transport.
    trunk: Peer,
    /// `host:port` of the trunk, for Request-URIs.
    trunk_host: String,
    table: Mutex<Table>,
    /// Remaining talk seconds per user (only with `balance_seconds`).
    balances: Mutex<HashMap<i64, i64>>,
    /// Set once by [`Gateway::shutdown`]; the receive, accept and connection tasks watch it.
    stop: watch::Sender<bool>,
    /// Messages dropped as malformed, and TCP streams closed as unframeable.
    pub malformed: AtomicU64,
    /// Changes of the call table (a call starts or ends), for tests that wait for a condition.
    changed: Notify,
}

impl Gateway {
    /// Binds the listen socket and TCP listener (same address and port) and resolves the trunk.
    pub async fn bind(config: SipConfig) -> Result<Arc<Gateway>, SipError> {
        let bad_uri = || SipError::TrunkUri(config.trunk.clone());
        let (host, port) = config::trunk_host_port(&config.trunk).ok_or_else(bad_uri)?;
        let transport = config::trunk_transport(&config.trunk).ok_or_else(bad_uri)?;
        let trunk = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| SipError::Resolve(config.trunk.clone(), e.to_string()))?
            .next()
            .ok_or_else(|| SipError::Resolve(config.trunk.clone(), "no address".into()))?;
        let (socket, listener) = bind_both(config.listen).await?;
        let local = socket.local_addr().map_err(|e| SipError::Bind(config.listen, e))?;
        let advertise = config.advertise.unwrap_or(if local.ip().is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            local.ip()
        });
        let trunk_host = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
        let trunk = Peer { transport, addr: trunk };
        tracing::info!(%local, %trunk, "SIP gateway listening (UDP and TCP)");
        Ok(Arc::new(Gateway {
            config,
            socket,
            tcp: tcp::Connections::new(listener),
            local,
            advertise,
            trunk,
            trunk_host,
            table: Mutex::new(Table::default()),
            balances: Mutex::new(HashMap::new()),
            stop: watch::Sender::new(false),
            malformed: AtomicU64::new(0),
            changed: Notify::new(),
        }))
    }

    /// Starts the UDP receive task and the TCP accept task. They hold the hub weakly and end with
    /// [`Gateway::shutdown`].
    pub fn run(self: &Arc<Gateway>, hub: Weak<Hub>) {
        self.tcp.run(self, hub.clone());
        tokio::spawn(udp::receive(self.clone(), hub));
    }

    /// Stops the receive and accept tasks and closes the TCP connections; calls in progress end on their own
    /// timers.
    pub fn shutdown(&self) {
        self.stop.send_replace(true);
        self.tcp.close_all();
    }

    /// Resolves once [`Gateway::shutdown`] has been called (at once if it has).
    fn stopped(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut stop = self.stop.subscribe();
        async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        }
    }

    /// Open TCP connections (accepted and opened).
    pub fn tcp_connections(&self) -> usize {
        self.tcp.count()
    }

    /// The bound address, the same for UDP and TCP.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    pub fn config(&self) -> &SipConfig {
        &self.config
    }

    /// Calls in progress.
    pub fn active(&self) -> usize {
        self.table.lock().map(|t| t.by_sip.len()).unwrap_or(0)
    }

    /// Waits until no call is in progress, or `within` passes; returns whether the table is empty.
    pub async fn idle_within(&self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let changed = self.changed.notified();
            if self.active() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return self.active() == 0;
            }
        }
    }

    fn t1(&self) -> Duration {
        Duration::from_millis(self.config.t1_ms.max(1))
    }

    async fn send_to_trunk(&self, message: &Message) {
        self.send(&message.to_bytes(), &self.trunk).await;
    }

    /// `host:port` the gateway writes in Via and Contact.
    fn local_hostport(&self) -> String {
        SocketAddr::new(self.advertise, self.local.port()).to_string()
    }

    /// The Via of a request of ours on `transport` (RFC 3261 §18.1.1: it names the transport).
    fn via(&self, transport: Transport, branch: &str) -> String {
        format!("SIP/2.0/{} {};branch=z9hG4bK{branch};rport", transport.via_name(), self.local_hostport())
    }

    /// A Contact URI of user `user` reachable on `transport` (`;transport=tcp` on TCP).
    fn contact_uri(&self, user: &str, transport: Transport) -> String {
        format!("sip:{user}@{}{}", self.local_hostport(), transport.uri_param())
    }

    /// The talk seconds `user_id` has left, `None` when unlimited.
    fn balance(&self, user_id: i64) -> Option<i64> {
        let initial = i64::try_from(self.config.balance_seconds?).unwrap_or(i64::MAX);
        let Ok(mut map) = self.balances.lock() else { return Some(0) };
        Some(*map.entry(user_id).or_insert(initial))
    }

    fn charge(&self, user_id: i64, seconds: i64) {
        if self.config.balance_seconds.is_none() {
            return;
        }
        if let Ok(mut map) = self.balances.lock()
            && let Some(left) = map.get_mut(&user_id)
        {
            *left = left.saturating_sub(seconds).max(0);
        }
    }

    /// Routes an event to the call of SIP Call-ID `call_id`; false when there is none.
    fn route_sip(&self, call_id: &str, event: Event) -> bool {
        let Ok(table) = self.table.lock() else { return false };
        table.by_sip.get(call_id).is_some_and(|tx| tx.send(event).is_ok())
    }

    /// Routes an app event to the callout `(user_id, call_id)`; false when there is none.
    fn route_app(&self, user_id: i64, call_id: i64, event: Event) -> bool {
        let Ok(table) = self.table.lock() else { return false };
        let Some(leg) = table.by_app.get(&(user_id, call_id)) else { return false };
        table.by_sip.get(&leg.sip_call_id).is_some_and(|tx| tx.send(event).is_ok())
    }

    /// The session `session_id` of `user_id` closed: its callouts hang up; the user's call-ins (legs with session
    /// 0) are told, and hang up if it was the answering session or the last one ringing.
    pub fn session_closed(&self, user_id: i64, session_id: u64) {
        let Ok(table) = self.table.lock() else { return };
        for ((user, _), leg) in &table.by_app {
            let event = if leg.session_id == session_id {
                Event::SessionClosed
            } else if leg.session_id == 0 && *user == user_id {
                Event::CallinSessionClosed(session_id)
            } else {
                continue;
            };
            if let Some(tx) = table.by_sip.get(&leg.sip_call_id) {
                let _ = tx.send(event);
            }
        }
    }

    /// Registers a call; false if `(user_id, call_id)` already has one.
    fn register(&self, user_id: i64, call_id: i64, leg: AppLeg, tx: mpsc::UnboundedSender<Event>) -> bool {
        let Ok(mut table) = self.table.lock() else { return false };
        if table.by_app.contains_key(&(user_id, call_id)) {
            return false;
        }
        table.by_sip.insert(leg.sip_call_id.clone(), tx);
        table.by_app.insert((user_id, call_id), leg);
        drop(table);
        self.changed.notify_waiters();
        true
    }

    fn unregister(&self, user_id: i64, call_id: i64, sip_call_id: &str) {
        if let Ok(mut table) = self.table.lock() {
            table.by_sip.remove(sip_call_id);
            table.by_app.remove(&(user_id, call_id));
        }
        self.changed.notify_waiters();
    }

    fn note_malformed(&self) {
        self.malformed.fetch_add(1, Ordering::Relaxed);
    }
}

/// Binds UDP and TCP on `listen`. With port 0 the TCP listener takes the port the OS gave the UDP socket, and the
/// pair is tried again (a few times) if that port is taken for TCP.
async fn bind_both(listen: SocketAddr) -> Result<(UdpSocket, TcpListener), SipError> {
    let mut attempts = if listen.port() == 0 { 8 } else { 1 };
    loop {
        let socket = UdpSocket::bind(listen).await.map_err(|e| SipError::Bind(listen, e))?;
        let local = socket.local_addr().map_err(|e| SipError::Bind(listen, e))?;
        match TcpListener::bind(local).await {
            Ok(listener) => return Ok((socket, listener)),
            Err(error) => {
                attempts -= 1;
                if attempts == 0 {
                    return Err(SipError::Bind(local, error));
                }
            }
        }
    }
}

/// A random token for branches, tags and Call-IDs.
fn token() -> String {
    format!("{:016x}", rand::random::<u64>())
}
