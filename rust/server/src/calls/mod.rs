//! Call signalling: free calls between users (186/187/188/199), and the PSTN services (500–510) as far as a server
//! without a SIP trunk serves them (PROTOCOL.md §3.4–§3.18, §4.4, §5, §9.4, §11.3; OQ-5, OQ-19–OQ-22; D13).
//!
//! # Free calls
//!
//! The server relays signalling only; media goes peer to peer (or through the TURN servers of svc 162). A call is
//! keyed by `(caller userId, callId)`, because a `callId` is a per-client counter and two callers may well use the
//! same one at the same time. Every call is in one of two phases and is removed from the table the moment it ends,
//! whatever ends it (a terminal 188, the ring timeout, a departed session, an expired grace period), together with
//! its timers.
//!
//! **Ringing.** A 186 from a caller session is relayed, with `from` added, to every session of the callee in the
//! same application: each becomes a *leg*. A leg answers 180 (ringing) or 600 (busy); the first 180 is forwarded to
//! the caller, later ones are not. BUSY is aggregated (OQ-20): a busy leg drops out, and 600 reaches the caller only
//! when no leg is left ringing or still to answer, so one device busy on another call does not stop the others
//! ringing. While the call rings the caller's 187 packets (candidates) go to every live leg and are also kept, so a
//! callee session that authenticates while the call rings gets the 186 and the candidates so far and rings too.
//! 603 (reject), 400 (not answered) and 700 (stop) from a leg end the call for everyone; 700 (or any of 400/600/603)
//! from the caller reaches every live leg.
//!
//! **Answered.** A 200 from a leg makes it the *answering session*: the caller gets 188/200, the ring timer stops and
//! the other legs are forgotten. From then on 187 and 188 travel only between the caller session and the answering
//! session; anything from the callee's other sessions about this call is dropped. A terminal status from either
//! party ends the call.
//!
//! **199.** When a session sends 188 with 200, 603, 400 or 700, the sender's *other* sessions get 199
//! `{callId, status}` (§5.3): for the callee this stops the ringing on the other devices ("answered elsewhere",
//! "rejected elsewhere"); for the caller it is harmless and lets its other devices know. 600 and 180 are never
//! mirrored. An explicit disconnect that ends a call mirrors 700 the same way.
//!
//! **Ordering races (§5.2).** A caller's 187 that arrives before its 186 (candidates gathered before the offer was
//! written) is held under `(caller, callId)` for up to 2 s and delivered right after the 186; if no 186 comes it is
//! dropped. The answering session's candidates (187 type 2) are held until its answer (187 type 1) has been relayed
//! to the caller, for up to 2 s, after which they pass anyway; 187 packets a leg sends before its 200 are held and
//! relayed, in order and under the same rule, if that leg answers. Packets of one call are otherwise relayed in
//! arrival order: every send happens under the table's lock.
//!
//! **Ring timeout (OQ-19).** A call still ringing after `limits.ring_timeout_secs` ends with 188 `status: 400` to
//! the caller (`from` the callee) and to every live leg (`from` the caller).
//!
//! **Refusals.** The caller gets a 188 at once, written as if the callee had sent it (`from` = the callee id the
//! caller addressed), and no call is created, when:
//!
//! * the callee is the caller himself, is unknown, or belongs to another tenant (application or namespace): `status`
//!   400 (not
//!   available) — the original client shows "not answered" and clears the call;
//! * every session of the callee is busy with another call (it is the caller session or the answering session of a
//!   live call): `status` 600 (busy). Sessions that are merely ringing for another call do not count as busy: they
//!   get the 186 and answer 600 themselves if their client is engaged, and BUSY aggregation applies.
//!
//! **Bounds.** A user has at most one outgoing call (ringing or answered): a 186 while another call of the same
//! caller is live gets 188 `status` 600 (busy). At most `limits.max_offers_per_callee` calls ring for one callee at
//! once; a further offer gets 600 too. A user starts at most `limits.call_attempts_per_min` calls (186 and 500
//! together) per minute; beyond it a 186 gets 188 `status` 400 and a 500 gets 610 `{status: 402, chargingError: -3}`
//! (busy). A session that authenticates rings only for calls still ringing, one per caller. So a flood of offers
//! to an offline user is neither held nor replayed at its login.
//!
//! A repeated 186 for a live `(caller, callId)` is dropped. 187/188 from a session that is not a party of the call
//! are dropped (a 187 for no call at all is taken as race 1 above).
//!
//! **Callee offline (OQ-21).** If the callee has no session the call is created without legs and held until the ring
//! timeout (then 400 to the caller). A callee with no session in the foreground gets a mobile push of the offer
//! (`pushPacketType: "186"`, [`crate::push`]), and one of the 188 when the caller cancels or the ring timeout ends
//! the call while it still rings. A callee session that authenticates meanwhile rings as described above.
//!
//! **Lost sessions (OQ-5, §3.3, §9.4).** An explicit disconnect (Socket.IO `41`) ends the session's call at once as
//! if it had sent 188/700: the peer gets 700 (`from` the departed user). A transport loss (no `41`) detaches that
//! side of the call for `limits.call_grace_secs`: packets for it are queued, and the next session of the same user
//! that authenticates within the grace period takes the side over (it receives the queue) and the call continues; if
//! nobody comes back, the peer gets 188/700. A *ringing* callee session that goes away just leaves the call; if it
//! was the last live leg, the caller gets 600 when some leg was busy, 700 after an explicit disconnect, and after a
//! transport loss the call keeps ringing for the device to come back until the ring timeout.
//!
//! # Calls across nodes
//!
//! In a cluster (`[cluster]`, [`crate::cluster`]) the node whose session sends the 186 *owns* the call: the table
//! above lives there, with every rule, timer and queue. A side or a leg on another node is a *remote peer* (its node,
//! that node's session id, and what the rules ask of its identity: user, tenant, new engine or not). Sending to it
//! queues a message for its node ([`remote::CallMsg`], a Redis channel per node, in order), which delivers the
//! packets to the session and remembers `(caller, callId) → owner` for it: that session's later 187/188 about the call
//! and its close (explicit or transport loss) go back to the owner, which handles them as if from a local session.
//! The callee's sessions on every node are known to the owner from the cluster-wide presence, whose entries list the
//! session ids; a session id that appears in a node's presence announcement is a new session there, which the owners
//! re-attach (a side in its grace period) or ring (a call ringing for that user) exactly as a local login. 199s go
//! to the sender's other sessions on every node.
//!
//! Why the caller's node: the 186 arrives there, so the call exists before any other node is involved and a call
//! between two sessions of one node costs nothing extra; every decision about one call is taken under one lock, so
//! the order of its packets and the rules (first 180 only, BUSY aggregation, answered elsewhere) hold as on a single
//! server. The price is one hop through Redis for each packet of a party on another node (0.32 ms at the median,
//! bench/RESULTS.md "Cluster: Redis pub/sub").
//!
//! **A node dies** (its heartbeat expires) **or leaves** (SIGTERM drain, restart): its sessions in the calls other
//! nodes own are lost transports (the grace rule: packets are queued, the user's next session on any node takes the
//! side over, else the peer gets 188 700); the calls it owned end for their parties on the living nodes with the 188
//! 700 the other party would have sent (a ringing callee stops ringing). A draining node's sessions are counted lost
//! at its drain announcement, before it closes them, so that their users, sent to another node by discovery, find
//! their sides waiting. A death is only noticed when the heartbeat expires (up to 6 s), and a client often logs in
//! elsewhere before that: a session of the user that authenticated within that delay, still there and in no call,
//! takes the lost side over at once (`free.rs`, "late re-attach"); on a single server a loss is known when the socket
//! closes and this does not apply.
//!
//! **Bounds with N nodes.** The bounds are kept by the owner over the calls it owns: one outgoing call per user holds
//! per node (a user with sessions on N nodes can place at most N calls at once, one per device's node: the devices of
//! one user are few); `max_offers_per_callee` counts the calls ringing for a callee per owning node, so at most N ×
//! that many ring for one callee (N is small, and each is still rate-limited per caller); and the server-side busy
//! refusal counts the sessions busy in calls this node owns: a callee session busy in a call owned by another node
//! still gets the 186 and answers 600 itself, which BUSY aggregation handles. Making them exact would need a shared
//! table of calls in Redis, consulted on every 186; the per-node bounds keep every node's memory bounded, which is
//! what they are for.
//!
//! **Call-ins** follow the same idea: a SIP call is owned by the node that runs its bridge (the node whose gateway
//! the carrier called); the user's sessions on the other nodes ring, answer and hang up through it
//! ([`callin_remote`]), and the call's 508 and 601 reach the user's sessions on every node. A callout is served by
//! the gateway of the node whose session sends the 500; only its 601 to the user's other sessions crosses nodes.
//!
//! A session on another node than the owner is routed to a call once the owner has made it a party (a ringing leg,
//! a side re-attached after its old session was seen lost): its 187s before that are held as early data for 2 s and
//! forwarded with the owner's first packet. The re-offer take-over of `free.rs` works across nodes too: a re-offer
//! from a new-engine session that is a party of no call it knows of goes to every live node (the owner's presence
//! may already have lost the old session), the owner gives it the side and binds its route at once (its candidates
//! and a hang-up then reach the owner before the peer answers), and the others drop it.
//!
//! **Routes end** with the call for every party: a terminal 188 either way, a 199 that puts a ringing leg out
//! (answered or rejected on another device: the owner forgets it), a call-in's 506/508/601 about its end, the
//! session's close, and the owner's departure. A route bound while its session was closing is ended at once and
//! the owner told. A clean stop publishes what it queued before it leaves, so no call message of a departed owner
//! binds a route after the others saw it go.
//!
//! # Paid calls
//!
//! See [`pstn`]: with a SIP trunk, 500/501/502/506 go to the gateway ([`azstack_sip`]); without one, 500 gets 610
//! 402/−4 and 501/502/506 are dropped. 509 lists the requesting user's paid call logs.

