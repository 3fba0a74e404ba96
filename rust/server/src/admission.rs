//! Admission: every accepted TCP connection of the clients' listener, from its accept until it logs in.
//!
//! A connection that has not logged in yet (no successful 162) costs the server a file descriptor and buffers but
//! proves nothing about who holds it, so such connections are kept on a short leash, oldest first in one ordered
//! map:
//! * **login deadline**: one that has not logged in `login_timeout_secs` after its accept is closed (a sweeper
//!   checks once a second);
//! * **per-IP cap**: beyond `max_unauthenticated_per_ip` of them from one address, new connections from it are
//!   refused at accept;
//! * **global cap**: beyond `max_unauthenticated` of them, the oldest is shed;
//! * **open-file reserve**: when fewer than `fd_reserve` descriptors remain under the process limit, each new
//!   connection sheds the oldest of them, so a logged-in user's next login and `GET /healthz` always find a
//!   descriptor; an accept that fails for want of descriptors sheds one too.
//!
//! "Closing" a connection is done at the TCP level ([`Conn::kill`]): the stream wrapper ([`crate::listener`]) then
//! fails its next read and write and wakes the tasks waiting on them, which works the same before the WebSocket
//! upgrade (a half-sent HTTP request), after it (an Engine.IO socket that never sends its Socket.IO connect) and
//! for a Socket.IO socket that does not read what it is sent (a slow consumer).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use futures_util::task::AtomicWaker;

use crate::metrics::Metrics;

/// One accepted TCP connection.
pub struct Conn {
    pub id: u64,
    pub ip: IpAddr,
    accepted: Instant,
    killed: AtomicBool,
    read_waker: AtomicWaker,
    write_waker: AtomicWaker,
    /// Bytes written to the network so far.
    written: AtomicU64,
}

impl Conn {
    /// Closes the connection: its next read and write fail, and whoever waits on one is woken.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::Release);
        self.read_waker.wake();
        self.write_waker.wake();
    }

    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }

    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    pub(crate) fn add_written(&self, n: usize) {
        self.written.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(crate) fn read_waker(&self) -> &AtomicWaker {
        &self.read_waker
    }

    pub(crate) fn write_waker(&self) -> &AtomicWaker {
        &self.write_waker
    }
}

/// The bounds, from `[limits]` and the open-file limit.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub login_timeout: Duration,
    pub max_unauthenticated: usize,
    pub max_per_ip: usize,
    /// Open connections beyond which each new one sheds the oldest unauthenticated one.
    pub open_budget: usize,
}

#[derive(Default)]
struct Pending {
    by_age: BTreeMap<u64, Arc<Conn>>,
    per_ip: HashMap<IpAddr, usize>,
}

impl Pending {
    fn remove(&mut self, id: u64) -> Option<Arc<Conn>> {
        let conn = self.by_age.remove(&id)?;
        if let Some(n) = self.per_ip.get_mut(&conn.ip) {
            *n -= 1;
            if *n == 0 {
                self.per_ip.remove(&conn.ip);
            }
        }
        Some(conn)
    }

    fn pop_oldest(&mut self) -> Option<Arc<Conn>> {
        let id = *self.by_age.keys().next()?;
        self.remove(id)
    }
}

/// The connections of the clients' listener.
pub struct Admission {
    bounds: Bounds,
    pending: Mutex<Pending>,
    open: AtomicUsize,
    next_id: AtomicU64,
}

impl Admission {
    pub fn new(bounds: Bounds) -> Admission {
        Admission { bounds, pending: Mutex::default(), open: AtomicUsize::new(0), next_id: AtomicU64::new(1) }
    }

    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    /// Connections open now (accepted, not yet dropped).
    pub fn open(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// Connections open that have not logged in.
    pub fn unauthenticated(&self) -> usize {
        self.pending.lock().map(|p| p.by_age.len()).unwrap_or(0)
    }

    /// A connection was accepted from `ip`: `None` when its address is over the per-IP cap (the caller closes it).
    /// Otherwise the new connection is registered (the caller must call [`Admission::closed`] when it is dropped),
    /// and older unauthenticated ones are shed if a cap or the open-file reserve demands it.
    pub fn admit(&self, ip: IpAddr, metrics: &Metrics) -> Option<Arc<Conn>> {
        let Ok(mut pending) = self.pending.lock() else { return None };
        if pending.per_ip.get(&ip).copied().unwrap_or(0) >= self.bounds.max_per_ip {
            Metrics::inc(&metrics.conns_refused_per_ip);
            return None;
        }
        let conn = Arc::new(Conn {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            ip,
            accepted: Instant::now(),
            killed: AtomicBool::new(false),
            read_waker: AtomicWaker::new(),
            write_waker: AtomicWaker::new(),
            written: AtomicU64::new(0),
        });
        let open = self.open.fetch_add(1, Ordering::Relaxed) + 1;
        while pending.by_age.len() >= self.bounds.max_unauthenticated {
            let Some(old) = pending.pop_oldest() else { break };
            old.kill();
            Metrics::inc(&metrics.conns_shed);
        }
        if open > self.bounds.open_budget
            && let Some(old) = pending.pop_oldest()
        {
            old.kill();
            Metrics::inc(&metrics.conns_shed);
        }
        *pending.per_ip.entry(ip).or_default() += 1;
        pending.by_age.insert(conn.id, conn.clone());
        Some(conn)
    }

    /// An accept failed for want of file descriptors: shed the oldest unauthenticated connection, if any.
    pub fn shed_oldest(&self, metrics: &Metrics) -> bool {
        let oldest = self.pending.lock().ok().and_then(|mut p| p.pop_oldest());
        match oldest {
            Some(old) => {
                old.kill();
                Metrics::inc(&metrics.conns_shed);
                true
            }
            None => false,
        }
    }

    /// The connection logged in: it is no longer subject to the deadline, the caps or shedding.
    pub fn authenticated(&self, conn: &Conn) {
        if let Ok(mut p) = self.pending.lock() {
            p.remove(conn.id);
        }
    }

    /// The connection's stream was dropped (its descriptor is closed).
    pub fn closed(&self, conn: &Conn) {
        if let Ok(mut p) = self.pending.lock() {
            p.remove(conn.id);
        }
        self.open.fetch_sub(1, Ordering::Relaxed);
    }

    /// Closes every unauthenticated connection accepted `login_timeout` or longer ago.
    pub fn expire(&self, metrics: &Metrics) {
        let Ok(mut p) = self.pending.lock() else { return };
        let now = Instant::now();
        while let Some((_, oldest)) = p.by_age.first_key_value() {
            if now.duration_since(oldest.accepted) < self.bounds.login_timeout {
                break;
            }
            if let Some(old) = p.pop_oldest() {
                old.kill();
                Metrics::inc(&metrics.login_timeouts);
            }
        }
    }
}

/// Runs the login-deadline sweeper until `admission` is dropped (with the server and its last connection). It also
/// gives memory back: once the open connections have fallen to half their peak (and by at least [`TRIM_AFTER`]),
/// glibc's malloc keeps the freed pages in its arenas unless asked, so it is asked (`malloc_trim`).
pub fn spawn_sweeper(admission: Weak<Admission>, metrics: Arc<Metrics>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut peak = 0;
        loop {
            tick.tick().await;
            let Some(admission) = admission.upgrade() else { return };
            admission.expire(&metrics);
            let open = admission.open();
            peak = peak.max(open);
            if peak - open >= TRIM_AFTER && open <= peak / 2 {
                trim();
                peak = open;
            }
        }
    });
}

/// Closed connections after which memory is handed back to the system.
const TRIM_AFTER: usize = 1000;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
