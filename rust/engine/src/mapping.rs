//! Wire bodies → API results (PROTOCOL.md §4.2, §4.3, §6.5, §3.19).
//!
//! The same message looks different on every path: a push (`73`, `146`, ...), an item of a history page, and a
//! conversation's `lastMsg` use different keys (`msgId`/`id`, `time`/`created`, `invited`/`invitedMembers`, ...).
//! Each function here reads one of those shapes and builds the one API [`Message`]. They are pure functions, used by
//! the router (pushes) and by the history methods (lists).

use azstack_protocol::bodies::calls::{PaidCallLogEntry, PaidCallLogItem};
use azstack_protocol::bodies::groups::{
    GroupAdminChangedPush, GroupCreatedPush, GroupInvitedPush, GroupLeftPush, GroupPublicJoinedPush, GroupRenamedPush,
};
use azstack_protocol::bodies::history::{FileItem, LastMsg, MessageItem};
use azstack_protocol::bodies::messages::{Content, FileContent, LocationContent, StickerContent};
use azstack_protocol::constants::{chat, wire};

use crate::model::{
    AdminChanged, CreatedGroup, File, Invited, Joined, Left, Location, Message, PaidCallLog, Renamed, Sticker,
};

pub const USER: i64 = chat::CHAT_TYPE_USER;
pub const GROUP: i64 = chat::CHAT_TYPE_GROUP;

/// List `serviceType` values (§6.5).
mod service_type {
    use azstack_protocol::Service;

    pub const USER_TEXT: i64 = Service::MESSAGE_SERVER_WITH_USER_TYPE_TEXT as i64;
    pub const USER_STICKER: i64 = Service::MESSAGE_WITH_USER_TYPE_STICKER as i64;
    pub const USER_LOCATION: i64 = Service::MESSAGE_WITH_USER_TYPE_LOCATION as i64;
    pub const USER_FILE: i64 = Service::MESSAGE_WITH_USER_TYPE_FILE as i64;
    pub const GROUP_MESSAGE: i64 = Service::MESSAGE_HAS_NEW_WITH_GROUP as i64;
    pub const GROUP_CREATED: i64 = Service::ON_GROUP_CREATED as i64;
    pub const GROUP_INVITED: i64 = Service::ON_GROUP_INVITED as i64;
    pub const GROUP_LEFT: i64 = Service::ON_GROUP_LEFT as i64;
    pub const GROUP_RENAMED: i64 = Service::ON_GROUP_RENAMED as i64;
    pub const GROUP_ADMIN_CHANGED: i64 = Service::ON_GROUP_ADMIN_CHANGED as i64;
    pub const GROUP_PUBLIC_JOINED: i64 = Service::GROUP_JOIN_PUBLIC as i64;
}

pub fn sticker(s: &StickerContent) -> Sticker {
    Sticker {
        name: Some(s.img_name.clone()),
        cat_id: Some(s.cat_id),
        url: Some(s.url.clone()),
        width: s.width,
        height: s.height,
    }
}

pub fn file(f: &FileContent) -> File {
    File {
        name: Some(f.file_name.clone()),
        length: Some(f.file_length),
        file_type: Some(f.file_type),
        url: Some(f.url.clone()),
        width: f.width,
        height: f.height,
        duration: f.duration,
    }
}

pub fn location(l: &LocationContent) -> Location {
    Location { address: Some(l.addr.clone()), longitude: Some(l.long), latitude: Some(l.lat) }
}

/// Sets `message_type` and the one content field from wire content.
pub fn with_content(mut m: Message, content: &Content) -> Message {
    m.message_type = content.message_type();
    match content {
        Content::Text { msg } => m.text = Some(msg.clone()),
        Content::Sticker(s) => m.sticker = Some(sticker(s)),
        Content::File(f) => m.file = Some(file(f)),
        Content::Location(l) => m.location = Some(location(l)),
    }
    m
}

/// A message with the common fields set, status SENT, not deleted, `modified = created`.
pub fn base(chat_type: i64, chat_id: i64, sender_id: i64, receiver_id: i64, msg_id: i64, created: i64) -> Message {
    Message {
        chat_type,
        chat_id,
        sender_id,
        receiver_id,
        msg_id,
        status: chat::MESSAGE_STATUS_SENT,
        created,
        modified: created,
        ..Message::default()
    }
}

pub fn group_created(p: &GroupCreatedPush) -> Message {
    Message {
        message_type: chat::MESSAGE_TYPE_GROUP_CREATED,
        created_group: Some(CreatedGroup {
            group_type: Some(p.group_type),
            group_id: p.group,
            admin_id: Some(p.admin),
            name: Some(p.name.clone()),
            member_ids: Some(p.members.clone()),
            created: Some(p.created),
        }),
        ..base(GROUP, p.group, p.admin, p.group, p.msg_id, p.created)
    }
}

