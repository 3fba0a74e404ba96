//! Every packet the slave socket delivers goes through [`Engine::route`], in arrival order.
//!
//! A packet is either a *reply* — handed to the pending request whose keys it carries (PROTOCOL.md §8.2) — or a
//! *push* that becomes an [`Event`] (§4.2, §4.3). Services whose reply and push share a number are told apart by the
//! presence of `r` (153, 127, 151, 197, and the D6 acks on 104/121/113). The sent-acks 72 and 45 are both: they
//! settle the `newMessage` that is waiting for them and fire `onMessageStatusChanged` (SENT) as in the original.
//! A malformed push fires nothing and is logged; a packet never crashes the engine.

use azstack_protocol::bodies::calls::PaidCallLogPush;
use azstack_protocol::bodies::groups::{
    GroupAdminChangedPush, GroupCreatedPush, GroupInvitedPush, GroupLeftPush, GroupPublicJoinedPush, GroupRenamedPush,
};
use azstack_protocol::bodies::messages::{
    GroupCancelPush, GroupDeliveredPush, GroupMessageAck, GroupMessageFromMe, GroupMessageIncoming, GroupTypingPush,
    SeenPush, UserCancelPush, UserDeliveredPush, UserFileIncoming, UserLocationIncoming, UserMediaAck, UserMediaFromMe,
    UserStickerIncoming, UserTextAck, UserTextFromMe, UserTextIncoming, UserTypingPush,
};
use azstack_protocol::constants::chat;
use azstack_protocol::{Envelope, Service};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Engine;
use crate::events::Event;
use crate::mapping::{self, GROUP, USER};
use crate::model::{MessageStatusChange, Typing};
use crate::requests::{DEFAULT_KEY, Uncall};

/// The body as JSON, for key lookups (`r`, `msgId`, `purpose`, ...). An unparseable body reads as `Null`.
fn body(envelope: &Envelope) -> Value {
    envelope.decode::<Value>().unwrap_or(Value::Null)
}

fn has_r(body: &Value) -> bool {
    body.get("r").is_some()
}

fn key_of(body: &Value, name: &str) -> Option<String> {
    body.get(name).and_then(|v| v.as_i64().map(|n| n.to_string()))
}

