//! Groups: actions, their replies, the system-message pushes and the group queries (PROTOCOL.md §3.29–§3.36,
//! §4.3, §11.3).
//!
//! Every group action (create 42, leave/kick 43, invite 44, rename 150, change admin 159, join public 197) carries a
//! client-generated `msgId` that becomes the id of the system message the server stores; the reply echoes it with
//! the server's `created` (ms), and a push (143, 145, 144, 152, 160, 197) tells every member — including the actor's
//! own sessions — about it. The success value of `r` differs: 1 for create, 0 for everything else.
//!
//! The same idea has different wire names in request, reply and push: the leaving user is `leaveUser` in the 43
//! request and the 145 push but `leaveUserId` in the 43 reply; the new name is `name` in the 150 request and the 152
//! push but `newName` in the 150 reply; the group id is `group` everywhere except the 147/198 list items
//! (`groupId`). The structs follow the wire.
//!
//! 197 is both the reply to my join (with `r`) and the push about someone else's (without); see
//! [`JoinPublicGroupIncoming`]. 147's reply is a bare JSON array, [`PrivateGroupsReply`].

use serde::{Deserialize, Serialize};

use super::{Empty, ReplyOrPush};

// ---------------------------------------------------------------------------------------------------------------
// 42 create
// ---------------------------------------------------------------------------------------------------------------

/// svc 42, C→S: create a group of `type` (0 private, 1 public) named `name` with `members`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateGroupRequest {
    pub msg_id: i64,
    #[serde(rename = "type")]
    pub group_type: i64,
    pub name: String,
    pub members: Vec<i64>,
}

/// svc 42, S→C: `r` 1 is success. `members` includes the creator, who is `admin` (OQ-12).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateGroupReply {
    pub r: i64,
    #[serde(rename = "type")]
    pub group_type: i64,
    pub group: i64,
    pub msg_id: i64,
    pub admin: i64,
    pub name: String,
    pub members: Vec<i64>,
    pub created: i64,
}

/// svc 143, S→C (all members, all sessions): group created.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupCreatedPush {
    pub group: i64,
    pub admin: i64,
    pub msg_id: i64,
    pub created: i64,
    #[serde(rename = "type")]
    pub group_type: i64,
    pub name: String,
    pub members: Vec<i64>,
}

// ---------------------------------------------------------------------------------------------------------------
// 44 invite
// ---------------------------------------------------------------------------------------------------------------

/// svc 44, C→S: invite `members` into `group`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteGroupRequest {
    pub msg_id: i64,
    pub group: i64,
    pub members: Vec<i64>,
}

/// svc 44, S→C: `r` 0 is success; one [`InviteResult`] per invited user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteGroupReply {
    pub r: i64,
    pub group: i64,
    pub msg_id: i64,
    pub invite_result: Vec<InviteResult>,
    pub created: i64,
}

/// A per-user result of svc 44: `r` 0 added, 1 already a member, 2 unknown user, 3 not allowed (OQ-13,
/// `constants::wire::INVITE_RESULT_*`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InviteResult {
    pub user: i64,
    pub r: i64,
}

/// svc 144, S→C (all members after the change, all sessions): `from` invited `invited`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupInvitedPush {
    pub group: i64,
    pub from: i64,
    pub msg_id: i64,
    pub created: i64,
    pub invited: Vec<i64>,
}

// ---------------------------------------------------------------------------------------------------------------
// 43 leave / kick
// ---------------------------------------------------------------------------------------------------------------

/// svc 43, C→S: remove `leaveUser` from `group` (myself = leave, someone else = kick); an admin leaving names
/// `newAdmin`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaveGroupRequest {
    pub msg_id: i64,
    pub group: i64,
    pub leave_user: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_admin: Option<i64>,
}

/// svc 43, S→C: `r` 0 is success. Note **`leaveUserId`**.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeaveGroupReply {
    pub r: i64,
    pub group: i64,
    pub msg_id: i64,
    pub leave_user_id: i64,
    pub created: i64,
}

/// svc 145, S→C (remaining members and the removed user): `from` removed `leaveUser`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupLeftPush {
    pub group: i64,
    pub from: i64,
    pub msg_id: i64,
    pub created: i64,
    pub leave_user: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_admin: Option<i64>,
}

// ---------------------------------------------------------------------------------------------------------------
// 150 rename
// ---------------------------------------------------------------------------------------------------------------

/// svc 150, C→S: rename `group` to `name`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenameGroupRequest {
    pub msg_id: i64,
    pub group: i64,
    pub name: String,
}

