//! Chat: sending messages, delivery and read receipts, recalls, per-user deletion and typing (PROTOCOL.md
//! §3.24–§3.27, §4.2, §6.1–§6.3, §11.3, D6, D7, OQ-9, OQ-10, OQ-26, OQ-27, OQ-32).
//!
//! # Sending
//!
//! A message is checked (non-empty content; a recipient that is another user of the sender's application, or a
//! group of that application the sender is a member of), stored through the group-commit writer, and only after its
//! commit fanned out and acknowledged. The fan-out follows §11.3 exactly:
//!
//! | request | to the recipient(s), all sessions | to my other sessions | to the sending session |
//! |---|---|---|---|
//! | 72 user text | 73 `{from, to, msgId, msg, time}` | 174 `{to, msgId, msg, time}` | 72 `{r: 1, msgId, from: <recipient>, to: <recipient>, time}` |
//! | 104/121/113 | same service `{from, to, id, created, …content}` | 175, same body | new engine only (D6): same service `{r: 1, id, to, created}` |
//! | 45 group | 146 `{from, group, msgId, created, …content}` to every other member | 176, same body | 45 `{r: 1, group, msgId, created}` |
//!
//! Nothing is ever sent back to the sending session but the ack, so it never sees its own message as incoming, and
//! recipients never see a 45. Each push body is serialised once per fan-out ([`crate::session::Registry`]), and a
//! group message costs one membership query (the member list is both the permission check and the fan-out list).
//! A recipient that is online is recognised from its sessions, without a query.
//!
//! **Pipelining.** A socket's packets are handled one at a time, and a send that waited for its own commit would
//! limit a client to one message per commit (an fsync). So a send is checked and queued in the writer on the
//! socket's task, in order, and its completion — wait for the commit, fan out, answer — runs on a task chained
//! behind the session's previous completion ([`settle`] waits for the chain). Several messages of one client
//! therefore share a commit, and acks and deliveries still come out in the order the client sent them. Every other
//! packet of the session first waits for the session's sends to be answered ([`super::dispatch`] calls
//! [`settle`]), so a recall, a receipt or a history request sent after a message always finds it stored, and a
//! round trip on the socket still means that everything sent before it has been fanned out.
//!
//! The stored `kind` is the list `serviceType` (5, 104, 121, 113, 146) and `content` the wire content fields as
//! JSON ([`Content`] for groups, [`UserContent`] for user chats), so the lists can rebuild every shape.
//!
//! **Idempotence (D7).** The writer reports a repeated `(conversation, sender, msgId)` as a duplicate carrying the
//! original `created`: the request is acknowledged again with it, and nothing is delivered or echoed again.
//!
//! **Messages to oneself** are refused (`r: -1`): the original client would show such a message as incoming in a
//! conversation with oneself, and the fan-out rules (never 73 to the sender) cannot be honoured.
//!
//! # Receipts and recalls
//!
//! DELIVERED (167, 74) and SEEN (153) come from a recipient about someone else's message; CANCELLED (127, 151) from
//! the author about their own. A message is found by its full identity, with the requester's own id filling the
//! part the request leaves implicit — the conversation is always one the requester belongs to, so nobody can touch
//! another conversation's messages, and a recall by anyone but the author finds nothing and is refused.
//!
//! Status only rises (0 → 1 → 2 → 3, and anything → 6, which is terminal). A report that changes nothing (a late
//! DELIVERED after SEEN, anything after a recall, a repeated report) is accepted but pushes nothing, so the author's
//! view never goes down either. User chats keep one status per message; group chats keep per-recipient receipts
//! (OQ-27) and push a member's DELIVERED to the author only while no member has SEEN the message yet. Receipts
//! about group system messages are accepted and ignored.
//!
//! SEEN and CANCELLED are not echoed to the actor's other sessions in user chats (OQ-32: the original would map them
//! to a conversation with oneself); a group recall is also sent to the author's other sessions, where it maps
//! correctly.
//!
//! # Deletion and typing
//!
//! 168 hides a message from the requester's own view only (OQ-9) and is never pushed. Typing (142, 149) is relayed
//! and never stored; 149 goes to the other members only and is refused for non-members.
//!
//! # Errors
//!
//! Requests with a reply get an error reply: `r: -1` and a `message` for a refused request, `r: -2` when storage
//! failed, with the request's correlation keys echoed. Original clients get no error reply on 104/121/113 (there is
//! no reply to them in the original protocol; a body with `r` would be shown as an incoming message). Requests
//! without a reply (167, 74, 142, 149) are dropped with a log line.

use std::sync::Arc;