impl Engine {
    pub(crate) fn route(&self, generation: u64, envelope: Envelope) {
        let Some(service) = Service::from_number(envelope.service) else {
            tracing::debug!(service = envelope.service, "ignored a packet of an unknown service");
            return;
        };
        use Service as S;
        let requests = &self.requests;
        let reply = |uncall: Uncall, key: &str, envelope: Envelope| {
            if !requests.deliver(uncall, key, envelope) {
                tracing::debug!(?uncall, key, "dropped a reply nobody waits for");
            }
        };
        match service {
            S::AUTHENTICATION_RECEIVE_AUTHENTICATE => self.on_auth_reply(generation, envelope),
            S::PING => {}

            // Replies with a fixed key.
            S::CONVERSATION_GET_LIST_MODIFIED => reply(Uncall::GetModifiedConversations, DEFAULT_KEY, envelope),
            S::CONVERSATION_DELETE => reply(Uncall::DeleteConversation, DEFAULT_KEY, envelope),
            S::MESSAGE_GET_LIST_UNREAD => reply(Uncall::GetUnreadMessages, DEFAULT_KEY, envelope),
            S::MESSAGE_GET_LIST_MODIFIED => reply(Uncall::GetModifiedMessages, DEFAULT_KEY, envelope),
            S::MESSAGE_GET_LIST_MODIFIED_FILES => reply(Uncall::GetModifiedFiles, DEFAULT_KEY, envelope),
            S::MESSAGE_DELETE => reply(Uncall::DeleteMessage, DEFAULT_KEY, envelope),
            S::GROUP_CREATE => reply(Uncall::GroupCreate, DEFAULT_KEY, envelope),
            S::GROUP_INVITE => reply(Uncall::GroupInvite, DEFAULT_KEY, envelope),
            S::GROUP_LEAVE => reply(Uncall::GroupLeave, DEFAULT_KEY, envelope),
            S::GROUP_RENAME => reply(Uncall::GroupRename, DEFAULT_KEY, envelope),
            S::GROUP_CHANGE_ADMIN => reply(Uncall::GroupChangeAdmin, DEFAULT_KEY, envelope),
            S::GROUP_GET_LIST_PRIVATE | S::GROUP_GET_LIST_PUBLIC => reply(Uncall::GroupGetList, DEFAULT_KEY, envelope),
            S::PAID_CALL_LOGS_GET => reply(Uncall::GetPaidCallLogs, DEFAULT_KEY, envelope),
            S::APPLICATION_CHANGE_STATE => reply(Uncall::ApplicationChangeState, DEFAULT_KEY, envelope),
            S::PUSH_NOTIFICATION_REGISTER_DEVICE_RECEIVE => {
                reply(Uncall::NotificationRegisterDevice, DEFAULT_KEY, envelope)
            }
            S::PUSH_NOTIFICATION_UNREGISTER_DEVICE_RECEIVE => {
                reply(Uncall::NotificationUnregisterDevice, DEFAULT_KEY, envelope)
            }
            S::STICKER_GET_LIST => reply(Uncall::GetStickersList, DEFAULT_KEY, envelope),

            // Replies keyed by an echoed value.
            S::USER_GET_INFO_BY_IDS | S::USER_GET_INFO_BY_USERNAMES => {
                if let Some(purpose) = key_of(&body(&envelope), "purpose") {
                    reply(Uncall::GetUsersInformation, &purpose, envelope);
                }
            }
            S::GROUP_GET_DETAILS => {
                let b = body(&envelope);
                if let Some(key) = key_of(&b, "requestId").or_else(|| key_of(&b, "group")) {
                    reply(Uncall::GroupGetDetails, &key, envelope);
                }
            }

            // Reply with `r`, push without.
            S::GROUP_JOIN_PUBLIC => {
                if has_r(&body(&envelope)) {
                    reply(Uncall::GroupJoinPublic, DEFAULT_KEY, envelope);
                } else if let Some(p) = self.push::<GroupPublicJoinedPush>(&envelope) {
                    self.emit(Event::GroupPublicJoined(mapping::group_public_joined(&p)));
                }
            }
            S::MESSAGE_STATUS_CHANGE_SEEN => self.on_seen(envelope),
            S::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER => self.on_user_cancel(envelope),
            S::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP => self.on_group_cancel(envelope),

            // Sent-acks and new messages.
            S::MESSAGE_NEW_WITH_USER_TYPE_TEXT => self.on_user_text_ack(envelope),
            S::MESSAGE_NEW_WITH_GROUP => self.on_group_ack(envelope),
            S::MESSAGE_WITH_USER_TYPE_STICKER | S::MESSAGE_WITH_USER_TYPE_FILE | S::MESSAGE_WITH_USER_TYPE_LOCATION => {
                self.on_user_media(service, envelope)
            }
            S::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT => {
                if let Some(p) = self.push::<UserTextIncoming>(&envelope) {
                    let me = self.my_id();
                    let m = mapping::base(USER, p.from, p.from, me, p.msg_id, p.time);
                    self.catch_up().report_new_message(mapping::with_content(
                        m,
                        &azstack_protocol::bodies::messages::Content::text(p.msg),
                    ));
                }
            }
            S::MESSAGE_HAS_NEW_WITH_GROUP => {
                if let Some(p) = self.push::<GroupMessageIncoming>(&envelope) {
                    let m = mapping::base(GROUP, p.group, p.from, p.group, p.msg_id, p.created);
                    self.catch_up().report_new_message(mapping::with_content(m, &p.content));
                }
            }
            S::MESSAGE_FROM_ME_WITH_USER => {
                if let Some(p) = self.push::<UserTextFromMe>(&envelope) {
                    let me = self.my_id();
                    let m = mapping::base(USER, p.to, me, p.to, p.msg_id, p.time);
                    self.emit(Event::MessageFromMe(mapping::with_content(
                        m,
                        &azstack_protocol::bodies::messages::Content::text(p.msg),
                    )));
                }
            }
            S::MESSAGE_FROM_ME_WITH_USER_JSON => {
                if let Some(p) = self.push::<UserMediaFromMe>(&envelope) {
                    let m = mapping::base(USER, p.to, p.from, p.to, p.id, p.created);
                    self.emit(Event::MessageFromMe(mapping::with_content(m, &p.content.0)));
                }
            }
            S::MESSAGE_FROM_ME_WITH_GROUP => {
                if let Some(p) = self.push::<GroupMessageFromMe>(&envelope) {
                    let m = mapping::base(GROUP, p.group, p.from, p.group, p.msg_id, p.created);
                    self.emit(Event::MessageFromMe(mapping::with_content(m, &p.content)));
                }
            }

            // Receipts and typing.
            S::MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER => {
                if let Some(p) = self.push::<UserDeliveredPush>(&envelope) {
                    let me = self.my_id();
                    self.status(USER, p.from, p.from, me, p.msg_id, chat::MESSAGE_STATUS_DELIVERED);
                }
            }
            S::MESSAGE_STATUS_CHANGE_DELIVERED_WITH_GROUP => {
                if let Some(p) = self.push::<GroupDeliveredPush>(&envelope) {
                    self.status(GROUP, p.group, p.from, p.group, p.msg_id, chat::MESSAGE_STATUS_DELIVERED);
                }
            }
            S::MESSAGE_TYPING_WITH_USER => {
                if let Some(p) = self.push::<UserTypingPush>(&envelope) {
                    let me = self.my_id();
                    self.emit(Event::Typing(Typing {
                        chat_type: USER,
                        chat_id: p.from,
                        sender_id: p.from,
                        receiver_id: me,
                    }));
                }
            }
            S::MESSAGE_TYPING_WITH_GROUP => {
                if let Some(p) = self.push::<GroupTypingPush>(&envelope) {
                    self.emit(Event::Typing(Typing {
                        chat_type: GROUP,
                        chat_id: p.group,
                        sender_id: p.from,
                        receiver_id: p.group,
                    }));
                }
            }

            // Group system messages.
            S::ON_GROUP_CREATED => {
                if let Some(p) = self.push::<GroupCreatedPush>(&envelope) {
                    self.emit(Event::GroupCreated(mapping::group_created(&p)));
                }
            }
            S::ON_GROUP_INVITED => {
                if let Some(p) = self.push::<GroupInvitedPush>(&envelope) {
                    self.emit(Event::GroupInvited(mapping::group_invited(&p)));
                }
            }
            S::ON_GROUP_LEFT => {
                if let Some(p) = self.push::<GroupLeftPush>(&envelope) {
                    self.emit(Event::GroupLeft(mapping::group_left(&p)));
                }
            }
            S::ON_GROUP_RENAMED => {
                if let Some(p) = self.push::<GroupRenamedPush>(&envelope) {
                    self.emit(Event::GroupRenamed(mapping::group_renamed(&p)));
                }
            }
            S::ON_GROUP_ADMIN_CHANGED => {
                if let Some(p) = self.push::<GroupAdminChangedPush>(&envelope) {
                    self.emit(Event::GroupAdminChanged(mapping::group_admin_changed(&p)));
                }
            }

            S::FREE_CALL_START
            | S::FREE_CALL_DATA
            | S::FREE_CALL_STATUS_CHANGED
            | S::FREE_CALL_STATUS_CHANGED_BY_ME => self.calls.on_free_call_packet(service, &envelope),

            // Phone calls: 610/504 settle startCallout, the rest are pushes.
            S::CALLOUT_START_INITIAL | S::CALLOUT_START_DONE => reply(Uncall::StartCallout, DEFAULT_KEY, envelope),
            S::CALLOUT_DATA_STATUS_CHANGED
            | S::CALLIN_START
            | S::CALLIN_STATUS_CHANGED
            | S::CALLIN_STATUS_CHANGED_BY_ME => self.calls.on_phone_call_packet(service, &envelope),

            S::PAID_CALL_LOG_RETURN => {
                if let Some(p) = self.push::<PaidCallLogPush>(&envelope) {
                    self.emit(Event::PaidCallLog(mapping::pushed_paid_call_log(p.data)));
                }
            }

            other => tracing::debug!(service = other.number(), "ignored a packet this engine does not handle"),
        }
    }

