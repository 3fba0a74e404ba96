//! SIP over TCP (RFC 3261 §18): the listener and the gateway's table of connections, one per remote address.
//!
//! Each connection, accepted from the trunk or opened by the gateway, is one task that owns the stream: it reads,
//! frames the bytes into messages ([`super::framing`]) and hands each to the same routing as a UDP datagram
//! ([`super::dispatch`]) with a [`Peer`] naming the connection; and it writes what the call tasks queue for it.
//! The table maps the remote address to the connection's queue, so [`Connections::send`] never waits: it puts the
//! bytes on the queue (a full queue, a connection that does not drain, loses the message as UDP would), or, with
//! no connection to that address, opens one whose task connects and then writes what was queued meanwhile. That
//! gives connection reuse for the trunk (one connection per address, opened on demand, opened again once closed).
//!
//! A connection closes on end of stream, a read or write error, a write that does not finish within 64·T1, a
//! stream that cannot be framed (garbage, no Content-Length, a message over [`super::framing::MAX_STREAM_MESSAGE`]), a message
//! begun but not finished within 64·T1, or the gateway's shutdown. Closing one touches nothing else: the UDP
//! socket and the other connections have their own tasks, and a call whose connection went away sees only its
//! transaction timers expire. Connections beyond [`MAX_CONNECTIONS`] are refused.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio::time::Instant;

use super::framing::{Frame, Framer};
use super::transport::Peer;
use super::{Gateway, dispatch};

/// Most connections at once (accepted and opened).
pub const MAX_CONNECTIONS: usize = 256;
/// Messages queued for one connection before further ones are dropped.
const QUEUE: usize = 64;

/// A connection's entry in the table.
struct Handle {
    /// Tells this connection from a later one to the same address.
    id: u64,
    queue: mpsc::Sender<Vec<u8>>,
}

/// The TCP side of the gateway.
pub(super) struct Connections {
    table: Mutex<HashMap<SocketAddr, Handle>>,
    next_id: AtomicU64,
    /// Taken by [`accept`] when the gateway runs.
    listener: Mutex<Option<TcpListener>>,
    /// Set when the gateway runs: what a connection task the gateway opens needs.
    running: OnceLock<Weak<Gateway>>,
}

impl Connections {
    pub(super) fn new(listener: TcpListener) -> Connections {
        Connections {
            table: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            listener: Mutex::new(Some(listener)),
            running: OnceLock::new(),
        }
    }

    /// Starts the accept task.
    pub(super) fn run(&self, gw: &Arc<Gateway>) {
        let _ = self.running.set(Arc::downgrade(gw));
        let listener = self.listener.lock().ok().and_then(|mut l| l.take());
        if let Some(listener) = listener {
            tokio::spawn(accept(gw.clone(), listener));
        }
    }

    /// Closes every connection (their queues end, so do their tasks).
    pub(super) fn close_all(&self) {
        if let Ok(mut table) = self.table.lock() {
            table.clear();
        }
    }

    /// Open connections.
    pub(super) fn count(&self) -> usize {
        self.table.lock().map(|t| t.len()).unwrap_or(0)
    }

    /// Queues `bytes` for the connection to `to`, opening one if there is none. Never waits.
    pub(super) fn send(&self, bytes: &[u8], to: SocketAddr) {
        let Ok(mut table) = self.table.lock() else { return };
        if let Some(handle) = table.get(&to) {
            match handle.queue.try_send(bytes.to_vec()) {
                Ok(()) => return,
                Err(TrySendError::Full(_)) => {
                    tracing::warn!(%to, "SIP over TCP: the connection does not drain; message dropped");
                    return;
                }
                // The connection just ended: open a new one below.
                Err(TrySendError::Closed(_)) => {}
            }
        }
        let Some(gw) = self.running.get().and_then(Weak::upgrade) else {
            return;
        };
        if *gw.stop.borrow() || table.len() >= MAX_CONNECTIONS {
            tracing::warn!(%to, "SIP over TCP: no connection can be opened; message dropped");
            return;
        }
        let (queue, rx) = mpsc::channel(QUEUE);
        let _ = queue.try_send(bytes.to_vec());
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        table.insert(to, Handle { id, queue });
        tokio::spawn(connection(gw, to, id, None, rx));
    }

