//! The other nodes' presence, mirrored in this node's memory: which nodes hold sessions of a user, how many, whether
//! one of them is in the foreground, and the user's tenant. The fan-out asks it on every push, synchronously, so it
//! is a map in memory, kept current by the presence announcements every node publishes (link.rs) and reloaded
//! whole from a node's Redis hash when that node (re)appears in the heartbeats; a node that stops heartbeating is
//! dropped from it ([`Presence::drop_node`]). This node's own sessions are never in it: the [`Registry`] has them.
//!
//! [`Registry`]: crate::session::Registry

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};

/// One user's sessions on one node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub sessions: u32,
    /// One of them is not in the background (svc 105 state ≠ 1).
    pub foreground: bool,
    /// The user's tenant: application and namespace.
    pub app: String,
    pub ns: String,
    /// The sessions themselves, oldest first ([`Held`]); empty from a node of an earlier version.
    #[serde(default)]
    pub held: Vec<Held>,
}

/// One session of a user on a node, as the other nodes need to know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    /// The session's id on its node.
    pub id: u64,
    /// Whether its client is the new engine (a call's re-offer goes only to one, calls/free.rs).
    pub engine: bool,
    /// When it authenticated (Unix ms): which is the user's oldest session in the cluster when a login takes the
    /// user over `max_sessions_per_user` ([`super::limits`]).
    pub since_ms: i64,
}

/// Remote users' sessions by node.
#[derive(Default)]
pub struct Presence {
    by_user: RwLock<HashMap<i64, HashMap<Arc<str>, Entry>>>,
}

impl Presence {
    /// `user` now has `entry` on `node` (`None`: no session there any more).
    pub fn set(&self, node: &str, user: i64, entry: Option<Entry>) {
        let Ok(mut map) = self.by_user.write() else { return };
        match entry {
            Some(entry) => {
                map.entry(user).or_default().insert(Arc::from(node), entry);
            }
            None => {
                if let Some(nodes) = map.get_mut(&user) {
                    nodes.remove(node);
                    if nodes.is_empty() {
                        map.remove(&user);
                    }
                }
            }
        }
    }

    /// Replaces everything known of `node` by `entries` (its whole hash, read when it appears).
    pub fn replace_node(&self, node: &str, entries: HashMap<i64, Entry>) {
        self.drop_node(node);
        let Ok(mut map) = self.by_user.write() else { return };
        let node: Arc<str> = Arc::from(node);
        for (user, entry) in entries {
            map.entry(user).or_default().insert(node.clone(), entry);
        }
    }

    /// The users of whom `node` holds sessions.
    pub fn users_on(&self, node: &str) -> Vec<i64> {
        let Ok(map) = self.by_user.read() else { return Vec::new() };
        map.iter().filter(|(_, nodes)| nodes.contains_key(node)).map(|(user, _)| *user).collect()
    }

    /// Forgets `node` (it stopped heartbeating, or restarted).
    pub fn drop_node(&self, node: &str) {
        let Ok(mut map) = self.by_user.write() else { return };
        map.retain(|_, nodes| {
            nodes.remove(node);
            !nodes.is_empty()
        });
    }

    /// The other nodes that hold sessions of `user`.
    pub fn nodes_of(&self, user: i64) -> Vec<Arc<str>> {
        self.by_user
            .read()
            .map(|m| m.get(&user).map(|n| n.keys().cloned().collect()).unwrap_or_default())
            .unwrap_or_default()
    }

    /// `user`'s entries on the other nodes.
    pub fn entries(&self, user: i64) -> Vec<(Arc<str>, Entry)> {
        let Ok(map) = self.by_user.read() else { return Vec::new() };
        map.get(&user).map(|n| n.iter().map(|(node, e)| (node.clone(), e.clone())).collect()).unwrap_or_default()
    }

    /// The ids of `user`'s sessions on `node`.
    pub fn ids(&self, node: &str, user: i64) -> Vec<u64> {
        let Ok(map) = self.by_user.read() else { return Vec::new() };
        map.get(&user).and_then(|n| n.get(node)).map(|e| e.held.iter().map(|h| h.id).collect()).unwrap_or_default()
    }

    /// Whether another node holds a session of `user`.
    pub fn online(&self, user: i64) -> bool {
        self.by_user.read().is_ok_and(|m| m.contains_key(&user))
    }

    /// Whether a session of `user` on another node is in the foreground.
    pub fn foreground(&self, user: i64) -> bool {
        self.by_user.read().is_ok_and(|m| m.get(&user).is_some_and(|n| n.values().any(|e| e.foreground)))
    }

    /// `user`'s tenant (application, namespace) when another node holds a session of the user.
    pub fn tenant(&self, user: i64) -> Option<(String, String)> {
        let map = self.by_user.read().ok()?;
        map.get(&user)?.values().next().map(|e| (e.app.clone(), e.ns.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(foreground: bool) -> Entry {
        let held = vec![Held { id: 1, engine: true, since_ms: 1 }];
        Entry { sessions: 1, foreground, app: "a".into(), ns: String::new(), held }
    }

    #[test]
    fn a_user_on_two_nodes_goes_offline_with_the_last() {
        let p = Presence::default();
        p.set("n2", 7, Some(entry(false)));
        p.set("n3", 7, Some(entry(true)));
        assert_eq!(p.nodes_of(7).len(), 2);
        assert!(p.foreground(7));
        p.set("n3", 7, None);
        assert!(p.online(7) && !p.foreground(7));
        p.set("n2", 7, None);
        assert!(!p.online(7));
        assert!(p.nodes_of(7).is_empty());
    }

    #[test]
    fn a_dead_node_takes_its_users_with_it() {
        let p = Presence::default();
        p.set("n2", 1, Some(entry(true)));
        p.set("n2", 2, Some(entry(true)));
        p.set("n3", 2, Some(entry(false)));
        p.drop_node("n2");
        assert!(!p.online(1));
        assert_eq!(p.nodes_of(2), vec![Arc::<str>::from("n3")]);
        p.replace_node("n3", HashMap::from([(5, entry(false))]));
        assert!(!p.online(2) && p.online(5));
        assert_eq!(p.tenant(5), Some(("a".into(), String::new())));
    }
}
