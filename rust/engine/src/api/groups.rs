//! Groups: createGroup, inviteGroup, leaveGroup, renameGroup, changeAdminGroup, joinPublicGroup, getDetailsGroup,
//! getListGroups (PROTOCOL.md §3.29–§3.36).
//!
//! Each action carries a fresh `msgId` (the id of the system message it creates, §6.2). Fixed quirks: `renameGroup`
//! accepts the name `"0"` (Q7, the original meant to forbid the empty string, which "required" already does) and
//! `getListGroups` requires `groupType` (Q6).

use azstack_protocol::Service;
use azstack_protocol::bodies::Empty;
use azstack_protocol::bodies::groups::{
    ChangeAdminReply, ChangeAdminRequest, CreateGroupReply, CreateGroupRequest, GroupDetailsReply, GroupDetailsRequest,
    GroupPublicJoinedPush, InviteGroupReply, InviteGroupRequest, JoinPublicGroupReply, JoinPublicGroupRequest,
    LeaveGroupReply, LeaveGroupRequest, PrivateGroupsReply, PublicGroupsReply, RenameGroupReply, RenameGroupRequest,
};
use azstack_protocol::constants::{group, list, wire};
use azstack_protocol::errors::ApiError;
use serde_json::Value;

use super::conversations::id_rule;
use super::{decode_reply, gather};
use crate::core::area_handle;
use crate::events::Event;
use crate::ids::random_request_number;
use crate::mapping;
use crate::model::{
    GroupAdminChange, GroupCreated, GroupDetails, GroupInvitation, GroupJoin, GroupLeave, GroupList, GroupRename,
    GroupSummary, UserInfo,
};
use crate::requests::{DEFAULT_KEY, Uncall};
use crate::validate::{self, Kind, Rule};

/// `createGroup({type, name, memberIds})`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateGroupOptions {
    pub group_type: i64,
    pub name: String,
    pub member_ids: Vec<i64>,
}

impl CreateGroupOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing create group params")?;
        Rule::field(o, "type")
            .required()
            .one_of(&[group::GROUP_TYPE_PRIVATE, group::GROUP_TYPE_PUBLIC])
            .kind(Kind::Number)
            .check()?;
        Rule::field(o, "name").required().kind(Kind::String).check()?;
        Rule::field(o, "memberIds").required().not_empty().kind(Kind::Array).check()?;
        validate::all_numbers(o, "memberIds")?;
        Ok(Self {
            group_type: validate::int(o, "type"),
            name: validate::string(o, "name"),
            member_ids: validate::int_list(o, "memberIds"),
        })
    }
}

/// `inviteGroup({groupId, inviteIds})`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteGroupOptions {
    pub group_id: i64,
    pub invite_ids: Vec<i64>,
}

impl InviteGroupOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing invite group params")?;
        id_rule(o, "groupId").check()?;
        Rule::field(o, "inviteIds").required().not_empty().kind(Kind::Array).check()?;
        validate::all_numbers(o, "inviteIds")?;
        Ok(Self { group_id: validate::int(o, "groupId"), invite_ids: validate::int_list(o, "inviteIds") })
    }
}

/// `leaveGroup({groupId, leaveId, newAdminId?})`: leave (`leaveId` = me) or remove a member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaveGroupOptions {
    pub group_id: i64,
    pub leave_id: i64,
    pub new_admin_id: Option<i64>,
}

impl LeaveGroupOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing leave group params")?;
        id_rule(o, "groupId").check()?;
        id_rule(o, "leaveId").check()?;
        Rule::field(o, "newAdminId").not_equal(0).kind(Kind::Number).check()?;
        Ok(Self {
            group_id: validate::int(o, "groupId"),
            leave_id: validate::int(o, "leaveId"),
            new_admin_id: validate::opt_int(o, "newAdminId"),
        })
    }
}

/// `renameGroup({groupId, newName})`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenameGroupOptions {
    pub group_id: i64,
    pub new_name: String,
}

impl RenameGroupOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing rename group params")?;
        id_rule(o, "groupId").check()?;
        Rule::field(o, "newName").required().kind(Kind::String).check()?;
        Ok(Self { group_id: validate::int(o, "groupId"), new_name: validate::string(o, "newName") })
    }
}

/// `changeAdminGroup({groupId, newAdminId})`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeAdminOptions {
    pub group_id: i64,
    pub new_admin_id: i64,
}

