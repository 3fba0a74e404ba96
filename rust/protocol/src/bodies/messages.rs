//! Messages, receipts, recalls, deletion and typing (PROTOCOL.md §3.24–§3.27, §4.2, §6.1, §11.3).
//!
//! # Who sends what
//!
//! A user **text** goes out on 72 ([`UserTextSend`]), is acked on 72 ([`UserTextAck`]), arrives at the peer on 73
//! ([`UserTextIncoming`]) and is echoed to the sender's other sessions on 174 ([`UserTextFromMe`]). User
//! **sticker/file/location** use one service each in both directions (104/121/113: [`UserStickerSend`] →
//! [`UserStickerIncoming`], ...), are echoed on 175 ([`UserMediaFromMe`]) and get no ack except the D6 extension
//! ([`UserMediaAck`], with `r`). A **group** message of any kind goes out on 45 ([`GroupMessageSend`]), is acked on
//! 45 ([`GroupMessageAck`]), delivered on 146 ([`GroupMessageIncoming`]) and echoed on 176 ([`GroupMessageFromMe`]).
//!
//! # Content
//!
//! Group messages and the 175 echo carry one of four kinds of content in the same flat object. [`Content`] models
//! it as an enum that is flattened into the body; decoding picks the kind by field presence in the order `msg` →
//! `imgName` → `fileName` → `addr`, exactly as the original client does, and a body with none of them is an error.
//! The key `type` is overloaded on the wire: in group bodies it is the kind marker `3` for a sticker and `4` for a
//! location, and the *file type* (0–10) for a file. [`Content`] writes those markers itself and ignores `type` when
//! it decodes a sticker or a location, so the markers cannot be got wrong. A location always carries `type: 4`
//! (svc 113 and group bodies alike); a sticker carries `type: 3` only in group bodies, which is why the 175 echo
//! uses [`UserContent`] instead.
//!
//! # Replies versus pushes
//!
//! 153, 127 and 151 carry both the reply to my own SEEN/CANCEL request and the push about someone else's; only the
//! presence of `r` tells them apart. The `*Incoming` aliases ([`SeenIncoming`], ...) decode either with
//! [`ReplyOrPush`].

use serde::de;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{JsNumber, ReplyOrPush};

pub use crate::constants::wire::{KIND_MARKER_LOCATION, KIND_MARKER_STICKER};

// ---------------------------------------------------------------------------------------------------------------
// Content
// ---------------------------------------------------------------------------------------------------------------

/// Sticker content: `imgName`, `catId`, `url`, optional `width`/`height`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StickerContent {
    pub img_name: String,
    pub cat_id: i64,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<JsNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<JsNumber>,
}

/// File content: `fileName`, `fileLength` (bytes), `type` (file type, `chat::MESSAGE_FILE_TYPE_*`), `url`, optional
/// `width`/`height`/`duration` (seconds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileContent {
    pub file_name: String,
    pub file_length: i64,
    #[serde(rename = "type")]
    pub file_type: i64,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<JsNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<JsNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<JsNumber>,
}

/// Location content: `addr`, `long`, `lat`. Always encoded with the kind marker `type: 4`; `type` is ignored on
/// decode.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct LocationContent {
    pub addr: String,
    pub long: f64,
    pub lat: f64,
}

#[derive(Serialize)]
struct LocationWire<'a> {
    #[serde(rename = "type")]
    marker: i64,
    addr: &'a str,
    long: f64,
    lat: f64,
}

impl Serialize for LocationContent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        LocationWire { marker: KIND_MARKER_LOCATION, addr: &self.addr, long: self.long, lat: self.lat }.serialize(s)
    }
}

/// The content of a message: exactly one of text, sticker, file or location (PROTOCOL.md §6.1). Flattened into
/// group bodies (45, 146, 176) with the group kind markers: a sticker is written with `type: 3`, a location with
/// `type: 4`, a file with `type` = its file type, a text with no `type`.
#[derive(Clone, Debug, PartialEq)]
pub enum Content {
    Text { msg: String },
    Sticker(StickerContent),
    File(FileContent),
    Location(LocationContent),
}

impl Content {
    /// A text content.
    pub fn text(msg: impl Into<String>) -> Content {
        Content::Text { msg: msg.into() }
    }

    /// The API message type (`chat::MESSAGE_TYPE_*`) of this content.
    pub fn message_type(&self) -> i64 {
        use crate::constants::chat;
        match self {
            Content::Text { .. } => chat::MESSAGE_TYPE_TEXT,
            Content::Sticker(_) => chat::MESSAGE_TYPE_STICKER,
            Content::File(_) => chat::MESSAGE_TYPE_FILE,
            Content::Location(_) => chat::MESSAGE_TYPE_LOCATION,
        }
    }
}