pub fn group_invited(p: &GroupInvitedPush) -> Message {
    Message {
        message_type: chat::MESSAGE_TYPE_GROUP_INVITED,
        invited: Some(Invited { group_id: p.group, invite_ids: Some(p.invited.clone()) }),
        ..base(GROUP, p.group, p.from, p.group, p.msg_id, p.created)
    }
}

pub fn group_left(p: &GroupLeftPush) -> Message {
    Message {
        message_type: chat::MESSAGE_TYPE_GROUP_LEFT,
        left: Some(Left { group_id: p.group, leave_id: Some(p.leave_user), new_admin_id: p.new_admin }),
        ..base(GROUP, p.group, p.from, p.group, p.msg_id, p.created)
    }
}

pub fn group_renamed(p: &GroupRenamedPush) -> Message {
    Message {
        message_type: chat::MESSAGE_TYPE_GROUP_RENAMED,
        renamed: Some(Renamed { group_id: p.group, new_name: Some(p.name.clone()) }),
        ..base(GROUP, p.group, p.from, p.group, p.msg_id, p.created)
    }
}

pub fn group_admin_changed(p: &GroupAdminChangedPush) -> Message {
    Message {
        message_type: chat::MESSAGE_TYPE_GROUP_ADMIN_CHANGED,
        admin_changed: Some(AdminChanged { group_id: p.group, new_admin_id: Some(p.new_admin) }),
        ..base(GROUP, p.group, p.from, p.group, p.msg_id, p.created)
    }
}

pub fn group_public_joined(p: &GroupPublicJoinedPush) -> Message {
    Message {
        message_type: chat::MESSAGE_TYPE_GROUP_PUBLIC_JOINED,
        joined: Some(Joined { group_id: p.group, join_id: Some(p.from) }),
        ..base(GROUP, p.group, p.from, p.group, p.msg_id, p.created)
    }
}

/// One item of a 173/169 page (§6.5); `chat_type`/`chat_id` come from the page.
pub fn list_item(chat_type: i64, chat_id: i64, item: &MessageItem) -> Message {
    let mut m = Message {
        chat_type,
        chat_id,
        sender_id: item.sender_id,
        receiver_id: item.receiver_id,
        msg_id: item.msg_id,
        status: item.status,
        deleted: item.deleted,
        created: item.created,
        modified: item.modified,
        ..Message::default()
    };
    let group = item.group.unwrap_or(chat_id);
    match item.service_type {
        service_type::USER_TEXT
        | service_type::USER_STICKER
        | service_type::USER_FILE
        | service_type::USER_LOCATION
        | service_type::GROUP_MESSAGE => {
            if let Some(content) = item.content() {
                m = with_content(m, &content);
            }
        }
        service_type::GROUP_CREATED => {
            m.message_type = chat::MESSAGE_TYPE_GROUP_CREATED;
            m.created_group = Some(CreatedGroup {
                group_type: item.type_group,
                group_id: group,
                admin_id: item.admin,
                name: item.name.clone(),
                member_ids: item.members.clone(),
                created: Some(item.created),
            });
        }
        service_type::GROUP_INVITED => {
            m.message_type = chat::MESSAGE_TYPE_GROUP_INVITED;
            m.invited = Some(Invited { group_id: group, invite_ids: item.invited.clone() });
        }
        service_type::GROUP_LEFT => {
            m.message_type = chat::MESSAGE_TYPE_GROUP_LEFT;
            m.left = Some(Left { group_id: group, leave_id: item.leave_user, new_admin_id: item.new_admin });
        }
        service_type::GROUP_RENAMED => {
            m.message_type = chat::MESSAGE_TYPE_GROUP_RENAMED;
            m.renamed = Some(Renamed { group_id: group, new_name: item.name.clone() });
        }
        service_type::GROUP_ADMIN_CHANGED => {
            m.message_type = chat::MESSAGE_TYPE_GROUP_ADMIN_CHANGED;
            m.admin_changed = Some(AdminChanged { group_id: group, new_admin_id: item.new_admin });
        }
        service_type::GROUP_PUBLIC_JOINED => {
            m.message_type = chat::MESSAGE_TYPE_GROUP_PUBLIC_JOINED;
            m.joined = Some(Joined { group_id: group, join_id: item.from });
        }
        _ => {}
    }
    m
}