use azstack_protocol::bodies::ErrorReply;
use azstack_protocol::bodies::messages::{
    Content, DeleteMessageRequest, GroupCancelPush, GroupCancelReply, GroupCancelRequest, GroupDeliveredPush,
    GroupDeliveredReport, GroupMessageAck, GroupMessageIncoming, GroupMessageSend, GroupTypingPush, GroupTypingSend,
    SeenPush, SeenReply, SeenReport, UserCancelPush, UserCancelReply, UserCancelRequest, UserContent,
    UserDeliveredPush, UserDeliveredReport, UserFileSend, UserLocationSend, UserMediaAck, UserMediaFromMe,
    UserStickerSend, UserTextAck, UserTextFromMe, UserTextIncoming, UserTextSend, UserTypingPush, UserTypingSend,
};
use azstack_protocol::constants::chat;
use azstack_protocol::{Envelope, Service};
use serde::Deserialize;
use serde_json::json;

use super::{Handled, Reject, Services};
use crate::metrics::Metrics;
use crate::push::decide::preview;
use crate::push::{Event, What};
use crate::session::{Identity, Session};
use crate::store::messages::{ConvKey, is_content_kind};
use crate::store::writer::{NewMessage, Pending};
use crate::store::{StoreError, now_ms};

/// `r` of a refused request (not allowed, not found, invalid).
pub const R_REFUSED: i64 = -1;
/// `r` of a request that failed in storage.
pub const R_FAILED: i64 = -2;

/// Why a request with a reply failed.
enum Fail {
    Refused(&'static str),
    Store(StoreError),
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Fail {
        Fail::Store(e)
    }
}

impl Fail {
    /// Sends the error reply built by `reply(r, message)` and turns the failure into the handler's outcome: a
    /// refusal is answered and done with, a storage failure is also logged and counted.
    fn answer(self, reply: impl FnOnce(i64, &str)) -> Handled {
        match self {
            Fail::Refused(message) => {
                reply(R_REFUSED, message);
                Ok(())
            }
            Fail::Store(error) => {
                reply(R_FAILED, "internal error");
                Err(Reject::Store(error))
            }
        }
    }
}

pub async fn handle(
    svc: &Arc<Services>,
    session: &Arc<Session>,
    me: &Identity,
    service: Service,
    env: &Envelope,
) -> Handled {
    use Service::*;
    match service {
        MESSAGE_NEW_WITH_USER_TYPE_TEXT => user_text(svc, session, me, env).await,
        MESSAGE_WITH_USER_TYPE_STICKER | MESSAGE_WITH_USER_TYPE_FILE | MESSAGE_WITH_USER_TYPE_LOCATION => {
            user_media(svc, session, me, service, env).await
        }
        MESSAGE_NEW_WITH_GROUP => group_message(svc, session, me, env).await,
        MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER => user_delivered(svc, me, env).await,
        MESSAGE_STATUS_CHANGE_DELIVERED_WITH_GROUP => group_delivered(svc, me, env).await,
        MESSAGE_STATUS_CHANGE_SEEN => seen(svc, session, me, env).await,
        MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER => user_cancel(svc, session, me, env).await,
        MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP => group_cancel(svc, session, me, env).await,
        MESSAGE_DELETE => delete(svc, session, me, env).await,
        MESSAGE_TYPING_WITH_USER => user_typing(svc, me, env),
        MESSAGE_TYPING_WITH_GROUP => group_typing(svc, me, env).await,
        _ => Err(Reject::Refused("not a chat service")),
    }
}

// -------------------------------------------------------------------------------------------------------------
// Checks shared by the services
// -------------------------------------------------------------------------------------------------------------

/// What is wrong with a message's content, if anything: the key the receiver recognises the kind by (`msg`,
/// `imgName`, `fileName`, `addr`) must not be empty, and stickers and files need their `url`.
fn content_problem(content: &Content) -> Option<&'static str> {
    match content {
        Content::Text { msg } if msg.is_empty() => Some("empty message"),
        Content::Sticker(s) if s.img_name.is_empty() || s.url.is_empty() => Some("sticker without imgName or url"),
        Content::File(f) if f.file_name.is_empty() || f.url.is_empty() => Some("file without fileName or url"),
        Content::Location(l) if l.addr.is_empty() => Some("location without addr"),
        _ => None,
    }
}

/// Whether `peer` is another user of my tenant (application and namespace). An online peer is recognised from its
/// sessions' identity without a query (user ids are global, so a session of `peer` always belongs to `peer`'s
/// tenant).
async fn peer_in_my_app(svc: &Services, me: &Identity, peer: i64) -> Result<bool, StoreError> {
    if peer == me.user_id {
        return Ok(false);
    }
    if let Some(same) = svc.fanout.online_in_tenant(peer, me) {
        return Ok(same);
    }
    svc.store.user_in_tenant(me.tenant(), peer).await
}

