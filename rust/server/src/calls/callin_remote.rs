//! Call-ins (505/506/508) across the nodes of a cluster: a SIP call is owned by the node that runs its bridge (the
//! node whose gateway the carrier called), and the user's sessions on the other nodes take part in it through that
//! node.
//!
//! The gateway ([`azstack_sip`]) names sessions by `u64` ids; a session of another node gets an *alias* here (an id
//! with the top bit set, never a local session's), so the gateway's trait stays as it is: `sessions(user)` lists the
//! aliases of the user's remote sessions too, a packet for an alias goes to its node ([`CallMsg::Callin`]), which
//! delivers it and remembers that the session's 506 for that call-in goes back to the owner
//! ([`CallMsg::CallinFromSession`]), where the gateway takes it as from the alias. Remote sessions that appear while
//! a call-in rings ring too (the gateway's `session_authenticated`), and remote sessions that go (their node's
//! presence no longer lists them, or the node is gone) are closed for the gateway. A node whose session took part in
//! a call-in owned by a node that dies tells its session the call-in ended (506 `code` 700).
//!
//! The aliases live as long as the remote session (its node's presence lists it); routes as long as the local
//! session, at most [`MAX_ROUTES`] each.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use azstack_protocol::bodies::calls::{CallinStatus, CallinStatusByMe, CallinStatusPush, PaidCallLogPush};
use azstack_protocol::constants::call::CALL_STATUS_CALLIN_STATUS_STOP;
use azstack_protocol::{Envelope, Service};

use super::Calls;
use super::remote::{CallLink, CallMsg, Ends, RemoteSession};
use crate::errors::Reject;
use crate::session::{Identity, Session};

/// The bit that marks an alias.
const ALIAS: u64 = 1 << 63;

/// Most call-ins one session is routed to another node for.
const MAX_ROUTES: usize = 8;

#[derive(Default)]
struct Table {
    next: u64,
    by_alias: HashMap<u64, RemoteSession>,
    by_session: HashMap<(Arc<str>, u64), u64>,
}

/// Remote sessions as the gateway names them.
#[derive(Default)]
pub(super) struct Aliases {
    table: Mutex<Table>,
}

impl Aliases {
    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn alias(&self, s: &RemoteSession) -> u64 {
        let mut t = self.lock();
        if let Some(alias) = t.by_session.get(&(s.node.clone(), s.session)) {
            return *alias;
        }
        t.next += 1;
        let alias = ALIAS | t.next;
        t.by_session.insert((s.node.clone(), s.session), alias);
        t.by_alias.insert(alias, s.clone());
        alias
    }

    fn get(&self, alias: u64) -> Option<RemoteSession> {
        self.lock().by_alias.get(&alias).cloned()
    }

    fn remove(&self, node: &str, session: u64) -> Option<(u64, i64)> {
        let mut t = self.lock();
        let alias = t.by_session.remove(&(Arc::from(node), session))?;
        t.by_alias.remove(&alias).map(|s| (alias, s.user))
    }

    /// Removes the aliases of the sessions `listed` says are gone.
    fn remove_unlisted(&self, listed: impl Fn(&RemoteSession) -> bool) -> Vec<(u64, i64)> {
        let mut t = self.lock();
        let gone: Vec<u64> = t.by_alias.iter().filter(|(_, s)| !listed(s)).map(|(a, _)| *a).collect();
        Table::remove_all(&mut t, gone)
    }

    fn remove_node(&self, node: &str) -> Vec<(u64, i64)> {
        let mut t = self.lock();
        let gone: Vec<u64> = t.by_alias.iter().filter(|(_, s)| &*s.node == node).map(|(a, _)| *a).collect();
        Table::remove_all(&mut t, gone)
    }
}

impl Table {
    /// Removes `aliases`; returns them with their users.
    fn remove_all(&mut self, aliases: Vec<u64>) -> Vec<(u64, i64)> {
        let mut out = Vec::new();
        for alias in aliases {
            if let Some(s) = self.by_alias.remove(&alias) {
                self.by_session.remove(&(s.node, s.session));
                out.push((alias, s.user));
            }
        }
        out
    }
}

/// A session of this node: `(user, session id)`.
type LocalSession = (i64, u64);

/// The call-ins one session takes part in on other nodes: `(callId, owner)`.
type Owners = Vec<(i64, Arc<str>)>;