/// A conversation's `lastMessage` (§3.19): `receiverId` is always the chat id, content is reduced to what the
/// `lastMsg` carries (`sticker: {}`, `file: {type}`, `location: {}`).
pub fn last_message(chat_type: i64, chat_id: i64, modified: i64, last: &LastMsg) -> Message {
    let mut m = Message {
        chat_type,
        chat_id,
        sender_id: last.sender,
        receiver_id: chat_id,
        msg_id: last.msg_id,
        status: last.status,
        deleted: chat::MESSAGE_DELETED_FALSE,
        created: last.created,
        modified,
        ..Message::default()
    };
    let text = |m: &mut Message| {
        m.message_type = chat::MESSAGE_TYPE_TEXT;
        m.text = last.msg.clone();
    };
    let sticker = |m: &mut Message| {
        m.message_type = chat::MESSAGE_TYPE_STICKER;
        m.sticker = Some(Sticker::default());
    };
    let location = |m: &mut Message| {
        m.message_type = chat::MESSAGE_TYPE_LOCATION;
        m.location = Some(Location::default());
    };
    let file = |m: &mut Message| {
        m.message_type = chat::MESSAGE_TYPE_FILE;
        m.file = Some(File { file_type: last.msg_type, ..File::default() });
    };
    match last.service_type {
        service_type::USER_TEXT => text(&mut m),
        service_type::USER_STICKER => sticker(&mut m),
        service_type::USER_LOCATION => location(&mut m),
        service_type::USER_FILE => file(&mut m),
        service_type::GROUP_MESSAGE => {
            if last.msg.as_deref().is_some_and(|s| !s.is_empty()) {
                text(&mut m)
            } else if last.msg_type == Some(wire::KIND_MARKER_STICKER) {
                sticker(&mut m)
            } else if last.msg_type == Some(wire::KIND_MARKER_LOCATION) {
                location(&mut m)
            } else {
                file(&mut m)
            }
        }
        service_type::GROUP_CREATED => {
            m.message_type = chat::MESSAGE_TYPE_GROUP_CREATED;
            m.created_group = Some(CreatedGroup {
                group_id: chat_id,
                admin_id: last.admin,
                name: last.name.clone(),
                created: Some(last.created),
                ..CreatedGroup::default()
            });
        }
        service_type::GROUP_INVITED => {
            m.message_type = chat::MESSAGE_TYPE_GROUP_INVITED;
            m.invited = Some(Invited { group_id: chat_id, invite_ids: last.invited_members.clone() });
        }
        service_type::GROUP_LEFT => {
            m.message_type = chat::MESSAGE_TYPE_GROUP_LEFT;
            m.left = Some(Left { group_id: chat_id, leave_id: last.leave_user, new_admin_id: last.new_admin });
        }
        service_type::GROUP_RENAMED => {
            m.message_type = chat::MESSAGE_TYPE_GROUP_RENAMED;
            m.renamed = Some(Renamed { group_id: chat_id, new_name: last.new_group_name.clone() });
        }
        service_type::GROUP_ADMIN_CHANGED => {
            m.message_type = chat::MESSAGE_TYPE_GROUP_ADMIN_CHANGED;
            m.admin_changed = Some(AdminChanged { group_id: chat_id, new_admin_id: last.new_admin });
        }
        service_type::GROUP_PUBLIC_JOINED => {
            m.message_type = chat::MESSAGE_TYPE_GROUP_PUBLIC_JOINED;
            m.joined = Some(Joined { group_id: chat_id, join_id: Some(last.sender) });
        }
        _ => {}
    }
    m
}

/// One item of a 191 file list (§3.23): `chatId` is the group, or the other party.
pub fn file_item(me: i64, item: &FileItem) -> Message {
    let chat_id = match item.group {
        Some(group) if item.chat_type == GROUP => group,
        _ if item.sender_id == me => item.receiver_id,
        _ => item.sender_id,
    };
    Message {
        chat_type: item.chat_type,
        chat_id,
        sender_id: item.sender_id,
        receiver_id: item.receiver_id,
        msg_id: item.msg_id,
        message_type: chat::MESSAGE_TYPE_FILE,
        status: item.status,
        deleted: item.deleted,
        created: item.created,
        modified: item.modified,
        file: Some(file(&item.file)),
        ..Message::default()
    }
}

/// One paid call log of the 509 list (§3.18).
pub fn paid_call_log(item: PaidCallLogItem) -> PaidCallLog {
    PaidCallLog {
        call_id: item.call_id,
        from_phone_number: item.from,
        to_phone_number: item.to,
        tags: item.tags.map(|t| t.map(serde_json::Value::from).unwrap_or(serde_json::Value::Null)),
        duration: Some(item.duration.into()),
        record_time: Some(item.record_time),
        record_url: item.url,
        user_id: item.user_id,
        call_type: item.call_type,
        call_status: item.status,
    }
}

/// The 601 push's entry: the same log, with `urlRecord` and `azUserId` where the list has `url` and `userId` (§4.4).
pub fn pushed_paid_call_log(entry: PaidCallLogEntry) -> PaidCallLog {
    paid_call_log(PaidCallLogItem {
        call_id: entry.call_id,
        from: entry.from,
        to: entry.to,
        tags: entry.tags,
        duration: entry.duration,
        record_time: entry.record_time,
        url: entry.url_record,
        user_id: entry.az_user_id,
        call_type: entry.call_type,
        status: entry.status,
    })
}