/// The members of `group` if `me` is one of them (the group being in my application).
async fn members_if_member(svc: &Services, me: &Identity, group: i64) -> Result<Option<Vec<i64>>, StoreError> {
    let members = svc.store.group_members_in_app(&me.app_id, group).await?;
    Ok(members.contains(&me.user_id).then_some(members))
}

fn content_json<T: serde::Serialize>(content: &T) -> Result<String, Fail> {
    serde_json::to_string(content).map_err(|_| Fail::Refused("content cannot be stored"))
}

// -------------------------------------------------------------------------------------------------------------
// The send pipeline
// -------------------------------------------------------------------------------------------------------------

/// Whether `service` is a send that is pipelined (72, 104/121/113, 45). Every other packet of a session waits for
/// the session's pending sends first ([`settle`]).
pub fn is_pipelined(service: Service) -> bool {
    use Service::*;
    matches!(
        service,
        MESSAGE_NEW_WITH_USER_TYPE_TEXT
            | MESSAGE_WITH_USER_TYPE_STICKER
            | MESSAGE_WITH_USER_TYPE_FILE
            | MESSAGE_WITH_USER_TYPE_LOCATION
            | MESSAGE_NEW_WITH_GROUP
    )
}

/// Where a send's reply goes and how its error reply looks.
#[derive(Clone, Copy)]
enum Reply {
    /// 72: `{r, msgId, from: <recipient>, to: <recipient>}`.
    Text { msg_id: i64, to: i64 },
    /// 104/121/113: `{r, id, to}`, new engine only.
    Media { service: Service, id: i64, to: i64, engine: bool },
    /// 45: `{r, group, msgId}`.
    Group { group: i64, msg_id: i64 },
}

impl Reply {
    fn error(self, session: &Session, r: i64, message: &str) {
        match self {
            Reply::Text { msg_id, to } => session.send(
                Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT,
                &json!({"r": r, "msgId": msg_id, "from": to, "to": to, "message": message}),
            ),
            Reply::Media { service, id, to, engine } => {
                if engine {
                    session.send(service, &json!({"r": r, "id": id, "to": to, "message": message}));
                }
            }
            Reply::Group { group, msg_id } => session.send(
                Service::MESSAGE_NEW_WITH_GROUP,
                &ErrorReply {
                    r,
                    message: Some(message.to_owned()),
                    group: Some(group),
                    msg_id: Some(msg_id),
                    ..ErrorReply::default()
                },
            ),
        }
    }

    fn ack(self, session: &Session, created: i64) {
        match self {
            Reply::Text { msg_id, to } => session.send(
                Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT,
                &UserTextAck { r: 1, msg_id, from: to, to: Some(to), time: Some(created) },
            ),
            Reply::Media { service, id, to, engine } => {
                if engine {
                    session.send(service, &UserMediaAck { r: 1, id, to, created: Some(created) });
                }
            }
            Reply::Group { group, msg_id } => session.send(
                Service::MESSAGE_NEW_WITH_GROUP,
                &GroupMessageAck { r: 1, group, msg_id, created: Some(created) },
            ),
        }
    }

    fn service(self) -> Service {
        match self {
            Reply::Text { .. } => Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT,
            Reply::Media { service, .. } => service,
            Reply::Group { .. } => Service::MESSAGE_NEW_WITH_GROUP,
        }
    }
}

/// What to deliver once a message has committed (for the first time).
enum Delivery {
    UserText { to: i64, msg_id: i64, msg: String },
    UserMedia { service: Service, body: UserMediaFromMe },
    Group { others: Vec<i64>, body: GroupMessageIncoming },
}

/// A send that passed its checks and is queued in the writer.
struct Accepted {
    pending: Pending,
    delivery: Delivery,
}

/// Queues the completion of a send: wait for the commit, fan out (unless it is a resend, D7), then answer the
/// sending session — or just answer with the error.
fn complete(svc: &Arc<Services>, session: &Arc<Session>, me: &Identity, reply: Reply, outcome: Result<Accepted, Fail>) {
    let (queue, svc, session) = (session.clone(), svc.clone(), session.clone());
    let sender = Sender { id: me.user_id, app_id: me.app_id.clone(), name: me.fullname.clone() };
    queue.after_sends(async move {
        let result = match outcome {
            Ok(accepted) => accepted.pending.wait().await.map_err(Fail::from).map(|s| (s, accepted.delivery)),
            Err(fail) => Err(fail),
        };
        match result {
            Ok((stored, delivery)) => {
                if stored.duplicate {
                    Metrics::inc(&svc.metrics.messages_duplicate);
                } else {
                    Metrics::inc(&svc.metrics.messages_stored);
                    deliver(&svc, &session, &sender, stored.created, delivery);
                }
                reply.ack(&session, stored.created);
            }
            Err(fail) => {
                if let Err(reject) = fail.answer(|r, message| reply.error(&session, r, message)) {
                    reject.record(&svc.warnings, session.id, reply.service());
                }
            }
        }
    });
}

