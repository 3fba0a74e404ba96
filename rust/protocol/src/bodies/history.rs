//! Conversations, message history and file lists (PROTOCOL.md §3.19–§3.23, §6.5).
//!
//! The paged lists — 170 conversations, 173 unread messages, 169 history — are one request and one reply each; the
//! caller asks for the next `page` itself until `done` is 1 (page size `constants::limits::PAGE_SIZE`, items with a
//! timestamp ≤ `lastCreated`, newest first, OQ-6). The file list 191 may instead arrive as several packets, the last
//! with `done: 1`.
//!
//! The items of these lists are flat objects whose meaning depends on `serviceType` (5 user text, 104, 121, 113,
//! 146, and the group system messages 143/144/145/152/160/197). [`MessageItem`] and [`LastMsg`] therefore keep every
//! content key optional rather than being enums: the wire has no string tag to switch on, unknown service types must
//! still decode (they map to message type 0), and the same field name means different things per service (`type` is
//! a file type, `name` a group name or a new name). [`MessageItem::content`] recovers a typed [`Content`] where there
//! is one.

use serde::{Deserialize, Serialize};

use super::JsNumber;
use super::messages::{Content, FileContent, LocationContent, StickerContent};

// ---------------------------------------------------------------------------------------------------------------
// 170 conversations
// ---------------------------------------------------------------------------------------------------------------

/// svc 170, C→S: a page of my conversations modified at or before `lastCreated` (ms).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationsRequest {
    pub page: i64,
    pub last_created: i64,
}

/// svc 170, S→C: one page of conversations. No `r`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationsReply {
    pub done: i64,
    pub page: i64,
    pub list: Vec<Conversation>,
}

/// An item of the svc 170 reply. `type` is the chat type; `lastMsg` is required (the original fails without it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    #[serde(rename = "type")]
    pub chat_type: i64,
    pub chat_id: i64,
    /// ms.
    pub modified: i64,
    pub unread: i64,
    pub last_msg: LastMsg,
}

/// The last message of a [`Conversation`]. `serviceType` selects which optional fields apply (§3.19): 5 `msg`;
/// 121 `msgType` = file type; 146 `msg`, or `msgType` 3 sticker / 4 location / file type; 143 `admin`, `name`;
/// 144 `invitedMembers`; 145 `leaveUser`, `newAdmin`; 152 `newGroupName`; 160 `newAdmin`; 197 joiner = `sender`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastMsg {
    pub service_type: i64,
    pub sender: i64,
    pub msg_id: i64,
    pub status: i64,
    /// ms.
    pub created: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_type: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invited_members: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave_user: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_admin: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_group_name: Option<String>,
    /// Extension (OQ-25): the API message type (`chat::MESSAGE_TYPE_*`) so the new engine can tell a group file of
    /// file type 3/4 from a sticker/location. Ignored by original clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<i64>,
}

// ---------------------------------------------------------------------------------------------------------------
// 171 delete conversation
// ---------------------------------------------------------------------------------------------------------------

/// svc 171, C→S: hide conversation (`type`, `chatId`) and its messages up to `lastTimeCreated` (ms) for me.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteConversationRequest {
    pub chat_id: i64,
    #[serde(rename = "type")]
    pub chat_type: i64,
    pub last_time_created: i64,
}

/// svc 171, S→C: `r` 0 is success.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteConversationReply {
    pub r: i64,
    #[serde(rename = "type")]
    pub chat_type: i64,
    pub chat_id: i64,
}

// ---------------------------------------------------------------------------------------------------------------
// 173 unread, 169 history
// ---------------------------------------------------------------------------------------------------------------

/// svc 173, C→S: a page of the unread messages of chat (`type`, `chatId`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnreadMessagesRequest {
    pub page: i64,
    #[serde(rename = "type")]
    pub chat_type: i64,
    pub chat_id: i64,
}

/// svc 169, C→S: a page of the history of chat (`type`, `chatId`) at or before `lastCreated` (ms).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifiedMessagesRequest {
    pub page: i64,
    pub last_created: i64,
    #[serde(rename = "type")]
    pub chat_type: i64,
    pub chat_id: i64,
}