mod attempts;
mod callin_remote;
mod free;
mod peer;
mod pstn;
pub mod remote;

pub use attempts::SharedAttempts;
pub use pstn::Paid;
pub use remote::{CallLink, CallMsg, RemoteSession};

use std::sync::Arc;

use azstack_protocol::bodies::calls::{CalloutInitial, CalloutStart, FreeCallStart, FreeCallStatusFromPeer};
use azstack_protocol::constants::call::{
    CALL_STATUS_CALLOUT_INITIAL_BUSY, CALL_STATUS_FREE_CALL_NOT_ANSWERED,
    CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_ERROR_CHARGING,
};
use azstack_protocol::{Envelope, Service};
use tokio::sync::futures::Notified;

use crate::errors::Handled;
use crate::metrics::Metrics;
use crate::session::{Identity, Registry, Session};
use crate::store::Store;

/// The limits of call signalling (from `[limits]`).
#[derive(Clone, Copy, Debug)]
pub struct CallLimits {
    /// `ring_timeout_secs`: how long a call rings before it ends unanswered (OQ-19).
    pub ring_timeout_secs: u64,
    /// `call_grace_secs`: how long a side whose session was lost may come back (OQ-5).
    pub grace_secs: u64,
    /// `max_offers_per_callee`: calls ringing for one callee at once.
    pub max_offers_per_callee: usize,
    /// `call_attempts_per_min`: calls (186 and 500) a user may start per minute.
    pub attempts_per_min: u32,
}