/// The call-ins this node's sessions take part in on other nodes.
#[derive(Default)]
pub(super) struct CallinRoutes {
    by_session: Mutex<HashMap<LocalSession, Owners>>,
}

impl CallinRoutes {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<LocalSession, Owners>> {
        self.by_session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn bind(&self, session: (i64, u64), call_id: i64, owner: Arc<str>) {
        let mut map = self.lock();
        let routes = map.entry(session).or_default();
        routes.retain(|(id, _)| *id != call_id);
        if routes.len() >= MAX_ROUTES {
            routes.remove(0);
        }
        routes.push((call_id, owner));
    }

    fn owner(&self, session: (i64, u64), call_id: i64) -> Option<Arc<str>> {
        self.lock().get(&session)?.iter().find(|(id, _)| *id == call_id).map(|(_, owner)| owner.clone())
    }

    /// Ends the routes of `user`'s sessions but `except` to call-in `call_id` of `owner`.
    pub(super) fn end_user(&self, user: i64, except: Option<u64>, call_id: i64, owner: &str) {
        self.lock().retain(|(u, session), routes| {
            if *u == user && Some(*session) != except {
                routes.retain(|(id, o)| !(*id == call_id && &**o == owner));
            }
            !routes.is_empty()
        });
    }

    pub(super) fn take(&self, session: (i64, u64)) -> Vec<Arc<str>> {
        self.lock().remove(&session).unwrap_or_default().into_iter().map(|(_, owner)| owner).collect()
    }

    fn take_owned_by(&self, node: &str) -> Vec<((i64, u64), i64)> {
        let mut map = self.lock();
        let mut gone = Vec::new();
        map.retain(|session, routes| {
            routes.retain(|(call_id, owner)| {
                let dead = &**owner == node;
                if dead {
                    gone.push((*session, *call_id));
                }
                !dead
            });
            !routes.is_empty()
        });
        gone
    }
}

impl Calls {
    fn gateway(&self) -> Option<&Arc<azstack_sip::Gateway>> {
        self.sip.get()
    }

    /// The gateway's ids of `user`'s sessions on the other nodes.
    pub fn sip_remote_sessions(&self, user: i64) -> Vec<u64> {
        let Some(link) = &self.link else { return Vec::new() };
        link.remote_sessions(user).iter().map(|s| self.aliases.alias(s)).collect()
    }

    /// Sends `packet` (about call-in `call_id`) to the remote session the gateway calls `session`; false when that
    /// is not an alias (a local session, or one gone).
    pub fn sip_to_session(&self, session: u64, call_id: i64, packet: &Envelope) -> bool {
        if session & ALIAS == 0 {
            return false;
        }
        let (Some(link), Some(to)) = (&self.link, self.aliases.get(session)) else { return true };
        send_callin(&**link, &to, call_id, packet.clone());
        true
    }

    /// The part on the other nodes of a packet for every session of `user` but `except`: a 505 (`ring`) goes to
    /// each session, which then answers through this node; anything else once to each node.
    pub fn sip_to_user(&self, user: i64, except: Option<u64>, packet: &Envelope, ring: Option<i64>) {
        let Some(link) = &self.link else { return };
        let except = except.and_then(|e| self.aliases.get(e));
        if let Some(call_id) = ring {
            for to in link.remote_sessions(user) {
                self.aliases.alias(&to);
                if except.as_ref().is_none_or(|e| e.node != to.node || e.session != to.session) {
                    send_callin(&**link, &to, call_id, packet.clone());
                }
            }
            return;
        }
        // Anything but the ring (a 506 or 508 about the call-in's end, its 601) puts the sessions out of it.
        let ends = callin_id(packet).map(|call_id| Ends::Callin { owner: link.node().clone(), call_id });
        for node in link.nodes_of(user) {
            let except = except.as_ref().filter(|e| e.node == node).map(|e| e.session);
            link.send(&node, CallMsg::ToUser { user, except, packet: packet.clone(), ends: ends.clone() });
        }
    }

    /// The application of `user`'s sessions on the other nodes (for the call-in's push).
    pub fn remote_app(&self, user: i64) -> Option<Arc<str>> {
        self.link.as_ref()?.remote_sessions(user).first().map(|s| s.app.clone())
    }

