//! The results the API hands to callbacks, promises and delegates (PROTOCOL.md §3, §4, §6.5).
//!
//! These are the *API* shapes, with the API's names (`chatType`, `senderId`, `sticker.name`, ...), not the wire's.
//! They serialise to exactly the objects the original core builds; a field the original leaves `undefined` (and
//! `JSON.stringify` therefore drops) is an `Option` that is skipped when `None`.

use azstack_protocol::bodies::JsNumber;
use serde::{Deserialize, Serialize};

/// `connect` / `reconnect` / `onAutoReconnected` result: built from svc 162, not from local input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatedUser {
    pub user_id: i64,
    pub az_stack_user_id: String,
    pub fullname: String,
}

/// Sticker content in a message (`{name, catId, url, width, height}`). Every field is optional because the
/// conversation list's last message carries an empty `sticker: {}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sticker {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cat_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<JsNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<JsNumber>,
}

/// File content in a message (`{name, length, type, url, width, height, duration}`); the conversation list only
/// has `{type}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct File {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<i64>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub file_type: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<JsNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<JsNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<JsNumber>,
}

/// Location content (`{address, longitude, latitude}`); `{}` in the conversation list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Location {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
}

/// `createdGroup` of a GROUP_CREATED message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedGroup {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub group_type: Option<i64>,
    pub group_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_ids: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
}

/// `invited` of a GROUP_INVITED message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invited {
    pub group_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_ids: Option<Vec<i64>>,
}

/// `left` of a GROUP_LEFT message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Left {
    pub group_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_admin_id: Option<i64>,
}

/// `renamed` of a GROUP_RENAMED message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Renamed {
    pub group_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_name: Option<String>,
}

/// `adminChanged` of a GROUP_ADMIN_CHANGED message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminChanged {
    pub group_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_admin_id: Option<i64>,
}

/// `joined` of a GROUP_PUBLIC_JOINED message.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Joined {
    pub group_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_id: Option<i64>,
}

/// A message as the API shows it: `newMessage`'s result, `onHasNewMessage`/`onMessageFromMe`/group events, list
/// items and the conversation's `lastMessage`. Exactly one content field is set (none for unknown types).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub chat_type: i64,
    pub chat_id: i64,
    pub sender_id: i64,
    pub receiver_id: i64,
    pub msg_id: i64,
    #[serde(rename = "type")]
    pub message_type: i64,
    pub status: i64,
    pub deleted: i64,
    pub created: i64,
    pub modified: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sticker: Option<Sticker>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<File>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_group: Option<CreatedGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invited: Option<Invited>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left: Option<Left>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed: Option<Renamed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_changed: Option<AdminChanged>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined: Option<Joined>,
}

/// `onMessageStatusChanged` payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageStatusChange {
    pub chat_type: i64,
    pub chat_id: i64,
    pub sender_id: i64,
    pub receiver_id: i64,
    pub msg_id: i64,
    pub message_status: i64,
}

/// `onTyping` payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Typing {
    pub chat_type: i64,
    pub chat_id: i64,
    pub sender_id: i64,
    pub receiver_id: i64,
}

/// One conversation of `getModifiedConversations`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub chat_type: i64,
    pub chat_id: i64,
    pub modified: i64,
    pub unread: i64,
    pub deleted: i64,
    pub last_message: Message,
}

/// `getModifiedConversations` result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationPage {
    pub done: i64,
    pub page: i64,
    pub list: Vec<Conversation>,
}

/// `getUnreadMessages` / `getModifiedMessages` result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    pub chat_type: i64,
    pub chat_id: i64,
    pub done: i64,
    pub page: i64,
    pub list: Vec<Message>,
}

/// `getModifiedFiles` result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileList {
    pub done: i64,
    pub list: Vec<Message>,
}

/// `deleteConversation` result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedConversation {
    pub chat_type: i64,
    pub chat_id: i64,
}

/// One user of `getUsersInformation` and of group details' `members`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    pub user_id: i64,
    pub az_stack_user_id: String,
    pub fullname: String,
    pub status: i64,
    pub last_visit_date: i64,
}

/// `getUsersInformation` result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserList {
    pub done: i64,
    pub list: Vec<UserInfo>,
}