/// The call registry: free-call signalling state and the per-user attempt budget, with the handles it works with
/// (the sessions a call rings and relays to, the store that says who may be called, the counters).
pub struct Calls {
    free: free::FreeCalls,
    attempts: attempts::Attempts,
    sessions: Arc<Registry>,
    store: Arc<dyn Store>,
    metrics: Arc<Metrics>,
    limits: CallLimits,
    /// The VoIP / high-priority pushes of 186 and 188 (OQ-21).
    push: Arc<crate::push::Push>,
    /// The other nodes, in a cluster ([`remote`]).
    link: Option<Arc<dyn CallLink>>,
    /// The calls this node's sessions take part in on other nodes.
    routes: remote::Routes,
    /// The SIP gateway, when this node has one: call-ins across nodes ([`callin_remote`]).
    sip: std::sync::OnceLock<Arc<azstack_sip::Gateway>>,
    /// The gateway's ids of sessions on other nodes.
    aliases: callin_remote::Aliases,
    /// The call-ins this node's sessions take part in on other nodes.
    callin_routes: callin_remote::CallinRoutes,
}

impl Calls {
    pub fn new(
        sessions: Arc<Registry>,
        store: Arc<dyn Store>,
        metrics: Arc<Metrics>,
        limits: CallLimits,
        push: Arc<crate::push::Push>,
        link: Option<Arc<dyn CallLink>>,
    ) -> Calls {
        Calls {
            free: free::FreeCalls::default(),
            attempts: attempts::Attempts::default(),
            sessions,
            store,
            metrics,
            limits,
            push,
            link,
            routes: remote::Routes::default(),
            sip: std::sync::OnceLock::new(),
            aliases: callin_remote::Aliases::default(),
            callin_routes: callin_remote::CallinRoutes::default(),
        }
    }

    /// This node's SIP gateway, whose call-ins reach the sessions on other nodes.
    pub fn serve_sip(&self, gateway: &Arc<azstack_sip::Gateway>) {
        let _ = self.sip.set(gateway.clone());
    }

    /// A session of `me` has just authenticated: it may resume a call a lost session left, or start ringing.
    pub fn session_authenticated(&self, session: &Arc<Session>, me: &Identity) {
        self.free.session_authenticated(self, &peer::Sender::Local(session), me);
    }

    /// A session of `me` has closed; `explicit`: the client disconnected on purpose.
    pub fn session_closed(self: &Arc<Self>, session: &Arc<Session>, me: &Identity, explicit: bool) {
        self.free.session_closed(self, &peer::PeerId::Local(session.id), me, explicit);
        self.forward_close(session, me, explicit);
    }

