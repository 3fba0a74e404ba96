//! Sessions and the registry that routes packets to users (PROTOCOL.md §11.2–§11.3).
//!
//! A session is one authenticated socket. A user may have many (phone, tablet, web); every fan-out goes to all of
//! them unless a rule says otherwise ("to my other sessions", "only to the requesting session"). The registry is an
//! in-process map from user id to live sessions; sending never blocks (socketioxide queues per socket).
//!
//! **Slow consumers.** What is sent to a socket waits in socketioxide's buffer until the network takes it. A client
//! that stops reading would let that buffer grow, so it is bounded twice: in packets (`outbound_buffer_packets`,
//! socketioxide refuses the packet when full) and in bytes (`outbound_buffer_bytes`: the bytes handed to the
//! socket, as framed on the wire, minus those its TCP stream has written). A session over either bound is
//! disconnected at the TCP level and counted; it never gets more memory. A user has at most
//! `max_sessions_per_user` sessions: a login beyond it disconnects the user's oldest one (in a cluster, the oldest
//! over all nodes: cluster/limits.rs).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use azstack_protocol::{EVENT, Envelope, Service};
use serde::Serialize;
use socketioxide::extract::SocketRef;
use tokio::task::JoinHandle;

use crate::admission::Conn;

/// Who an authenticated session belongs to.
#[derive(Clone, Debug)]
pub struct Identity {
    pub user_id: i64,
    pub app_id: Arc<str>,
    /// The namespace of the application the user logged in to (`""` for none): with `app_id`, the user's tenant.
    pub namespace: Arc<str>,
    pub username: String,
    pub fullname: String,
    /// The client is the new engine (`sdkVersion` starts with `azstack-rs/`): it gets the D6 acks.
    pub is_engine: bool,
}

impl Identity {
    pub fn tenant(&self) -> crate::store::Tenant<'_> {
        crate::store::Tenant { app_id: &self.app_id, namespace: &self.namespace }
    }

    /// Both users are of the same application and namespace.
    pub fn same_tenant(&self, other: &Identity) -> bool {
        self.app_id == other.app_id && self.namespace == other.namespace
    }
}

/// One connected socket.
pub struct Session {
    /// Process-unique, never reused.
    pub id: u64,
    socket: SocketRef,
    identity: OnceLock<Identity>,
    /// Last application state from svc 105 (1 background, 2 foreground); 2 until told otherwise.
    pub app_state: AtomicI64,
    bucket: Mutex<Bucket>,
    /// The TCP connection under the socket (absent only for sockets not accepted by [`crate::listener`]).
    pub conn: Option<Arc<Conn>>,
    /// Set by the first svc 179: a socket gets one login attempt.
    login_tried: AtomicBool,
    /// When the session authenticated (Unix ms; 0 before): which of a user's sessions is the oldest, cluster-wide.
    authenticated_ms: AtomicI64,
    out: Outbound,
    /// The completion of the session's sends, in the order they were made (see [`Session::after_sends`]).
    sends: Arc<Mutex<Sends>>,
}

/// The last completion a session queued. It removes itself when it finishes and is still the last one, so a session
/// with no send in flight holds no task handle.
#[derive(Default)]
struct Sends {
    next_seq: u64,
    tail: Option<(u64, JoinHandle<()>)>,
}

/// The outbound bound of one session.
pub struct Outbound {
    /// Most bytes handed to the socket and not yet written to the network.
    pub max_bytes: u64,
    /// Counts the sessions disconnected as slow consumers (shared with the hub's metrics).
    pub shed: Arc<AtomicU64>,
    /// Bytes handed to the socket so far, as framed on the wire.
    emitted: AtomicU64,
    /// Already disconnected as a slow consumer.
    slow: AtomicBool,
}

impl Outbound {
    pub fn new(max_bytes: u64, shed: Arc<AtomicU64>) -> Outbound {
        Outbound { max_bytes, shed, emitted: AtomicU64::new(0), slow: AtomicBool::new(false) }
    }
}

/// The bytes one `WebPacket` event carrying `envelope` takes on a WebSocket: the frame header, the Engine.IO and
/// Socket.IO type digits, `["WebPacket",` and `]` around the JSON envelope.
pub fn wire_len(envelope: &Envelope) -> u64 {
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, envelope);
    let payload = count.0 + 2 + EVENT.len() as u64 + 5;
    let header = match payload {
        0..126 => 2,
        126..65536 => 4,
        _ => 10,
    };
    payload + header
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);