#[derive(Serialize)]
struct TextWire<'a> {
    msg: &'a str,
}

#[derive(Serialize)]
struct MarkedSticker<'a> {
    #[serde(rename = "type")]
    marker: i64,
    #[serde(flatten)]
    sticker: &'a StickerContent,
}

impl Serialize for Content {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Content::Text { msg } => TextWire { msg }.serialize(s),
            Content::Sticker(sticker) => MarkedSticker { marker: KIND_MARKER_STICKER, sticker }.serialize(s),
            Content::File(file) => file.serialize(s),
            Content::Location(location) => location.serialize(s),
        }
    }
}

/// Every content key, all optional, for decoding by presence.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawContent {
    msg: Option<String>,
    img_name: Option<String>,
    cat_id: Option<i64>,
    url: Option<String>,
    width: Option<JsNumber>,
    height: Option<JsNumber>,
    file_name: Option<String>,
    file_length: Option<i64>,
    #[serde(rename = "type")]
    kind: Option<i64>,
    duration: Option<JsNumber>,
    addr: Option<String>,
    long: Option<f64>,
    lat: Option<f64>,
}

fn missing<E: de::Error>(kind: &str, field: &str) -> E {
    E::custom(format!("{kind} message without `{field}`"))
}

impl RawContent {
    fn into_content<E: de::Error>(self) -> Result<Content, E> {
        if let Some(msg) = self.msg {
            return Ok(Content::Text { msg });
        }
        if let Some(img_name) = self.img_name {
            return Ok(Content::Sticker(StickerContent {
                img_name,
                cat_id: self.cat_id.ok_or_else(|| missing("sticker", "catId"))?,
                url: self.url.ok_or_else(|| missing("sticker", "url"))?,
                width: self.width,
                height: self.height,
            }));
        }
        if let Some(file_name) = self.file_name {
            return Ok(Content::File(FileContent {
                file_name,
                file_length: self.file_length.ok_or_else(|| missing("file", "fileLength"))?,
                file_type: self.kind.ok_or_else(|| missing("file", "type"))?,
                url: self.url.ok_or_else(|| missing("file", "url"))?,
                width: self.width,
                height: self.height,
                duration: self.duration,
            }));
        }
        if let Some(addr) = self.addr {
            return Ok(Content::Location(LocationContent {
                addr,
                long: self.long.ok_or_else(|| missing("location", "long"))?,
                lat: self.lat.ok_or_else(|| missing("location", "lat"))?,
            }));
        }
        Err(E::custom("message has none of `msg`, `imgName`, `fileName`, `addr`"))
    }
}

impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RawContent::deserialize(d)?.into_content()
    }
}

/// The content of a user-chat echo (175): the same kinds and decoding as [`Content`], but encoded the way user
/// bodies are (104/121/113): a sticker without a `type` marker; a location still with `type: 4`.
#[derive(Clone, Debug, PartialEq)]
pub struct UserContent(pub Content);

impl Serialize for UserContent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Content::Sticker(sticker) => sticker.serialize(s),
            other => other.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for UserContent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Content::deserialize(d).map(UserContent)
    }
}

impl From<Content> for UserContent {
    fn from(c: Content) -> UserContent {
        UserContent(c)
    }
}

// ---------------------------------------------------------------------------------------------------------------
// User text: 72, 73, 174
// ---------------------------------------------------------------------------------------------------------------

/// svc 72, C→S: send a text to user `to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserTextSend {
    pub msg_id: i64,
    pub to: i64,
    pub msg: String,
}

/// svc 72, S→C (to the sending session): sent-ack. `r` 0 or 1 is success. `from` (and `to`) are the **recipient**
/// (§4.2); the client reads `r`, `msgId` and `from`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserTextAck {
    pub r: i64,
    pub msg_id: i64,
    pub from: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
    /// Server time, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<i64>,
}

/// svc 73, S→C: a text from user `from` to me. `time` is epoch ms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserTextIncoming {
    pub from: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
    pub msg_id: i64,
    pub msg: String,
    pub time: i64,
}

/// svc 174, S→C (my other sessions): a text I sent to `to` from another session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserTextFromMe {
    pub to: i64,
    pub msg_id: i64,
    pub msg: String,
    pub time: i64,
}