/// `createGroup` result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupCreated {
    #[serde(rename = "type")]
    pub group_type: i64,
    pub group_id: i64,
    pub msg_id: i64,
    pub admin_id: i64,
    pub name: String,
    pub member_ids: Vec<i64>,
    pub created: i64,
}

/// `inviteGroup` result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupInvitation {
    pub group_id: i64,
    pub msg_id: i64,
    pub invite_ids: Vec<i64>,
    pub created: i64,
}

/// `leaveGroup` result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupLeave {
    pub group_id: i64,
    pub msg_id: i64,
    pub leave_id: i64,
    pub created: i64,
}

/// `renameGroup` result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRename {
    pub group_id: i64,
    pub msg_id: i64,
    pub new_name: String,
    pub created: i64,
}

/// `changeAdminGroup` result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupAdminChange {
    pub group_id: i64,
    pub msg_id: i64,
    pub new_admin_id: i64,
    pub created: i64,
}

/// `joinPublicGroup` result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupJoin {
    pub group_id: i64,
    pub msg_id: i64,
    pub join_id: i64,
    pub created: i64,
}

/// `getDetailsGroup` result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupDetails {
    #[serde(rename = "type")]
    pub group_type: i64,
    pub group_id: i64,
    pub name: String,
    pub admin_id: i64,
    pub member_ids: Vec<i64>,
    pub members: Vec<UserInfo>,
}

/// One group of `getListGroups`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupSummary {
    #[serde(rename = "type")]
    pub group_type: i64,
    pub group_id: i64,
    pub name: String,
    pub admin_id: i64,
    pub members_count: i64,
    pub is_in: i64,
    pub is_autojoin: i64,
}

/// `getListGroups` result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupList {
    pub done: i64,
    pub list: Vec<GroupSummary>,
}

/// One paid call log (`getPaidCallLogs` items and `onPaidCallLogReturn`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaidCallLog {
    pub call_id: i64,
    pub from_phone_number: String,
    pub to_phone_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<JsNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_url: Option<String>,
    pub user_id: i64,
    pub call_type: i64,
    pub call_status: i64,
}

/// `getPaidCallLogs` result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaidCallLogList {
    pub done: i64,
    pub list: Vec<PaidCallLog>,
}

/// `getStickersList` item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StickerPack {
    pub cat_id: i64,
    pub name: String,
    pub urls: StickerUrls,
}

/// `urls` of a sticker pack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StickerUrls {
    pub full_cover: String,
    pub mini_cover: String,
    pub download: String,
}

/// `getStickersList` result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StickerPackList {
    pub done: i64,
    pub list: Vec<StickerPack>,
}

/// `parseNotification` result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParsedNotification {
    pub app_id: String,
    #[serde(rename = "type")]
    pub notification_type: i64,
}

/// `onFreeCallStart` result.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FreeCallStart {
    pub media_type: i64,
    pub from_user_id: i64,
    pub to_user_id: i64,
}

/// `onFreeCallStatusChanged` / `onFreeCallStatusChangedByMe` result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CallStatus {
    pub status: i64,
    pub message: String,
}

/// `{id}` of a stream; the JS layer wraps it so `toURL()` returns the id.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StreamRef {
    pub id: String,
}

/// `onLocalStreamArrived` / `onRemoteStreamArrived` result: `{stream: {id}}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StreamArrived {
    pub stream: StreamRef,
}

impl StreamArrived {
    pub fn new(id: &str) -> StreamArrived {
        StreamArrived { stream: StreamRef { id: id.to_owned() } }
    }
}

/// `onCallinStart` result.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallinStart {
    pub from_phone_number: String,
    pub to_phone_number: String,
}

/// `getOutbox()`'s result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outbox {
    pub list: Vec<serde_json::Value>,
}

/// `onOutboxChanged`'s result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutboxCount {
    pub pending: usize,
}

/// `uploadFile`'s result (extension): the signed link to put in a file message, and the bytes stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadedFile {
    pub url: String,
    pub file_length: u64,
    /// The type the server stored (sniffed from the bytes when they say what they are).
    pub mime_type: String,
    pub name: String,
}

/// `onUploadFileProgress` (extension): `sent` of `total` bytes of the file `name` handed to the connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UploadProgress {
    pub name: String,
    pub sent: u64,
    pub total: u64,
}
