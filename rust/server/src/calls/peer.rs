//! A party of a free call as the call table holds it: a session of this node, or a session of another node of the
//! cluster ([`super::remote`]). Sending to a remote peer queues one message for its node, which delivers the packets
//! to the session and remembers which node owns the call. A single server only ever makes local peers: sending to
//! one is the session's own send, with nothing allocated.

use std::sync::Arc;

use azstack_protocol::Envelope;

use super::remote::{CallLink, CallMsg, RemoteSession};
use crate::session::Session;

/// Which session a peer is: comparable whatever node it is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum PeerId {
    Local(u64),
    Remote(Arc<str>, u64),
}

/// A side or leg of one call.
#[derive(Clone)]
pub(super) enum Peer {
    Local(Arc<Session>),
    Remote(Arc<RemotePeer>),
}

/// A session on another node, in the call `(caller, call_id)` whose other party is `other`.
pub(super) struct RemotePeer {
    session: RemoteSession,
    caller: i64,
    call_id: i64,
    other: i64,
    link: Arc<dyn CallLink>,
}

impl Peer {
    pub(super) fn id(&self) -> PeerId {
        match self {
            Peer::Local(s) => PeerId::Local(s.id),
            Peer::Remote(r) => PeerId::Remote(r.session.node.clone(), r.session.session),
        }
    }

    pub(super) fn is(&self, id: &PeerId) -> bool {
        match (self, id) {
            (Peer::Local(s), PeerId::Local(id)) => s.id == *id,
            (Peer::Remote(r), PeerId::Remote(node, id)) => r.session.session == *id && r.session.node == *node,
            _ => false,
        }
    }

    /// The peer is a session of node `node`.
    pub(super) fn on_node(&self, node: &str) -> bool {
        matches!(self, Peer::Remote(r) if &*r.session.node == node)
    }

    /// The client is the new engine (D6's `sdkVersion` test).
    pub(super) fn is_engine(&self) -> bool {
        match self {
            Peer::Local(s) => s.identity().is_some_and(|i| i.is_engine),
            Peer::Remote(r) => r.session.is_engine,
        }
    }

    pub(super) fn send_envelope(&self, env: &Envelope) {
        match self {
            Peer::Local(s) => s.send_envelope(env),
            Peer::Remote(r) => r.send(vec![env.clone()]),
        }
    }

    /// Sends `envs` in order. A remote peer gets them in one message, also when there are none (it then learns
    /// that its session is a party of the call).
    pub(super) fn send_all<'a>(&self, envs: impl IntoIterator<Item = &'a Envelope>) {
        match self {
            Peer::Local(s) => envs.into_iter().for_each(|env| s.send_envelope(env)),
            Peer::Remote(r) => r.send(envs.into_iter().cloned().collect()),
        }
    }
}

impl RemotePeer {
    fn send(&self, packets: Vec<Envelope>) {
        let msg = CallMsg::ToSession {
            owner: self.link.node().clone(),
            user: self.session.user,
            session: self.session.session,
            caller: self.caller,
            call_id: self.call_id,
            other: self.other,
            packets,
        };
        self.link.send(&self.session.node, msg);
    }
}

/// The session a packet, a login or a close comes from.
pub(super) enum Sender<'a> {
    Local(&'a Arc<Session>),
    Remote(&'a RemoteSession, &'a Arc<dyn CallLink>),
}

impl<'a> Sender<'a> {
    pub(super) fn remote(session: &'a RemoteSession, link: &'a Arc<dyn CallLink>) -> Sender<'a> {
        Sender::Remote(session, link)
    }

    pub(super) fn id(&self) -> PeerId {
        match self {
            Sender::Local(s) => PeerId::Local(s.id),
            Sender::Remote(r, _) => PeerId::Remote(r.node.clone(), r.session),
        }
    }

    pub(super) fn is_engine(&self) -> bool {
        match self {
            Sender::Local(s) => s.identity().is_some_and(|i| i.is_engine),
            Sender::Remote(r, _) => r.is_engine,
        }
    }

    /// The sender as a party of call `(caller, call_id)` whose other party is `other`.
    pub(super) fn peer(&self, caller: i64, call_id: i64, other: i64) -> Peer {
        match self {
            Sender::Local(s) => Peer::Local((*s).clone()),
            Sender::Remote(r, link) => remote_peer((*r).clone(), (*link).clone(), caller, call_id, other),
        }
    }
}

/// A [`Sender`] kept: a session that authenticated lately, which may still take over a side whose loss is learnt
/// late (see `free.rs`, "late re-attach").
#[derive(Clone)]
pub(super) enum Kept {
    Local(Arc<Session>),
    Remote(RemoteSession, Arc<dyn CallLink>),
}

impl Kept {
    pub(super) fn of(sender: &Sender) -> Kept {
        match sender {
            Sender::Local(s) => Kept::Local((*s).clone()),
            Sender::Remote(r, link) => Kept::Remote((*r).clone(), (*link).clone()),
        }
    }

    pub(super) fn sender(&self) -> Sender<'_> {
        match self {
            Kept::Local(s) => Sender::Local(s),
            Kept::Remote(r, link) => Sender::Remote(r, link),
        }
    }
}

/// A session of another node as a party of call `(caller, call_id)` whose other party is `other`.
pub(super) fn remote_peer(
    session: RemoteSession,
    link: Arc<dyn CallLink>,
    caller: i64,
    call_id: i64,
    other: i64,
) -> Peer {
    Peer::Remote(Arc::new(RemotePeer { session, caller, call_id, other, link }))
}
