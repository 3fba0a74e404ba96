//! Free calls whose parties sit on different nodes of a cluster (`[cluster]`; the design is in the parent module's
//! documentation, "Calls across nodes").
//!
//! The node whose session sent the 186 *owns* the call and runs the state machine of [`super::free`]; a side or leg
//! on another node is a remote [`Peer`](super::peer::Peer). This file is the rest: what the nodes say to each other
//! about calls ([`CallMsg`], carried by the cluster on a channel per node), the [`CallLink`] the cluster implements
//! for the call table (this module never names the cluster: the dependency points from the cluster to the calls), and
//! the *routes* of a node that is not the owner: which of its sessions take part in which call, and which node owns
//! it. A session's later 187/188 about that call, and its close, go to the owner; a terminal 188 either way ends the
//! route, and so does a 199 for the call (a leg forgotten by the owner because another device answered or rejected
//! it: the 199 reaches the user's other sessions on every node); a session keeps at most [`MAX_ROUTES`] of them.
//!
//! When a node dies (its heartbeat expires) or leaves (drain, restart), every node calls [`Calls::node_gone`]: the
//! owner treats the dead node's sessions as lost transports (the grace rule), and the sessions of calls the dead node
//! owned get the 188 700 from the other party that ends them for the client (a ringing callee stops ringing).
//!
//! A single server has no link: none of this runs, and the call table holds only local peers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use azstack_protocol::bodies::calls::{FreeCallData, FreeCallStatus};
use azstack_protocol::constants::call::CALL_STATUS_FREE_CALL_STOP as STOP;
use azstack_protocol::{Envelope, Service};
use serde::{Deserialize, Serialize};

use super::Calls;
use super::peer::Sender;
use crate::errors::Handled;
use crate::session::{Identity, Session};

/// Most calls one session is routed to another node for (see the module documentation).
const MAX_ROUTES: usize = 16;

/// The cluster, as the call table sees it. Implemented by `crate::cluster::Cluster`.
pub trait CallLink: Send + Sync {
    /// This node's id.
    fn node(&self) -> &Arc<str>;
    /// Queues `msg` for node `node`; never waits. Messages to one node arrive in the order they were queued.
    fn send(&self, node: &str, msg: CallMsg);
    /// The sessions of `user` on the other live nodes, as their presence announced them.
    fn remote_sessions(&self, user: i64) -> Vec<RemoteSession>;
    /// The other live nodes that hold sessions of `user`.
    fn nodes_of(&self, user: i64) -> Vec<Arc<str>>;
    /// Every other live node.
    fn peers(&self) -> Vec<Arc<str>>;
    /// How long a node's death may go unnoticed (its heartbeat's expiry and one more round).
    fn loss_delay(&self) -> std::time::Duration;
}

/// A session on another node, with what the call rules need of its identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteSession {
    pub node: Arc<str>,
    pub session: u64,
    pub user: i64,
    /// The client is the new engine (D6's `sdkVersion` test).
    pub is_engine: bool,
    pub app: Arc<str>,
    pub ns: Arc<str>,
}

impl RemoteSession {
    /// The session's identity, as far as the call rules use it (no names).
    pub fn identity(&self) -> Identity {
        Identity {
            user_id: self.user,
            app_id: self.app.clone(),
            namespace: self.ns.clone(),
            username: String::new(),
            fullname: String::new(),
            is_engine: self.is_engine,
        }
    }
}

/// What one node says to another about calls (JSON on the receiving node's calls channel).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CallMsg {
    /// From the owner of call `(caller, call_id)`: packets for session `session` of `user` on the receiving node,
    /// which is (or stays) a party of the call, whose other party is `other`. No packet: the session just became a
    /// party (it re-attached a side).
    ToSession {
        owner: Arc<str>,
        user: i64,
        session: u64,
        caller: i64,
        call_id: i64,
        other: i64,
        packets: Vec<Envelope>,
    },
    /// To the owner: a 187 or 188 a party session sent, as the client sent it.
    FromSession { from: RemoteSession, packet: Envelope },
    /// To the owner: a party session closed (`explicit`: the client disconnected on purpose).
    Closed { from: RemoteSession, explicit: bool },
    /// A packet for the sessions of `user` on the receiving node, but not session `except` (a 199: the sender).
    /// `ends`: the packet tells those sessions that they are out of a call, whose routes then end there.
    ToUser {
        user: i64,
        except: Option<u64>,
        packet: Envelope,
        #[serde(default)]
        ends: Option<Ends>,
    },
    /// From the node that owns call-in `call_id` (its bridge runs there): a packet for session `session` of `user`,
    /// whose 506 for that call-in then goes to `owner` ([`super::callin_remote`]).
    Callin { owner: Arc<str>, user: i64, session: u64, call_id: i64, packet: Envelope },
    /// To the owner of a call-in: a 506 a session sent, as the client sent it.
    CallinFromSession { from: RemoteSession, packet: Envelope },
    /// To every node that may own the call: a re-offer (ICE restart) from a new-engine session that is no party of
    /// it; the owner lets the session take its user's side over (`free.rs`, the re-offer take-over), the others drop
    /// it.
    TakeOver { from: RemoteSession, packet: Envelope },
}