    /// Decodes a push body; a malformed push is logged and fires nothing.
    fn push<T: DeserializeOwned>(&self, envelope: &Envelope) -> Option<T> {
        match envelope.decode::<T>() {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::warn!(service = envelope.service, error = %e, "dropped a malformed push");
                None
            }
        }
    }

    fn status(&self, chat_type: i64, chat_id: i64, sender_id: i64, receiver_id: i64, msg_id: i64, message_status: i64) {
        self.emit(Event::MessageStatusChanged(MessageStatusChange {
            chat_type,
            chat_id,
            sender_id,
            receiver_id,
            msg_id,
            message_status,
        }));
    }

    /// 72: the SENT ack of my user text (`from` is the recipient). Settles `newMessage` and fires the status event.
    fn on_user_text_ack(&self, envelope: Envelope) {
        let Some(ack) = self.push::<UserTextAck>(&envelope) else { return };
        self.requests.deliver(Uncall::NewMessage, &ack.msg_id.to_string(), envelope);
        if matches!(ack.r, 0 | 1) {
            let me = self.my_id();
            self.status(USER, ack.from, me, me, ack.msg_id, chat::MESSAGE_STATUS_SENT);
        }
    }

    /// 45: the SENT ack of my group message.
    fn on_group_ack(&self, envelope: Envelope) {
        let Some(ack) = self.push::<GroupMessageAck>(&envelope) else { return };
        self.requests.deliver(Uncall::NewMessage, &ack.msg_id.to_string(), envelope);
        if matches!(ack.r, 0 | 1) {
            let me = self.my_id();
            self.status(GROUP, ack.group, me, ack.group, ack.msg_id, chat::MESSAGE_STATUS_SENT);
        }
    }

    /// 104/121/113: with `r` the D6 ack of my sticker/file/location, without it a message to me.
    fn on_user_media(&self, service: Service, envelope: Envelope) {
        let b = body(&envelope);
        if has_r(&b) {
            let Some(ack) = self.push::<UserMediaAck>(&envelope) else { return };
            self.requests.deliver(Uncall::NewMessage, &ack.id.to_string(), envelope);
            if ack.r == 1 {
                let me = self.my_id();
                self.status(USER, ack.to, me, me, ack.id, chat::MESSAGE_STATUS_SENT);
            }
            return;
        }
        use azstack_protocol::bodies::messages::Content;
        let message = match service {
            Service::MESSAGE_WITH_USER_TYPE_STICKER => self.push::<UserStickerIncoming>(&envelope).map(|p| {
                mapping::with_content(
                    mapping::base(USER, p.from, p.from, p.to, p.id, p.created),
                    &Content::Sticker(p.sticker),
                )
            }),
            Service::MESSAGE_WITH_USER_TYPE_FILE => self.push::<UserFileIncoming>(&envelope).map(|p| {
                mapping::with_content(
                    mapping::base(USER, p.from, p.from, p.to, p.id, p.created),
                    &Content::File(p.file),
                )
            }),
            _ => self.push::<UserLocationIncoming>(&envelope).map(|p| {
                mapping::with_content(
                    mapping::base(USER, p.from, p.from, p.to, p.id, p.created),
                    &Content::Location(p.location),
                )
            }),
        };
        if let Some(m) = message {
            self.catch_up().report_new_message(m);
        }
    }

    /// 153: reply to my SEEN (with `r`) or someone saw my message.
    fn on_seen(&self, envelope: Envelope) {
        let b = body(&envelope);
        if has_r(&b) {
            if let Some(id) = key_of(&b, "msgId") {
                self.requests.deliver(
                    Uncall::ChangeMessageStatus,
                    &format!("{}_{id}", chat::MESSAGE_STATUS_SEEN),
                    envelope,
                );
            }
            return;
        }
        let Some(p) = self.push::<SeenPush>(&envelope) else { return };
        match p.chat_type {
            USER => self.status(USER, p.from, p.from, p.sender_id, p.msg_id, chat::MESSAGE_STATUS_SEEN),
            GROUP => {
                let group = p.chat_id.unwrap_or_default();
                self.status(GROUP, group, p.from, group, p.msg_id, chat::MESSAGE_STATUS_SEEN)
            }
            other => tracing::warn!(chat_type = other, "dropped a seen push of an unknown chat type"),
        }
    }

    /// 127: reply to my user CANCEL (with `r`, keyed by `id`) or a sender recalled a message to me.
    fn on_user_cancel(&self, envelope: Envelope) {
        let b = body(&envelope);
        if has_r(&b) {
            if let Some(id) = key_of(&b, "id") {
                self.requests.deliver(
                    Uncall::ChangeMessageStatus,
                    &format!("{}_{id}", chat::MESSAGE_STATUS_CANCELLED),
                    envelope,
                );
            }
            return;
        }
        if let Some(p) = self.push::<UserCancelPush>(&envelope) {
            self.status(USER, p.from, p.from, p.to, p.id, chat::MESSAGE_STATUS_CANCELLED);
        }
    }

    /// 151: reply to my group CANCEL or a member recalled a group message.
    fn on_group_cancel(&self, envelope: Envelope) {
        let b = body(&envelope);
        if has_r(&b) {
            if let Some(id) = key_of(&b, "msgId") {
                self.requests.deliver(
                    Uncall::ChangeMessageStatus,
                    &format!("{}_{id}", chat::MESSAGE_STATUS_CANCELLED),
                    envelope,
                );
            }
            return;
        }
        if let Some(p) = self.push::<GroupCancelPush>(&envelope) {
            self.status(GROUP, p.group, p.from, p.group, p.msg_id, chat::MESSAGE_STATUS_CANCELLED);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use azstack_protocol::{Envelope, Service};
    use serde_json::json;
    use tokio::sync::mpsc;

    use super::Engine;
    use crate::events::{ChannelSink, Event};

    fn engine() -> (Engine, mpsc::UnboundedReceiver<Event>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Engine::from_json(&json!({}), Arc::new(ChannelSink(tx))), rx)
    }

    fn raw(service: i64, body: &str) -> Envelope {
        Envelope { service, body: body.to_owned() }
    }

    #[test]
    fn paid_call_log_push_uses_its_own_field_names() {
        let (engine, mut rx) = engine();
        let body = json!({"data": {"callId": 7, "from": "+84900", "to": "+84911", "tags": "x", "duration": 65,
            "recordTime": 1_700_000_000_000_i64, "urlRecord": "https://r.example.org/7.wav", "azUserId": 3, "callType": 1, "status": 0}});
        engine.route(0, Envelope::new(Service::PAID_CALL_LOG_RETURN, &body));
        let event = rx.try_recv().unwrap();
        assert_eq!(event.delegate(), "onPaidCallLogReturn");
        assert_eq!(
            event.payload().1,
            json!({"callId": 7, "fromPhoneNumber": "+84900", "toPhoneNumber": "+84911", "tags": "x", "duration": 65,
                "recordTime": 1_700_000_000_000_i64, "recordUrl": "https://r.example.org/7.wav", "userId": 3, "callType": 1, "callStatus": 0})
        );
    }

    #[test]
    fn malformed_and_unknown_packets_fire_nothing() {
        let (engine, mut rx) = engine();
        for envelope in [
            raw(73, "{not json"),
            raw(73, r#"{"from": "1", "msgId": 2, "msg": "x", "time": 3}"#),
            raw(146, r#"{"from": 1, "group": 2, "msgId": 3, "created": 4}"#),
            raw(153, r#"{"type": 9, "from": 1, "senderId": 2, "msgId": 3}"#),
            raw(143, "[]"),
            raw(9999, "{}"),
            raw(162, "{}"),
            raw(601, r#"{"data": null}"#),
        ] {
            engine.route(0, envelope);
        }
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn replies_nobody_waits_for_are_dropped_and_seen_pushes_need_no_r() {
        let (engine, mut rx) = engine();
        engine.route(0, raw(170, r#"{"done": 1, "page": 1, "list": []}"#));
        engine.route(0, raw(153, r#"{"r": 0, "type": 1, "msgId": 5}"#));
        assert!(rx.try_recv().is_err());
        engine.route(0, raw(153, r#"{"type": 2, "from": 4, "chatId": 9, "senderId": 1, "msgId": 5}"#));
        assert_eq!(
            rx.try_recv().unwrap().payload().1,
            json!({"chatType": 2, "chatId": 9, "senderId": 4, "receiverId": 9, "msgId": 5, "messageStatus": 3})
        );
    }
}