impl ChangeAdminOptions {
    pub fn from_json(params: &Value) -> Result<Self, ApiError> {
        let o = validate::options(params, "Missing change admin group params")?;
        id_rule(o, "groupId").check()?;
        id_rule(o, "newAdminId").check()?;
        Ok(Self { group_id: validate::int(o, "groupId"), new_admin_id: validate::int(o, "newAdminId") })
    }
}

/// The `{groupId}` options of joinPublicGroup and getDetailsGroup.
pub fn group_id_from_json(params: &Value, missing: &str) -> Result<i64, ApiError> {
    let o = validate::options(params, missing)?;
    id_rule(o, "groupId").check()?;
    Ok(validate::int(o, "groupId"))
}

/// `getListGroups({groupType})`: 0 private, 1 public.
pub fn group_type_from_json(params: &Value) -> Result<i64, ApiError> {
    let o = validate::options(params, "Missing groups params")?;
    Rule::field(o, "groupType")
        .required()
        .one_of(&[group::GROUP_TYPE_PRIVATE, group::GROUP_TYPE_PUBLIC])
        .kind(Kind::Number)
        .check()?;
    Ok(validate::int(o, "groupType"))
}

area_handle! {
    /// Groups: `engine.groups()`.
    Groups {  }
}

impl Groups {
    pub async fn create_group(&self, o: CreateGroupOptions) -> Result<GroupCreated, ApiError> {
        let body = CreateGroupRequest {
            msg_id: self.next_id(),
            group_type: o.group_type,
            name: o.name,
            members: o.member_ids,
        };
        let mut pending = self
            .request(
                Uncall::GroupCreate,
                DEFAULT_KEY,
                Service::GROUP_CREATE,
                &body,
                "Cannot send create group data, send create group fail",
            )
            .await?;
        let r: CreateGroupReply = decode_reply(&pending.next().await?, &[1], "create group")?;
        Ok(GroupCreated {
            group_type: r.group_type,
            group_id: r.group,
            msg_id: r.msg_id,
            admin_id: r.admin,
            name: r.name,
            member_ids: r.members,
            created: r.created,
        })
    }

    pub async fn invite_group(&self, o: InviteGroupOptions) -> Result<GroupInvitation, ApiError> {
        let body = InviteGroupRequest { msg_id: self.next_id(), group: o.group_id, members: o.invite_ids };
        let mut pending = self
            .request(
                Uncall::GroupInvite,
                DEFAULT_KEY,
                Service::GROUP_INVITE,
                &body,
                "Cannot send invite group data, send invite group fail",
            )
            .await?;
        let r: InviteGroupReply = decode_reply(&pending.next().await?, &[0], "invite group")?;
        let invite_ids = r.invite_result.iter().filter(|i| i.r == wire::INVITE_RESULT_ADDED).map(|i| i.user).collect();
        Ok(GroupInvitation { group_id: r.group, msg_id: r.msg_id, invite_ids, created: r.created })
    }

    pub async fn leave_group(&self, o: LeaveGroupOptions) -> Result<GroupLeave, ApiError> {
        let body = LeaveGroupRequest {
            msg_id: self.next_id(),
            group: o.group_id,
            leave_user: o.leave_id,
            new_admin: o.new_admin_id,
        };
        let mut pending = self
            .request(
                Uncall::GroupLeave,
                DEFAULT_KEY,
                Service::GROUP_LEAVE,
                &body,
                "Cannot send leave group data, send leave group fail",
            )
            .await?;
        let r: LeaveGroupReply = decode_reply(&pending.next().await?, &[0], "leave group")?;
        Ok(GroupLeave { group_id: r.group, msg_id: r.msg_id, leave_id: r.leave_user_id, created: r.created })
    }

    pub async fn rename_group(&self, o: RenameGroupOptions) -> Result<GroupRename, ApiError> {
        let body = RenameGroupRequest { msg_id: self.next_id(), group: o.group_id, name: o.new_name };
        let mut pending = self
            .request(
                Uncall::GroupRename,
                DEFAULT_KEY,
                Service::GROUP_RENAME,
                &body,
                "Cannot send rename group data, send rename group fail",
            )
            .await?;
        let r: RenameGroupReply = decode_reply(&pending.next().await?, &[0], "rename group")?;
        Ok(GroupRename { group_id: r.group, msg_id: r.msg_id, new_name: r.new_name, created: r.created })
    }

