//! Fan-out: how a packet reaches another user's sessions, and whether a user is online (PROTOCOL.md §11.3).
//!
//! Everything that pushes to other users (a message to its recipient and to my other sessions, a group event to its
//! members, a typing notice, a presence flag in a user list) goes through [`Fanout`], never to the sessions
//! directly. Today one implementation exists: in-process, over the [`Registry`] of this node's sessions. A server of
//! several nodes implements the same trait by publishing the packet for the nodes that hold the recipients'
//! sessions (Redis, ARCHITECTURE.md), and answers presence from a shared table; the handlers do not change.
//!
//! A packet is serialised once per fan-out, whatever the number of sessions it reaches, and not at all when it
//! reaches none ([`Fanout::reaches`]).

use azstack_protocol::{Envelope, Service};
use serde::Serialize;

use crate::session::{Identity, Registry};

/// Delivers packets to users' sessions, and says who is online.
pub trait Fanout: Send + Sync {
    /// Sends `envelope` to every session of `user` except the session `except`.
    fn to_user(&self, user: i64, except: Option<u64>, envelope: &Envelope);

    /// Sends `envelope` to every session of every user in `users`, except the session `except`.
    fn to_users(&self, users: &[i64], except: Option<u64>, envelope: &Envelope);

    /// Whether a packet for `user` (but not for the session `except`) would reach any session now.
    fn reaches(&self, user: i64, except: Option<u64>) -> bool;

    /// Presence: whether `user` has a session online.
    fn is_online(&self, user: i64) -> bool;

    /// Whether `user` has a session in the foreground (whose last svc 105 state is not 1, background): such a
    /// user gets no mobile push (§10.3).
    fn in_foreground(&self, user: i64) -> bool;

    /// Presence with the tenant: `None` when `user` is offline, else whether the user is of `me`'s tenant
    /// (application and namespace).
    fn online_in_tenant(&self, user: i64, me: &Identity) -> Option<bool>;

    /// This node's sessions of `user` changed (a login, a logout, an application state): a fan-out that shares
    /// presence with other nodes publishes it. Nothing to do in-process.
    fn presence_changed(&self, _user: i64) {}
}

impl dyn Fanout {
    /// Sends `body` as `service` to every session of `user` except `except`.
    pub fn send_to_user<T: Serialize + ?Sized>(&self, user: i64, except: Option<u64>, service: Service, body: &T) {
        if self.reaches(user, except) {
            self.to_user(user, except, &Envelope::new(service, body));
        }
    }

    /// Sends `body` as `service` to every session of every user in `users`, except the session `except`.
    pub fn send_to_users<T: Serialize + ?Sized>(&self, users: &[i64], except: Option<u64>, service: Service, body: &T) {
        self.to_users(users, except, &Envelope::new(service, body));
    }
}

/// The in-process fan-out: this node's sessions.
impl Fanout for Registry {
    fn to_user(&self, user: i64, except: Option<u64>, envelope: &Envelope) {
        self.send_envelope(&[user], except, envelope);
    }

    fn to_users(&self, users: &[i64], except: Option<u64>, envelope: &Envelope) {
        self.send_envelope(users, except, envelope);
    }

    fn reaches(&self, user: i64, except: Option<u64>) -> bool {
        Registry::reaches(self, user, except)
    }

    fn is_online(&self, user: i64) -> bool {
        Registry::is_online(self, user)
    }

    fn in_foreground(&self, user: i64) -> bool {
        let background = azstack_protocol::constants::application_state::APPLICATION_STATE_BACKGROUND;
        self.sessions(user).iter().any(|s| s.app_state.load(std::sync::atomic::Ordering::Relaxed) != background)
    }

    fn online_in_tenant(&self, user: i64, me: &Identity) -> Option<bool> {
        // User ids are global: any session of `user` carries `user`'s tenant.
        let sessions = self.sessions(user);
        let identity = sessions.first().and_then(|s| s.identity())?;
        Some(identity.same_tenant(me))
    }
}
