//! Messages: newMessage, changeMessageStatus, deleteMessage, sendTyping (PROTOCOL.md §3.24–§3.27).
//!
//! `newMessage` differs from the original in one deliberate way: it resolves when the server has *acknowledged*
//! the message (72/45, and the D6 acks for sticker/file/location), with `status: 1` (SENT), instead of as soon as
//! the packet was written. A message therefore either resolves (stored by the server) or fails (timeout, or the
//! connection dropped first) — never both, never neither — and resending a failed one with the same `msgId` is safe
//! because the server treats a repeated `(sender, chat, msgId)` as a retransmission (D7). The SENT
//! `onMessageStatusChanged` still fires as in the original.

use azstack_protocol::Service;
use azstack_protocol::bodies::JsNumber;
use azstack_protocol::bodies::messages::{
    Content, DeleteMessageReply, DeleteMessageRequest, FileContent, GroupCancelRequest, GroupDeliveredReport,
    GroupMessageSend, GroupTypingSend, LocationContent, SeenReport, StickerContent, UserCancelRequest,
    UserDeliveredReport, UserFileSend, UserLocationSend, UserStickerSend, UserTextSend, UserTypingSend,
};
use azstack_protocol::constants::chat;
use azstack_protocol::errors::ApiError;
use serde_json::Value;

use super::conversations::{chat_type_rule, id_rule};
use super::{decode_reply, server_error};
use crate::core::area_handle;
use crate::ids::now_ms;
use crate::mapping::{self, GROUP, USER};
use crate::model::Message;
use crate::requests::{DEFAULT_KEY, Uncall};
use crate::validate::{self, Kind, Rule, send_data_error};

/// `newMessage({chatType, chatId, text|sticker|file|location, msgId?})`. `msg_id` 0 means "generate one".
#[derive(Clone, Debug, PartialEq)]
pub struct NewMessageOptions {
    pub chat_type: i64,
    pub chat_id: i64,
    pub content: Content,
    pub msg_id: i64,
}

fn number(o: &Value, name: &str) -> Option<JsNumber> {
    o.get(name).and_then(Value::as_f64).map(JsNumber)
}

impl NewMessageOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing new message params")?;
        chat_type_rule(o).check()?;
        id_rule(o, "chatId").check()?;
        Rule::field(o, "text").kind(Kind::String).check()?;
        for kind in ["sticker", "file", "location"] {
            Rule::field(o, kind).kind(Kind::Object).check()?;
        }
        let present = |name: &str| !validate::is_missing(o.get(name));
        if !["text", "sticker", "file", "location"].iter().any(|k| present(k)) {
            return Err(send_data_error("text or sticker or file or location is required"));
        }
        let empty = Value::Null;
        let sticker = o.get("sticker").filter(|_| present("sticker")).unwrap_or(&empty);
        if present("sticker") {
            Rule::new("sticker name", sticker.get("name")).required().kind(Kind::String).check()?;
            Rule::new("sticker catId", sticker.get("catId")).required().kind(Kind::Number).check()?;
            Rule::new("sticker url", sticker.get("url")).required().kind(Kind::Url).check()?;
            Rule::new("sticker width", sticker.get("width")).kind(Kind::Number).check()?;
            Rule::new("sticker height", sticker.get("height")).kind(Kind::Number).check()?;
        }
        let file = o.get("file").filter(|_| present("file")).unwrap_or(&empty);
        if present("file") {
            Rule::new("file name", file.get("name")).required().kind(Kind::String).check()?;
            Rule::new("file length", file.get("length")).required().kind(Kind::Number).check()?;
            Rule::new("file type", file.get("type")).required().one_of(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).check()?;
            Rule::new("file url", file.get("url")).required().kind(Kind::Url).check()?;
            Rule::new("file width", file.get("width")).kind(Kind::Number).check()?;
            Rule::new("file height", file.get("height")).kind(Kind::Number).check()?;
            Rule::new("file duration", file.get("duration")).kind(Kind::Number).check()?;
        }
        let location = o.get("location").filter(|_| present("location")).unwrap_or(&empty);
        if present("location") {
            Rule::new("location address", location.get("address")).required().kind(Kind::String).check()?;
            Rule::new("location longitude", location.get("longitude")).required().kind(Kind::Number).check()?;
            Rule::new("location latitude", location.get("latitude")).required().kind(Kind::Number).check()?;
        }
        // Exactly one kind goes out: text, else sticker, else file, else location.
        let content = if present("text") {
            Content::text(validate::string(o, "text"))
        } else if present("sticker") {
            Content::Sticker(StickerContent {
                img_name: validate::string(sticker, "name"),
                cat_id: validate::int(sticker, "catId"),
                url: validate::string(sticker, "url"),
                width: number(sticker, "width"),
                height: number(sticker, "height"),
            })
        } else if present("file") {
            Content::File(FileContent {
                file_name: validate::string(file, "name"),
                file_length: validate::int(file, "length"),
                file_type: validate::int(file, "type"),
                url: validate::string(file, "url"),
                width: number(file, "width"),
                height: number(file, "height"),
                duration: number(file, "duration"),
            })
        } else {
            Content::Location(LocationContent {
                addr: validate::string(location, "address"),
                long: location.get("longitude").and_then(Value::as_f64).unwrap_or_default(),
                lat: location.get("latitude").and_then(Value::as_f64).unwrap_or_default(),
            })
        };
        let msg_id = o.get("msgId").and_then(Value::as_f64).filter(|n| *n != 0.0).map(|n| n as i64).unwrap_or(0);
        Ok(Self { chat_type: validate::int(o, "chatType"), chat_id: validate::int(o, "chatId"), content, msg_id })
    }
}