/// The call a [`CallMsg::ToUser`] puts the user's sessions out of.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Ends {
    /// Free call `(caller, call_id)` (a 199: answered, rejected or ended by another session of the user).
    Free { caller: i64, call_id: i64 },
    /// Call-in `call_id` of node `owner` (a 506 or 508 about its end, or its 601).
    Callin { owner: Arc<str>, call_id: i64 },
}

/// One call a session of this node takes part in, owned by another node.
struct Route {
    /// The session's user.
    user: i64,
    caller: i64,
    call_id: i64,
    other: i64,
    owner: Arc<str>,
}

impl Route {
    /// Whether a packet of `user` about `call_id` addressed to `to` belongs to this call.
    fn matches(&self, user: i64, call_id: i64, to: i64) -> bool {
        self.call_id == call_id && self.other == to && (self.caller == user || self.caller == to)
    }
}

/// The calls this node's sessions take part in on other nodes.
#[derive(Default)]
pub(super) struct Routes {
    by_session: Mutex<HashMap<u64, Vec<Route>>>,
}

impl Routes {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Vec<Route>>> {
        self.by_session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records `route` for `session`; true when it is new.
    fn bind(&self, session: u64, route: Route) -> bool {
        let mut map = self.lock();
        let routes = map.entry(session).or_default();
        let same = |r: &Route| r.caller == route.caller && r.call_id == route.call_id && r.owner == route.owner;
        if routes.iter().any(same) {
            return false;
        }
        routes.retain(|r| !(r.caller == route.caller && r.call_id == route.call_id));
        if routes.len() >= MAX_ROUTES {
            routes.remove(0);
        }
        routes.push(route);
        true
    }

    /// The owner of the call a packet of `session` (user `user`) about `call_id` to `to` belongs to; `end`: the
    /// packet ends the session's part in it.
    fn owner(&self, session: u64, user: i64, call_id: i64, to: i64, end: bool) -> Option<Arc<str>> {
        let mut map = self.lock();
        let routes = map.get_mut(&session)?;
        let idx = routes.iter().position(|r| r.matches(user, call_id, to))?;
        let owner = routes[idx].owner.clone();
        if end {
            routes.remove(idx);
            if routes.is_empty() {
                map.remove(&session);
            }
        }
        Some(owner)
    }

    /// Ends `session`'s route to call `(caller, call_id)`: true when there was one.
    fn end(&self, session: u64, caller: i64, call_id: i64) -> bool {
        let mut map = self.lock();
        let Some(routes) = map.get_mut(&session) else { return false };
        let before = routes.len();
        routes.retain(|r| !(r.caller == caller && r.call_id == call_id));
        let ended = routes.len() < before;
        if routes.is_empty() {
            map.remove(&session);
        }
        ended
    }

    /// Ends the routes of `user`'s sessions but `except` to call `(caller, call_id)`.
    fn end_user(&self, user: i64, except: Option<u64>, caller: i64, call_id: i64) {
        self.lock().retain(|session, routes| {
            if Some(*session) != except {
                routes.retain(|r| !(r.user == user && r.caller == caller && r.call_id == call_id));
            }
            !routes.is_empty()
        });
    }

    /// The owners of the calls `session` took part in (it closed).
    fn take(&self, session: u64) -> Vec<Arc<str>> {
        let mut owners: Vec<Arc<str>> =
            self.lock().remove(&session).unwrap_or_default().into_iter().map(|r| r.owner).collect();
        owners.sort();
        owners.dedup();
        owners
    }

    /// The routes to calls that `node` owned (it is gone), removed.
    fn take_owned_by(&self, node: &str) -> Vec<(u64, Route)> {
        let mut map = self.lock();
        let mut gone = Vec::new();
        map.retain(|session, routes| {
            let (dead, live): (Vec<Route>, Vec<Route>) = routes.drain(..).partition(|r| &*r.owner == node);
            gone.extend(dead.into_iter().map(|r| (*session, r)));
            *routes = live;
            !routes.is_empty()
        });
        gone
    }
}

/// Whether `packet` is a 188 that ends a call.
fn ends_call(packet: &Envelope) -> bool {
    packet.service == Service::FREE_CALL_STATUS_CHANGED.as_i64()
        && packet.decode::<FreeCallStatus>().is_ok_and(|s| super::free::is_terminal(s.status))
}

impl Calls {
    /// This session as other nodes see it.
    pub(super) fn as_remote(link: &dyn CallLink, session: &Session, me: &Identity) -> RemoteSession {
        RemoteSession {
            node: link.node().clone(),
            session: session.id,
            user: me.user_id,
            is_engine: me.is_engine,
            app: me.app_id.clone(),
            ns: me.namespace.clone(),
        }
    }