impl Session {
    pub fn new(socket: SocketRef, burst: u32, conn: Option<Arc<Conn>>, out: Outbound) -> Session {
        Session {
            id: NEXT_SESSION.fetch_add(1, Ordering::Relaxed),
            socket,
            identity: OnceLock::new(),
            app_state: AtomicI64::new(2),
            bucket: Mutex::new(Bucket { tokens: f64::from(burst), at: Instant::now() }),
            conn,
            login_tried: AtomicBool::new(false),
            authenticated_ms: AtomicI64::new(0),
            out,
            sends: Arc::default(),
        }
    }

    /// True for the socket's first svc 179 only.
    pub fn first_login_attempt(&self) -> bool {
        !self.login_tried.swap(true, Ordering::AcqRel)
    }

    /// The identity, once svc 162 has been sent.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.get()
    }

    /// Binds the session to a user. Returns false if it already was (a second 179 on one socket is ignored).
    pub fn bind(&self, identity: Identity) -> bool {
        let bound = self.identity.set(identity).is_ok();
        if bound {
            self.authenticated_ms.store(crate::store::now_ms(), Ordering::Relaxed);
        }
        bound
    }

    /// When the session authenticated (Unix ms), 0 before.
    pub fn authenticated_ms(&self) -> i64 {
        self.authenticated_ms.load(Ordering::Relaxed)
    }

    /// Sends one packet to this session. A closed socket is not an error worth reporting: the session is going away.
    pub fn send<T: Serialize + ?Sized>(&self, service: Service, body: &T) {
        self.send_envelope(&Envelope::new(service, body));
    }

    pub fn send_envelope(&self, envelope: &Envelope) {
        self.send_sized(envelope, wire_len(envelope));
    }

    /// Sends `envelope`, whose [`wire_len`] is `wire`, unless the session is a slow consumer (then it is shed).
    pub fn send_sized(&self, envelope: &Envelope, wire: u64) {
        if self.out.slow.load(Ordering::Relaxed) {
            return;
        }
        let emitted = self.out.emitted.fetch_add(wire, Ordering::Relaxed) + wire;
        let backlog = self.conn.as_ref().map_or(0, |c| emitted.saturating_sub(c.written()));
        if backlog > self.out.max_bytes {
            self.shed_slow("outbound bytes");
            return;
        }
        match self.socket.emit(EVENT, envelope) {
            Ok(()) => {}
            Err(socketioxide::SendError::Socket(socketioxide::SocketError::InternalChannelFull)) => {
                self.shed_slow("outbound packets")
            }
            Err(error) => tracing::debug!(session = self.id, %error, "emit failed"),
        }
    }

    /// The client does not read what it is sent: close its connection (its buffers go with it).
    fn shed_slow(&self, bound: &str) {
        if self.out.slow.swap(true, Ordering::Relaxed) {
            return;
        }
        self.out.shed.fetch_add(1, Ordering::Relaxed);
        tracing::info!(session = self.id, bound, "slow consumer disconnected");
        match &self.conn {
            Some(conn) => conn.kill(),
            None => self.disconnect(),
        }
    }

    /// Takes one token from the session's rate bucket for a packet that may still wait up to `budget`. Returns how
    /// long the packet must wait for its token (zero when one is there), or `None` when that is longer than `budget`
    /// (the packet is dropped and no token is taken). The bucket may go into debt by the tokens of the waits it
    /// promised, so packets waiting one after another are spaced `1 / per_sec` apart.
    pub fn admit(&self, per_sec: u32, burst: u32, budget: Duration) -> Option<Duration> {
        let Ok(mut b) = self.bucket.lock() else { return Some(Duration::ZERO) };
        let now = Instant::now();
        let refill = now.duration_since(b.at).as_secs_f64() * f64::from(per_sec);
        b.tokens = (b.tokens + refill).min(f64::from(burst));
        b.at = now;
        let wait = if b.tokens >= 1.0 {
            Duration::ZERO
        } else if per_sec == 0 {
            return None;
        } else {
            Duration::try_from_secs_f64((1.0 - b.tokens) / f64::from(per_sec)).ok()?
        };
        if wait > budget {
            return None;
        }
        b.tokens -= 1.0;
        Some(wait)
    }

    /// Runs `work` after every completion the session queued before, on a task of its own, so the socket's task can
    /// go on to its next packet: a client pipelines its sends, and their acks and fan-out keep the order of the sends.
    pub fn after_sends(&self, work: impl Future<Output = ()> + Send + 'static) {
        let Ok(mut sends) = self.sends.lock() else {
            // Poisoned (a panic elsewhere while holding it): still answer, just without the ordering.
            tokio::spawn(work);
            return;
        };
        sends.next_seq += 1;
        let seq = sends.next_seq;
        let previous = sends.tail.take();
        let queue = self.sends.clone();
        let handle = tokio::spawn(async move {
            if let Some((_, previous)) = previous {
                let _ = previous.await;
            }
            work.await;
            if let Ok(mut sends) = queue.lock()
                && sends.tail.as_ref().is_some_and(|(last, _)| *last == seq)
            {
                sends.tail = None;
            }
        });
        sends.tail = Some((seq, handle));
    }

    /// Waits until every completion queued by [`Session::after_sends`] so far has run.
    pub async fn settle(&self) {
        let tail = self.sends.lock().ok().and_then(|mut sends| sends.tail.take());
        if let Some((_, handle)) = tail {
            let _ = handle.await;
        }
    }

    /// Closes the socket (Socket.IO disconnect, then the Engine.IO close); when its buffer is too full to take the
    /// disconnect packet, closes the TCP connection instead.
    pub fn disconnect(&self) {
        if self.socket.clone().disconnect().is_err()
            && let Some(conn) = &self.conn
        {
            conn.kill();
        }
    }
}