/// Who sent a message, as its fan-out and its push need it.
struct Sender {
    id: i64,
    app_id: Arc<str>,
    name: String,
}

/// The push of a newly stored message, for the recipients whose app is not in the foreground (§10.3).
fn push_event(sender: &Sender, delivery: &Delivery) -> Event {
    let (to, service, group, msg_id, preview) = match delivery {
        Delivery::UserText { to, msg_id, msg } => {
            let text = preview(&Content::text(msg.as_str()));
            (vec![*to], Service::MESSAGE_SERVER_WITH_USER_TYPE_TEXT, None, *msg_id, text)
        }
        Delivery::UserMedia { service, body } => (vec![body.to], *service, None, body.id, preview(&body.content.0)),
        Delivery::Group { others, body } => {
            let text = preview(&body.content);
            (others.clone(), Service::MESSAGE_HAS_NEW_WITH_GROUP, Some(body.group), body.msg_id, text)
        }
    };
    let what = What::Message {
        service: service.as_i64(),
        from: sender.id,
        from_name: sender.name.clone(),
        group,
        msg_id,
        preview,
    };
    Event { app_id: sender.app_id.clone(), to, what }
}

/// The fan-out of a newly stored message (§11.3): the push for the recipients whose app sleeps (enqueued, never
/// awaited), the recipients' sessions, then my other sessions.
fn deliver(svc: &Services, session: &Session, sender: &Sender, created: i64, delivery: Delivery) {
    let me = sender.id;
    // Enqueued first: a recipient that sees the message may count on its push being under way.
    if svc.push.enabled(&sender.app_id) {
        svc.push.notify(push_event(sender, &delivery));
    }
    match delivery {
        Delivery::UserText { to, msg_id, msg } => {
            svc.fanout.send_to_user(
                to,
                None,
                Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT,
                &UserTextIncoming { from: me, to: Some(to), msg_id, msg: msg.clone(), time: created },
            );
            svc.fanout.send_to_user(
                me,
                Some(session.id),
                Service::MESSAGE_FROM_ME_WITH_USER,
                &UserTextFromMe { to, msg_id, msg, time: created },
            );
        }
        Delivery::UserMedia { service, mut body } => {
            // The recipient's body and the 175 echo have the same shape: `{from, to, id, created, …content}`.
            body.created = created;
            svc.fanout.send_to_user(body.to, None, service, &body);
            svc.fanout.send_to_user(me, Some(session.id), Service::MESSAGE_FROM_ME_WITH_USER_JSON, &body);
        }
        Delivery::Group { others, mut body } => {
            // 146 and the 176 echo have the same shape: `{from, group, msgId, created, …content}`.
            body.created = created;
            svc.fanout.send_to_users(&others, None, Service::MESSAGE_HAS_NEW_WITH_GROUP, &body);
            svc.fanout.send_to_user(me, Some(session.id), Service::MESSAGE_FROM_ME_WITH_GROUP, &body);
        }
    }
}

/// Queues a user message (`conv` = the pair) in the writer.
async fn submit_user_message(
    svc: &Services,
    me: &Identity,
    to: i64,
    msg_id: i64,
    kind: i64,
    content: String,
) -> Result<Pending, Fail> {
    let conv = ConvKey::user(me.user_id, to);
    let message = NewMessage {
        chat_type: conv.chat_type,
        conv_a: conv.a,
        conv_b: conv.b,
        sender_id: me.user_id,
        receiver_id: to,
        msg_id,
        kind,
        content,
        created: now_ms(),
    };
    Ok(svc.store.submit_message(message).await?)
}

// -------------------------------------------------------------------------------------------------------------
// 72 user text
// -------------------------------------------------------------------------------------------------------------

/// The correlation keys of a 72, readable even when the rest of the body is not.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TextKeys {
    msg_id: i64,
    to: i64,
}

async fn user_text(svc: &Arc<Services>, session: &Arc<Session>, me: &Identity, env: &Envelope) -> Handled {
    let keys: TextKeys = env.decode()?;
    let reply = Reply::Text { msg_id: keys.msg_id, to: keys.to };
    let (outcome, malformed) = match env.decode::<UserTextSend>() {
        Ok(req) => (accept_user_text(svc, me, req).await, None),
        Err(error) => (Err(Fail::Refused("a text message needs msgId, to and msg")), Some(error)),
    };
    complete(svc, session, me, reply, outcome);
    malformed.map_or(Ok(()), |e| Err(e.into()))
}

