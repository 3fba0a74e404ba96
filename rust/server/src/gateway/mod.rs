//! The Socket.IO gateway: one endpoint for Socket.IO v4 (EIO3, the original SDK's socket.io-client 2.x) and v5
//! (EIO4), the single `WebPacket` event, and one task per socket.
//!
//! socketioxide spawns a task per incoming event, which would let two packets of one client overtake each other
//! (a message and the SEEN report that follows it, say). So the gateway registers its own `MessageHandler` that only
//! pushes the raw event into the socket's queue, in arrival order, and one task per socket processes that queue
//! sequentially. Packets of different sockets still run in parallel.
//!
//! Before authentication only discovery (29), ping (1) and authenticate (179) are accepted (§2.7); anything else is
//! dropped with a log line. Bad envelopes and unknown services are dropped and counted, never answered with a crash.
//!
//! **Rate limit: shaping, not policing.** Each session has a token bucket (`limits.packets_per_sec`, `limits.burst`).
//! A packet that finds the bucket empty waits in the socket's queue until a token arrives, so a client that sends
//! faster than the limit is slowed down instead of silently losing a packet — the protocol has no "rate limited"
//! reply, and a dropped request would only surface as the client's request timeout. A flood still cannot build up
//! work: a packet that would start more than [`MAX_QUEUE_DELAY`] after it arrived is dropped and counted, as is
//! everything beyond the queue's capacity (`inbound_queue_packets` packets, `inbound_queue_bytes` bytes).
//!
//! Binary attachments are not part of the protocol: a packet announcing one closes the socket (socketioxide's parser
//! is configured to accept none), as does a raw binary frame.

pub mod login;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use azstack_protocol::{EVENT, Envelope, Service};
use socketioxide::SocketIo;
use socketioxide::adapter::LocalAdapter;
use socketioxide::extract::{SocketRef, TryData};
use socketioxide::handler::{ConnectHandler, FromMessageParts, MessageHandler};
use socketioxide::socket::{DisconnectReason, Socket};
use socketioxide_core::Value;
use tokio::sync::mpsc;

use crate::admission::Conn;
use crate::handlers;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::session::{Outbound, Session};

/// What a socket's queue carries.
enum Inbound {
    Packet {
        value: serde_json::Value,
        received: Instant,
        /// Its size as received, counted against `inbound_queue_bytes` while it waits.
        bytes: usize,
    },
    /// The socket is gone. `explicit`: the client sent a Socket.IO disconnect (`41`) rather than losing the
    /// transport.
    Closed { explicit: bool },
}

/// The longest a packet may wait in its socket's queue for the rate limit before it is dropped as part of a flood.
pub const MAX_QUEUE_DELAY: Duration = Duration::from_secs(2);

#[derive(Clone)]
struct Enqueue {
    tx: mpsc::Sender<Inbound>,
    hub: Arc<Hub>,
    /// Bytes of the packets waiting in the queue.
    queued: Arc<AtomicUsize>,
}

