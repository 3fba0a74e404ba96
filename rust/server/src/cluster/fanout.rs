//! The cluster's [`Fanout`]: this node's sessions through the [`Registry`] as on a single server, the other nodes'
//! through one publication per node that holds a recipient, and presence from both.
//!
//! [`Registry`]: crate::session::Registry

use std::collections::HashMap;
use std::sync::Arc;

use azstack_protocol::Envelope;

use super::Cluster;
use super::link::Out;
use crate::fanout::Fanout;
use crate::session::Identity;

impl Fanout for Cluster {
    fn to_user(&self, user: i64, except: Option<u64>, envelope: &Envelope) {
        self.registry.send_envelope(&[user], except, envelope);
        for node in self.presence.nodes_of(user) {
            self.publish(node, vec![user], envelope);
        }
    }

    fn to_users(&self, users: &[i64], except: Option<u64>, envelope: &Envelope) {
        self.registry.send_envelope(users, except, envelope);
        let mut by_node: HashMap<Arc<str>, Vec<i64>> = HashMap::new();
        for &user in users {
            for node in self.presence.nodes_of(user) {
                by_node.entry(node).or_default().push(user);
            }
        }
        for (node, users) in by_node {
            self.publish(node, users, envelope);
        }
    }

    fn reaches(&self, user: i64, except: Option<u64>) -> bool {
        self.registry.reaches(user, except) || self.presence.online(user)
    }

    fn is_online(&self, user: i64) -> bool {
        self.registry.is_online(user) || self.presence.online(user)
    }

    fn in_foreground(&self, user: i64) -> bool {
        Fanout::in_foreground(&*self.registry, user) || self.presence.foreground(user)
    }

    fn online_in_tenant(&self, user: i64, me: &Identity) -> Option<bool> {
        if let Some(same) = Fanout::online_in_tenant(&*self.registry, user, me) {
            return Some(same);
        }
        let (app, namespace) = self.presence.tenant(user)?;
        Some(*me.app_id == *app && *me.namespace == *namespace)
    }

    fn presence_changed(&self, user: i64) {
        let _ = self.outbox.send(Out::Presence { user });
    }
}
