//! What the nodes say to each other through Redis: the key and channel names, and the JSON published on them.
//!
//! - `azstack:node:{id}` (string, expires after [`NODE_TTL`] unless refreshed): the node's [`NodeInfo`] heartbeat.
//! - `azstack:nodes` (set): every node id ever seen; ids whose heartbeat key is gone are removed by any node.
//! - `azstack:presence:{id}` (hash user id → [`Entry`], expires with the heartbeat): the node's users.
//! - `azstack:deliver:{id}` (channel): [`ForNode`]: [`Delivery`] packets for the node's sessions, and
//!   [`DropSessions`] requests.
//! - `azstack:attempts:{user}` (hash, expires a minute after its last use): the user's call-attempt bucket
//!   ([`super::limits`]).
//! - `azstack:presence` (channel): every node's [`Announce`]ments.
//! - `azstack:calls:{id}` (channel): call messages for the node's call table (calls across nodes).
//!
//! [`NodeInfo`]: super::nodes::NodeInfo

use std::time::Duration;

use azstack_protocol::Envelope;
use serde::{Deserialize, Serialize};

use super::presence::Entry;

/// How often a node refreshes its heartbeat and reads the others'.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// A node whose heartbeat is older than this is dead: not handed out, its users offline.
pub const NODE_TTL: Duration = Duration::from_secs(5);

pub const NODES: &str = "azstack:nodes";
pub const PRESENCE_CHANNEL: &str = "azstack:presence";

pub fn node_key(id: &str) -> String {
    format!("azstack:node:{id}")
}

pub fn presence_key(id: &str) -> String {
    format!("azstack:presence:{id}")
}

pub fn attempts_key(user: i64) -> String {
    format!("azstack:attempts:{user}")
}

pub fn deliver_channel(id: &str) -> String {
    format!("azstack:deliver:{id}")
}

/// The start of every node's calls channel ([`calls_channel`]).
pub const CALLS_CHANNEL_PREFIX: &str = "azstack:calls:";

/// `azstack:calls:{id}` (channel): the call messages for the node's call table (`crate::calls::CallMsg`).
pub fn calls_channel(id: &str) -> String {
    format!("{CALLS_CHANNEL_PREFIX}{id}")
}

/// What a node's delivery channel carries. Untagged: the two are told apart by their fields (a [`Delivery`] is
/// written as it always was).
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ForNode {
    Delivery(Delivery),
    DropSessions(DropSessions),
}

/// A packet for some users' sessions on the node whose channel carries it (all of their sessions there: the
/// sender's `except` names a session of the sender's node).
#[derive(Debug, Serialize, Deserialize)]
pub struct Delivery {
    pub users: Vec<i64>,
    pub envelope: Envelope,
}

/// A request to the node whose channel carries it: close the `count` oldest sessions of user `drop_oldest_of`
/// there (a login on another node took the user over `max_sessions_per_user`, [`super::limits`]). Its field names
/// are not those of a [`Delivery`], so the two cannot be mistaken for each other on the channel.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropSessions {
    pub drop_oldest_of: i64,
    pub count: u32,
}

/// A change of one node's presence.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Announce {
    /// `user` now has `entry` on `node` (`None`: no session there any more).
    User { node: String, user: i64, entry: Option<Entry> },
    /// `node` (re)started: forget all it held.
    Reset { node: String },
    /// `node` is draining (SIGTERM): hand it out no more.
    Draining { node: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_and_a_session_drop_are_told_apart_on_the_channel() {
        let delivery = ForNode::Delivery(Delivery {
            users: vec![7],
            envelope: Envelope::new(azstack_protocol::Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, &serde_json::json!({})),
        });
        let drop = ForNode::DropSessions(DropSessions { drop_oldest_of: 7, count: 2 });
        let read = |m: &ForNode| serde_json::from_slice::<ForNode>(&serde_json::to_vec(m).unwrap_or_default());
        assert!(matches!(read(&delivery), Ok(ForNode::Delivery(Delivery { users, .. })) if users == vec![7]));
        assert!(matches!(read(&drop), Ok(ForNode::DropSessions(DropSessions { drop_oldest_of: 7, count: 2 }))));
        assert!(serde_json::from_slice::<ForNode>(br#"{"count": 2}"#).is_err());
    }
}