/// `changeMessageStatus({chatType, chatId, messageSenderId, messageStatus, msgId})`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageStatusOptions {
    pub chat_type: i64,
    pub chat_id: i64,
    pub message_sender_id: i64,
    /// DELIVERED (2), SEEN (3) or CANCELLED (6).
    pub message_status: i64,
    pub msg_id: i64,
}

impl MessageStatusOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing send change message status params")?;
        chat_type_rule(o).check()?;
        id_rule(o, "chatId").check()?;
        id_rule(o, "messageSenderId").check()?;
        Rule::field(o, "messageStatus")
            .required()
            .one_of(&[chat::MESSAGE_STATUS_DELIVERED, chat::MESSAGE_STATUS_SEEN, chat::MESSAGE_STATUS_CANCELLED])
            .kind(Kind::Number)
            .check()?;
        id_rule(o, "msgId").check()?;
        Ok(Self {
            chat_type: validate::int(o, "chatType"),
            chat_id: validate::int(o, "chatId"),
            message_sender_id: validate::int(o, "messageSenderId"),
            message_status: validate::int(o, "messageStatus"),
            msg_id: validate::int(o, "msgId"),
        })
    }
}

/// `deleteMessage({chatType, chatId, messageSenderId, msgId})`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteMessageOptions {
    pub chat_type: i64,
    pub chat_id: i64,
    pub message_sender_id: i64,
    pub msg_id: i64,
}

impl DeleteMessageOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing send delete message params")?;
        chat_type_rule(o).check()?;
        id_rule(o, "chatId").check()?;
        id_rule(o, "messageSenderId").check()?;
        id_rule(o, "msgId").check()?;
        Ok(Self {
            chat_type: validate::int(o, "chatType"),
            chat_id: validate::int(o, "chatId"),
            message_sender_id: validate::int(o, "messageSenderId"),
            msg_id: validate::int(o, "msgId"),
        })
    }
}

/// `sendTyping({chatType, chatId})`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypingOptions {
    pub chat_type: i64,
    pub chat_id: i64,
}

impl TypingOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing send typing params")?;
        chat_type_rule(o).check()?;
        id_rule(o, "chatId").check()?;
        Ok(Self { chat_type: validate::int(o, "chatType"), chat_id: validate::int(o, "chatId") })
    }
}

area_handle! {
    /// Messages, and the persistent outbox that sends them with `storagePath` ([`super::outbox`]): `engine.messages()`.
    Messages { storage: std::sync::Arc<super::outbox::Storage> }
}

impl Messages {
    /// Sends a message and resolves with it once the server acknowledged it (status SENT). With `storagePath` the
    /// message goes through the persistent outbox ([`super::outbox`]).
    pub async fn new_message(&self, o: NewMessageOptions) -> Result<Message, ApiError> {
        let generated = self.next_id();
        let msg_id = if o.msg_id != 0 { o.msg_id } else { generated };
        match self.storage.store() {
            Some(store) => self.queue_message(store.clone(), o, msg_id).await,
            None => self.send_message(&o, msg_id).await,
        }
    }

    /// One `newMessage` packet and its ack.
    pub(crate) async fn send_message(&self, o: &NewMessageOptions, msg_id: i64) -> Result<Message, ApiError> {
        const SEND_FAIL: &str = "Cannot send new message data, new message fail";
        const OP: &str = "new message";
        let key = msg_id.to_string();
        let to = o.chat_id;
        let mut pending = match (o.chat_type, &o.content) {
            (GROUP, content) => {
                let body = GroupMessageSend { msg_id, group: to, content: content.clone() };
                self.request(Uncall::NewMessage, key, Service::MESSAGE_NEW_WITH_GROUP, &body, SEND_FAIL).await?
            }
            (_, Content::Text { msg }) => {
                let body = UserTextSend { msg_id, to, msg: msg.clone() };
                self.request(Uncall::NewMessage, key, Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, &body, SEND_FAIL)
                    .await?
            }
            (_, Content::Sticker(sticker)) => {
                let body = UserStickerSend { id: msg_id, to, sticker: sticker.clone() };
                self.request(Uncall::NewMessage, key, Service::MESSAGE_WITH_USER_TYPE_STICKER, &body, SEND_FAIL).await?
            }
            (_, Content::File(file)) => {
                let body = UserFileSend { id: msg_id, to, file: file.clone() };
                self.request(Uncall::NewMessage, key, Service::MESSAGE_WITH_USER_TYPE_FILE, &body, SEND_FAIL).await?
            }
            (_, Content::Location(location)) => {
                let body = UserLocationSend { id: msg_id, to, location: location.clone() };
                self.request(Uncall::NewMessage, key, Service::MESSAGE_WITH_USER_TYPE_LOCATION, &body, SEND_FAIL)
                    .await?
            }
        };
        let ack = pending.next().await?;
        let body: Value = ack.decode().map_err(|_| server_error(OP))?;
        let r = body.get("r").and_then(Value::as_i64);
        let accepted = match ack.service() {
            Ok(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT | Service::MESSAGE_NEW_WITH_GROUP) => matches!(r, Some(0 | 1)),
            _ => r == Some(1),
        };
        if !accepted {
            return Err(server_error(OP));
        }
        let created =
            ["created", "time"].iter().find_map(|k| body.get(*k).and_then(Value::as_i64)).unwrap_or_else(now_ms);
        let me = self.my_id();
        let message =
            Message { status: chat::MESSAGE_STATUS_SENT, ..mapping::base(o.chat_type, to, me, to, msg_id, created) };
        Ok(mapping::with_content(message, &o.content))
    }