/// svc 150, S→C: `r` 0 is success. Note **`newName`**.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenameGroupReply {
    pub r: i64,
    pub group: i64,
    pub msg_id: i64,
    pub new_name: String,
    pub created: i64,
}

/// svc 152, S→C (all members): `from` renamed the group to `name`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRenamedPush {
    pub group: i64,
    pub from: i64,
    pub msg_id: i64,
    pub created: i64,
    pub name: String,
}

// ---------------------------------------------------------------------------------------------------------------
// 159 change admin
// ---------------------------------------------------------------------------------------------------------------

/// svc 159, C→S: make `newAdmin` the admin of `group`. The original client also sends `from` (its own user id);
/// the server uses the session's user instead, so it is optional.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeAdminRequest {
    pub msg_id: i64,
    pub group: i64,
    pub new_admin: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
}

/// svc 159, S→C: `r` 0 is success.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeAdminReply {
    pub r: i64,
    pub group: i64,
    pub msg_id: i64,
    pub new_admin: i64,
    pub created: i64,
}

/// svc 160, S→C (all members): `from` made `newAdmin` the admin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupAdminChangedPush {
    pub group: i64,
    pub from: i64,
    pub msg_id: i64,
    pub created: i64,
    pub new_admin: i64,
}

// ---------------------------------------------------------------------------------------------------------------
// 197 join public
// ---------------------------------------------------------------------------------------------------------------

/// svc 197, C→S: join public `group`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JoinPublicGroupRequest {
    pub msg_id: i64,
    pub group: i64,
}

/// svc 197 **with `r`**, S→C (to the joining session): `r` 0 is success (also when already a member, OQ-15).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JoinPublicGroupReply {
    pub r: i64,
    pub group: i64,
    pub msg_id: i64,
    pub created: i64,
}

/// svc 197 **without `r`**, S→C (other members and the joiner's other sessions): `from` joined.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupPublicJoinedPush {
    pub from: i64,
    pub group: i64,
    pub msg_id: i64,
    pub created: i64,
}

/// svc 197, S→C: reply (with `r`) or push (without).
pub type JoinPublicGroupIncoming = ReplyOrPush<JoinPublicGroupReply, GroupPublicJoinedPush>;

// ---------------------------------------------------------------------------------------------------------------
// 147 private list, 198 public list
// ---------------------------------------------------------------------------------------------------------------

/// svc 147, C→S: my private groups. Body `{}`.
pub type PrivateGroupsRequest = Empty;

/// svc 147, S→C: a **bare JSON array** of the private groups I belong to (OQ-17). No `r`, no `done`; an object body
/// breaks the original client.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PrivateGroupsReply(pub Vec<PrivateGroupItem>);

/// An item of [`PrivateGroupsReply`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrivateGroupItem {
    pub group_id: i64,
    pub name: String,
    pub admin: i64,
    pub members: Vec<i64>,
}

/// svc 198, C→S: the public group directory. Body `{}`.
pub type PublicGroupsRequest = Empty;

/// svc 198, S→C: one packet of public groups (at most `constants::limits::MAX_PUBLIC_GROUPS_PER_PACKET` items);
/// the packet with `done: 1` completes the list. No `r`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicGroupsReply {
    pub done: i64,
    pub list: Vec<PublicGroupItem>,
}

/// An item of [`PublicGroupsReply`]: `count` members; `inGroup` and `autoJoin` are 0/1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicGroupItem {
    pub group_id: i64,
    pub name: String,
    pub admin: i64,
    pub count: i64,
    pub in_group: i64,
    pub auto_join: i64,
}

// ---------------------------------------------------------------------------------------------------------------
// 148 details
// ---------------------------------------------------------------------------------------------------------------

/// svc 148, C→S: details of `group`. \[H\] adds a random `requestId`; \[R\] does not.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupDetailsRequest {
    pub group: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<i64>,
}

/// svc 148, S→C: `r` 0 is success; `requestId` (when given) and `group` are always echoed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupDetailsReply {
    pub r: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<i64>,
    #[serde(rename = "type")]
    pub group_type: i64,
    pub group: i64,
    pub name: String,
    pub admin: i64,
    pub members: Vec<GroupMember>,
}

/// A member in [`GroupDetailsReply`]: `username` is the `azStackUserId`, `online` 1/0, `lastVisitDate` seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupMember {
    pub user_id: i64,
    pub username: String,
    pub fullname: String,
    pub online: i64,
    pub last_visit_date: i64,
}