    /// Takes an accepted connection into the table (replacing an older one from the same address, which goes on
    /// reading until it closes).
    fn adopt(&self, gw: &Arc<Gateway>, stream: TcpStream, from: SocketAddr) {
        let Ok(mut table) = self.table.lock() else { return };
        if table.len() >= MAX_CONNECTIONS {
            tracing::warn!(%from, "SIP over TCP: too many connections; refused");
            return;
        }
        let (queue, rx) = mpsc::channel(QUEUE);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        table.insert(from, Handle { id, queue });
        tokio::spawn(connection(gw.clone(), from, id, Some(stream), rx));
    }

    /// Removes connection `id` of `addr` (not a newer one).
    fn forget(&self, addr: SocketAddr, id: u64) {
        if let Ok(mut table) = self.table.lock()
            && table.get(&addr).is_some_and(|h| h.id == id)
        {
            table.remove(&addr);
        }
    }
}

/// Accepts connections until the gateway stops.
async fn accept(gw: Arc<Gateway>, listener: TcpListener) {
    loop {
        let got = tokio::select! {
            _ = gw.stopped() => break,
            got = listener.accept() => got,
        };
        if gw.host_gone() {
            break;
        }
        match got {
            Ok((stream, from)) => gw.tcp.adopt(&gw, stream, from),
            Err(error) => {
                // Out of file descriptors and the like: pause instead of spinning.
                tracing::warn!(%error, "SIP over TCP: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One connection's task: `stream` when accepted, else it connects to `addr` first.
async fn connection(
    gw: Arc<Gateway>,
    addr: SocketAddr,
    id: u64,
    stream: Option<TcpStream>,
    mut queue: mpsc::Receiver<Vec<u8>>,
) {
    let patience = gw.t1() * 64;
    let stream = match stream {
        Some(stream) => Ok(stream),
        None => match tokio::time::timeout(patience, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err("connect timed out".to_owned()),
        },
    };
    match stream {
        Ok(mut stream) => {
            let _ = stream.set_nodelay(true);
            tracing::debug!(%addr, "SIP over TCP: connection open");
            let why = serve(&gw, &mut stream, addr, &mut queue, patience).await;
            tracing::debug!(%addr, why, "SIP over TCP: connection closed");
        }
        Err(error) => tracing::warn!(%addr, %error, "SIP over TCP: cannot connect; queued messages dropped"),
    }
    gw.tcp.forget(addr, id);
}

/// Reads and writes `stream` until it closes; returns why it did.
async fn serve(
    gw: &Arc<Gateway>,
    stream: &mut TcpStream,
    addr: SocketAddr,
    queue: &mut mpsc::Receiver<Vec<u8>>,
    patience: Duration,
) -> &'static str {
    let mut framer = Framer::new();
    let mut buf = vec![0u8; 16 * 1024];
    // When the message now partly read began to arrive.
    let mut partial_since: Option<Instant> = None;
    let peer = Peer::tcp(addr);
    loop {
        let stalled = partial_since.map(|t| t + patience);
        tokio::select! {
            _ = gw.stopped() => return "shutdown",
            _ = super::callout::sleep_until(stalled) => return "a message was not finished in time",
            out = queue.recv() => {
                let Some(bytes) = out else { return "closed by the gateway" };
                if !matches!(tokio::time::timeout(patience, stream.write_all(&bytes)).await, Ok(Ok(()))) {
                    return "write failed or timed out";
                }
            }
            got = stream.read(&mut buf) => {
                let n = match got {
                    Ok(0) => return "end of stream",
                    Ok(n) => n,
                    Err(_) => return "read error",
                };
                if gw.host_gone() {
                    return "server gone";
                }
                framer.push(buf.get(..n).unwrap_or_default());
                loop {
                    match framer.next_frame() {
                        Ok(Some(Frame::Message(bytes))) => {
                            partial_since = None;
                            dispatch::on_message(gw, &bytes, peer).await;
                        }
                        Ok(Some(Frame::Ping)) => {
                            // RFC 5626 §4.4.1: a double-CRLF ping is answered with one CRLF.
                            if !matches!(tokio::time::timeout(patience, stream.write_all(b"\r\n")).await, Ok(Ok(()))) {
                                return "write failed or timed out";
                            }
                        }
                        Ok(None) => break,
                        Err(error) => {
                            gw.note_malformed();
                            tracing::info!(%addr, %error, "SIP over TCP: stream cannot be framed; closing");
                            return "unframeable stream";
                        }
                    }
                }
                partial_since = if framer.is_partial() { partial_since.or(Some(Instant::now())) } else { None };
            }
        }
    }
}
