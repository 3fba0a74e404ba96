//! A small Socket.IO client: Engine.IO 4 / Socket.IO 5 over one WebSocket (PROTOCOL.md §1, D1).
//!
//! Why not a general-purpose crate: the engine needs exactly one namespace, one event name and text frames, and it
//! needs three properties the measured alternative lacked (see the project's dependency notes): a socket counts as
//! connected only after the server acknowledged the namespace CONNECT (`40{"sid":..}`), so a first emit is never
//! lost; TCP_NODELAY is on, so a request/response round trip costs no Nagle delay; and a silent peer is detected.
//!
//! The wire, per the Engine.IO 4 and Socket.IO 5 specifications:
//!
//! ```text
//! S→C  0{"sid":"..","pingInterval":25000,"pingTimeout":20000,"maxPayload":..}   Engine.IO open
//! C→S  40                                                                        Socket.IO CONNECT "/"
//! S→C  40{"sid":".."}                         (or 44{"message":..}: refused)     CONNECT acknowledged
//! S→C  2   C→S 3                                                                 heartbeat (server pings)
//! both 42["WebPacket",{"service":N,"body":"<json text>"}]                        one event per packet
//! both 41 / 1                                                                    Socket.IO disconnect / EIO close
//! ```
//!
//! A [`Socket`] is a cheap handle for sending; what arrives is read from the [`Incoming`] channel returned by
//! [`connect`], which ends with exactly one [`Incoming::Closed`] carrying the reason.
//!
//! Liveness. A closed TCP connection, a WebSocket close or an Engine.IO/Socket.IO close ends the socket as soon as
//! it is read. A *silent* loss (a frozen server, a dropped route, a sleeping NAT: no FIN, no RST) is caught by the
//! [`Liveness`] bound: whenever nothing has arrived for half of it the socket sends a WebSocket ping (RFC 6455
//! §5.5.2: every WebSocket endpoint answers a ping with a pong, without any Engine.IO or application involvement),
//! and when nothing at all — packet, heartbeat or pong — has arrived for the whole bound the socket closes with
//! [`CloseReason::PingTimeout`]. [`Socket::probe`] sends such a ping at once and shortens the wait for an answer to
//! half the bound, at most 3 s (a network change: the old route may well be gone).

use std::sync::Arc;
use std::time::Duration;

use azstack_protocol::Envelope;
use azstack_protocol::framing::{self, Frame};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// Why a socket could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    #[error("invalid server URL {0:?}")]
    InvalidUrl(String),
    #[error("websocket: {0}")]
    WebSocket(String),
    #[error("handshake: {0}")]
    Handshake(String),
    #[error("the server refused the namespace: {0}")]
    Refused(String),
    #[error("timed out")]
    Timeout,
}

/// Why an open socket closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseReason {
    /// We closed it ([`Socket::close`]).
    ClientDisconnect,
    /// The server sent a Socket.IO disconnect or an Engine.IO close.
    ServerDisconnect,
    /// Nothing arrived within the [`Liveness`] bound (or `pingInterval + pingTimeout`, if shorter).
    PingTimeout,
    /// The WebSocket failed or ended.
    TransportError(String),
}

/// What an open socket delivers, in arrival order.
#[derive(Debug)]
pub enum Incoming {
    Packet(Envelope),
    /// The last item: the socket is gone.
    Closed(CloseReason),
}

enum Outgoing {
    Frame(String),
    /// A WebSocket ping (a control frame; the peer's WebSocket layer answers it with a pong).
    Ping,
    Close,
}

/// How long an open socket may stay silent before it counts as lost. Half of it without anything received sends a
/// WebSocket ping; the whole of it closes the socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Liveness(pub Duration);

/// The longest [`Socket::probe`] waits for an answer.
const PROBE_WINDOW: Duration = Duration::from_secs(3);

impl Liveness {
    fn ping_after(self) -> Duration {
        self.0 / 2
    }

    /// How long [`Socket::probe`] waits for an answer.
    pub fn probe_window(self) -> Duration {
        self.ping_after().min(PROBE_WINDOW)
    }
}

/// Sending half of an open socket. Cloneable; sending after the socket closed fails.
#[derive(Clone, Debug)]
pub struct Socket {
    out: mpsc::UnboundedSender<Outgoing>,
    probe: Arc<Notify>,
}

