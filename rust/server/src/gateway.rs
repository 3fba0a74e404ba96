//! The Socket.IO gateway: one endpoint for Socket.IO v4 (EIO3, the original SDK's socket.io-client 2.x) and v5
//! (EIO4), the single `WebPacket` event, and one task per socket.
//!
//! socketioxide spawns a task per incoming event, which would let two packets of one client overtake each other
//! (a message and the SEEN report that follows it, say). So the gateway registers its own `MessageHandler` that only
//! pushes the raw event into the socket's queue, in arrival order, and one task per socket processes that queue
//! sequentially. Packets of different sockets still run in parallel.
//!
//! Before authentication only discovery (29), ping (1) and authenticate (179) are accepted (§2.7); anything else is
//! dropped with a log line. Bad envelopes, unknown services and rate-limit excess are dropped and counted, never
//! answered with a crash.

use std::sync::Arc;

use azstack_protocol::{EVENT, Envelope, Service};
use socketioxide::SocketIo;
use socketioxide::adapter::LocalAdapter;
use socketioxide::extract::{SocketRef, TryData};
use socketioxide::handler::{ConnectHandler, FromMessageParts, MessageHandler};
use socketioxide::socket::{DisconnectReason, Socket};
use socketioxide_core::Value;
use tokio::sync::mpsc;

use crate::handlers;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::session::Session;

/// What a socket's queue carries.
enum Inbound {
    Packet(serde_json::Value),
    /// The socket is gone. `explicit`: the client sent a Socket.IO disconnect (`41`) rather than losing the
    /// transport.
    Closed { explicit: bool },
}

/// Queue capacity per socket; a client that floods beyond it loses packets (and is rate-limited anyway).
const QUEUE: usize = 1024;

#[derive(Clone)]
struct Enqueue {
    tx: mpsc::Sender<Inbound>,
    hub: Arc<Hub>,
}

impl MessageHandler<LocalAdapter, ()> for Enqueue {
    fn call(&self, s: Arc<Socket<LocalAdapter>>, mut v: Value, ack_id: Option<i64>) {
        Metrics::inc(&self.hub.metrics.packets_in);
        let Ok(TryData(decoded)) = TryData::<serde_json::Value>::from_message_parts(&s, &mut v, &ack_id);
        match decoded {
            Ok(value) => {
                if self.tx.try_send(Inbound::Packet(value)).is_err() {
                    Metrics::inc(&self.hub.metrics.packets_rate_limited);
                    tracing::warn!(sid = %s.id, "socket queue full; packet dropped");
                }
            }
            Err(error) => {
                Metrics::inc(&self.hub.metrics.packets_malformed);
                tracing::warn!(sid = %s.id, %error, "undecodable WebPacket event dropped");
            }
        }
    }
}

/// Registers the root namespace on `io`.
///
/// The per-socket setup runs as a connect *middleware*: socketioxide awaits middlewares before it sends the
/// namespace CONNECT packet, whereas the connect handler is spawned after it, so setting up there would let a
/// client's first packet (sent as soon as it sees CONNECT) arrive before the `WebPacket` handler exists.
pub fn attach(io: &SocketIo, hub: Arc<Hub>) {
    let setup = move |socket: SocketRef| {
        let hub = hub.clone();
        async move {
            on_connect(hub, socket);
            Ok::<(), std::convert::Infallible>(())
        }
    };
    io.ns("/", (async || {}).with(setup));
}

fn on_connect(hub: Arc<Hub>, socket: SocketRef) {
    Metrics::inc(&hub.metrics.sockets_open);
    let session = Arc::new(Session::new(socket.clone(), hub.config.limits.burst));
    let (tx, rx) = mpsc::channel(QUEUE);
    socket.on(EVENT, Enqueue { tx: tx.clone(), hub: hub.clone() });
    socket.on_disconnect(move |reason: DisconnectReason| {
        let tx = tx.clone();
        async move {
            let explicit = matches!(reason, DisconnectReason::ClientNSDisconnect | DisconnectReason::ServerNSDisconnect);
            let _ = tx.send(Inbound::Closed { explicit }).await;
        }
    });
    tokio::spawn(run(hub, session, rx));
}

async fn run(hub: Arc<Hub>, session: Arc<Session>, mut rx: mpsc::Receiver<Inbound>) {
    let mut explicit_close = false;
    let mut first = true;
    while let Some(item) = rx.recv().await {
        match item {
            Inbound::Packet(value) => {
                if std::mem::take(&mut first) {
                    wait_connected(&session).await;
                }
                handle_packet(&hub, &session, value).await
            }
            Inbound::Closed { explicit } => {
                explicit_close = explicit;
                break;
            }
        }
    }
    hub.metrics.sockets_open.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    handlers::connection::closed(&hub, &session, explicit_close).await;
}

/// socketioxide sends the namespace CONNECT packet a moment *before* it flags the socket connected, and `emit`
/// refuses to send until then. A client that answers CONNECT at once (the original SDK sends svc 29 immediately)
/// could otherwise have its first reply dropped when this task runs in that window; the wait is bounded in case the
/// socket never gets there (it is then closing anyway).
async fn wait_connected(session: &Session) {
    for _ in 0..1000 {
        if session.connected() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
}

async fn handle_packet(hub: &Arc<Hub>, session: &Arc<Session>, value: serde_json::Value) {
    let limits = &hub.config.limits;
    if !session.admit(limits.packets_per_sec, limits.burst) {
        Metrics::inc(&hub.metrics.packets_rate_limited);
        tracing::debug!(session = session.id, "rate limit: packet dropped");
        return;
    }
    let envelope = match Envelope::from_value(value) {
        Ok(e) => e,
        Err(error) => {
            Metrics::inc(&hub.metrics.packets_malformed);
            tracing::warn!(session = session.id, %error, "malformed envelope dropped");
            return;
        }
    };
    if envelope.body.len() > limits.max_packet_bytes {
        Metrics::inc(&hub.metrics.packets_malformed);
        tracing::warn!(session = session.id, size = envelope.body.len(), "oversized body dropped");
        return;
    }
    let Ok(service) = envelope.service() else {
        Metrics::inc(&hub.metrics.packets_unknown_service);
        tracing::info!(session = session.id, service = envelope.service, "unknown service ignored");
        return;
    };
    match service {
        Service::PING => {}
        Service::AUTHENTICATION_GET_SERVER_ADDR => handlers::connection::discovery(hub, session),
        Service::AUTHENTICATION_SEND_AUTHENTICATE => handlers::connection::authenticate(hub, session, &envelope).await,
        _ => match session.identity() {
            Some(me) => {
                let me = me.clone();
                if let Err(reject) = handlers::dispatch(hub, session, &me, service, &envelope).await {
                    reject.record(hub, session.id, service);
                }
            }
            None => {
                Metrics::inc(&hub.metrics.packets_out_of_auth);
                tracing::debug!(session = session.id, service = service.number(), "packet before authentication dropped");
            }
        },
    }
}