/// Live sessions by user id.
#[derive(Default)]
pub struct Registry {
    by_user: RwLock<HashMap<i64, Vec<Arc<Session>>>>,
}

impl Registry {
    /// Registers a session; returns the user's oldest sessions that exceed `max_per_user` (removed here, for the
    /// caller to disconnect).
    pub fn add(&self, user_id: i64, session: Arc<Session>, max_per_user: usize) -> Vec<Arc<Session>> {
        let Ok(mut map) = self.by_user.write() else { return Vec::new() };
        let list = map.entry(user_id).or_default();
        list.push(session);
        let over = list.len().saturating_sub(max_per_user.max(1));
        list.drain(..over).collect()
    }

    /// Removes and returns the `count` oldest sessions of `user_id` (the first to authenticate), for the caller to
    /// disconnect.
    pub fn take_oldest(&self, user_id: i64, count: usize) -> Vec<Arc<Session>> {
        let Ok(mut map) = self.by_user.write() else { return Vec::new() };
        let Some(list) = map.get_mut(&user_id) else { return Vec::new() };
        let taken: Vec<Arc<Session>> = list.drain(..count.min(list.len())).collect();
        if list.is_empty() {
            map.remove(&user_id);
        }
        taken
    }

    /// Removes the session; returns true when it was the user's last one.
    pub fn remove(&self, user_id: i64, session_id: u64) -> bool {
        let Ok(mut map) = self.by_user.write() else { return false };
        let Some(list) = map.get_mut(&user_id) else { return false };
        list.retain(|s| s.id != session_id);
        if list.is_empty() {
            map.remove(&user_id);
            true
        } else {
            false
        }
    }

    /// The user's live sessions.
    pub fn sessions(&self, user_id: i64) -> Vec<Arc<Session>> {
        self.by_user.read().ok().and_then(|m| m.get(&user_id).cloned()).unwrap_or_default()
    }

    pub fn is_online(&self, user_id: i64) -> bool {
        self.by_user.read().map(|m| m.contains_key(&user_id)).unwrap_or(false)
    }

    /// The users with a session here.
    pub fn users(&self) -> Vec<i64> {
        self.by_user.read().map(|m| m.keys().copied().collect()).unwrap_or_default()
    }

    /// Number of authenticated sessions.
    pub fn session_count(&self) -> usize {
        self.by_user.read().map(|m| m.values().map(Vec::len).sum()).unwrap_or(0)
    }

    /// Sends to every session of `user_id` except `except` (a session id). What pushes to other users goes through
    /// [`crate::fanout::Fanout`], which this registry implements in-process.
    pub fn send_to_user<T: Serialize + ?Sized>(&self, user_id: i64, except: Option<u64>, service: Service, body: &T) {
        if self.reaches(user_id, except) {
            self.send_envelope(&[user_id], except, &Envelope::new(service, body));
        }
    }

    /// Sends to every session of every user in `users`, except the session `except`.
    pub fn send_to_users<T: Serialize + ?Sized>(&self, users: &[i64], except: Option<u64>, service: Service, body: &T) {
        self.send_envelope(users, except, &Envelope::new(service, body));
    }

    /// Sends `envelope` to every session of every user in `users`, except the session `except`.
    pub fn send_envelope(&self, users: &[i64], except: Option<u64>, envelope: &Envelope) {
        let wire = wire_len(envelope);
        for user in users {
            for s in self.sessions(*user).iter().filter(|s| Some(s.id) != except) {
                s.send_sized(envelope, wire);
            }
        }
    }

    /// Whether `user_id` has a session other than `except`.
    pub fn reaches(&self, user_id: i64, except: Option<u64>) -> bool {
        self.by_user.read().is_ok_and(|m| m.get(&user_id).is_some_and(|l| l.iter().any(|s| Some(s.id) != except)))
    }
}