impl MessageHandler<LocalAdapter, ()> for Enqueue {
    fn call(&self, s: Arc<Socket<LocalAdapter>>, mut v: Value, ack_id: Option<i64>) {
        Metrics::inc(&self.hub.metrics.packets_in);
        let bytes = match &v {
            Value::Str(text, _) => text.len(),
            Value::Bytes(bytes) => bytes.len(),
        };
        if self.queued.load(Ordering::Relaxed) + bytes > self.hub.config.limits.inbound_queue_bytes {
            Metrics::inc(&self.hub.metrics.inbound_queue_full);
            crate::warn_limited!(self.hub.warnings, "socket queue full (bytes); packet dropped", sid = %s.id);
            return;
        }
        let Ok(TryData(decoded)) = TryData::<serde_json::Value>::from_message_parts(&s, &mut v, &ack_id);
        match decoded {
            Ok(value) => {
                self.queued.fetch_add(bytes, Ordering::Relaxed);
                if self.tx.try_send(Inbound::Packet { value, received: Instant::now(), bytes }).is_err() {
                    self.queued.fetch_sub(bytes, Ordering::Relaxed);
                    Metrics::inc(&self.hub.metrics.inbound_queue_full);
                    crate::warn_limited!(self.hub.warnings, "socket queue full; packet dropped", sid = %s.id);
                }
            }
            Err(error) => {
                Metrics::inc(&self.hub.metrics.packets_malformed);
                let error = self.hub.warnings.clip(&error.to_string()).to_string();
                crate::warn_limited!(self.hub.warnings, "undecodable WebPacket event dropped", sid = %s.id, %error);
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
    let limits = &hub.config.limits;
    let conn = socket.req_parts().extensions.get::<Arc<Conn>>().cloned();
    let out = Outbound::new(limits.outbound_buffer_bytes as u64, hub.metrics.slow_consumers.clone());
    let session = Arc::new(Session::new(socket.clone(), limits.burst, conn, out));
    let (tx, rx) = mpsc::channel(limits.inbound_queue_packets.max(1));
    let queued = Arc::new(AtomicUsize::new(0));
    socket.on(EVENT, Enqueue { tx: tx.clone(), hub: hub.clone(), queued: queued.clone() });
    let metrics_hub = hub.clone();
    socket.on_disconnect(move |reason: DisconnectReason| {
        let tx = tx.clone();
        if matches!(reason, DisconnectReason::PacketParsingError) {
            Metrics::inc(&metrics_hub.metrics.protocol_errors);
        }
        async move {
            let explicit =
                matches!(reason, DisconnectReason::ClientNSDisconnect | DisconnectReason::ServerNSDisconnect);
            let _ = tx.send(Inbound::Closed { explicit }).await;
        }
    });
    tokio::spawn(run(hub, session, socket, rx, queued));
}

/// socketioxide marks a socket connected only after it has written the CONNECT packet, and a client may answer that
/// packet before the flag is set; an emit in between fails as "closed", which would silently drop the reply to the
/// client's first packet (its discovery or authenticate). The flag follows the write within the same call, so this
/// wait is short; it gives up after a few seconds (a connect that failed closes the socket anyway).
async fn wait_connected(socket: &SocketRef) {
    for spin in 0..5000 {
        if socket.connected() {
            return;
        }
        if spin < 100 {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }
}

async fn run(
    hub: Arc<Hub>,
    session: Arc<Session>,
    socket: SocketRef,
    mut rx: mpsc::Receiver<Inbound>,
    queued: Arc<AtomicUsize>,
) {
    wait_connected(&socket).await;
    let mut explicit_close = false;
    while let Some(item) = rx.recv().await {
        match item {
            Inbound::Packet { value, received, bytes } => {
                queued.fetch_sub(bytes, Ordering::Relaxed);
                let limits = &hub.config.limits;
                let budget = MAX_QUEUE_DELAY.saturating_sub(received.elapsed());
                match session.admit(limits.packets_per_sec, limits.burst, budget) {
                    Some(wait) => {
                        if !wait.is_zero() {
                            tokio::time::sleep(wait).await;
                        }
                        // Boxed: the handlers' state machine is large, and a task holds its future's whole size
                        // for as long as the socket lives; boxed, it is allocated only while a packet is handled.
                        Box::pin(handle_packet(&hub, &session, value)).await;
                    }
                    None => {
                        Metrics::inc(&hub.metrics.packets_rate_limited);
                        tracing::debug!(session = session.id, "rate limit: packet dropped");
                    }
                }
            }
            Inbound::Closed { explicit } => {
                explicit_close = explicit;
                break;
            }
        }
    }
    hub.metrics.sockets_open.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    Box::pin(login::closed(&hub, &session, explicit_close)).await;
}

async fn handle_packet(hub: &Arc<Hub>, session: &Arc<Session>, value: serde_json::Value) {
    let limits = &hub.config.limits;
    let envelope = match Envelope::from_value(value) {
        Ok(e) => e,
        Err(error) => {
            Metrics::inc(&hub.metrics.packets_malformed);
            let error = hub.warnings.clip(&error.to_string()).to_string();
            crate::warn_limited!(hub.warnings, "malformed envelope dropped", session = session.id, %error);
            return;
        }
    };
    if envelope.body.len() > limits.max_packet_bytes {
        Metrics::inc(&hub.metrics.packets_malformed);
        crate::warn_limited!(hub.warnings, "oversized body dropped", session = session.id, size = envelope.body.len());
        return;
    }
    let Ok(service) = envelope.service() else {
        Metrics::inc(&hub.metrics.packets_unknown_service);
        crate::warn_limited!(hub.warnings, "unknown service ignored", session = session.id, service = envelope.service);
        return;
    };
    match service {
        Service::PING => {}
        Service::AUTHENTICATION_GET_SERVER_ADDR => login::discovery(hub, session),
        Service::AUTHENTICATION_SEND_AUTHENTICATE => login::authenticate(hub, session, &envelope).await,
        _ => match session.identity() {
            Some(me) => {
                let me = me.clone();
                let handled = if crate::calls::is_paid(service) {
                    session.settle().await;
                    let paid = crate::calls::Paid {
                        sip: hub.sip.as_ref(),
                        store: &hub.store,
                        recordings: hub.recordings.as_deref(),
                    };
                    crate::calls::handle_paid(&hub.calls, paid, session, &me, service, &envelope).await
                } else {
                    handlers::dispatch(&hub.services, session, &me, service, &envelope).await
                };
                if let Err(reject) = handled {
                    reject.record(&hub.warnings, session.id, service);
                }
            }
            None => {
                Metrics::inc(&hub.metrics.packets_out_of_auth);
                tracing::debug!(
                    session = session.id,
                    service = service.number(),
                    "packet before authentication dropped"
                );
            }
        },
    }
}
