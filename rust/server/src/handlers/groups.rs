//! Groups (PROTOCOL.md §3.29–§3.36, §4.3, §6.6, §11.3): the six actions — create 42, invite 44, leave/kick 43,
//! rename 150, change admin 159, join public 197 — and the three queries — my private groups 147, details 148,
//! the public directory 198.
//!
//! # Actions
//!
//! An action is checked, applied and recorded as a system message in one store transaction
//! ([`crate::store::groups`]), then announced, then answered:
//!
//! 1. **Fan-out first.** The push (143/144/145/152/160) goes to every session of every member concerned, the
//!    requesting session included (OQ-33: the original SDK refreshes its UI from the push, not from the reply). The
//!    197 push is the exception: it carries no `r` and goes to the other members and to the joiner's *other*
//!    sessions, never to the requesting one, whose client raises the event itself.
//! 2. **Reply last**, on the request's service, with the service's success `r` (1 for 42, 0 for the others) and
//!    the server's `created` (ms), so that after the reply everything the action fanned out has been sent.
//!
//! The rules (OQ-12..OQ-15): the creator is the admin and the first member, the other members are the requested ids
//! that are users of the same tenant (application and namespace), without duplicates; only members invite, and each invited user gets a
//! result code (0 added, 1 already a member, 2 unknown user, 3 not allowed); only the admin kicks; an admin leaving
//! a group that still has other members must name another member as `newAdmin`; the last member leaving deletes the
//! group; only members rename; only the admin hands the admin role on, to a member; only public groups can be
//! joined, and joining one I am already in succeeds without a new system message.
//!
//! # Resends
//!
//! An action whose `(group, actor, msgId)` is already stored is a resend (PROTOCOL.md §6.2, D7): it is answered
//! again from the stored system message, with its original `created`, and nothing is changed or pushed again. A
//! resent 42 is recognised by a 143 message of the creator with the same `msgId`, name and type. A resent 44 is recognised
//! only from a member: its reply says who is in the group now, which someone removed since must not learn.
//!
//! # Refusals
//!
//! A refused action or query gets its service's reply with a failing `r` and a `message`, echoing `group` and
//! `msgId` (148: `requestId` and `group`). The failing value is 1 for the services whose success is 0 (OQ-14 and
//! OQ-16 name `r: 1`), and −1 for 42, whose success is 1. A failure of the store is answered the same way before it
//! is logged, so a client never waits for its timeout. A non-member never receives anything about a private group:
//! a private group is "unknown" to the 148 and 197 of a non-member, exactly like a group that does not exist.

use std::collections::HashSet;
use std::sync::Arc;

use azstack_protocol::bodies::ErrorReply;
use azstack_protocol::bodies::groups::{
    ChangeAdminReply, ChangeAdminRequest, CreateGroupReply, CreateGroupRequest, GroupAdminChangedPush,
    GroupCreatedPush, GroupDetailsReply, GroupDetailsRequest, GroupInvitedPush, GroupLeftPush, GroupMember,
    GroupPublicJoinedPush, GroupRenamedPush, InviteGroupReply, InviteGroupRequest, InviteResult, JoinPublicGroupReply,
    JoinPublicGroupRequest, LeaveGroupReply, LeaveGroupRequest, PrivateGroupItem, PrivateGroupsReply, PublicGroupItem,
    PublicGroupsReply, RenameGroupReply, RenameGroupRequest,
};
use azstack_protocol::constants::{group as group_consts, limits, wire};
use azstack_protocol::{Envelope, Service};
use serde_json::json;

use super::{Handled, Reject, Services};
use crate::session::{Identity, Session};
use crate::store::groups::SystemMessage;
use crate::store::now_ms;

/// `r` of a refused 42 (success is 1).
const CREATE_FAILED: i64 = -1;
/// `r` of a refused 43/44/150/159/197/148 (success is 0; OQ-14, OQ-16).
const REFUSED: i64 = 1;

