//! Counting what a call holds, so tests and benchmarks can check that every outcome releases it.
//!
//! Each peer connection (with its UDP sockets and driver task), each media track (local and remote) and each task
//! the call module spawns (signalling actor, send and receive loops) is represented by a [`Held`] guard while it
//! lives; dropping the guard (an aborted task drops its future, and with it the guard) releases the count. Counts are
//! kept per engine and process-wide ([`live_resources`]).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use serde::Serialize;

/// Live call resources at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveResources {
    /// Peer connections not yet closed (each owns its UDP sockets and its driver task).
    pub peer_connections: usize,
    /// Local and remote media tracks.
    pub tracks: usize,
    /// Tasks of the call module: the signalling actor and the media loops.
    pub tasks: usize,
}

impl LiveResources {
    pub fn is_zero(&self) -> bool {
        *self == LiveResources::default()
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    PeerConnection,
    Track,
    Task,
}

pub(crate) struct Counters {
    counts: [AtomicUsize; 3],
    changed: tokio::sync::watch::Sender<()>,
}

impl Default for Counters {
    fn default() -> Self {
        Counters { counts: Default::default(), changed: tokio::sync::watch::channel(()).0 }
    }
}

static GLOBAL: LazyLock<Arc<Counters>> = LazyLock::new(Arc::default);

/// Call resources alive in this process, over every engine.
pub fn live_resources() -> LiveResources {
    GLOBAL.snapshot()
}

impl Counters {
    pub(crate) fn snapshot(&self) -> LiveResources {
        let get = |k: Kind| self.counts[k as usize].load(Ordering::SeqCst);
        LiveResources { peer_connections: get(Kind::PeerConnection), tracks: get(Kind::Track), tasks: get(Kind::Task) }
    }

    fn add(&self, kind: Kind, delta: isize) {
        let slot = &self.counts[kind as usize];
        if delta >= 0 {
            slot.fetch_add(delta as usize, Ordering::SeqCst);
        } else {
            slot.fetch_sub(delta.unsigned_abs(), Ordering::SeqCst);
        }
        self.changed.send_replace(());
    }

    /// Holds one `kind` for this engine (and the process) until the guard drops.
    pub(crate) fn hold(self: &Arc<Self>, kind: Kind) -> Held {
        self.add(kind, 1);
        GLOBAL.add(kind, 1);
        Held { counters: Arc::clone(self), kind }
    }

    /// Waits until every count is zero, at most `within`; the counts left otherwise.
    pub(crate) async fn wait_zero(&self, within: Duration) -> Result<(), LiveResources> {
        let mut rx = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + within;
        loop {
            rx.borrow_and_update();
            let now = self.snapshot();
            if now.is_zero() {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, rx.changed()).await.is_err() {
                let now = self.snapshot();
                return if now.is_zero() { Ok(()) } else { Err(now) };
            }
        }
    }
}

/// One counted resource; releases its count when dropped.
pub(crate) struct Held {
    counters: Arc<Counters>,
    kind: Kind,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.counters.add(self.kind, -1);
        GLOBAL.add(self.kind, -1);
    }
}

/// Spawns `future` as a counted task; returns its abort handle.
pub(crate) fn spawn_counted<F>(counters: &Arc<Counters>, future: F) -> tokio::task::AbortHandle
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let held = counters.hold(Kind::Task);
    tokio::spawn(async move {
        let _held = held;
        future.await;
    })
    .abort_handle()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn guards_and_tasks_release_their_counts() {
        let c = Arc::new(Counters::default());
        let a = c.hold(Kind::PeerConnection);
        let b = c.hold(Kind::Track);
        let task = spawn_counted(&c, std::future::pending());
        assert_eq!(c.snapshot(), LiveResources { peer_connections: 1, tracks: 1, tasks: 1 });
        assert!(c.wait_zero(Duration::from_millis(20)).await.is_err());
        drop(a);
        drop(b);
        task.abort();
        assert_eq!(c.wait_zero(Duration::from_secs(5)).await, Ok(()));
    }
}
