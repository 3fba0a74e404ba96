//! The cluster's side of calls across nodes (`crate::calls::remote` has the design): [`Cluster`] is the call table's
//! [`CallLink`]. Call messages go through the publisher, in order, on the receiving node's calls channel
//! (`azstack:calls:{node}`); the other nodes' sessions come from the presence mirror, whose entries list the session
//! ids; a session id that appears in a node's announcement is a new session there, which the call table may re-attach
//! or ring; a node that dies or leaves is told to the call table.

use std::sync::{Arc, Weak};

use super::Cluster;
use super::link::Out;
use super::presence::{Entry, Held, Presence};
use crate::calls::{CallLink, CallMsg, Calls, RemoteSession};

impl Cluster {
    /// Hands the call messages of the other nodes, their new sessions and their deaths to `calls`.
    pub fn serve_calls(&self, calls: &Arc<Calls>) {
        let _ = self.calls.set(Arc::downgrade(calls));
    }

    fn call_table(&self) -> Option<Arc<Calls>> {
        self.calls.get().and_then(Weak::upgrade)
    }

    /// A message on this node's calls channel.
    pub(super) fn call_message(&self, payload: &[u8]) {
        match serde_json::from_slice::<CallMsg>(payload) {
            Ok(msg) => {
                if let Some(calls) = self.call_table() {
                    calls.received(msg);
                }
            }
            Err(error) => tracing::warn!(%error, "cluster: unreadable call message"),
        }
    }

    /// Sessions that appeared on another node, and those that went.
    pub(super) fn sessions_changed(&self, (appeared, gone): (Vec<RemoteSession>, Vec<(Arc<str>, u64)>)) {
        if appeared.is_empty() && gone.is_empty() {
            return;
        }
        if let Some(calls) = self.call_table() {
            for session in &appeared {
                calls.remote_session_authenticated(session);
            }
            for (node, session) in gone {
                calls.remote_session_gone(&node, session);
            }
        }
    }

    /// Drops the call-in aliases of remote sessions the mirror no longer lists (a "gone" that was missed, or an
    /// alias made from the mirror just before the session's "gone" was applied).
    pub(super) fn prune_aliases(&self) {
        if let Some(calls) = self.call_table() {
            calls.prune_aliases();
        }
    }

    /// `node` is draining: it is about to close its sockets.
    pub(super) fn node_draining(&self, node: &str) {
        if let Some(calls) = self.call_table() {
            calls.node_draining(node);
        }
    }

    /// `node` died or left.
    pub(super) fn node_gone(&self, node: &str) {
        if let Some(calls) = self.call_table() {
            calls.node_gone(node);
        }
    }
}

/// The sessions of `user` in `entry` (just announced by `node`) that the mirror did not hold yet, and those it held
/// that `entry` no longer lists.
pub(super) fn changed_sessions(
    presence: &Presence,
    node: &str,
    user: i64,
    entry: Option<&Entry>,
) -> (Vec<RemoteSession>, Vec<(Arc<str>, u64)>) {
    let known = presence.ids(node, user);
    let node: Arc<str> = Arc::from(node);
    let now: &[Held] = entry.map_or(&[], |e| &e.held);
    let gone = known.iter().filter(|id| !now.iter().any(|h| h.id == **id)).map(|id| (node.clone(), *id)).collect();
    let appeared = match entry {
        Some(entry) => now
            .iter()
            .filter(|h| !known.contains(&h.id))
            .map(|h| remote_session(&node, user, entry, h.id, h.engine))
            .collect(),
        None => Vec::new(),
    };
    (appeared, gone)
}

fn remote_session(node: &Arc<str>, user: i64, entry: &Entry, id: u64, is_engine: bool) -> RemoteSession {
    RemoteSession {
        node: node.clone(),
        session: id,
        user,
        is_engine,
        app: Arc::from(entry.app.as_str()),
        ns: Arc::from(entry.ns.as_str()),
    }
}

impl CallLink for Cluster {
    fn node(&self) -> &Arc<str> {
        &self.node_id
    }

    fn send(&self, node: &str, msg: CallMsg) {
        match serde_json::to_vec(&msg) {
            Ok(payload) => {
                let _ = self.outbox.send(Out::Call { node: Arc::from(node), payload });
            }
            Err(error) => tracing::error!(%error, "cluster call message not serialisable"),
        }
    }

    fn remote_sessions(&self, user: i64) -> Vec<RemoteSession> {
        let mut sessions = Vec::new();
        for (node, entry) in self.presence.entries(user) {
            sessions.extend(entry.held.iter().map(|h| remote_session(&node, user, &entry, h.id, h.engine)));
        }
        sessions
    }

    fn nodes_of(&self, user: i64) -> Vec<Arc<str>> {
        self.presence.nodes_of(user)
    }

    fn peers(&self) -> Vec<Arc<str>> {
        self.peers.lock().map(|p| p.iter().map(|n| Arc::from(n.as_str())).collect()).unwrap_or_default()
    }

    fn loss_delay(&self) -> std::time::Duration {
        super::wire::NODE_TTL + super::wire::HEARTBEAT
    }
}