    /// A 506 of a local session about a call-in another node owns goes to that node: true when it went.
    pub(super) fn forward_callin(&self, session: &Session, me: &Identity, env: &Envelope) -> Result<bool, Reject> {
        let Some(link) = &self.link else { return Ok(false) };
        let req: CallinStatus = env.decode()?;
        let Some(owner) = self.callin_routes.owner((me.user_id, session.id), req.call_id) else { return Ok(false) };
        let from = Calls::as_remote(&**link, session, me);
        link.send(&owner, CallMsg::CallinFromSession { from, packet: env.clone() });
        Ok(true)
    }

    /// [`CallMsg::Callin`] on the session's node: delivered, and the session's 506 for it routed to the owner.
    pub(super) fn callin_to_local(&self, owner: Arc<str>, user: i64, session: u64, call_id: i64, packet: &Envelope) {
        if let Some(local) = self.sessions.sessions(user).into_iter().find(|s| s.id == session) {
            self.callin_routes.bind((user, session), call_id, owner);
            local.send_envelope(packet);
        }
    }

    /// [`CallMsg::CallinFromSession`] on the owner: the gateway takes it as from the session's alias.
    pub(super) fn callin_from_remote(&self, from: &RemoteSession, packet: &Envelope) -> Result<(), Reject> {
        let req: CallinStatus = packet.decode()?;
        let alias = self.aliases.alias(from);
        match self.gateway() {
            Some(gw) if gw.callin_status(from.user, alias, req) => Ok(()),
            _ => Err(Reject::Refused("call-in status for no call-in of this node")),
        }
    }

    /// A remote session appeared: the user's call-ins ringing here ring on it too.
    pub(super) fn callin_session_opened(&self, session: &RemoteSession) {
        if let Some(gw) = self.gateway() {
            gw.session_authenticated(session.user, self.aliases.alias(session));
        }
    }

    /// A remote session is gone (closed, or its node is gone): the gateway is told, once.
    pub fn remote_session_gone(&self, node: &str, session: u64) {
        if let Some((alias, user)) = self.aliases.remove(node, session)
            && let Some(gw) = self.gateway()
        {
            gw.session_closed(user, alias);
        }
    }

    /// Remote sessions the presence no longer lists are closed for the gateway (run at every heartbeat: a "gone"
    /// missed during a lost subscription, or an alias made from the mirror just before a "gone" was applied).
    pub fn prune_aliases(&self) {
        let Some(link) = &self.link else { return };
        let listed =
            |s: &RemoteSession| link.remote_sessions(s.user).iter().any(|r| r.node == s.node && r.session == s.session);
        self.close_aliases(self.aliases.remove_unlisted(listed));
    }

    fn close_aliases(&self, gone: Vec<(u64, i64)>) {
        for (alias, user) in gone {
            if let Some(gw) = self.gateway() {
                gw.session_closed(user, alias);
            }
        }
    }

    /// `node` is gone: its sessions are closed for the gateway, and this node's sessions in its call-ins are told the
    /// call-in ended.
    pub(super) fn callin_node_gone(&self, node: &str) {
        self.close_aliases(self.aliases.remove_node(node));
        for ((user, session), call_id) in self.callin_routes.take_owned_by(node) {
            if let Some(local) = self.sessions.sessions(user).into_iter().find(|s| s.id == session) {
                let push = CallinStatusPush { call_id, code: CALL_STATUS_CALLIN_STATUS_STOP };
                local.send(Service::CALLIN_STATUS_CHANGED, &push);
            }
        }
    }
}

/// The call-in a 506, 508 or 601 is about.
fn callin_id(packet: &Envelope) -> Option<i64> {
    match Service::from_number(packet.service) {
        Some(Service::CALLIN_STATUS_CHANGED) => packet.decode::<CallinStatusPush>().ok().map(|p| p.call_id),
        Some(Service::CALLIN_STATUS_CHANGED_BY_ME) => packet.decode::<CallinStatusByMe>().ok().map(|p| p.call_id),
        Some(Service::PAID_CALL_LOG_RETURN) => packet.decode::<PaidCallLogPush>().ok().map(|p| p.data.call_id),
        _ => None,
    }
}

fn send_callin(link: &dyn CallLink, to: &RemoteSession, call_id: i64, packet: Envelope) {
    let msg = CallMsg::Callin { owner: link.node().clone(), user: to.user, session: to.session, call_id, packet };
    link.send(&to.node, msg);
}