/// svc 173 and 169, S→C: one page of messages of chat (`type`, `chatId`). No `r`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageListReply {
    #[serde(rename = "type")]
    pub chat_type: i64,
    pub chat_id: i64,
    pub done: i64,
    pub page: i64,
    pub list: Vec<MessageItem>,
}

/// svc 173, S→C.
pub type UnreadMessagesReply = MessageListReply;
/// svc 169, S→C.
pub type ModifiedMessagesReply = MessageListReply;

/// A message in a 173/169 list (PROTOCOL.md §6.5). The common fields are required; the content fields depend on
/// `serviceType` and are optional. Note `typeGroup` (the group type of a 143 item), because `type` is the file
/// type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageItem {
    pub service_type: i64,
    pub sender_id: i64,
    pub receiver_id: i64,
    pub msg_id: i64,
    pub status: i64,
    pub deleted: i64,
    pub created: i64,
    pub modified: i64,
    // 5 and 146 text
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg: Option<String>,
    // 104 and 146 sticker
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub img_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cat_id: Option<i64>,
    /// Sticker or file URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<JsNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<JsNumber>,
    // 121 and 146 file
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_length: Option<i64>,
    /// File type (or a kind marker 3/4 on group sticker/location items; not read for those).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub file_type: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<JsNumber>,
    // 113 and 146 location
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    // group system messages 143/144/145/152/160/197
    /// 143: the group type (0 private, 1 public).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_group: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<i64>,
    /// 143.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<i64>,
    /// 143: the group name; 152: the new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 143.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<i64>>,
    /// 144.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invited: Option<Vec<i64>>,
    /// 145.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave_user: Option<i64>,
    /// 145, 160.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_admin: Option<i64>,
    /// 197: the joiner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
}

impl MessageItem {
    /// The item's content for chat-message items (service types 5, 104, 121, 113, 146), picked by field presence
    /// in the order `msg` → `imgName` → `fileName` → `addr` like [`Content`]; `None` for system messages, unknown
    /// service types and items missing a required content field.
    pub fn content(&self) -> Option<Content> {
        if let Some(msg) = &self.msg {
            return Some(Content::Text { msg: msg.clone() });
        }
        if let Some(img_name) = &self.img_name {
            return Some(Content::Sticker(StickerContent {
                img_name: img_name.clone(),
                cat_id: self.cat_id?,
                url: self.url.clone()?,
                width: self.width,
                height: self.height,
            }));
        }
        if let Some(file_name) = &self.file_name {
            return Some(Content::File(FileContent {
                file_name: file_name.clone(),
                file_length: self.file_length?,
                file_type: self.file_type?,
                url: self.url.clone()?,
                width: self.width,
                height: self.height,
                duration: self.duration,
            }));
        }
        if let Some(addr) = &self.addr {
            return Some(Content::Location(LocationContent { addr: addr.clone(), long: self.long?, lat: self.lat? }));
        }
        None
    }
}

// ---------------------------------------------------------------------------------------------------------------
// 191 files
// ---------------------------------------------------------------------------------------------------------------

/// svc 191, C→S: file messages created at or before `lastCreated` (ms), optionally of one chat (`type` and
/// `chatId` together).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModifiedFilesRequest {
    pub last_created: i64,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub chat_type: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<i64>,
}

/// svc 191, S→C: one packet of files; the packet with `done: 1` completes the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModifiedFilesReply {
    pub done: i64,
    pub list: Vec<FileItem>,
}

/// An item of the svc 191 reply. Unlike the 169/173 items it carries `chatType` itself, and `group` for group
/// files; the file fields are flattened (`fileName`, `fileLength`, `type`, `url`, `width?`, `height?`, `duration?`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileItem {
    pub chat_type: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<i64>,
    pub sender_id: i64,
    pub receiver_id: i64,
    pub msg_id: i64,
    pub status: i64,
    pub deleted: i64,
    pub created: i64,
    pub modified: i64,
    #[serde(flatten)]
    pub file: FileContent,
}