async fn accept_user_text(svc: &Services, me: &Identity, req: UserTextSend) -> Result<Accepted, Fail> {
    if req.msg.is_empty() {
        return Err(Fail::Refused("empty message"));
    }
    if !peer_in_my_app(svc, me, req.to).await? {
        return Err(Fail::Refused("no such recipient"));
    }
    let content = content_json(&Content::text(req.msg.as_str()))?;
    let pending =
        submit_user_message(svc, me, req.to, req.msg_id, Service::MESSAGE_SERVER_WITH_USER_TYPE_TEXT.as_i64(), content)
            .await?;
    Ok(Accepted { pending, delivery: Delivery::UserText { to: req.to, msg_id: req.msg_id, msg: req.msg } })
}

// -------------------------------------------------------------------------------------------------------------
// 104 / 121 / 113 user sticker, file, location
// -------------------------------------------------------------------------------------------------------------

/// The correlation keys of a 104/121/113.
#[derive(Deserialize)]
struct MediaKeys {
    id: i64,
    to: i64,
}

fn decode_media(service: Service, env: &Envelope) -> Result<(i64, i64, Content), azstack_protocol::DecodeError> {
    Ok(match service {
        Service::MESSAGE_WITH_USER_TYPE_STICKER => {
            let r: UserStickerSend = env.decode()?;
            (r.id, r.to, Content::Sticker(r.sticker))
        }
        Service::MESSAGE_WITH_USER_TYPE_FILE => {
            let r: UserFileSend = env.decode()?;
            (r.id, r.to, Content::File(r.file))
        }
        _ => {
            let r: UserLocationSend = env.decode()?;
            (r.id, r.to, Content::Location(r.location))
        }
    })
}

async fn user_media(
    svc: &Arc<Services>,
    session: &Arc<Session>,
    me: &Identity,
    service: Service,
    env: &Envelope,
) -> Handled {
    let keys: MediaKeys = env.decode()?;
    // Only the new engine has a reply on these services (D6).
    let reply = Reply::Media { service, id: keys.id, to: keys.to, engine: me.is_engine };
    let (outcome, malformed) = match decode_media(service, env) {
        Ok((id, to, content)) => (accept_user_media(svc, me, service, id, to, content).await, None),
        Err(error) => (Err(Fail::Refused("incomplete message content")), Some(error)),
    };
    complete(svc, session, me, reply, outcome);
    malformed.map_or(Ok(()), |e| Err(e.into()))
}

async fn accept_user_media(
    svc: &Services,
    me: &Identity,
    service: Service,
    id: i64,
    to: i64,
    content: Content,
) -> Result<Accepted, Fail> {
    if let Some(problem) = content_problem(&content) {
        return Err(Fail::Refused(problem));
    }
    if !peer_in_my_app(svc, me, to).await? {
        return Err(Fail::Refused("no such recipient"));
    }
    let content = UserContent(content);
    let json = content_json(&content)?;
    let pending = submit_user_message(svc, me, to, id, i64::from(service.number()), json).await?;
    let body = UserMediaFromMe { from: me.user_id, to, id, created: 0, content };
    Ok(Accepted { pending, delivery: Delivery::UserMedia { service, body } })
}

// -------------------------------------------------------------------------------------------------------------
// 45 group message
// -------------------------------------------------------------------------------------------------------------

/// The correlation keys of a 45.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupKeys {
    msg_id: i64,
    group: i64,
}

async fn group_message(svc: &Arc<Services>, session: &Arc<Session>, me: &Identity, env: &Envelope) -> Handled {
    let keys: GroupKeys = env.decode()?;
    let reply = Reply::Group { group: keys.group, msg_id: keys.msg_id };
    let (outcome, malformed) = match env.decode::<GroupMessageSend>() {
        Ok(req) => (accept_group_message(svc, me, req).await, None),
        Err(error) => (Err(Fail::Refused("incomplete message content")), Some(error)),
    };
    complete(svc, session, me, reply, outcome);
    malformed.map_or(Ok(()), |e| Err(e.into()))
}

async fn accept_group_message(svc: &Services, me: &Identity, req: GroupMessageSend) -> Result<Accepted, Fail> {
    if let Some(problem) = content_problem(&req.content) {
        return Err(Fail::Refused(problem));
    }
    // One query: the member list is both the permission check and the fan-out list.
    let Some(members) = members_if_member(svc, me, req.group).await? else {
        return Err(Fail::Refused("not a member of this group"));
    };
    let conv = ConvKey::group(req.group);
    let message = NewMessage {
        chat_type: conv.chat_type,
        conv_a: conv.a,
        conv_b: conv.b,
        sender_id: me.user_id,
        receiver_id: req.group,
        msg_id: req.msg_id,
        kind: Service::MESSAGE_HAS_NEW_WITH_GROUP.as_i64(),
        content: content_json(&req.content)?,
        created: now_ms(),
    };
    let pending = svc.store.submit_message(message).await?;
    let others: Vec<i64> = members.into_iter().filter(|&m| m != me.user_id).collect();
    let body = GroupMessageIncoming {
        from: me.user_id,
        group: req.group,
        msg_id: req.msg_id,
        created: 0,
        content: req.content,
    };
    Ok(Accepted { pending, delivery: Delivery::Group { others, body } })
}