    /// Free calls in progress (ringing or answered).
    pub fn active(&self) -> usize {
        self.free.active()
    }

    /// Whether a call of `user_id` waits for that user to come back after a lost session (OQ-5).
    pub fn in_grace(&self, user_id: i64) -> bool {
        self.free.in_grace(user_id)
    }

    /// Completes at the next change of the call table (a call starts, is answered, loses or regains a session,
    /// ends). To wait for a condition without missing a change, create this future *before* checking it.
    pub fn changed(&self) -> Notified<'_> {
        self.free.changed()
    }

    /// Counts the call attempts in buckets shared with other nodes (a cluster's, cluster/limits.rs) from now on.
    pub fn share_attempts(&self, shared: Arc<dyn SharedAttempts>) {
        self.attempts.share(shared);
    }

    /// Takes one of `me`'s call attempts for a 186 or a 500; false (counted, and the client told what it
    /// understands) when the user is over `call_attempts_per_min`.
    async fn admit_attempt(
        &self,
        session: &Session,
        me: &Identity,
        service: Service,
        env: &Envelope,
    ) -> Result<bool, crate::errors::Reject> {
        if self.attempts.admit(me.user_id, self.limits.attempts_per_min).await {
            return Ok(true);
        }
        Metrics::inc(&self.metrics.calls_rate_limited);
        refuse_attempt(session, me, service, env)?;
        Ok(false)
    }
}

/// Routes the free-call services (186/187/188) of an authenticated session.
pub async fn handle(
    calls: &Arc<Calls>,
    session: &Arc<Session>,
    me: &Identity,
    service: Service,
    env: &Envelope,
) -> Handled {
    if service == Service::FREE_CALL_START && !calls.admit_attempt(session, me, service, env).await? {
        return Ok(());
    }
    if service != Service::FREE_CALL_START && calls.forward(session, me, service, env)? {
        return Ok(());
    }
    let sender = peer::Sender::Local(session);
    match service {
        Service::FREE_CALL_START => calls.free.start(calls, session, me, env).await,
        Service::FREE_CALL_DATA => calls.free.data(calls, &sender, me, env),
        Service::FREE_CALL_STATUS_CHANGED => calls.free.status(calls, &sender, me, env),
        _ => Err(crate::errors::Reject::Refused("not a free-call service")),
    }
}

/// Routes the paid-call services (500–510) of an authenticated session: the call-attempt rate of this registry,
/// then the SIP gateway or the paid call logs ([`Paid`]).
pub async fn handle_paid(
    calls: &Calls,
    paid: Paid<'_>,
    session: &Arc<Session>,
    me: &Identity,
    service: Service,
    env: &Envelope,
) -> Handled {
    if service == Service::CALLOUT_START_SEND && !calls.admit_attempt(session, me, service, env).await? {
        return Ok(());
    }
    if service == Service::CALLIN_STATUS_CHANGED && calls.forward_callin(session, me, env)? {
        return Ok(());
    }
    pstn::handle(paid, session, me, service, env).await
}

/// Whether `service` is one of the paid-call services [`handle_paid`] routes.
pub fn is_paid(service: Service) -> bool {
    matches!(
        service,
        Service::CALLOUT_START_SEND
            | Service::CALLOUT_DATA_SEND
            | Service::CALLOUT_STOP_SEND
            | Service::CALLIN_STATUS_CHANGED
            | Service::PAID_CALL_LOGS_GET
    )
}

/// A call attempt over `limits.call_attempts_per_min`: the refusal a client already understands (a free call "not
/// answered", a callout "busy").
fn refuse_attempt(session: &Session, me: &Identity, service: Service, env: &Envelope) -> Handled {
    if service == Service::FREE_CALL_START {
        let req: FreeCallStart = env.decode()?;
        let status = CALL_STATUS_FREE_CALL_NOT_ANSWERED;
        let body = FreeCallStatusFromPeer { call_id: req.call_id, status, from: req.to, to: Some(me.user_id) };
        session.send(Service::FREE_CALL_STATUS_CHANGED, &body);
    } else {
        let req: CalloutStart = env.decode()?;
        let body = CalloutInitial {
            call_id: req.call_id,
            status: CALL_STATUS_FROM_SERVER_CALLOUT_INITIAL_ERROR_CHARGING,
            charging_error: Some(CALL_STATUS_CALLOUT_INITIAL_BUSY),
        };
        session.send(Service::CALLOUT_START_INITIAL, &body);
    }
    tracing::debug!(user = me.user_id, service = service.number(), "call attempt over the rate limit refused");
    Ok(())
}