    /// Reports DELIVERED or SEEN for someone's message, or recalls (CANCELLED) my own. Resolves with `null`.
    pub async fn change_message_status(&self, o: MessageStatusOptions) -> Result<(), ApiError> {
        const SEND_FAIL: &str = "Cannot send change message status data, send change message status fail";
        let key = format!("{}_{}", o.message_status, o.msg_id);
        match (o.message_status, o.chat_type) {
            (chat::MESSAGE_STATUS_DELIVERED, USER) => self.send(
                Service::MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER,
                &UserDeliveredReport { to: o.chat_id, msg_id: o.msg_id },
                SEND_FAIL,
            ),
            (chat::MESSAGE_STATUS_DELIVERED, _) => {
                let body = GroupDeliveredReport { group: o.chat_id, msg_id: o.msg_id, msg_sender: o.message_sender_id };
                self.send(Service::MESSAGE_STATUS_CHANGE_DELIVERED_WITH_GROUP, &body, SEND_FAIL)
            }
            (chat::MESSAGE_STATUS_SEEN, chat_type) => {
                let body =
                    SeenReport { chat_type, chat_id: o.chat_id, sender_id: o.message_sender_id, msg_id: o.msg_id };
                let mut pending = self
                    .request(Uncall::ChangeMessageStatus, key, Service::MESSAGE_STATUS_CHANGE_SEEN, &body, SEND_FAIL)
                    .await?;
                decode_reply::<Value>(&pending.next().await?, &[0, 1], "change message to seen").map(drop)
            }
            (_, USER) => {
                let body = UserCancelRequest { chat_type: USER, chat_id: o.chat_id, to: o.chat_id, id: o.msg_id };
                let mut pending = self
                    .request(
                        Uncall::ChangeMessageStatus,
                        key,
                        Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER,
                        &body,
                        SEND_FAIL,
                    )
                    .await?;
                decode_reply::<Value>(&pending.next().await?, &[0, 1], "change message to cancelled").map(drop)
            }
            (_, _) => {
                let body =
                    GroupCancelRequest { chat_type: GROUP, chat_id: o.chat_id, group: o.chat_id, msg_id: o.msg_id };
                let mut pending = self
                    .request(
                        Uncall::ChangeMessageStatus,
                        key,
                        Service::MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP,
                        &body,
                        SEND_FAIL,
                    )
                    .await?;
                decode_reply::<Value>(&pending.next().await?, &[0, 1], "change message to cancelled").map(drop)
            }
        }
    }

    /// Deletes a message for me only. Resolves with `null`.
    pub async fn delete_message(&self, o: DeleteMessageOptions) -> Result<(), ApiError> {
        let body = DeleteMessageRequest {
            chat_type: o.chat_type,
            chat_id: o.chat_id,
            sender_id: o.message_sender_id,
            msg_id: o.msg_id,
        };
        let mut pending = self
            .request(
                Uncall::DeleteMessage,
                DEFAULT_KEY,
                Service::MESSAGE_DELETE,
                &body,
                "Cannot send delete message data, send delete message fail",
            )
            .await?;
        decode_reply::<DeleteMessageReply>(&pending.next().await?, &[0], "delete message").map(drop)
    }

    /// Tells the chat I am typing. Resolves with `null` once sent.
    pub async fn send_typing(&self, o: TypingOptions) -> Result<(), ApiError> {
        const SEND_FAIL: &str = "Cannot send typing data, send typing fail";
        if o.chat_type == GROUP {
            self.send(Service::MESSAGE_TYPING_WITH_GROUP, &GroupTypingSend { group: o.chat_id }, SEND_FAIL)
        } else {
            self.send(Service::MESSAGE_TYPING_WITH_USER, &UserTypingSend { to: o.chat_id }, SEND_FAIL)
        }
    }
}