    /// A 187/188 of a local session about a call another node owns goes to that node: true when it went.
    pub(super) fn forward(
        &self,
        session: &Session,
        me: &Identity,
        service: Service,
        env: &Envelope,
    ) -> Result<bool, crate::errors::Reject> {
        let Some(link) = &self.link else { return Ok(false) };
        let (call_id, to, end) = if service == Service::FREE_CALL_DATA {
            let req: FreeCallData = env.decode()?;
            if self.routes.owner(session.id, me.user_id, req.call_id, req.to, false).is_none()
                && me.is_engine
                && super::free::is_reoffer(&req)
                && !self.free.has_call(me.user_id, req.call_id, req.to)
            {
                // A device back after a network change, on another node than the call's: whichever node owns the
                // call lets it take its side over. Every live node is asked (this is rare): the owner is the peer's
                // node or this user's previous one, but that one may already have dropped the old session from its
                // presence; the others find no call and drop it.
                for node in link.peers() {
                    let from = Calls::as_remote(&**link, session, me);
                    link.send(&node, CallMsg::TakeOver { from, packet: env.clone() });
                }
                return Ok(true);
            }
            (req.call_id, req.to, false)
        } else {
            let req: FreeCallStatus = env.decode()?;
            (req.call_id, req.to, super::free::is_terminal(req.status))
        };
        let Some(owner) = self.routes.owner(session.id, me.user_id, call_id, to, end) else { return Ok(false) };
        link.send(&owner, CallMsg::FromSession { from: Calls::as_remote(&**link, session, me), packet: env.clone() });
        Ok(true)
    }

    /// A local session closed: the owners of the calls it took part in elsewhere are told.
    pub(super) fn forward_close(&self, session: &Session, me: &Identity, explicit: bool) {
        let Some(link) = &self.link else { return };
        let mut owners = self.routes.take(session.id);
        owners.extend(self.callin_routes.take((me.user_id, session.id)));
        owners.sort();
        owners.dedup();
        for owner in owners {
            link.send(&owner, CallMsg::Closed { from: Calls::as_remote(&**link, session, me), explicit });
        }
    }

    /// A message from another node about calls.
    pub fn received(self: &Arc<Self>, msg: CallMsg) {
        let Some(link) = self.link.clone() else { return };
        match msg {
            CallMsg::ToSession { owner, user, session, caller, call_id, other, packets } => {
                let Some(local) = self.sessions.sessions(user).into_iter().find(|s| s.id == session) else {
                    // Gone before the owner knew: tell it, as the close would have.
                    let from = RemoteSession {
                        node: link.node().clone(),
                        session,
                        user,
                        is_engine: false,
                        app: "".into(),
                        ns: "".into(),
                    };
                    link.send(&owner, CallMsg::Closed { from, explicit: false });
                    return;
                };
                let new = self.routes.bind(session, Route { user, caller, call_id, other, owner: owner.clone() });
                if !self.sessions.sessions(user).iter().any(|s| s.id == session) {
                    // It closed meanwhile, and its close may have found no route to end: end it here, and tell the
                    // owner unless the close did (it took the route).
                    if self.routes.end(session, caller, call_id)
                        && let Some(me) = local.identity()
                    {
                        let from = Calls::as_remote(&*link, &local, me);
                        link.send(&owner, CallMsg::Closed { from, explicit: false });
                    }
                    return;
                }
                let mut ended = false;
                for packet in &packets {
                    local.send_envelope(packet);
                    ended |= ends_call(packet);
                }
                if ended {
                    self.routes.end(session, caller, call_id);
                    return;
                }
                // Packets this session sent before it was known to be a party (a re-attached side's first words).
                if new && let Some(me) = local.identity() {
                    for packet in self.free.take_early(user, call_id, other) {
                        let from = Calls::as_remote(&*link, &local, me);
                        link.send(&owner, CallMsg::FromSession { from, packet });
                    }
                }
            }
            CallMsg::FromSession { from, packet } => {
                if let Err(error) = self.remote_packet(&link, &from, &packet) {
                    tracing::debug!(node = %from.node, session = from.session, ?error, "free-call packet from another node refused");
                }
            }
            CallMsg::Closed { from, explicit } => {
                self.free.session_closed(self, &Sender::remote(&from, &link).id(), &from.identity(), explicit);
                self.remote_session_gone(&from.node, from.session);
            }
            CallMsg::ToUser { user, except, packet, ends } => {
                match ends {
                    Some(Ends::Free { caller, call_id }) => self.routes.end_user(user, except, caller, call_id),
                    Some(Ends::Callin { owner, call_id }) => self.callin_routes.end_user(user, except, call_id, &owner),
                    None => {}
                }
                // User ids are global (one `users` row per application, namespace and username, with its own id:
                // migrations/*/0001_initial.sql), so the user's sessions here are all of the sender's tenant: the
                // local mirror's tenant filter is not needed.
                for s in self.sessions.sessions(user).into_iter().filter(|s| Some(s.id) != except) {
                    s.send_envelope(&packet);
                }
            }
            CallMsg::TakeOver { from, packet } => {
                let me = from.identity();
                let Ok(req) = packet.decode::<FreeCallData>() else { return };
                if self.free.would_take_over(&me, req.call_id, req.to)
                    && let Err(error) = self.free.data(self, &Sender::remote(&from, &link), &me, &packet)
                {
                    tracing::debug!(node = %from.node, session = from.session, ?error, "re-offer take-over refused");
                }
            }
            CallMsg::Callin { owner, user, session, call_id, packet } => {
                self.callin_to_local(owner, user, session, call_id, &packet);
            }
            CallMsg::CallinFromSession { from, packet } => {
                if let Err(error) = self.callin_from_remote(&from, &packet) {
                    tracing::debug!(node = %from.node, session = from.session, ?error, "call-in status from another node refused");
                }
            }
        }
    }