pub async fn handle(
    svc: &Arc<Services>,
    session: &Arc<Session>,
    me: &Identity,
    service: Service,
    env: &Envelope,
) -> Handled {
    match service {
        Service::GROUP_CREATE => {
            let req: CreateGroupRequest = env.decode()?;
            let out = create(svc, session, me, &req).await;
            answer_store_failure(session, service, None, Some(req.msg_id), out)
        }
        Service::GROUP_INVITE => {
            let req: InviteGroupRequest = env.decode()?;
            let out = invite(svc, session, me, &req).await;
            answer_store_failure(session, service, Some(req.group), Some(req.msg_id), out)
        }
        Service::GROUP_LEAVE => {
            let req: LeaveGroupRequest = env.decode()?;
            let out = leave(svc, session, me, &req).await;
            answer_store_failure(session, service, Some(req.group), Some(req.msg_id), out)
        }
        Service::GROUP_RENAME => {
            let req: RenameGroupRequest = env.decode()?;
            let out = rename(svc, session, me, &req).await;
            answer_store_failure(session, service, Some(req.group), Some(req.msg_id), out)
        }
        Service::GROUP_CHANGE_ADMIN => {
            let req: ChangeAdminRequest = env.decode()?;
            let out = change_admin(svc, session, me, &req).await;
            answer_store_failure(session, service, Some(req.group), Some(req.msg_id), out)
        }
        Service::GROUP_JOIN_PUBLIC => {
            let req: JoinPublicGroupRequest = env.decode()?;
            let out = join_public(svc, session, me, &req).await;
            answer_store_failure(session, service, Some(req.group), Some(req.msg_id), out)
        }
        Service::GROUP_GET_DETAILS => {
            let req: GroupDetailsRequest = env.decode()?;
            let out = details(svc, session, me, &req).await;
            if matches!(out, Err(Reject::Store(_))) {
                session.send(service, &details_error(&req, "the server could not read the group"));
            }
            out
        }
        Service::GROUP_GET_LIST_PRIVATE => private_groups(svc, session, me).await,
        Service::GROUP_GET_LIST_PUBLIC => public_groups(svc, session, me).await,
        _ => Err(Reject::Refused("not a group service")),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Replies shared by the actions
// ---------------------------------------------------------------------------------------------------------------

/// Sends the failed reply of an action: `r` failing for `service`, `message`, and the correlation keys.
fn refuse(session: &Session, service: Service, group: Option<i64>, msg_id: i64, message: &str) -> Handled {
    let r = if service == Service::GROUP_CREATE { CREATE_FAILED } else { REFUSED };
    session.send(
        service,
        &ErrorReply { r, message: Some(message.to_owned()), group, msg_id: Some(msg_id), ..Default::default() },
    );
    Ok(())
}

/// A store failure inside an action still gets an answer (so the client does not wait for its timeout), then is
/// reported to the gateway.
fn answer_store_failure(
    session: &Session,
    service: Service,
    group: Option<i64>,
    msg_id: Option<i64>,
    out: Handled,
) -> Handled {
    if matches!(out, Err(Reject::Store(_))) {
        let r = if service == Service::GROUP_CREATE { CREATE_FAILED } else { REFUSED };
        let message = Some("the server could not store the change".to_owned());
        session.send(service, &ErrorReply { r, message, group, msg_id, ..Default::default() });
    }
    out
}

const UNKNOWN_GROUP: &str = "unknown group";
const NOT_A_MEMBER: &str = "you are not a member of this group";
const MSG_ID_TAKEN: &str = "msgId is already used by another message in this group";

/// Removes duplicates, keeping the first occurrence.
fn dedup(ids: &[i64]) -> Vec<i64> {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

/// The ids among `ids` that are users of my application.
async fn known_users(svc: &Services, me: &Identity, ids: &[i64]) -> Result<HashSet<i64>, Reject> {
    Ok(svc.store.users_by_ids(me.tenant(), ids).await?.into_iter().map(|u| u.id).collect())
}

// ---------------------------------------------------------------------------------------------------------------
// 42 create
// ---------------------------------------------------------------------------------------------------------------

async fn create(svc: &Services, session: &Session, me: &Identity, req: &CreateGroupRequest) -> Handled {
    let service = Service::GROUP_CREATE;
    if req.group_type != group_consts::GROUP_TYPE_PRIVATE && req.group_type != group_consts::GROUP_TYPE_PUBLIC {
        return refuse(session, service, None, req.msg_id, "type must be 0 (private) or 1 (public)");
    }
    if req.name.trim().is_empty() {
        return refuse(session, service, None, req.msg_id, "name cannot be empty");
    }
    let max = svc.limits.max_list;
    if req.members.len() > max {
        return refuse(session, service, None, req.msg_id, &format!("at most {max} members"));
    }
    // A resend: the same creator, msgId, name and type.
    let earlier = svc.store.created_group(&me.app_id, me.user_id, req.msg_id).await?;
    if let Some(g) = earlier.into_iter().find(|g| g.name == req.name && g.group_type == req.group_type) {
        let reply = CreateGroupReply {
            r: 1,
            group_type: g.group_type,
            group: g.group,
            msg_id: req.msg_id,
            admin: g.admin,
            name: g.name,
            members: g.members,
            created: g.created,
        };
        session.send(service, &reply);
        return Ok(());
    }
    let requested: Vec<i64> = dedup(&req.members).into_iter().filter(|id| *id != me.user_id).collect();
    let known = known_users(svc, me, &requested).await?;
    let members: Vec<i64> =
        std::iter::once(me.user_id).chain(requested.into_iter().filter(|id| known.contains(id))).collect();
    let created = now_ms();
    let group = svc
        .store
        .create_group(me.tenant(), req.group_type, &req.name, me.user_id, &members, req.msg_id, created)
        .await?;
    let push = GroupCreatedPush {
        group,
        admin: me.user_id,
        msg_id: req.msg_id,
        created,
        group_type: req.group_type,
        name: req.name.clone(),
        members: members.clone(),
    };
    svc.fanout.send_to_users(&members, None, Service::ON_GROUP_CREATED, &push);
    let reply = CreateGroupReply {
        r: 1,
        group_type: req.group_type,
        group,
        msg_id: req.msg_id,
        admin: me.user_id,
        name: req.name.clone(),
        members,
        created,
    };
    session.send(service, &reply);
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// 44 invite
// ---------------------------------------------------------------------------------------------------------------

async fn invite(svc: &Services, session: &Session, me: &Identity, req: &InviteGroupRequest) -> Handled {
    let service = Service::GROUP_INVITE;
    let group_id = Some(req.group);
    if req.members.is_empty() {
        return refuse(session, service, group_id, req.msg_id, "members cannot be empty");
    }
    let max = svc.limits.max_list;
    if req.members.len() > max {
        return refuse(session, service, group_id, req.msg_id, &format!("at most {max} members"));
    }
    let wanted = dedup(&req.members);
    let known = known_users(svc, me, &wanted).await?;
    let Some(mut gtx) = svc.store.begin_group_action(me.tenant(), req.group).await? else {
        return refuse(session, service, group_id, req.msg_id, UNKNOWN_GROUP);
    };
    let members = gtx.members().await?;
    let status = |id: i64, members: &[i64]| {
        if !known.contains(&id) {
            wire::INVITE_RESULT_UNKNOWN_USER
        } else if members.contains(&id) {
            wire::INVITE_RESULT_ALREADY_MEMBER
        } else {
            wire::INVITE_RESULT_NOT_ALLOWED
        }
    };
    // Membership first: a resend is answered with who is in the group now, which a removed member must not learn.
    if !members.contains(&me.user_id) {
        gtx.rollback().await?;
        let results: Vec<_> =
            wanted.iter().map(|&user| InviteResult { user, r: wire::INVITE_RESULT_NOT_ALLOWED }).collect();
        session.send(
            service,
            &json!({"r": REFUSED, "message": NOT_A_MEMBER, "group": req.group, "msgId": req.msg_id,
                    "inviteResult": results}),
        );
        return Ok(());
    }
    if let Some(earlier) = gtx.stored_action(me.user_id, req.msg_id).await? {
        gtx.rollback().await?;
        let Some(SystemMessage::Invited { invited, .. }) = earlier.message else {
            return refuse(session, service, group_id, req.msg_id, MSG_ID_TAKEN);
        };
        let invite_result = wanted
            .iter()
            .map(|&user| InviteResult {
                user,
                r: if invited.contains(&user) { wire::INVITE_RESULT_ADDED } else { status(user, &members) },
            })
            .collect();
        let reply =
            InviteGroupReply { r: 0, group: req.group, msg_id: req.msg_id, invite_result, created: earlier.created };
        session.send(service, &reply);
        return Ok(());
    }
    let created = now_ms();
    let mut invite_result = Vec::with_capacity(wanted.len());
    let mut added = Vec::new();
    for &user in &wanted {
        let r = if !known.contains(&user) || members.contains(&user) {
            status(user, &members)
        } else if gtx.add_member(user, created).await? {
            added.push(user);
            wire::INVITE_RESULT_ADDED
        } else {
            wire::INVITE_RESULT_ALREADY_MEMBER
        };
        invite_result.push(InviteResult { user, r });
    }
    if added.is_empty() {
        // Nobody joined: nothing to record or announce.
        gtx.rollback().await?;
        session.send(service, &InviteGroupReply { r: 0, group: req.group, msg_id: req.msg_id, invite_result, created });
        return Ok(());
    }
    let message = SystemMessage::Invited { group: req.group, invited: added.clone() };
    if gtx.record(me.user_id, req.msg_id, &message, created).await?.is_none() {
        gtx.rollback().await?;
        return refuse(session, service, group_id, req.msg_id, MSG_ID_TAKEN);
    }
    gtx.commit().await?;
    let recipients: Vec<i64> = members.iter().chain(added.iter()).copied().collect();
    let push = GroupInvitedPush { group: req.group, from: me.user_id, msg_id: req.msg_id, created, invited: added };
    svc.fanout.send_to_users(&recipients, None, Service::ON_GROUP_INVITED, &push);
    session.send(service, &InviteGroupReply { r: 0, group: req.group, msg_id: req.msg_id, invite_result, created });
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// 43 leave / kick
// ---------------------------------------------------------------------------------------------------------------

async fn leave(svc: &Services, session: &Session, me: &Identity, req: &LeaveGroupRequest) -> Handled {
    let service = Service::GROUP_LEAVE;
    let group_id = Some(req.group);
    let Some(mut gtx) = svc.store.begin_group_action(me.tenant(), req.group).await? else {
        return refuse(session, service, group_id, req.msg_id, UNKNOWN_GROUP);
    };
    if let Some(earlier) = gtx.stored_action(me.user_id, req.msg_id).await? {
        gtx.rollback().await?;
        let Some(SystemMessage::Left { leave_user, .. }) = earlier.message else {
            return refuse(session, service, group_id, req.msg_id, MSG_ID_TAKEN);
        };
        let reply = LeaveGroupReply {
            r: 0,
            group: req.group,
            msg_id: req.msg_id,
            leave_user_id: leave_user,
            created: earlier.created,
        };
        session.send(service, &reply);
        return Ok(());
    }
    let members = gtx.members().await?;
    let refusal = if !members.contains(&me.user_id) {
        Some(NOT_A_MEMBER)
    } else if !members.contains(&req.leave_user) {
        Some("leaveUser is not a member of this group")
    } else if req.leave_user != me.user_id && gtx.group.admin_id != me.user_id {
        Some("only the admin may remove other members")
    } else {
        None
    };
    if let Some(why) = refusal {
        gtx.rollback().await?;
        return refuse(session, service, group_id, req.msg_id, why);
    }
    let remaining: Vec<i64> = members.iter().copied().filter(|id| *id != req.leave_user).collect();
    // The admin leaving a group that others remain in hands the role to one of them.
    let mut new_admin = None;
    if req.leave_user == me.user_id && gtx.group.admin_id == me.user_id && !remaining.is_empty() {
        match req.new_admin {
            Some(next) if next != me.user_id && remaining.contains(&next) => new_admin = Some(next),
            Some(_) => {
                gtx.rollback().await?;
                return refuse(session, service, group_id, req.msg_id, "newAdmin must be another member of the group");
            }
            None => {
                gtx.rollback().await?;
                return refuse(session, service, group_id, req.msg_id, "the admin must name newAdmin to leave");
            }
        }
    }
    let created = now_ms();
    gtx.remove_member(req.leave_user).await?;
    if remaining.is_empty() {
        // The last member left: the group is gone, with its history.
        gtx.delete_group().await?;
    } else {
        if let Some(next) = new_admin {
            gtx.set_admin(next).await?;
        }
        let message = SystemMessage::Left { group: req.group, leave_user: req.leave_user, new_admin };
        if gtx.record(me.user_id, req.msg_id, &message, created).await?.is_none() {
            gtx.rollback().await?;
            return refuse(session, service, group_id, req.msg_id, MSG_ID_TAKEN);
        }
    }
    gtx.commit().await?;
    let recipients: Vec<i64> = remaining.iter().copied().chain(std::iter::once(req.leave_user)).collect();
    let push = GroupLeftPush {
        group: req.group,
        from: me.user_id,
        msg_id: req.msg_id,
        created,
        leave_user: req.leave_user,
        new_admin,
    };
    svc.fanout.send_to_users(&recipients, None, Service::ON_GROUP_LEFT, &push);
    let reply = LeaveGroupReply { r: 0, group: req.group, msg_id: req.msg_id, leave_user_id: req.leave_user, created };
    session.send(service, &reply);
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// 150 rename
// ---------------------------------------------------------------------------------------------------------------

async fn rename(svc: &Services, session: &Session, me: &Identity, req: &RenameGroupRequest) -> Handled {
    let service = Service::GROUP_RENAME;
    let group_id = Some(req.group);
    if req.name.trim().is_empty() {
        return refuse(session, service, group_id, req.msg_id, "name cannot be empty");
    }
    let Some(mut gtx) = svc.store.begin_group_action(me.tenant(), req.group).await? else {
        return refuse(session, service, group_id, req.msg_id, UNKNOWN_GROUP);
    };
    if let Some(earlier) = gtx.stored_action(me.user_id, req.msg_id).await? {
        gtx.rollback().await?;
        let Some(SystemMessage::Renamed { name, .. }) = earlier.message else {
            return refuse(session, service, group_id, req.msg_id, MSG_ID_TAKEN);
        };
        let reply =
            RenameGroupReply { r: 0, group: req.group, msg_id: req.msg_id, new_name: name, created: earlier.created };
        session.send(service, &reply);
        return Ok(());
    }
    let members = gtx.members().await?;
    if !members.contains(&me.user_id) {
        gtx.rollback().await?;
        return refuse(session, service, group_id, req.msg_id, NOT_A_MEMBER);
    }
    let created = now_ms();
    gtx.rename(&req.name).await?;
    let message = SystemMessage::Renamed { group: req.group, name: req.name.clone() };
    if gtx.record(me.user_id, req.msg_id, &message, created).await?.is_none() {
        gtx.rollback().await?;
        return refuse(session, service, group_id, req.msg_id, MSG_ID_TAKEN);
    }
    gtx.commit().await?;
    let push =
        GroupRenamedPush { group: req.group, from: me.user_id, msg_id: req.msg_id, created, name: req.name.clone() };
    svc.fanout.send_to_users(&members, None, Service::ON_GROUP_RENAMED, &push);
    let reply = RenameGroupReply { r: 0, group: req.group, msg_id: req.msg_id, new_name: req.name.clone(), created };
    session.send(service, &reply);
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// 159 change admin
// ---------------------------------------------------------------------------------------------------------------

async fn change_admin(svc: &Services, session: &Session, me: &Identity, req: &ChangeAdminRequest) -> Handled {
    let service = Service::GROUP_CHANGE_ADMIN;
    let group_id = Some(req.group);
    let Some(mut gtx) = svc.store.begin_group_action(me.tenant(), req.group).await? else {
        return refuse(session, service, group_id, req.msg_id, UNKNOWN_GROUP);
    };
    if let Some(earlier) = gtx.stored_action(me.user_id, req.msg_id).await? {
        gtx.rollback().await?;
        let Some(SystemMessage::AdminChanged { new_admin, .. }) = earlier.message else {
            return refuse(session, service, group_id, req.msg_id, MSG_ID_TAKEN);
        };
        let reply =
            ChangeAdminReply { r: 0, group: req.group, msg_id: req.msg_id, new_admin, created: earlier.created };
        session.send(service, &reply);
        return Ok(());
    }
    let members = gtx.members().await?;
    let refusal = if !members.contains(&me.user_id) {
        Some(NOT_A_MEMBER)
    } else if gtx.group.admin_id != me.user_id {
        Some("only the admin may change the admin")
    } else if !members.contains(&req.new_admin) {
        Some("newAdmin is not a member of this group")
    } else {
        None
    };
    if let Some(why) = refusal {
        gtx.rollback().await?;
        return refuse(session, service, group_id, req.msg_id, why);
    }
    let created = now_ms();
    gtx.set_admin(req.new_admin).await?;
    let message = SystemMessage::AdminChanged { group: req.group, new_admin: req.new_admin };
    if gtx.record(me.user_id, req.msg_id, &message, created).await?.is_none() {
        gtx.rollback().await?;
        return refuse(session, service, group_id, req.msg_id, MSG_ID_TAKEN);
    }
    gtx.commit().await?;
    let push = GroupAdminChangedPush {
        group: req.group,
        from: me.user_id,
        msg_id: req.msg_id,
        created,
        new_admin: req.new_admin,
    };
    svc.fanout.send_to_users(&members, None, Service::ON_GROUP_ADMIN_CHANGED, &push);
    let reply = ChangeAdminReply { r: 0, group: req.group, msg_id: req.msg_id, new_admin: req.new_admin, created };
    session.send(service, &reply);
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// 197 join public
// ---------------------------------------------------------------------------------------------------------------

async fn join_public(svc: &Services, session: &Session, me: &Identity, req: &JoinPublicGroupRequest) -> Handled {
    let service = Service::GROUP_JOIN_PUBLIC;
    let group_id = Some(req.group);
    // A private group is as unknown as a missing one to someone outside it.
    const NO_PUBLIC_GROUP: &str = "no such public group";
    let Some(mut gtx) = svc.store.begin_group_action(me.tenant(), req.group).await? else {
        return refuse(session, service, group_id, req.msg_id, NO_PUBLIC_GROUP);
    };
    if gtx.group.kind != group_consts::GROUP_TYPE_PUBLIC {
        gtx.rollback().await?;
        return refuse(session, service, group_id, req.msg_id, NO_PUBLIC_GROUP);
    }
    if let Some(earlier) = gtx.stored_action(me.user_id, req.msg_id).await? {
        gtx.rollback().await?;
        if !matches!(earlier.message, Some(SystemMessage::Joined { .. })) {
            return refuse(session, service, group_id, req.msg_id, MSG_ID_TAKEN);
        }
        session.send(
            service,
            &JoinPublicGroupReply { r: 0, group: req.group, msg_id: req.msg_id, created: earlier.created },
        );
        return Ok(());
    }
    let members = gtx.members().await?;
    let created = now_ms();
    if members.contains(&me.user_id) {
        // Already in (OQ-15): success, nothing recorded or announced.
        gtx.rollback().await?;
        session.send(service, &JoinPublicGroupReply { r: 0, group: req.group, msg_id: req.msg_id, created });
        return Ok(());
    }
    gtx.add_member(me.user_id, created).await?;
    let message = SystemMessage::Joined { group: req.group, from: me.user_id };
    if gtx.record(me.user_id, req.msg_id, &message, created).await?.is_none() {
        gtx.rollback().await?;
        return refuse(session, service, group_id, req.msg_id, MSG_ID_TAKEN);
    }
    gtx.commit().await?;
    // Without `r`, to the other members and to my other sessions; never to this session.
    let recipients: Vec<i64> = members.iter().copied().chain(std::iter::once(me.user_id)).collect();
    let push = GroupPublicJoinedPush { from: me.user_id, group: req.group, msg_id: req.msg_id, created };
    svc.fanout.send_to_users(&recipients, Some(session.id), service, &push);
    session.send(service, &JoinPublicGroupReply { r: 0, group: req.group, msg_id: req.msg_id, created });
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// 147 / 198 lists, 148 details
// ---------------------------------------------------------------------------------------------------------------

/// 147: a bare JSON array of my private groups (OQ-17).
async fn private_groups(svc: &Services, session: &Session, me: &Identity) -> Handled {
    let groups = svc.store.private_groups_of(&me.app_id, me.user_id).await?;
    let items = groups
        .into_iter()
        .map(|g| PrivateGroupItem { group_id: g.id, name: g.name, admin: g.admin_id, members: g.members })
        .collect();
    session.send(Service::GROUP_GET_LIST_PRIVATE, &PrivateGroupsReply(items));
    Ok(())
}

/// 198: the public groups of my application, at most 100 per packet; every packet but the last has `done: 0`.
async fn public_groups(svc: &Services, session: &Session, me: &Identity) -> Handled {
    let per_packet = limits::MAX_PUBLIC_GROUPS_PER_PACKET;
    let fetch = i64::try_from(per_packet + 1).unwrap_or(i64::MAX);
    let mut after = 0;
    loop {
        let mut page = svc.store.public_groups_page(me.tenant(), me.user_id, after, fetch).await?;
        let more = page.len() > per_packet;
        page.truncate(per_packet);
        after = page.last().map_or(after, |g| g.id);
        let list = page
            .into_iter()
            .map(|g| PublicGroupItem {
                group_id: g.id,
                name: g.name,
                admin: g.admin_id,
                count: g.count,
                in_group: g.in_group.min(1),
                auto_join: g.auto_join,
            })
            .collect();
        session.send(Service::GROUP_GET_LIST_PUBLIC, &PublicGroupsReply { done: i64::from(!more), list });
        if !more {
            return Ok(());
        }
    }
}

fn details_error(req: &GroupDetailsRequest, message: &str) -> ErrorReply {
    ErrorReply {
        r: REFUSED,
        message: Some(message.to_owned()),
        request_id: req.request_id,
        group: Some(req.group),
        ..Default::default()
    }
}

/// 148: a group's details with its members; a private group only for its members (OQ-16).
async fn details(svc: &Services, session: &Session, me: &Identity, req: &GroupDetailsRequest) -> Handled {
    let service = Service::GROUP_GET_DETAILS;
    let visible = match svc.store.group(me.tenant(), req.group).await? {
        Some(g) if g.kind == group_consts::GROUP_TYPE_PUBLIC => Some(g),
        Some(g) if svc.store.is_group_member(g.id, me.user_id).await? => Some(g),
        _ => None,
    };
    let Some(group) = visible else {
        session.send(service, &details_error(req, "unknown group, or a private group you are not a member of"));
        return Ok(());
    };
    let users = svc.store.group_member_users(group.id).await?;
    let members = users
        .into_iter()
        .map(|u| GroupMember {
            online: i64::from(svc.fanout.is_online(u.id)),
            user_id: u.id,
            username: u.username,
            fullname: u.fullname,
            last_visit_date: u.last_visit,
        })
        .collect();
    let reply = GroupDetailsReply {
        r: 0,
        request_id: req.request_id,
        group_type: group.kind,
        group: group.id,
        name: group.name,
        admin: group.admin_id,
        members,
    };
    session.send(service, &reply);
    Ok(())
}
