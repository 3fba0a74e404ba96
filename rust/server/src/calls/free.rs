//! The free-call table and its rules (186/187/188/199). The design is described in the parent module's
//! documentation; this file is the state machine.
//!
//! ICE restarts (issue 15): once a call is answered, either side of the new engine may send a *re-offer*, a 187 type
//! 1 with `data.type == "offer"`, and the other answers with a 187 type 1 answer. The re-offer is relayed only to a
//! session of the new engine (D6's `sdkVersion` test); an original client cannot answer one, so for it the re-offer
//! is dropped (logged at debug) — also when queued for a lost side and re-attached by an original client. A re-offer
//! from another engine session of a party's user takes that side over ([`State::take_over`]).
//!
//! A party (the caller's side, a ringing leg, the answering side) is a [`Peer`]: a session of this node, or in a
//! cluster a session of another node reached through its node (the parent module's "Calls across nodes"); the rules
//! do not tell them apart.
//!
//! All state lives in one [`State`] behind a `std::sync::Mutex` that is never held across an `.await`. Packets are
//! sent *while* the lock is held: emitting only queues the packet on the socket, and sending under the lock is what
//! keeps the packets of one call in a single order however many tasks (sockets, timers) act on it.
//!
//! Timers (ring timeout, the callee-candidate hold, the grace period after a lost session, the early-candidate
//! buffer) are tokio tasks. Each has a unique id stored next to its abort handle in a [`TimerSlot`]; dropping the
//! slot aborts the task, and a task that fires checks that its id is still the one in the table, so a timer that was
//! replaced or whose call ended never acts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use azstack_protocol::bodies::calls::{
    CallData, FreeCallData, FreeCallStart, FreeCallStatus, FreeCallStatusByMe, FreeCallStatusFromPeer,
};
use azstack_protocol::constants::call::{
    CALL_STATUS_FREE_CALL_ANSWERED as ANSWERED, CALL_STATUS_FREE_CALL_BUSY as BUSY,
    CALL_STATUS_FREE_CALL_NOT_ANSWERED as NOT_ANSWERED, CALL_STATUS_FREE_CALL_REJECTED as REJECTED,
    CALL_STATUS_FREE_CALL_RINGING as RINGING, CALL_STATUS_FREE_CALL_STOP as STOP,
    CALL_WEBRTC_DATA_TYPE_SESSION_DESCRIPTION as SESSION_DESCRIPTION,
};
use azstack_protocol::{Envelope, Service};
use serde_json::{Map, Value};
use tokio::sync::Notify;
use tokio::sync::futures::Notified;
use tokio::task::AbortHandle;

use super::Calls;
use super::peer::{Kept, Peer, PeerId, Sender, remote_peer};
use super::remote::CallMsg;
use crate::errors::{Handled, Reject};
use crate::push::{Event, What};
use crate::session::{Identity, Session};

/// How long 187 packets are held for a 186 that has not arrived (race 1) or for the callee's answer (race 2).
const HOLD: Duration = Duration::from_secs(2);

/// Most packets kept in any one buffer (early candidates, a session's held data, a detached side's queue). Beyond
/// it packets are dropped: a real call gathers a few dozen candidates at most.
const MAX_HELD: usize = 128;

/// Statuses that end a call, whoever sends them.
pub(super) fn is_terminal(status: i64) -> bool {
    matches!(status, NOT_ANSWERED | BUSY | REJECTED | STOP)
}

/// Statuses mirrored to the sender's other sessions as 199 (§5.3): never 600, never 180.
fn is_mirrored(status: i64) -> bool {
    matches!(status, ANSWERED | REJECTED | NOT_ANSWERED | STOP)
}

/// A free call's identity: callIds are per-client counters, unique only together with the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct CallKey {
    caller: i64,
    call_id: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Caller,
    Callee,
}

/// What a timer task does when it fires; the id is matched against the table first.
#[derive(Clone, Copy, Debug)]
enum Timer {
    Ring(u64),
    Hold(u64),
    Grace(u64),
    Early(u64),
}

/// A running timer task; dropping the slot cancels it.
struct TimerSlot {
    id: u64,
    handle: AbortHandle,
}

impl TimerSlot {
    fn start(cx: &Arc<Calls>, after: Duration, key: CallKey, timer: Timer, id: u64) -> TimerSlot {
        let weak = Arc::downgrade(cx);
        let task = tokio::spawn(async move {
            tokio::time::sleep(after).await;
            if let Some(cx) = weak.upgrade() {
                cx.free.fire(&cx, key, timer);
            }
        });
        TimerSlot { id, handle: task.abort_handle() }
    }
}

impl Drop for TimerSlot {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// One end of a call: a live session, or a user whose session was lost and who has until the grace timer fires to
/// come back. Packets for a detached side are queued and delivered to the session that re-attaches.
enum Side {
    Attached(Peer),
    Detached { queue: Vec<Envelope>, grace: TimerSlot },
}

impl Side {
    fn is(&self, id: &PeerId) -> bool {
        matches!(self, Side::Attached(p) if p.is(id))
    }

    fn deliver(&mut self, env: &Envelope) {
        match self {
            Side::Attached(p) => p.send_envelope(env),
            Side::Detached { queue, .. } => {
                if queue.len() < MAX_HELD {
                    queue.push(env.clone());
                }
            }
        }
    }

    fn detach(cx: &Arc<Calls>, key: CallKey, id: u64) -> Side {
        let grace = Duration::from_secs(cx.limits.grace_secs);
        Side::Detached { queue: Vec::new(), grace: TimerSlot::start(cx, grace, key, Timer::Grace(id), id) }
    }