    fn remote_packet(self: &Arc<Self>, link: &Arc<dyn CallLink>, from: &RemoteSession, packet: &Envelope) -> Handled {
        let me = from.identity();
        let sender = Sender::remote(from, link);
        match Service::from_number(packet.service) {
            Some(Service::FREE_CALL_DATA) => self.free.data(self, &sender, &me, packet),
            Some(Service::FREE_CALL_STATUS_CHANGED) => self.free.status(self, &sender, &me, packet),
            _ => Err(crate::errors::Reject::Refused("not a free-call packet")),
        }
    }

    /// A session of another node authenticated: it may re-attach a side of a call of this node, or ring.
    pub fn remote_session_authenticated(self: &Arc<Self>, session: &RemoteSession) {
        let Some(link) = self.link.clone() else { return };
        self.free.session_authenticated(self, &Sender::remote(session, &link), &session.identity());
        self.callin_session_opened(session);
    }

    /// `node` is draining: its sessions are about to be closed, and their users to log in elsewhere. Their sides in
    /// this node's calls are detached at once (the grace rule), so that a user who logs in on another node before
    /// `node` has left takes the side back.
    pub fn node_draining(self: &Arc<Self>, node: &str) {
        if self.link.is_some() {
            self.free.node_gone(self, node);
        }
    }

    /// `node` is gone (dead, drained or restarted): its sessions in this node's calls are lost transports, and this
    /// node's sessions in calls it owned get the 188 700 of the other party.
    pub fn node_gone(self: &Arc<Self>, node: &str) {
        if self.link.is_none() {
            return;
        }
        self.free.node_gone(self, node);
        self.callin_node_gone(node);
        for (session, route) in self.routes.take_owned_by(node) {
            let Some(local) = self.sessions.sessions(route.user).into_iter().find(|s| s.id == session) else {
                continue;
            };
            let Some(me) = local.identity() else { continue };
            local.send_envelope(&super::free::server_status(route.call_id, STOP, route.other, me.user_id));
            tracing::info!(caller = route.caller, call_id = route.call_id, node, "free call ended: its node is gone");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(user: i64, caller: i64, call_id: i64) -> Route {
        Route { user, caller, call_id, other: if user == caller { 9 } else { caller }, owner: Arc::from("n1") }
    }

    #[test]
    fn a_199_ends_the_users_other_routes_to_that_call_only() {
        let routes = Routes::default();
        routes.bind(1, route(7, 5, 3)); // the answering session
        routes.bind(2, route(7, 5, 3)); // a leg that lost
        routes.bind(2, route(7, 6, 3)); // another call with the same callId
        routes.bind(3, route(8, 5, 3)); // another user
        routes.end_user(7, Some(1), 5, 3);
        assert_eq!(routes.owner(1, 7, 3, 5, false).as_deref(), Some("n1"));
        assert_eq!(routes.owner(2, 7, 3, 5, false), None);
        assert_eq!(routes.owner(2, 7, 3, 6, false).as_deref(), Some("n1"));
        assert_eq!(routes.owner(3, 8, 3, 5, false).as_deref(), Some("n1"));
    }

    #[test]
    fn ending_a_route_says_whether_there_was_one() {
        let routes = Routes::default();
        routes.bind(1, route(7, 5, 3));
        assert!(routes.end(1, 5, 3));
        assert!(!routes.end(1, 5, 3));
        assert!(routes.take(1).is_empty());
    }
}