/// The socket is closed; nothing was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("socket not connected")]
pub struct NotConnected;

impl Socket {
    /// Queues one `WebPacket` event. Frames leave in the order they were queued.
    pub fn send(&self, envelope: &Envelope) -> Result<(), NotConnected> {
        let frame = framing::event(envelope);
        self.out.send(Outgoing::Frame(frame)).map_err(|_| NotConnected)
    }

    /// Sends a Socket.IO disconnect and closes the WebSocket. The [`Incoming`] channel then ends with
    /// [`CloseReason::ClientDisconnect`].
    pub fn close(&self) {
        let _ = self.out.send(Outgoing::Close);
    }

    /// Checks the connection now: sends a WebSocket ping and closes the socket with [`CloseReason::PingTimeout`]
    /// unless something arrives within [`Liveness::probe_window`].
    pub fn probe(&self) {
        self.probe.notify_one();
    }

    /// Whether the socket is still open for sending.
    pub fn is_open(&self) -> bool {
        !self.out.is_closed()
    }
}

/// The WebSocket URL for a server URL: `http(s)://host:port[/]` or `ws(s)://host:port[/]`.
pub fn websocket_url(server: &str) -> Result<String, ConnectError> {
    let server = server.trim();
    let (scheme, rest) = server.split_once("://").ok_or_else(|| ConnectError::InvalidUrl(server.to_owned()))?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        _ => return Err(ConnectError::InvalidUrl(server.to_owned())),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err(ConnectError::InvalidUrl(server.to_owned()));
    }
    Ok(format!("{scheme}://{authority}/socket.io/?EIO=4&transport=websocket"))
}