    pub async fn change_admin_group(&self, o: ChangeAdminOptions) -> Result<GroupAdminChange, ApiError> {
        let body = ChangeAdminRequest {
            msg_id: self.next_id(),
            group: o.group_id,
            new_admin: o.new_admin_id,
            from: Some(self.my_id()),
        };
        let mut pending = self
            .request(
                Uncall::GroupChangeAdmin,
                DEFAULT_KEY,
                Service::GROUP_CHANGE_ADMIN,
                &body,
                "Cannot send change admin group data, send change admin group fail",
            )
            .await?;
        let r: ChangeAdminReply = decode_reply(&pending.next().await?, &[0], "change admin group")?;
        Ok(GroupAdminChange { group_id: r.group, msg_id: r.msg_id, new_admin_id: r.new_admin, created: r.created })
    }

    /// Joins a public group; fires my own `onGroupPublicJoined` before resolving, as the original does.
    pub async fn join_public_group(&self, group_id: i64) -> Result<GroupJoin, ApiError> {
        let body = JoinPublicGroupRequest { msg_id: self.next_id(), group: group_id };
        let mut pending = self
            .request(
                Uncall::GroupJoinPublic,
                DEFAULT_KEY,
                Service::GROUP_JOIN_PUBLIC,
                &body,
                "Cannot send join public group data, send join public group fail",
            )
            .await?;
        let r: JoinPublicGroupReply = decode_reply(&pending.next().await?, &[0], "join public group")?;
        let me = self.my_id();
        let joined = GroupPublicJoinedPush { from: me, group: r.group, msg_id: r.msg_id, created: r.created };
        self.emit(Event::GroupPublicJoined(mapping::group_public_joined(&joined)));
        Ok(GroupJoin { group_id: r.group, msg_id: r.msg_id, join_id: me, created: r.created })
    }

    pub async fn get_details_group(&self, group_id: i64) -> Result<GroupDetails, ApiError> {
        let request_id = random_request_number();
        let body = GroupDetailsRequest { group: group_id, request_id: Some(request_id) };
        let mut pending = self
            .request(
                Uncall::GroupGetDetails,
                request_id.to_string(),
                Service::GROUP_GET_DETAILS,
                &body,
                "Cannot send get details group data, send get details group fail",
            )
            .await?;
        let r: GroupDetailsReply = decode_reply(&pending.next().await?, &[0], "get details group")?;
        Ok(GroupDetails {
            group_type: r.group_type,
            group_id: r.group,
            name: r.name,
            admin_id: r.admin,
            member_ids: r.members.iter().map(|m| m.user_id).collect(),
            members: r
                .members
                .into_iter()
                .map(|m| UserInfo {
                    user_id: m.user_id,
                    az_stack_user_id: m.username,
                    fullname: m.fullname,
                    status: m.online,
                    last_visit_date: m.last_visit_date,
                })
                .collect(),
        })
    }

    /// Private groups I belong to (one 147 packet) or public groups (198 packets until `done`).
    pub async fn get_list_groups(&self, group_type: i64) -> Result<GroupList, ApiError> {
        const SEND_FAIL: &str = "Cannot send get groups data, get groups fail";
        const OP: &str = "get groups";
        if group_type == group::GROUP_TYPE_PRIVATE {
            let mut pending = self
                .request(Uncall::GroupGetList, DEFAULT_KEY, Service::GROUP_GET_LIST_PRIVATE, &Empty {}, SEND_FAIL)
                .await?;
            let PrivateGroupsReply(groups) = decode_reply(&pending.next().await?, &[], OP)?;
            let list = groups
                .into_iter()
                .map(|g| GroupSummary {
                    group_type: group::GROUP_TYPE_PRIVATE,
                    group_id: g.group_id,
                    name: g.name,
                    admin_id: g.admin,
                    members_count: g.members.len() as i64,
                    is_in: group::GROUP_IS_IN,
                    is_autojoin: group::GROUP_IS_NOT_AUTO_JOIN,
                })
                .collect();
            return Ok(GroupList { done: list::GET_LIST_DONE, list });
        }
        let mut pending = self
            .request(Uncall::GroupGetList, DEFAULT_KEY, Service::GROUP_GET_LIST_PUBLIC, &Empty {}, SEND_FAIL)
            .await?;
        let list = gather(&mut pending, &[], OP, |reply: PublicGroupsReply| {
            let groups = reply.list.into_iter().map(|g| GroupSummary {
                group_type: group::GROUP_TYPE_PUBLIC,
                group_id: g.group_id,
                name: g.name,
                admin_id: g.admin,
                members_count: g.count,
                is_in: g.in_group,
                is_autojoin: g.auto_join,
            });
            (reply.done, groups.collect())
        })
        .await?;
        Ok(GroupList { done: list::GET_LIST_DONE, list })
    }
}