// ---------------------------------------------------------------------------------------------------------------
// User sticker / file / location: 104, 121, 113, 175
// ---------------------------------------------------------------------------------------------------------------

/// svc 104, C→S: send a sticker to user `to`. Note the id key `id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserStickerSend {
    pub id: i64,
    pub to: i64,
    #[serde(flatten)]
    pub sticker: StickerContent,
}

/// svc 104, S→C: a sticker from `from` to me (`to`). Never sent back to the sender.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserStickerIncoming {
    pub from: i64,
    pub to: i64,
    pub id: i64,
    pub created: i64,
    #[serde(flatten)]
    pub sticker: StickerContent,
}

/// svc 121, C→S: send a file to user `to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserFileSend {
    pub id: i64,
    pub to: i64,
    #[serde(flatten)]
    pub file: FileContent,
}

/// svc 121, S→C: a file from `from` to me.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserFileIncoming {
    pub from: i64,
    pub to: i64,
    pub id: i64,
    pub created: i64,
    #[serde(flatten)]
    pub file: FileContent,
}

/// svc 113, C→S: send a location to user `to` (encoded with `type: 4`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserLocationSend {
    pub id: i64,
    pub to: i64,
    #[serde(flatten)]
    pub location: LocationContent,
}

/// svc 113, S→C: a location from `from` to me.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserLocationIncoming {
    pub from: i64,
    pub to: i64,
    pub id: i64,
    pub created: i64,
    #[serde(flatten)]
    pub location: LocationContent,
}

/// svc 104/121/113, S→C (to the sending session, new engine only, D6): ack `{r: 1, id, to, created}` of a user
/// sticker/file/location. Original clients never get it (OQ-10).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserMediaAck {
    pub r: i64,
    pub id: i64,
    pub to: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
}

/// svc 104, S→C as the engine reads it: the D6 ack (with `r`) or an incoming sticker (without).
pub type UserStickerIncomingOrAck = ReplyOrPush<UserMediaAck, UserStickerIncoming>;
/// svc 121, S→C as the engine reads it: the D6 ack (with `r`) or an incoming file (without).
pub type UserFileIncomingOrAck = ReplyOrPush<UserMediaAck, UserFileIncoming>;
/// svc 113, S→C as the engine reads it: the D6 ack (with `r`) or an incoming location (without).
pub type UserLocationIncomingOrAck = ReplyOrPush<UserMediaAck, UserLocationIncoming>;

/// svc 175, S→C (my other sessions): a sticker/file/location I sent to `to` from another session. `from` is me.
/// The kind is decided by field presence (user text is echoed on 174 only, Q20).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserMediaFromMe {
    pub from: i64,
    pub to: i64,
    pub id: i64,
    pub created: i64,
    #[serde(flatten)]
    pub content: UserContent,
}

// ---------------------------------------------------------------------------------------------------------------
// Group messages: 45, 146, 176
// ---------------------------------------------------------------------------------------------------------------

/// svc 45, C→S: send a message of any kind to `group`. Sticker and location carry `type` 3/4, a file carries its
/// file type (see [`Content`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupMessageSend {
    pub msg_id: i64,
    pub group: i64,
    #[serde(flatten)]
    pub content: Content,
}

/// svc 45, S→C (to the sending session): sent-ack. `r` 0 or 1 is success. Never sent to recipients.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupMessageAck {
    pub r: i64,
    pub group: i64,
    pub msg_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
}

/// svc 146, S→C (every other member, all sessions): a group message from `from`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupMessageIncoming {
    pub from: i64,
    pub group: i64,
    pub msg_id: i64,
    pub created: i64,
    #[serde(flatten)]
    pub content: Content,
}

/// svc 176, S→C (my other sessions): a group message I sent from another session. `from` is me.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupMessageFromMe {
    pub from: i64,
    pub group: i64,
    pub msg_id: i64,
    pub created: i64,
    #[serde(flatten)]
    pub content: Content,
}

// ---------------------------------------------------------------------------------------------------------------
// Delivered: 167, 74
// ---------------------------------------------------------------------------------------------------------------

/// svc 167, C→S: I (a recipient) received user message `msgId` from `to`. No reply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDeliveredReport {
    pub to: i64,
    pub msg_id: i64,
}

/// svc 167, S→C (to the author): recipient `from` received my message `msgId`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDeliveredPush {
    pub from: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
    pub msg_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<i64>,
}

/// svc 74, C→S: I received group message `msgId` sent by `msgSender`. No reply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupDeliveredReport {
    pub group: i64,
    pub msg_id: i64,
    pub msg_sender: i64,
}