/// Opens a socket to `server` and completes the Engine.IO and namespace handshakes within `timeout`.
pub async fn connect(
    server: &str,
    timeout: Duration,
    liveness: Liveness,
) -> Result<(Socket, mpsc::UnboundedReceiver<Incoming>), ConnectError> {
    let url = websocket_url(server)?;
    tokio::time::timeout(timeout, open(url, liveness)).await.map_err(|_| ConnectError::Timeout)?
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpenPacket {
    ping_interval: u64,
    ping_timeout: u64,
}

async fn open(url: String, liveness: Liveness) -> Result<(Socket, mpsc::UnboundedReceiver<Incoming>), ConnectError> {
    let ws = crate::tls::connect_websocket(url).await.map_err(ConnectError::WebSocket)?;
    let (mut sink, mut stream) = ws.split();

    // Engine.IO open packet, then the namespace CONNECT and its acknowledgement.
    let open: OpenPacket = loop {
        match stream.next().await {
            Some(Ok(Message::Text(text))) => {
                let Frame::Open(json) = framing::parse(text.as_str()) else {
                    return Err(ConnectError::Handshake(format!("expected an open packet, got {:?}", text.as_str())));
                };
                break serde_json::from_str(json).map_err(|e| ConnectError::Handshake(e.to_string()))?;
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(other)) => return Err(ConnectError::Handshake(format!("unexpected frame {other:?}"))),
            Some(Err(e)) => return Err(ConnectError::WebSocket(e.to_string())),
            None => return Err(ConnectError::Handshake("closed during the handshake".into())),
        }
    };
    sink.send(Message::text(framing::CONNECT)).await.map_err(|e| ConnectError::WebSocket(e.to_string()))?;
    loop {
        match stream.next().await {
            Some(Ok(Message::Text(text))) => {
                let text = text.as_str();
                match framing::parse(text) {
                    Frame::Connect(_) => break,
                    Frame::ConnectError(reason) => return Err(ConnectError::Refused(reason.to_owned())),
                    Frame::Ping => {
                        sink.send(Message::text(framing::PONG))
                            .await
                            .map_err(|e| ConnectError::WebSocket(e.to_string()))?;
                    }
                    _ => return Err(ConnectError::Handshake(format!("unexpected packet {text:?} before CONNECT ack"))),
                }
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(ConnectError::WebSocket(e.to_string())),
            None => return Err(ConnectError::Handshake("closed before the CONNECT ack".into())),
        }
    }

    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Outgoing>();
    let (in_tx, in_rx) = mpsc::unbounded_channel::<Incoming>();
    let silence = Duration::from_millis(open.ping_interval + open.ping_timeout).min(liveness.0);
    let pong = out_tx.clone();
    let probe = Arc::new(Notify::new());
    let probed = probe.clone();

    // Reader: heartbeats, liveness, events, close. The only place that reports `Closed` (exactly once).
    let (closed_by_us_tx, mut closed_by_us_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let mut last_received = Instant::now();
        let mut pinged = false;
        // A probe is answered only by a pong: data already on its way when the route died proves nothing.
        let mut probe_deadline: Option<Instant> = None;
        let reason = loop {
            let deadline = (last_received + silence).min(probe_deadline.unwrap_or(Instant::now() + silence));
            let ping_at = if pinged { deadline } else { last_received + liveness.ping_after() };
            let next = tokio::select! {
                biased;
                _ = &mut closed_by_us_rx => break CloseReason::ClientDisconnect,
                () = pong.closed() => break CloseReason::TransportError("the connection refused a write".into()),
                next = stream.next() => next,
                () = probed.notified() => {
                    let _ = pong.send(Outgoing::Ping);
                    pinged = true;
                    probe_deadline.get_or_insert(Instant::now() + liveness.probe_window());
                    continue;
                }
                () = tokio::time::sleep_until(ping_at.min(deadline)) => {
                    if Instant::now() >= deadline {
                        break CloseReason::PingTimeout;
                    }
                    let _ = pong.send(Outgoing::Ping);
                    pinged = true;
                    continue;
                }
            };
            last_received = Instant::now();
            pinged = false;
            if matches!(next, Some(Ok(Message::Pong(_)))) {
                probe_deadline = None;
            }
            let frame = match next {
                None => break CloseReason::TransportError("connection closed".into()),
                Some(Err(e)) => break CloseReason::TransportError(e.to_string()),
                Some(Ok(frame)) => frame,
            };
            match frame {
                Message::Text(text) => {
                    let text = text.as_str();
                    match framing::parse(text) {
                        Frame::Ping => {
                            let _ = pong.send(Outgoing::Frame(framing::PONG.into()));
                        }
                        Frame::Event(array) => match framing::decode_event(array) {
                            Some(env) => {
                                let _ = in_tx.send(Incoming::Packet(env));
                            }
                            None => tracing::debug!(frame = text, "ignored an event that is not a WebPacket"),
                        },
                        Frame::Disconnect | Frame::Close => break CloseReason::ServerDisconnect,
                        _ => {}
                    }
                }
                Message::Close(_) => break CloseReason::ServerDisconnect,
                _ => {}
            }
        };
        let _ = in_tx.send(Incoming::Closed(reason));
    });

    // Writer: frames in queue order; `Close` ends the socket from our side.
    tokio::spawn(async move {
        let mut closed_by_us = Some(closed_by_us_tx);
        while let Some(out) = out_rx.recv().await {
            match out {
                Outgoing::Frame(frame) => {
                    if sink.send(Message::text(frame)).await.is_err() {
                        break;
                    }
                }
                Outgoing::Ping => {
                    if sink.send(Message::Ping(Default::default())).await.is_err() {
                        break;
                    }
                }
                Outgoing::Close => {
                    if let Some(tx) = closed_by_us.take() {
                        let _ = tx.send(());
                    }
                    let _ = sink.send(Message::text(framing::DISCONNECT)).await;
                    let _ = sink.close().await;
                    break;
                }
            }
        }
        out_rx.close();
    });

    Ok((Socket { out: out_tx, probe }, in_rx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            websocket_url("http://127.0.0.1:9000").unwrap(),
            "ws://127.0.0.1:9000/socket.io/?EIO=4&transport=websocket"
        );
        assert_eq!(
            websocket_url("https://www.azhub.xyz:9199/").unwrap(),
            "wss://www.azhub.xyz:9199/socket.io/?EIO=4&transport=websocket"
        );
        assert_eq!(websocket_url("ws://h:1").unwrap(), "ws://h:1/socket.io/?EIO=4&transport=websocket");
        assert!(websocket_url("ftp://h").is_err());
        assert!(websocket_url("h:1").is_err());
        assert!(websocket_url("http://").is_err());
    }
}
