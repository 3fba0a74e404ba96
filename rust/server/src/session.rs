//! Sessions and the registry that routes packets to users (PROTOCOL.md §11.2–§11.3).
//!
//! A session is one authenticated socket. A user may have many (phone, tablet, web); every fan-out goes to all of
//! them unless a rule says otherwise ("to my other sessions", "only to the requesting session"). The registry is an
//! in-process map from user id to live sessions; sending never blocks (socketioxide queues per socket).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use azstack_protocol::{EVENT, Envelope, Service};
use serde::Serialize;
use socketioxide::extract::SocketRef;

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
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);

impl Session {
    pub fn new(socket: SocketRef, burst: u32) -> Session {
        Session {
            id: NEXT_SESSION.fetch_add(1, Ordering::Relaxed),
            socket,
            identity: OnceLock::new(),
            app_state: AtomicI64::new(2),
            bucket: Mutex::new(Bucket { tokens: f64::from(burst), at: Instant::now() }),
        }
    }

    /// The identity, once svc 162 has been sent.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.get()
    }

    /// Binds the session to a user. Returns false if it already was (a second 179 on one socket is ignored).
    pub fn bind(&self, identity: Identity) -> bool {
        self.identity.set(identity).is_ok()
    }

    /// Sends one packet to this session. A closed socket is not an error worth reporting: the session is going away.
    pub fn send<T: Serialize + ?Sized>(&self, service: Service, body: &T) {
        self.send_envelope(&Envelope::new(service, body));
    }

    pub fn send_envelope(&self, envelope: &Envelope) {
        if let Err(error) = self.socket.emit(EVENT, envelope) {
            tracing::debug!(session = self.id, %error, "emit failed");
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

    /// Closes the socket.
    pub fn disconnect(&self) {
        let _ = self.socket.clone().disconnect();
    }
}

/// Live sessions by user id.
#[derive(Default)]
pub struct Registry {
    by_user: RwLock<HashMap<i64, Vec<Arc<Session>>>>,
}

impl Registry {
    pub fn add(&self, user_id: i64, session: Arc<Session>) {
        if let Ok(mut map) = self.by_user.write() {
            map.entry(user_id).or_default().push(session);
        }
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

    /// Number of authenticated sessions.
    pub fn session_count(&self) -> usize {
        self.by_user.read().map(|m| m.values().map(Vec::len).sum()).unwrap_or(0)
    }

    /// Sends to every session of `user_id` except `except` (a session id).
    pub fn send_to_user<T: Serialize + ?Sized>(&self, user_id: i64, except: Option<u64>, service: Service, body: &T) {
        let sessions = self.sessions(user_id);
        if sessions.iter().all(|s| Some(s.id) == except) {
            return;
        }
        let envelope = Envelope::new(service, body);
        for s in sessions.iter().filter(|s| Some(s.id) != except) {
            s.send_envelope(&envelope);
        }
    }

    /// Sends to every session of every user in `users`, except the session `except`.
    pub fn send_to_users<T: Serialize + ?Sized>(&self, users: &[i64], except: Option<u64>, service: Service, body: &T) {
        let envelope = Envelope::new(service, body);
        for user in users {
            for s in self.sessions(*user).iter().filter(|s| Some(s.id) != except) {
                s.send_envelope(&envelope);
            }
        }
    }
}