// -------------------------------------------------------------------------------------------------------------
// 167 / 74 delivered
// -------------------------------------------------------------------------------------------------------------

async fn user_delivered(svc: &Services, me: &Identity, env: &Envelope) -> Handled {
    let req: UserDeliveredReport = env.decode()?;
    if req.to == me.user_id {
        return Err(Reject::Refused("delivered report about one's own message"));
    }
    // The author is `to`; the message must be theirs, to me.
    let Some(m) = svc.store.find_message(ConvKey::user(me.user_id, req.to), req.to, req.msg_id).await? else {
        return Err(Reject::Refused("delivered report about an unknown message"));
    };
    let now = now_ms();
    if svc.store.raise_message_status(m.id, chat::MESSAGE_STATUS_DELIVERED, now).await? {
        svc.fanout.send_to_user(
            req.to,
            None,
            Service::MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER,
            &UserDeliveredPush { from: me.user_id, to: Some(req.to), msg_id: req.msg_id, time: Some(now) },
        );
    }
    Ok(())
}

async fn group_delivered(svc: &Services, me: &Identity, env: &Envelope) -> Handled {
    let req: GroupDeliveredReport = env.decode()?;
    if req.msg_sender == me.user_id {
        return Err(Reject::Refused("delivered report about one's own message"));
    }
    if svc.store.visible_floor(me.user_id, me.tenant(), chat::CHAT_TYPE_GROUP, req.group).await?.is_none() {
        return Err(Reject::Refused("delivered report in a group one is not a member of"));
    }
    let Some(m) = svc.store.find_message(ConvKey::group(req.group), req.msg_sender, req.msg_id).await? else {
        return Err(Reject::Refused("delivered report about an unknown message"));
    };
    if !is_content_kind(m.kind) || m.status == chat::MESSAGE_STATUS_CANCELLED {
        return Ok(());
    }
    if svc.store.raise_receipt(m.id, me.user_id, chat::MESSAGE_STATUS_DELIVERED).await?
        && svc.store.max_receipt(m.id).await? <= chat::MESSAGE_STATUS_DELIVERED
    {
        svc.fanout.send_to_user(
            req.msg_sender,
            None,
            Service::MESSAGE_STATUS_CHANGE_DELIVERED_WITH_GROUP,
            &GroupDeliveredPush { from: me.user_id, group: req.group, msg_id: req.msg_id, modified: Some(now_ms()) },
        );
    }
    Ok(())
}

// -------------------------------------------------------------------------------------------------------------
// 153 seen
// -------------------------------------------------------------------------------------------------------------

async fn seen(svc: &Services, session: &Session, me: &Identity, env: &Envelope) -> Handled {
    let req: SeenReport = env.decode()?;
    let reply = |r: i64, message: Option<&str>| {
        let mut body = serde_json::to_value(SeenReply {
            r,
            chat_type: req.chat_type,
            chat_id: Some(req.chat_id),
            sender_id: Some(req.sender_id),
            msg_id: req.msg_id,
        })
        .unwrap_or_default();
        if let (Some(message), Some(obj)) = (message, body.as_object_mut()) {
            obj.insert("message".into(), message.into());
        }
        session.send(Service::MESSAGE_STATUS_CHANGE_SEEN, &body);
    };
    match mark_seen(svc, me, &req).await {
        Ok(()) => {
            reply(1, None);
            Ok(())
        }
        Err(fail) => fail.answer(|r, message| reply(r, Some(message))),
    }
}