    /// Attaches `session` if this side is detached; the queued packets go to it at once (but a re-offer only to
    /// the new engine).
    fn reattach(&mut self, peer: &Peer) -> bool {
        if !matches!(self, Side::Detached { .. }) {
            return false;
        }
        if let Side::Detached { queue, .. } = std::mem::replace(self, Side::Attached(peer.clone())) {
            let engine = peer.is_engine();
            peer.send_all(queue.iter().filter(|env| engine || !is_reoffer_envelope(env)));
        }
        true
    }

    /// `session` takes this side over, from a lost session or from one presumed dead (see [`State::take_over`]).
    fn take_over(&mut self, peer: Peer) {
        if !self.reattach(&peer) {
            // A remote session learns at once that it is a party (its node binds the route), so that its
            // candidates and a hang-up reach this node before the peer answers; nothing for a local one.
            peer.send_all(std::iter::empty());
            *self = Side::Attached(peer);
        }
    }

    /// Whether a re-offer may go to this side: a session of the new engine, or a lost one (checked when it
    /// re-attaches).
    fn takes_reoffer(&self) -> bool {
        match self {
            Side::Attached(p) => p.is_engine(),
            Side::Detached { .. } => true,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LegState {
    /// The 186 was delivered; no reply yet.
    Pending,
    /// The session said 180.
    Ringing,
    /// The session said 600: it takes no further part.
    Busy,
}

/// A callee session the 186 was delivered to, while the call rings.
struct Leg {
    peer: Peer,
    state: LegState,
    /// 187 packets this session sent before answering, `(type, relayed envelope)`; relayed if it answers.
    held: Vec<(i64, Envelope)>,
}

impl Leg {
    fn new(peer: Peer) -> Leg {
        Leg { peer, state: LegState::Pending, held: Vec::new() }
    }

    fn live(&self) -> bool {
        self.state != LegState::Busy
    }
}

struct Ringing {
    legs: Vec<Leg>,
    /// 180 already forwarded to the caller.
    reported: bool,
    /// The caller's 187 packets so far, replayed after the 186 to a callee session that joins late.
    caller_data: Vec<Envelope>,
    timer: TimerSlot,
}

struct Answered {
    callee: Side,
    /// The callee's 187 type 1 has been relayed: its candidates pass straight through.
    answer_relayed: bool,
    /// The hold timer fired without an answer: candidates pass straight through too.
    hold_released: bool,
    held: Vec<Envelope>,
    hold: Option<TimerSlot>,
}

impl Answered {
    /// A 187 of the answering session: the answer is relayed at once (and releases held candidates); candidates
    /// wait for it, at most [`HOLD`].
    fn callee_sent(
        &mut self,
        caller: &mut Side,
        cx: &Arc<Calls>,
        key: CallKey,
        data_type: i64,
        env: Envelope,
        id: u64,
    ) {
        if data_type == SESSION_DESCRIPTION {
            caller.deliver(&env);
            if !self.answer_relayed {
                self.answer_relayed = true;
                self.release(caller);
            }
        } else if self.answer_relayed || self.hold_released {
            caller.deliver(&env);
        } else {
            if self.hold.is_none() {
                self.hold = Some(TimerSlot::start(cx, HOLD, key, Timer::Hold(id), id));
            }
            if self.held.len() < MAX_HELD {
                self.held.push(env);
            }
        }
    }

    fn release(&mut self, caller: &mut Side) {
        for env in self.held.drain(..) {
            caller.deliver(&env);
        }
        self.hold = None;
    }
}

enum Phase {
    Ringing(Ringing),
    Answered(Answered),
}

struct Call {
    callee: i64,
    /// The caller's identity: its tenant is the call's, and only sessions of that tenant take part.
    caller_identity: Identity,
    /// The 186 as relayed (with `from`), for callee sessions that join while it rings.
    offer: Envelope,
    caller: Side,
    phase: Phase,
}

/// What became of a call when one of its sessions went away.
enum Lost {
    Stays,
    Ends { mirror: bool },
}

impl Call {
    fn involves(&self, session: &PeerId) -> bool {
        self.caller.is(session) || self.has_callee_session(session)
    }

    /// The session is busy with this call: its caller, or the callee session that answered.
    fn engages(&self, session: &PeerId) -> bool {
        self.caller.is(session) || matches!(&self.phase, Phase::Answered(a) if a.callee.is(session))
    }

    fn has_callee_session(&self, session: &PeerId) -> bool {
        match &self.phase {
            Phase::Ringing(r) => r.legs.iter().any(|l| l.peer.is(session)),
            Phase::Answered(a) => a.callee.is(session),
        }
    }

    /// The sessions of this call on node `node`.
    fn peers_on(&self, node: &str) -> Vec<PeerId> {
        let mut on = Vec::new();
        if let Side::Attached(p) = &self.caller
            && p.on_node(node)
        {
            on.push(p.id());
        }
        match &self.phase {
            Phase::Ringing(r) => on.extend(r.legs.iter().filter(|l| l.peer.on_node(node)).map(|l| l.peer.id())),
            Phase::Answered(a) => {
                if let Side::Attached(p) = &a.callee
                    && p.on_node(node)
                {
                    on.push(p.id());
                }
            }
        }
        on
    }

    /// Whether a re-offer from `from` may be relayed: the call is answered and the other side is the new engine.
    fn reoffer_reaches(&self, from: Role) -> bool {
        match (&self.phase, from) {
            (Phase::Answered(a), Role::Caller) => a.callee.takes_reoffer(),
            (Phase::Answered(_), Role::Callee) => self.caller.takes_reoffer(),
            (Phase::Ringing(_), _) => false,
        }
    }

    /// To the callee: every session still ringing, or the answering one.
    fn send_to_callee(&mut self, env: &Envelope) {
        match &mut self.phase {
            Phase::Ringing(r) => {
                for leg in r.legs.iter().filter(|l| l.live()) {
                    leg.peer.send_envelope(env);
                }
            }
            Phase::Answered(a) => a.callee.deliver(env),
        }
    }

    fn caller_data(&mut self, env: Envelope) {
        match &mut self.phase {
            Phase::Ringing(r) => {
                for leg in r.legs.iter().filter(|l| l.live()) {
                    leg.peer.send_envelope(&env);
                }
                if r.caller_data.len() < MAX_HELD {
                    r.caller_data.push(env);
                }
            }
            Phase::Answered(a) => a.callee.deliver(&env),
        }
    }

    fn callee_data(
        &mut self,
        cx: &Arc<Calls>,
        key: CallKey,
        session: &PeerId,
        data_type: i64,
        env: Envelope,
        id: u64,
    ) -> Handled {
        match &mut self.phase {
            Phase::Ringing(r) => {
                let Some(leg) = r.legs.iter_mut().find(|l| l.peer.is(session)) else {
                    return Err(Reject::Refused("free-call data from a session outside the call"));
                };
                if !leg.live() {
                    return Err(Reject::Refused("free-call data from a callee session that was busy"));
                }
                if leg.held.len() < MAX_HELD {
                    leg.held.push((data_type, env));
                }
                Ok(())
            }
            Phase::Answered(a) => {
                a.callee_sent(&mut self.caller, cx, key, data_type, env, id);
                Ok(())
            }
        }
    }

    /// Leg `idx` answered: tell the caller, stop ringing everywhere else, relay what that session held.
    fn answer(&mut self, cx: &Arc<Calls>, key: CallKey, idx: usize, out: &Envelope, id: u64) {
        let Phase::Ringing(r) = &mut self.phase else { return };
        let leg = r.legs.swap_remove(idx);
        self.caller.deliver(out);
        // Replacing the phase drops the ring timer and the other legs.
        self.phase = Phase::Answered(Answered {
            callee: Side::Attached(leg.peer),
            answer_relayed: false,
            hold_released: false,
            held: Vec::new(),
            hold: None,
        });
        if let Phase::Answered(a) = &mut self.phase {
            for (data_type, env) in leg.held {
                a.callee_sent(&mut self.caller, cx, key, data_type, env, id);
            }
        }
    }

    /// Session `session` of this call is gone. An explicit disconnect ends the call as a 700 from that side would; a
    /// transport loss detaches the side for the grace period. A ringing callee session just leaves; if it was the
    /// last one ringing, busy devices make it a 600, an explicit disconnect a 700, and a transport loss keeps the
    /// call ringing (the device may come back) until the ring timeout.
    fn session_lost(&mut self, cx: &Arc<Calls>, key: CallKey, session: &PeerId, explicit: bool, id: u64) -> Lost {
        let callee = self.callee;
        if self.caller.is(session) {
            if explicit {
                self.send_to_callee(&server_status(key.call_id, STOP, key.caller, callee));
                return Lost::Ends { mirror: true };
            }
            self.caller = Side::detach(cx, key, id);
            return Lost::Stays;
        }
        match &mut self.phase {
            Phase::Answered(a) if a.callee.is(session) => {
                if explicit {
                    self.caller.deliver(&server_status(key.call_id, STOP, callee, key.caller));
                    return Lost::Ends { mirror: true };
                }
                a.callee = Side::detach(cx, key, id);
                Lost::Stays
            }
            Phase::Answered(_) => Lost::Stays,
            Phase::Ringing(r) => {
                let was_live = r.legs.iter().any(|l| l.peer.is(session) && l.live());
                r.legs.retain(|l| !l.peer.is(session));
                if !was_live || r.legs.iter().any(Leg::live) {
                    return Lost::Stays;
                }
                if r.legs.iter().any(|l| l.state == LegState::Busy) {
                    self.caller.deliver(&server_status(key.call_id, BUSY, callee, key.caller));
                    Lost::Ends { mirror: false }
                } else if explicit {
                    self.caller.deliver(&server_status(key.call_id, STOP, callee, key.caller));
                    Lost::Ends { mirror: false }
                } else {
                    Lost::Stays
                }
            }
        }
    }
}

/// 187s a caller sent before its 186 (race 1).
struct Early {
    to: i64,
    items: Vec<Envelope>,
    timer: TimerSlot,
}

#[derive(Default)]
struct State {
    calls: HashMap<CallKey, Call>,
    early: HashMap<CallKey, Early>,
    next_id: u64,
    /// In a cluster: the sessions that authenticated lately, newest last (see "late re-attach").
    recent: std::collections::VecDeque<Recent>,
}

/// A session that authenticated at `at`.
struct Recent {
    at: std::time::Instant,
    me: Identity,
    session: Kept,
}

/// Most sessions kept in [`State::recent`].
const MAX_RECENT: usize = 1024;

impl State {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn engaged(&self, session: &PeerId) -> bool {
        self.calls.values().any(|c| c.engages(session))
    }

    /// The call a packet of `session` (user `user`) about `call_id` with peer `peer` belongs to, and the sender's
    /// role in it. Only the sessions taking part count: the caller session, the callee sessions it rings on, then
    /// the answering one.
    fn locate(&self, user: i64, session: &PeerId, call_id: i64, peer: i64) -> Option<(CallKey, Role)> {
        let mine = CallKey { caller: user, call_id };
        if let Some(c) = self.calls.get(&mine)
            && c.callee == peer
            && c.caller.is(session)
        {
            return Some((mine, Role::Caller));
        }
        let theirs = CallKey { caller: peer, call_id };
        if let Some(c) = self.calls.get(&theirs)
            && c.callee == user
            && c.has_callee_session(session)
        {
            return Some((theirs, Role::Callee));
        }
        None
    }

    /// A session of the new engine re-offers (an ICE restart, PROTOCOL.md §12) in an answered call its user takes
    /// part in from another session. That one is presumed dead — after a network change the device reconnects
    /// before the server notices its old connection is gone — and this session takes its side over.
    fn take_over(&mut self, me: &Identity, session: &Sender, call_id: i64, peer: i64) -> Option<(CallKey, Role)> {
        let mine = CallKey { caller: me.user_id, call_id };
        if let Some(c) = self.calls.get_mut(&mine)
            && c.callee == peer
            && c.caller_identity.same_tenant(me)
            && matches!(c.phase, Phase::Answered(_))
        {
            c.caller.take_over(session.peer(me.user_id, call_id, peer));
            return Some((mine, Role::Caller));
        }
        let theirs = CallKey { caller: peer, call_id };
        if let Some(c) = self.calls.get_mut(&theirs)
            && c.callee == me.user_id
            && c.caller_identity.same_tenant(me)
            && let Phase::Answered(a) = &mut c.phase
        {
            a.callee.take_over(session.peer(peer, call_id, peer));
            return Some((theirs, Role::Callee));
        }
        None
    }
}

/// The free-call table.
pub(super) struct FreeCalls {
    state: Mutex<State>,
    changed: Notify,
}

impl Default for FreeCalls {
    fn default() -> FreeCalls {
        FreeCalls { state: Mutex::new(State::default()), changed: Notify::new() }
    }
}

/// A 187 type 1 with an offer: an ICE restart of an answered call. Only the new engine answers one.
pub(super) fn is_reoffer(req: &FreeCallData) -> bool {
    req.data_type == SESSION_DESCRIPTION && matches!(&req.data, CallData::Description(d) if d.sdp_type == "offer")
}

fn is_reoffer_envelope(env: &Envelope) -> bool {
    env.service == i64::from(Service::FREE_CALL_DATA.number())
        && env.decode::<FreeCallData>().is_ok_and(|d| is_reoffer(&d))
}

/// A relayed body: the sender's JSON object with `from` set to the sender.
fn relayed(service: Service, mut raw: Map<String, Value>, from: i64) -> Envelope {
    raw.insert("from".to_owned(), Value::from(from));
    Envelope::new(service, &Value::Object(raw))
}

/// A 188 the server writes on behalf of the peer `from` (ring timeout, lost session, busy, not available).
pub(super) fn server_status(call_id: i64, status: i64, from: i64, to: i64) -> Envelope {
    Envelope::new(Service::FREE_CALL_STATUS_CHANGED, &FreeCallStatusFromPeer { call_id, status, from, to: Some(to) })
}

/// The live sessions of `user` in the tenant (application and namespace) of `me`, on every node.
fn tenant_sessions(cx: &Calls, user: i64, me: &Identity, call: CallKey, other: i64) -> Vec<Peer> {
    let mut peers: Vec<Peer> = cx
        .sessions
        .sessions(user)
        .into_iter()
        .filter(|s| s.identity().is_some_and(|i| i.same_tenant(me)))
        .map(Peer::Local)
        .collect();
    if let Some(link) = &cx.link {
        let remote = link.remote_sessions(user).into_iter().filter(|r| *r.app == *me.app_id && *r.ns == *me.namespace);
        peers.extend(remote.map(|r| remote_peer(r, link.clone(), call.caller, call.call_id, other)));
    }
    peers
}

/// 199 to the user's other sessions, on every node, for the statuses that are mirrored.
fn mirror(cx: &Calls, me: &Identity, except: &PeerId, key: CallKey, status: i64) {
    let call_id = key.call_id;
    if !is_mirrored(status) {
        return;
    }
    let env = Envelope::new(Service::FREE_CALL_STATUS_CHANGED_BY_ME, &FreeCallStatusByMe { call_id, status });
    let mine = cx.sessions.sessions(me.user_id);
    for s in mine.iter().filter(|s| s.identity().is_some_and(|i| i.same_tenant(me)) && *except != PeerId::Local(s.id)) {
        s.send_envelope(&env);
    }
    if let Some(link) = &cx.link {
        for node in link.nodes_of(me.user_id) {
            let except = match except {
                PeerId::Remote(n, id) if *n == node => Some(*id),
                _ => None,
            };
            let ends = Some(super::remote::Ends::Free { caller: key.caller, call_id });
            link.send(&node, CallMsg::ToUser { user: me.user_id, except, packet: env.clone(), ends });
        }
    }
}

/// OQ-21: the callee has no session. The call is held until the ring timeout (or until a callee session
/// authenticates and rings); the push of the offer ([`push_call`]) is what wakes the callee's phone.
fn callee_offline(key: CallKey, callee: i64) {
    tracing::info!(
        caller = key.caller,
        call_id = key.call_id,
        callee,
        "free call to a user with no session: holding until the ring timeout"
    );
}

/// The push of a 186 (`status` `None`) or of the 188 that ends a ringing call, for a callee whose app is not in
/// the foreground (§10.3, OQ-21): a VoIP push on iOS, a high-priority data message on Android. Only enqueued.
fn push_call(cx: &Calls, caller: &Identity, callee: i64, call_id: i64, media_type: i64, status: Option<i64>) {
    let service = match status {
        Some(_) => Service::FREE_CALL_STATUS_CHANGED,
        None => Service::FREE_CALL_START,
    };
    let what = What::FreeCall {
        service: service.as_i64(),
        from: caller.user_id,
        from_name: caller.fullname.clone(),
        call_id,
        media_type,
        status,
    };
    cx.push.notify(Event { app_id: caller.app_id.clone(), to: vec![callee], what });
}

/// The media type of a call, from its offer.
fn media_type(call: &Call) -> i64 {
    call.offer.decode::<FreeCallStart>().map(|o| o.media_type).unwrap_or(1)
}

impl FreeCalls {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn changed(&self) -> Notified<'_> {
        self.changed.notified()
    }

    pub(super) fn active(&self) -> usize {
        self.lock().calls.len()
    }

    pub(super) fn in_grace(&self, user: i64) -> bool {
        self.lock().calls.iter().any(|(key, call)| {
            (key.caller == user && matches!(call.caller, Side::Detached { .. }))
                || (call.callee == user
                    && matches!(&call.phase, Phase::Answered(a) if matches!(a.callee, Side::Detached { .. })))
        })
    }

    /// svc 186 from a caller session.
    pub(super) async fn start(
        &self,
        cx: &Arc<Calls>,
        session: &Arc<Session>,
        me: &Identity,
        env: &Envelope,
    ) -> Handled {
        let req: FreeCallStart = env.decode()?;
        let raw: Map<String, Value> = env.decode()?;
        let key = CallKey { caller: me.user_id, call_id: req.call_id };
        let refuse = |status| session.send_envelope(&server_status(req.call_id, status, req.to, me.user_id));
        let known = req.to != me.user_id && cx.store.user_in_tenant(me.tenant(), req.to).await?;
        if !known {
            self.lock().early.remove(&key);
            tracing::info!(
                caller = me.user_id,
                call_id = req.call_id,
                to = req.to,
                "free call to an unknown user or to oneself"
            );
            refuse(NOT_ANSWERED);
            return Ok(());
        }
        let offer = relayed(Service::FREE_CALL_START, raw, me.user_id);
        let reachable = tenant_sessions(cx, req.to, me, key, me.user_id);
        let mut st = self.lock();
        let early = st.early.remove(&key);
        if st.calls.contains_key(&key) {
            return Err(Reject::Refused("free call already started"));
        }
        // One outgoing call per user, and a bounded number ringing for one callee: an offer beyond either is refused
        // as busy, so no flood of offers is held (or replayed at the callee's login).
        let ringing_for_callee =
            st.calls.values().filter(|c| c.callee == req.to && matches!(c.phase, Phase::Ringing(_))).count();
        let refusal = if st.calls.keys().any(|k| k.caller == me.user_id) {
            Some((&cx.metrics.calls_refused_caller_busy, "free call refused: the caller already has one"))
        } else if ringing_for_callee >= cx.limits.max_offers_per_callee {
            Some((&cx.metrics.calls_refused_callee_offers, "free call refused: too many offers ring for the callee"))
        } else {
            None
        };
        if let Some((counter, why)) = refusal {
            drop(st);
            crate::metrics::Metrics::inc(counter);
            tracing::debug!(caller = me.user_id, call_id = req.call_id, to = req.to, why);
            refuse(BUSY);
            return Ok(());
        }
        let free: Vec<Peer> = reachable.iter().filter(|p| !st.engaged(&p.id())).cloned().collect();
        if !reachable.is_empty() && free.is_empty() {
            drop(st);
            tracing::info!(
                caller = me.user_id,
                call_id = req.call_id,
                to = req.to,
                "free call to a user busy on every session"
            );
            refuse(BUSY);
            return Ok(());
        }
        let caller_data = early.filter(|e| e.to == req.to).map(|e| e.items).unwrap_or_default();
        let id = st.next_id();
        let ring = Duration::from_secs(cx.limits.ring_timeout_secs);
        let timer = TimerSlot::start(cx, ring, key, Timer::Ring(id), id);
        let legs: Vec<Leg> = free.into_iter().map(Leg::new).collect();
        for leg in &legs {
            leg.peer.send_all(std::iter::once(&offer).chain(&caller_data));
        }
        if legs.is_empty() {
            callee_offline(key, req.to);
        }
        push_call(cx, me, req.to, req.call_id, req.media_type, None);
        tracing::info!(
            caller = me.user_id,
            call_id = req.call_id,
            to = req.to,
            sessions = legs.len(),
            "free call ringing"
        );
        st.calls.insert(
            key,
            Call {
                callee: req.to,
                caller_identity: me.clone(),
                offer,
                caller: Side::Attached(Peer::Local(session.clone())),
                phase: Phase::Ringing(Ringing { legs, reported: false, caller_data, timer }),
            },
        );
        drop(st);
        self.changed.notify_waiters();
        Ok(())
    }

    /// svc 187 from either side.
    pub(super) fn data(&self, cx: &Arc<Calls>, sender: &Sender, me: &Identity, env: &Envelope) -> Handled {
        let req: FreeCallData = env.decode()?;
        let raw: Map<String, Value> = env.decode()?;
        let out = relayed(Service::FREE_CALL_DATA, raw, me.user_id);
        let mut st = self.lock();
        let id = st.next_id();
        let reoffer = is_reoffer(&req);
        let session = sender.id();
        let mut located = st.locate(me.user_id, &session, req.call_id, req.to);
        if located.is_none() && reoffer && sender.is_engine() {
            located = st.take_over(me, sender, req.call_id, req.to);
            if let Some((key, _)) = located {
                tracing::info!(
                    caller = key.caller,
                    call_id = key.call_id,
                    ?session,
                    "free call side taken over by a re-offering session"
                );
            }
        }
        match located {
            Some((key, role)) if reoffer && !st.calls.get(&key).is_some_and(|c| c.reoffer_reaches(role)) => {
                // An original client cannot answer a re-offer (and a ringing call has nothing to restart).
                tracing::debug!(
                    caller = key.caller,
                    call_id = key.call_id,
                    ?session,
                    "a re-offer for an original client or an unanswered call dropped"
                );
                Ok(())
            }
            Some((key, Role::Caller)) => {
                if let Some(call) = st.calls.get_mut(&key) {
                    call.caller_data(out);
                }
                Ok(())
            }
            Some((key, Role::Callee)) => match st.calls.get_mut(&key) {
                Some(call) => call.callee_data(cx, key, &session, req.data_type, out, id),
                None => Ok(()),
            },
            None => {
                let mine = CallKey { caller: me.user_id, call_id: req.call_id };
                let theirs = CallKey { caller: req.to, call_id: req.call_id };
                if st.calls.contains_key(&mine) || st.calls.contains_key(&theirs) {
                    // A device that lost the call to another one (answered elsewhere), or a resumed side's old
                    // session: not a party any more.
                    tracing::debug!(?session, call_id = req.call_id, "free-call data from a non-party dropped");
                    return Ok(());
                }
                // Race 1: the caller's candidates may overtake its 186.
                let early = st.early.entry(mine).or_insert_with(|| Early {
                    to: req.to,
                    items: Vec::new(),
                    timer: TimerSlot::start(cx, HOLD, mine, Timer::Early(id), id),
                });
                if early.to == req.to && early.items.len() < MAX_HELD {
                    early.items.push(out);
                }
                Ok(())
            }
        }
    }

    /// svc 188 from either side.
    pub(super) fn status(&self, cx: &Arc<Calls>, sender: &Sender, me: &Identity, env: &Envelope) -> Handled {
        let req: FreeCallStatus = env.decode()?;
        let raw: Map<String, Value> = env.decode()?;
        let out = relayed(Service::FREE_CALL_STATUS_CHANGED, raw, me.user_id);
        let mut st = self.lock();
        let id = st.next_id();
        let session = sender.id();
        let Some((key, role)) = st.locate(me.user_id, &session, req.call_id, req.to) else {
            // Usual races: both sides hang up at once, a late answer after the ring timeout, a device that had not
            // seen the 199 yet. Nothing to do.
            tracing::debug!(
                ?session,
                call_id = req.call_id,
                status = req.status,
                "free-call status for no call dropped"
            );
            return Ok(());
        };
        let result = match role {
            Role::Caller if is_terminal(req.status) => {
                if let Some(mut call) = st.calls.remove(&key) {
                    call.send_to_callee(&out);
                    mirror(cx, me, &session, key, req.status);
                    if matches!(call.phase, Phase::Ringing(_)) {
                        push_call(cx, me, call.callee, req.call_id, media_type(&call), Some(req.status));
                    }
                    tracing::info!(
                        caller = key.caller,
                        call_id = key.call_id,
                        status = req.status,
                        "free call ended by the caller"
                    );
                }
                Ok(())
            }
            Role::Caller => Err(Reject::Refused("a caller may only end its free call")),
            Role::Callee => callee_status(&mut st, cx, &session, me, key, req.status, &out, id),
        };
        drop(st);
        self.changed.notify_waiters();
        result
    }

    /// A session of `me` authenticated (on this node or another): it takes over a call side left by a lost session of
    /// the same user, or else starts ringing for every call ringing for the user.
    pub(super) fn session_authenticated(&self, cx: &Calls, sender: &Sender, me: &Identity) {
        let mut st = self.lock();
        let mut resumed = None;
        for (key, call) in st.calls.iter_mut() {
            if !call.caller_identity.same_tenant(me) {
                continue;
            }
            let took = if key.caller == me.user_id && matches!(call.caller, Side::Detached { .. }) {
                call.caller.reattach(&sender.peer(key.caller, key.call_id, call.callee))
            } else if call.callee == me.user_id
                && let Phase::Answered(a) = &mut call.phase
                && matches!(a.callee, Side::Detached { .. })
            {
                a.callee.reattach(&sender.peer(key.caller, key.call_id, key.caller))
            } else {
                false
            };
            if took {
                resumed = Some(*key);
                break;
            }
        }
        let session = sender.id();
        if let Some(key) = resumed {
            tracing::info!(caller = key.caller, call_id = key.call_id, ?session, "free call resumed by a new session");
        } else if let Some(link) = &cx.link {
            let now = std::time::Instant::now();
            let window = link.loss_delay();
            while st.recent.front().is_some_and(|r| now.duration_since(r.at) > window) || st.recent.len() >= MAX_RECENT
            {
                st.recent.pop_front();
            }
            st.recent.push_back(Recent { at: now, me: me.clone(), session: Kept::of(sender) });
        }
        if resumed.is_none() {
            // Only calls still ringing, at most one per caller (a caller has one outgoing call; this keeps it so).
            let mut callers = std::collections::HashSet::new();
            for (key, call) in st.calls.iter_mut() {
                if call.callee != me.user_id || !call.caller_identity.same_tenant(me) {
                    continue;
                }
                if let Phase::Ringing(r) = &mut call.phase
                    && callers.insert(key.caller)
                    && !r.legs.iter().any(|l| l.peer.is(&session))
                {
                    let peer = sender.peer(key.caller, key.call_id, key.caller);
                    peer.send_all(std::iter::once(&call.offer).chain(&r.caller_data));
                    r.legs.push(Leg::new(peer));
                    tracing::info!(
                        caller = key.caller,
                        call_id = key.call_id,
                        ?session,
                        "free call rings on a new session"
                    );
                }
            }
        }
        drop(st);
        self.changed.notify_waiters();
    }

    /// A session of `me` closed (explicitly or by transport loss), on this node or another.
    pub(super) fn session_closed(&self, cx: &Arc<Calls>, session: &PeerId, me: &Identity, explicit: bool) {
        let mut st = self.lock();
        let keys: Vec<CallKey> = st.calls.iter().filter(|(_, c)| c.involves(session)).map(|(k, _)| *k).collect();
        for key in keys {
            if lose(&mut st, cx, key, session, explicit, false) {
                mirror(cx, me, session, key, STOP);
            }
        }
        drop(st);
        self.changed.notify_waiters();
    }

    /// Node `node` is gone: its sessions in this node's calls are lost transports (the grace rule applies).
    pub(super) fn node_gone(&self, cx: &Arc<Calls>, node: &str) {
        let mut st = self.lock();
        let lost: Vec<(CallKey, PeerId)> =
            st.calls.iter().flat_map(|(k, c)| c.peers_on(node).into_iter().map(move |p| (*k, p))).collect();
        for (key, peer) in lost {
            lose(&mut st, cx, key, &peer, false, true);
        }
        drop(st);
        self.changed.notify_waiters();
    }

    /// Whether this node has the call a packet of `user` about `call_id` to `to` would be about (as caller or callee).
    pub(super) fn has_call(&self, user: i64, call_id: i64, to: i64) -> bool {
        let st = self.lock();
        let mine = st.calls.get(&CallKey { caller: user, call_id }).is_some_and(|c| c.callee == to);
        mine || st.calls.get(&CallKey { caller: to, call_id }).is_some_and(|c| c.callee == user)
    }

    /// Whether a re-offer of `me` about `call_id` to `to` would take a side of an answered call of this node over.
    pub(super) fn would_take_over(&self, me: &Identity, call_id: i64, to: i64) -> bool {
        let st = self.lock();
        let answered = |c: &Call| matches!(c.phase, Phase::Answered(_)) && c.caller_identity.same_tenant(me);
        let mine =
            st.calls.get(&CallKey { caller: me.user_id, call_id }).is_some_and(|c| c.callee == to && answered(c));
        mine || st.calls.get(&CallKey { caller: to, call_id }).is_some_and(|c| c.callee == me.user_id && answered(c))
    }

    /// The 187s `user` sent about `call_id` to `to` before this node knew its session was a party of a call another
    /// node owns (they were taken for race 1, early candidates).
    pub(super) fn take_early(&self, user: i64, call_id: i64, to: i64) -> Vec<Envelope> {
        let mut st = self.lock();
        let key = CallKey { caller: user, call_id };
        if st.early.get(&key).is_some_and(|e| e.to == to) {
            return st.early.remove(&key).map(|e| e.items).unwrap_or_default();
        }
        Vec::new()
    }

    /// A timer fired.
    fn fire(&self, cx: &Calls, key: CallKey, timer: Timer) {
        let mut st = self.lock();
        match timer {
            Timer::Early(id) => {
                if st.early.get(&key).is_some_and(|e| e.timer.id == id) {
                    st.early.remove(&key);
                    tracing::debug!(
                        caller = key.caller,
                        call_id = key.call_id,
                        "early free-call data expired without a 186"
                    );
                }
            }
            Timer::Ring(id) => {
                let due = st.calls.get(&key).is_some_and(|c| matches!(&c.phase, Phase::Ringing(r) if r.timer.id == id));
                if due && let Some(mut call) = st.calls.remove(&key) {
                    call.caller.deliver(&server_status(key.call_id, NOT_ANSWERED, call.callee, key.caller));
                    call.send_to_callee(&server_status(key.call_id, NOT_ANSWERED, key.caller, call.callee));
                    let media = media_type(&call);
                    push_call(cx, &call.caller_identity, call.callee, key.call_id, media, Some(NOT_ANSWERED));
                    tracing::info!(caller = key.caller, call_id = key.call_id, "free call not answered in time");
                }
            }
            Timer::Hold(id) => {
                if let Some(call) = st.calls.get_mut(&key)
                    && let Phase::Answered(a) = &mut call.phase
                    && a.hold.as_ref().is_some_and(|h| h.id == id)
                {
                    a.hold_released = true;
                    a.release(&mut call.caller);
                    tracing::debug!(
                        caller = key.caller,
                        call_id = key.call_id,
                        "callee candidates released without an answer"
                    );
                }
            }
            Timer::Grace(id) => {
                let expired = |side: &Side| matches!(side, Side::Detached { grace, .. } if grace.id == id);
                let Some(call) = st.calls.get(&key) else { return };
                let caller_gone = expired(&call.caller);
                let callee_gone = matches!(&call.phase, Phase::Answered(a) if expired(&a.callee));
                if (caller_gone || callee_gone)
                    && let Some(mut call) = st.calls.remove(&key)
                {
                    if caller_gone {
                        call.send_to_callee(&server_status(key.call_id, STOP, key.caller, call.callee));
                    } else {
                        call.caller.deliver(&server_status(key.call_id, STOP, call.callee, key.caller));
                    }
                    tracing::info!(
                        caller = key.caller,
                        call_id = key.call_id,
                        "free call ended: a lost session did not come back"
                    );
                }
            }
        }
        drop(st);
        self.changed.notify_waiters();
    }
}

/// Session `session` of call `key` is gone; true when the call ended and the departure is mirrored (an explicit
/// disconnect).
fn lose(st: &mut State, cx: &Arc<Calls>, key: CallKey, session: &PeerId, explicit: bool, node_gone: bool) -> bool {
    let id = st.next_id();
    let Some(call) = st.calls.get_mut(&key) else { return false };
    match call.session_lost(cx, key, session, explicit, id) {
        Lost::Stays => {
            tracing::info!(caller = key.caller, call_id = key.call_id, ?session, explicit, "free call session gone");
            if let PeerId::Remote(node, _) = session
                && node_gone
            {
                late_reattach(st, cx, key, session, node);
            }
            false
        }
        Lost::Ends { mirror } => {
            st.calls.remove(&key);
            tracing::info!(
                caller = key.caller,
                call_id = key.call_id,
                explicit,
                "free call ended by a session's departure"
            );
            mirror
        }
    }
}

/// Late re-attach (cluster only). A side on a node that died or drains may be learnt lost well after its user came
/// back: the user's client logged in elsewhere before the heartbeat expired. A session of that user (and tenant)
/// that authenticated within the link's [`loss_delay`](super::CallLink::loss_delay), is still there and is busy with
/// no call takes the side over at once, as it would have had it come a moment later; never a session of the node
/// that is gone (`dead_node`: the presence may list its sessions still). A session's own close (a transport loss its
/// node noticed) is learnt within a Redis hop, as on a single server: the side then goes only to a session that
/// authenticates after it, and nothing of this runs (a device that logged in before the loss may be another one of
/// the user's, idle, and the phone that comes back within the grace must find its call).
fn late_reattach(st: &mut State, cx: &Calls, key: CallKey, lost: &PeerId, dead_node: &str) {
    let Some(link) = &cx.link else { return };
    let now = std::time::Instant::now();
    let window = link.loss_delay();
    let Some(call) = st.calls.get(&key) else { return };
    let caller_lost = matches!(call.caller, Side::Detached { .. });
    let callee_lost = matches!(&call.phase, Phase::Answered(a) if matches!(a.callee, Side::Detached { .. }));
    let tenant = call.caller_identity.clone();
    let callee = call.callee;
    for (detached, user, other) in [(caller_lost, key.caller, callee), (callee_lost, callee, key.caller)] {
        if !detached {
            continue;
        }
        let alive = |kept: &Kept| match kept {
            Kept::Local(s) => cx.sessions.sessions(user).iter().any(|l| l.id == s.id),
            Kept::Remote(r, _) => link.remote_sessions(user).iter().any(|l| l.node == r.node && l.session == r.session),
        };
        let found = st
            .recent
            .iter()
            .rev()
            .filter(|r| now.duration_since(r.at) <= window && r.me.user_id == user && r.me.same_tenant(&tenant))
            .filter(|r| match r.session.sender().id() {
                PeerId::Remote(node, _) if &*node == dead_node => false,
                id => id != *lost && !st.engaged(&id),
            })
            .find(|r| alive(&r.session))
            .map(|r| r.session.clone());
        let Some(kept) = found else { continue };
        let peer = kept.sender().peer(key.caller, key.call_id, other);
        let Some(call) = st.calls.get_mut(&key) else { return };
        let side = if user == key.caller && caller_lost {
            &mut call.caller
        } else if let Phase::Answered(a) = &mut call.phase {
            &mut a.callee
        } else {
            continue;
        };
        if side.reattach(&peer) {
            tracing::info!(caller = key.caller, call_id = key.call_id, session = ?peer.id(), "free call resumed by a session that came first");
        }
    }
}

/// A 188 from a callee session.
#[allow(clippy::too_many_arguments)]
fn callee_status(
    st: &mut State,
    cx: &Arc<Calls>,
    session: &PeerId,
    me: &Identity,
    key: CallKey,
    status: i64,
    out: &Envelope,
    id: u64,
) -> Handled {
    let Some(call) = st.calls.get_mut(&key) else { return Ok(()) };
    let mut end = false;
    let mut answer = None;
    match &mut call.phase {
        Phase::Answered(_) => {
            // Only the answering session gets here (see `locate`); repeated 180/200 are ignored.
            if is_terminal(status) {
                call.caller.deliver(out);
                mirror(cx, me, session, key, status);
                end = true;
            }
        }
        Phase::Ringing(r) => {
            let Some(idx) = r.legs.iter().position(|l| l.peer.is(session)) else {
                return Err(Reject::Refused("free-call status from a session outside the call"));
            };
            match status {
                RINGING => {
                    if r.legs[idx].live() {
                        r.legs[idx].state = LegState::Ringing;
                    }
                    if !r.reported {
                        r.reported = true;
                        call.caller.deliver(out);
                    }
                }
                BUSY => {
                    // OQ-20: one busy device does not stop the others; BUSY reaches the caller only when no callee
                    // session is left ringing (or waiting to ring).
                    r.legs[idx].state = LegState::Busy;
                    r.legs[idx].held.clear();
                    if !r.legs.iter().any(Leg::live) {
                        call.caller.deliver(out);
                        end = true;
                    }
                }
                ANSWERED => {
                    if !r.legs[idx].live() {
                        return Err(Reject::Refused("answer from a callee session that was busy"));
                    }
                    mirror(cx, me, session, key, status);
                    answer = Some(idx);
                }
                REJECTED | NOT_ANSWERED | STOP => {
                    call.caller.deliver(out);
                    mirror(cx, me, session, key, status);
                    end = true;
                }
                _ => return Err(Reject::Refused("free-call status a callee does not send")),
            }
        }
    }
    if let Some(idx) = answer {
        call.answer(cx, key, idx, out, id);
        tracing::info!(caller = key.caller, call_id = key.call_id, ?session, "free call answered");
    }
    if end {
        st.calls.remove(&key);
        tracing::info!(caller = key.caller, call_id = key.call_id, status, "free call ended by the callee");
    }
    Ok(())
}
