//! `azstack-sip`: the SIP gateway of the AZStack server — callouts (svc 500–504, 610, 601) towards a SIP trunk and
//! call-ins from it (505/506/508), as PROTOCOL.md §5.4–§5.5 and D13 specify; the SIP signalling
//! (parse, serialise, transactions, Digest, UDP and TCP transports) and the media bridge between the app's WebRTC
//! audio and the carrier's RTP ([`media`]). It knows nothing of the chat server: what it needs from it is one
//! trait, [`Host`].
//!
//! # The host
//!
//! The server implements [`Host`] over its sessions and store and hands it to [`Gateway::run`]; the gateway calls
//! it to deliver app packets ([`ToApp`]: to the one session that started a callout, or to every session of a
//! user — ringing a call-in, its status, a paid call log), to list a user's sessions, to find the user a call-in
//! number names, to push a call-in to a user with no session, to store a call's log row, to read and charge a user's talk seconds, and to open a call's
//! recording (a name for the log and a file for the recorder). The other way, the server hands the app's packets
//! to the gateway: [`Gateway::start_callout`] (500), [`Gateway::callout_offer`] (501), [`Gateway::callout_stop`]
//! (502), [`Gateway::callin_status`] (506), [`Gateway::session_authenticated`] and [`Gateway::session_closed`].
//!
//! The modules without I/O — [`message`], [`framing`], [`sdp`], [`digest`], [`transaction`], [`refresh`],
//! [`config`], and the codecs, RTP and jitter buffer of [`media`] — are unit-tested here. Without the default
//! `gateway` feature the crate is only [`message`] and [`framing`] (std and thiserror), which is what the fuzz
//! targets build. The `testing` feature adds the tone generators and meters, a WebRTC app peer and an RTP carrier
//! for the server's tests and the bench (`testing`).
//!
//! # What it does
//!
//! With a `[sip]` section (a trunk URI) in the configuration, the server hands svc 500/501/502 to
//! [`Gateway`] instead of answering 610 402/−4. For a 500 the gateway checks the numbers (destination digits and
//! prefixes: −5; caller id: 404/−6) and the user's balance (−4), then answers 610 `{status: 100, chargingError: 0}`
//! and 504. When the app's offer arrives (501: WebRTC SDP with its candidates inline) the call's task opens the
//! server's own WebRTC leg and applies the offer; an offer the leg refuses ends the call at once with 503 503,
//! before anything reaches the trunk. Then it sends an INVITE to the trunk whose SDP
//! offers PCMU and PCMA (8 kHz, 20 ms) on an RTP port the call holds. SIP responses become svc 503 codes as the §5.4 table says
//! ([`callout::final_code`]; a transaction time-out, Timer B, is 408). A trunk that
//! wants credentials (401/407 with a Digest challenge) gets the INVITE again with the `[sip]` `username` and
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
//! A session that authenticates while a call-in rings gets its 505 too. Unknown numbers get 404. A user with no
//! session (OQ-24) is pushed to (602) and the call held — 180 to the trunk, ringing until `ring_timeout_secs`, then
//! 480 and a not-answered log row — for a session to authenticate and get the 505; a user with no device token to
//! push to gets 480 at once.
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
//! an app (601, 509) turns the name into a signed link that expires (the server's part, which also serves it).
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
//! Parsing and serialising are this crate's own ([`message`]), deliberately small and strict. Of the crates on
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
//! * a held call-in (a user with no session, pushed) that ends before a session comes sends no push to stop the
//!   phone ringing (the push expires with the server's `limits.ring_timeout_secs`);
//! * a session lost without an explicit disconnect gets no grace period (OQ-5) in gateway calls: its callout or
//!   answered call-in hangs up at once.

// Without `gateway` the crate is the message parser and the stream framing only (the fuzz targets).
#[cfg(feature = "gateway")]
mod call_media;
#[cfg(feature = "gateway")]
pub mod callin;
#[cfg(feature = "gateway")]
pub mod callout;
#[cfg(feature = "gateway")]
pub mod config;
#[cfg(feature = "gateway")]
pub mod digest;
#[cfg(feature = "gateway")]
mod dispatch;
pub mod framing;
#[cfg(feature = "gateway")]
mod gateway;
#[cfg(feature = "gateway")]
mod host;
#[cfg(feature = "gateway")]
pub mod media;
pub mod message;
#[cfg(feature = "gateway")]
mod refresh;
#[cfg(feature = "gateway")]
pub mod sdp;
#[cfg(feature = "gateway")]
mod tcp;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(feature = "gateway")]
pub mod transaction;
#[cfg(feature = "gateway")]
pub mod transport;
#[cfg(feature = "gateway")]
mod udp;

#[cfg(feature = "gateway")]
pub use config::{RecordingConfig, SipConfig};
#[cfg(feature = "gateway")]
pub(crate) use gateway::{AppLeg, Event, token};
#[cfg(feature = "gateway")]
pub use gateway::{Gateway, SipError};
#[cfg(feature = "gateway")]
pub use host::{Host, ToApp};

/// Now, in milliseconds since the Unix epoch (a call's `recordTime`, call-in ids).
#[cfg(feature = "gateway")]
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