async fn mark_seen(svc: &Services, me: &Identity, req: &SeenReport) -> Result<(), Fail> {
    if req.sender_id == me.user_id {
        return Err(Fail::Refused("seen report about one's own message"));
    }
    let conv = match req.chat_type {
        chat::CHAT_TYPE_USER => ConvKey::user(me.user_id, req.chat_id),
        chat::CHAT_TYPE_GROUP => {
            if svc.store.visible_floor(me.user_id, me.tenant(), req.chat_type, req.chat_id).await?.is_none() {
                return Err(Fail::Refused("not a member of this group"));
            }
            ConvKey::group(req.chat_id)
        }
        _ => return Err(Fail::Refused("type must be 1 or 2")),
    };
    // For a user chat the conversation is (me, chatId): a message found there from someone else is addressed to me.
    let Some(m) = svc.store.find_message(conv, req.sender_id, req.msg_id).await? else {
        return Err(Fail::Refused("no such message addressed to you"));
    };
    let changed = if conv.is_group() {
        is_content_kind(m.kind)
            && m.status != chat::MESSAGE_STATUS_CANCELLED
            && svc.store.raise_receipt(m.id, me.user_id, chat::MESSAGE_STATUS_SEEN).await?
    } else {
        svc.store.raise_message_status(m.id, chat::MESSAGE_STATUS_SEEN, now_ms()).await?
    };
    if changed {
        // `chatId` is the group for groups and, for user chats, the reporter (the conversation in the author's view).
        let chat_id = if conv.is_group() { req.chat_id } else { me.user_id };
        svc.fanout.send_to_user(
            req.sender_id,
            None,
            Service::MESSAGE_STATUS_CHANGE_SEEN,
            &SeenPush {
                chat_type: req.chat_type,
                from: me.user_id,
                chat_id: Some(chat_id),
                sender_id: req.sender_id,
                msg_id: req.msg_id,
            },
        );
    }
    Ok(())
}

// -------------------------------------------------------------------------------------------------------------
// 127 / 151 cancel (recall)
// -------------------------------------------------------------------------------------------------------------

async fn user_cancel(svc: &Services, session: &Session, me: &Identity, env: &Envelope) -> Handled {
    let req: UserCancelRequest = env.decode()?;
    let reply = |r: i64, message: &str| {
        session.send(
            Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER,
            &ErrorReply {
                r,
                message: Some(message.to_owned()),
                id: Some(req.id),
                to: Some(req.to),
                chat_type: Some(req.chat_type),
                chat_id: Some(req.chat_id),
                ..ErrorReply::default()
            },
        );
    };
    match cancel_user_message(svc, me, &req).await {
        Ok(()) => {
            session.send(
                Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER,
                &UserCancelReply { r: 1, id: req.id, to: Some(req.to) },
            );
            Ok(())
        }
        Err(fail) => fail.answer(reply),
    }
}

async fn cancel_user_message(svc: &Services, me: &Identity, req: &UserCancelRequest) -> Result<(), Fail> {
    if req.chat_type != chat::CHAT_TYPE_USER {
        return Err(Fail::Refused("type must be 1"));
    }
    if req.to == me.user_id {
        return Err(Fail::Refused("no such message of yours"));
    }
    // Only the author's own message can be found: the sender is the requester.
    let Some(m) = svc.store.find_message(ConvKey::user(me.user_id, req.to), me.user_id, req.id).await? else {
        return Err(Fail::Refused("no such message of yours"));
    };
    if svc.store.raise_message_status(m.id, chat::MESSAGE_STATUS_CANCELLED, now_ms()).await? {
        svc.fanout.send_to_user(
            req.to,
            None,
            Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER,
            &UserCancelPush { from: me.user_id, to: req.to, id: req.id },
        );
    }
    Ok(())
}

async fn group_cancel(svc: &Services, session: &Session, me: &Identity, env: &Envelope) -> Handled {
    let req: GroupCancelRequest = env.decode()?;
    let reply = |r: i64, message: &str| {
        session.send(
            Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP,
            &ErrorReply {
                r,
                message: Some(message.to_owned()),
                group: Some(req.group),
                msg_id: Some(req.msg_id),
                chat_type: Some(req.chat_type),
                chat_id: Some(req.chat_id),
                ..ErrorReply::default()
            },
        );
    };
    match cancel_group_message(svc, session, me, &req).await {
        Ok(()) => {
            session.send(
                Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP,
                &GroupCancelReply { r: 1, group: Some(req.group), msg_id: req.msg_id },
            );
            Ok(())
        }
        Err(fail) => fail.answer(reply),
    }
}

async fn cancel_group_message(
    svc: &Services,
    session: &Session,
    me: &Identity,
    req: &GroupCancelRequest,
) -> Result<(), Fail> {
    if req.chat_type != chat::CHAT_TYPE_GROUP {
        return Err(Fail::Refused("type must be 2"));
    }
    let Some(members) = members_if_member(svc, me, req.group).await? else {
        return Err(Fail::Refused("not a member of this group"));
    };
    let Some(m) = svc.store.find_message(ConvKey::group(req.group), me.user_id, req.msg_id).await? else {
        return Err(Fail::Refused("no such message of yours"));
    };
    if !is_content_kind(m.kind) {
        return Err(Fail::Refused("group events cannot be recalled"));
    }
    if svc.store.raise_message_status(m.id, chat::MESSAGE_STATUS_CANCELLED, now_ms()).await? {
        // Every other member, and my other sessions (the optional echo of §11.3; it maps correctly there).
        svc.fanout.send_to_users(
            &members,
            Some(session.id),
            Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP,
            &GroupCancelPush { from: me.user_id, group: req.group, msg_id: req.msg_id },
        );
    }
    Ok(())
}

