//! The live nodes, as the last heartbeat round read them from Redis, and discovery's choice among them (svc 29).
//!
//! Discovery hands out the least loaded live node: the sessions it reported in its last heartbeat plus the clients
//! this node sent it since that heartbeat (less [`LOGIN_DELAY`]: a client handed out just before the heartbeat may
//! not have logged in when it was written). Counting those hand-outs spreads a burst of logins evenly although the
//! reported counts lag by up to a heartbeat; a client counted twice for a moment is counted so on every node alike.
//! A node that stopped heartbeating is not in the table, so it is never handed out; a draining node (SIGTERM) is in
//! it, marked, and not handed out either.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// How long a handed-out client may take to log in (its hand-out counts until a heartbeat this much later).
pub const LOGIN_DELAY_MS: i64 = 1000;
/// Hand-outs older than this are forgotten (every live node heartbeats far more often).
const KEEP_MS: i64 = 30_000;

/// What a node's heartbeat says of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// Its public URL (`[cluster] node_url`).
    pub url: String,
    /// Its authenticated sessions.
    pub sessions: u64,
    /// When the heartbeat was written (Unix ms).
    pub at_ms: i64,
    /// It is draining (SIGTERM): it takes no more logins, so discovery does not hand it out.
    #[serde(default)]
    pub draining: bool,
}

#[derive(Default)]
struct Table {
    live: HashMap<String, NodeInfo>,
    /// When this node handed out each node, oldest first (Unix ms).
    handed_out: HashMap<String, VecDeque<i64>>,
}

/// The live nodes and the recent hand-outs.
#[derive(Default)]
pub struct Nodes {
    table: Mutex<Table>,
}

impl Nodes {
    /// The live nodes as the last heartbeat round found them (this node included).
    pub fn set_live(&self, live: HashMap<String, NodeInfo>) {
        if let Ok(mut t) = self.table.lock() {
            t.handed_out.retain(|id, _| live.contains_key(id));
            t.live = live;
        }
    }

    /// Marks `id` draining at once (its announcement), ahead of the heartbeat that will say so.
    pub fn mark_draining(&self, id: &str) {
        if let Ok(mut t) = self.table.lock()
            && let Some(info) = t.live.get_mut(id)
        {
            info.draining = true;
        }
    }

    /// The URL of the least loaded live node at `now_ms`, counted as handed out; `None` when no node is live.
    pub fn pick(&self, now_ms: i64) -> Option<String> {
        let mut t = self.table.lock().ok()?;
        let Table { live, handed_out } = &mut *t;
        for recent in handed_out.values_mut() {
            while recent.front().is_some_and(|at| now_ms - at > KEEP_MS) {
                recent.pop_front();
            }
        }
        let load = |id: &String, info: &NodeInfo| {
            let since = info.at_ms - LOGIN_DELAY_MS;
            info.sessions + handed_out.get(id).map_or(0, |r| r.iter().filter(|at| **at > since).count() as u64)
        };
        let (id, info) = live
            .iter()
            .filter(|(_, info)| !info.draining)
            .min_by(|a, b| load(a.0, a.1).cmp(&load(b.0, b.1)).then(a.0.cmp(b.0)))?;
        handed_out.entry(id.clone()).or_default().push_back(now_ms);
        Some(info.url.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(loads: &[(&str, u64)], at_ms: i64) -> HashMap<String, NodeInfo> {
        let info = |id: &str, sessions| NodeInfo { url: format!("http://{id}:1"), sessions, at_ms, draining: false };
        loads.iter().map(|(id, n)| (id.to_string(), info(id, *n))).collect()
    }

    #[test]
    fn a_burst_spreads_evenly_and_fills_the_emptiest_first() {
        let nodes = Nodes::default();
        let now = 1_000_000;
        nodes.set_live(live(&[("a", 10), ("b", 0), ("c", 4)], now));
        let mut count: HashMap<String, u32> = HashMap::new();
        for _ in 0..36 {
            *count.entry(nodes.pick(now).unwrap()).or_default() += 1;
        }
        // 50 in all: 17, 17 and 16.
        assert_eq!(count["http://a:1"], 7);
        assert_eq!(count["http://b:1"], 17);
        assert_eq!(count["http://c:1"], 12);
    }

    #[test]
    fn a_heartbeat_replaces_the_hand_outs_it_counts_and_dead_nodes_are_not_handed_out() {
        let nodes = Nodes::default();
        let now = 1_000_000;
        nodes.set_live(live(&[("a", 0), ("b", 1)], now));
        assert_eq!(nodes.pick(now).as_deref(), Some("http://a:1"));
        assert_eq!(nodes.pick(now).as_deref(), Some("http://a:1"));
        assert_eq!(nodes.pick(now).as_deref(), Some("http://b:1"));
        // A later heartbeat: a reports its two sessions, b one; the hand-outs before it no longer count.
        let later = now + 2 * LOGIN_DELAY_MS;
        nodes.set_live(live(&[("a", 2), ("b", 1)], later));
        assert_eq!(nodes.pick(later).as_deref(), Some("http://b:1"));
        assert_eq!(nodes.pick(later).as_deref(), Some("http://a:1"));
        nodes.set_live(live(&[("b", 5)], later));
        assert_eq!(nodes.pick(now).as_deref(), Some("http://b:1"));
        nodes.mark_draining("b");
        assert_eq!(nodes.pick(now), None, "a draining node is not handed out");
        nodes.set_live(HashMap::new());
        assert_eq!(nodes.pick(now), None);
    }
}