/// svc 74, S→C (to the message's sender): member `from` received my group message `msgId`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupDeliveredPush {
    pub from: i64,
    pub group: i64,
    pub msg_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<i64>,
}

// ---------------------------------------------------------------------------------------------------------------
// Seen: 153
// ---------------------------------------------------------------------------------------------------------------

/// svc 153, C→S: I have seen message `msgId` sent by `senderId` in chat (`type`, `chatId`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeenReport {
    #[serde(rename = "type")]
    pub chat_type: i64,
    pub chat_id: i64,
    pub sender_id: i64,
    pub msg_id: i64,
}

/// svc 153 **with `r`**, S→C (to the reporting session): reply to a [`SeenReport`]. `r` 0 or 1 is success; the
/// client reads `r`, `type` and `msgId`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeenReply {
    pub r: i64,
    #[serde(rename = "type")]
    pub chat_type: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<i64>,
    pub msg_id: i64,
}

/// svc 153 **without `r`**, S→C (to the message's sender): `from` has seen my message `msgId`. `type` is required
/// (routing uses it); `chatId` is the group for type 2 and, for type 1, the reporter (not read by the client).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeenPush {
    #[serde(rename = "type")]
    pub chat_type: i64,
    pub from: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<i64>,
    pub sender_id: i64,
    pub msg_id: i64,
}

/// svc 153, S→C: reply (with `r`) or push (without).
pub type SeenIncoming = ReplyOrPush<SeenReply, SeenPush>;

// ---------------------------------------------------------------------------------------------------------------
// Cancel (recall): 127, 151
// ---------------------------------------------------------------------------------------------------------------

/// svc 127, C→S: recall my user message `id` sent to `to` (`type` 1, `chatId` = `to`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserCancelRequest {
    #[serde(rename = "type")]
    pub chat_type: i64,
    pub chat_id: i64,
    pub to: i64,
    pub id: i64,
}

/// svc 127 **with `r`**, S→C (to the requesting session): reply to a [`UserCancelRequest`]; `r` 0 or 1 is success.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserCancelReply {
    pub r: i64,
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<i64>,
}

/// svc 127 **without `r`**, S→C (to the recipient): `from` recalled user message `id` sent to `to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserCancelPush {
    pub from: i64,
    pub to: i64,
    pub id: i64,
}

/// svc 127, S→C: reply (with `r`) or push (without).
pub type UserCancelIncoming = ReplyOrPush<UserCancelReply, UserCancelPush>;

/// svc 151, C→S: recall my group message `msgId` (`type` 2, `chatId` = `group`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupCancelRequest {
    #[serde(rename = "type")]
    pub chat_type: i64,
    pub chat_id: i64,
    pub group: i64,
    pub msg_id: i64,
}

/// svc 151 **with `r`**, S→C (to the requesting session): reply to a [`GroupCancelRequest`]; `r` 0 or 1 is success.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupCancelReply {
    pub r: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<i64>,
    pub msg_id: i64,
}

/// svc 151 **without `r`**, S→C (other members; optionally my other sessions): `from` recalled group message `msgId`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupCancelPush {
    pub from: i64,
    pub group: i64,
    pub msg_id: i64,
}

/// svc 151, S→C: reply (with `r`) or push (without).
pub type GroupCancelIncoming = ReplyOrPush<GroupCancelReply, GroupCancelPush>;

// ---------------------------------------------------------------------------------------------------------------
// Delete: 168
// ---------------------------------------------------------------------------------------------------------------

/// svc 168, C→S: delete message (`senderId`, `msgId`) of chat (`type`, `chatId`) from my view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteMessageRequest {
    #[serde(rename = "type")]
    pub chat_type: i64,
    pub chat_id: i64,
    pub sender_id: i64,
    pub msg_id: i64,
}

/// svc 168, S→C (to the requesting session only): `r` 0 is success. The client reads only `r`; the server echoes
/// the request's keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteMessageReply {
    pub r: i64,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub chat_type: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_id: Option<i64>,
}

// ---------------------------------------------------------------------------------------------------------------
// Typing: 142, 149
// ---------------------------------------------------------------------------------------------------------------

/// svc 142, C→S: I am typing to user `to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserTypingSend {
    pub to: i64,
}

/// svc 142, S→C: user `from` is typing to me.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserTypingPush {
    pub from: i64,
}

/// svc 149, C→S: I am typing in `group`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupTypingSend {
    pub group: i64,
}

/// svc 149, S→C (other members): `from` is typing in `group`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupTypingPush {
    pub from: i64,
    pub group: i64,
}