// -------------------------------------------------------------------------------------------------------------
// 168 delete
// -------------------------------------------------------------------------------------------------------------

async fn delete(svc: &Services, session: &Session, me: &Identity, env: &Envelope) -> Handled {
    let req: DeleteMessageRequest = env.decode()?;
    let reply = |r: i64, message: Option<&str>| {
        let mut body = json!({
            "r": r, "type": req.chat_type, "chatId": req.chat_id, "senderId": req.sender_id, "msgId": req.msg_id,
        });
        if let (Some(message), Some(obj)) = (message, body.as_object_mut()) {
            obj.insert("message".into(), message.into());
        }
        session.send(Service::MESSAGE_DELETE, &body);
    };
    match hide(svc, me, &req).await {
        Ok(()) => {
            reply(0, None);
            Ok(())
        }
        Err(fail) => fail.answer(|r, message| reply(r, Some(message))),
    }
}

async fn hide(svc: &Services, me: &Identity, req: &DeleteMessageRequest) -> Result<(), Fail> {
    let Some((conv, _)) = svc.store.visible_floor(me.user_id, me.tenant(), req.chat_type, req.chat_id).await? else {
        return Err(Fail::Refused("no such conversation"));
    };
    let Some(m) = svc.store.find_message(conv, req.sender_id, req.msg_id).await? else {
        return Err(Fail::Refused("no such message"));
    };
    svc.store.hide_message(me.user_id, m.id).await?;
    Ok(())
}

// -------------------------------------------------------------------------------------------------------------
// 142 / 149 typing
// -------------------------------------------------------------------------------------------------------------

fn user_typing(svc: &Services, me: &Identity, env: &Envelope) -> Handled {
    let req: UserTypingSend = env.decode()?;
    if req.to == me.user_id {
        return Err(Reject::Refused("typing to oneself"));
    }
    // Ephemeral: only a peer that is online now can be told, and its sessions say which application it is in.
    let Some(same_tenant) = svc.fanout.online_in_tenant(req.to, me) else { return Ok(()) };
    if !same_tenant {
        return Err(Reject::Refused("typing to a user of another tenant"));
    }
    svc.fanout.send_to_user(req.to, None, Service::MESSAGE_TYPING_WITH_USER, &UserTypingPush { from: me.user_id });
    Ok(())
}

async fn group_typing(svc: &Services, me: &Identity, env: &Envelope) -> Handled {
    let req: GroupTypingSend = env.decode()?;
    let Some(members) = members_if_member(svc, me, req.group).await? else {
        return Err(Reject::Refused("typing in a group one is not a member of"));
    };
    let others: Vec<i64> = members.into_iter().filter(|&m| m != me.user_id).collect();
    svc.fanout.send_to_users(
        &others,
        None,
        Service::MESSAGE_TYPING_WITH_GROUP,
        &GroupTypingPush { from: me.user_id, group: req.group },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use azstack_protocol::bodies::messages::{FileContent, LocationContent, StickerContent};

    use super::*;

    #[test]
    fn empty_content_is_refused() {
        assert!(content_problem(&Content::text("")).is_some());
        assert!(content_problem(&Content::text("hi")).is_none());
        let sticker = StickerContent { img_name: String::new(), cat_id: 1, url: "u".into(), width: None, height: None };
        assert!(content_problem(&Content::Sticker(sticker)).is_some());
        let file = FileContent {
            file_name: "a".into(),
            file_length: 1,
            file_type: 1,
            url: String::new(),
            width: None,
            height: None,
            duration: None,
        };
        assert!(content_problem(&Content::File(file)).is_some());
        let location = LocationContent { addr: String::new(), long: 1.0, lat: 2.0 };
        assert!(content_problem(&Content::Location(location)).is_some());
    }

    #[test]
    fn stored_file_content_starts_with_file_name() {
        // The file list recognises group files by this prefix (store::history, `is_file!`).
        let file = FileContent {
            file_name: "a.pdf".into(),
            file_length: 10,
            file_type: 7,
            url: "https://x.example/a.pdf".into(),
            width: None,
            height: None,
            duration: None,
        };
        let json = serde_json::to_string(&Content::File(file)).unwrap();
        assert!(json.starts_with("{\"fileName\":"), "{json}");
        let sticker = StickerContent { img_name: "s".into(), cat_id: 1, url: "u".into(), width: None, height: None };
        assert!(!serde_json::to_string(&Content::Sticker(sticker)).unwrap().starts_with("{\"fileName\":"));
    }
}
