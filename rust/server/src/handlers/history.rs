//! Conversations, history, unread messages and files (PROTOCOL.md §3.19–§3.23, §6.5, OQ-6..OQ-9, OQ-25, OQ-28).
//!
//! # Paging
//!
//! 170, 173 and 169 are paged: `page` is 1-based, a page holds
//! [`PAGE_SIZE`](azstack_protocol::constants::limits::PAGE_SIZE) items, newest first, and `done` is 1 on the last page
//! — also when it is empty, and for a `page` below 1. The server reads one item more than a page to know whether
//! another page follows. 170 lists conversations whose last message is at or before `lastCreated`; 169 messages
//! created at or before `lastCreated`; 173 every unread message (it has no `lastCreated`). 191 answers in a single
//! `done: 1` packet with the newest [`MAX_FILES`] files at or before `lastCreated`; a client wanting older ones asks
//! again with an older `lastCreated`.
//!
//! # What a user sees
//!
//! Everything goes through [`Store::visible_floor`](crate::store::Store::visible_floor): a user chat with another
//! user of my application, or a group of my application I am a member of, and only the messages after my deletion
//! mark (171) and, in a group, since I joined; messages I hid (168) never appear. A request about a conversation I
//! may not see gets an empty `done: 1` page that also carries `r: -1` and a `message` (the original client does not
//! read `r` on these services; the new engine can surface it). 171 moves my deletion mark forward to
//! `min(lastTimeCreated, server time)`, so a client clock running ahead cannot hide messages that arrive later; the
//! conversation stays out of 170 until a newer message arrives. Deletion is not pushed to my other sessions (OQ-7).
//!
//! # Shapes
//!
//! List items follow §6.5: the common fields, `serviceType` = the stored kind, `deleted: 0`, the status in my view
//! (see [`crate::store::history`]), `receiverId` = the recipient of a user message or the group id, and the content
//! fields with their wire names — for group stickers and locations with the kind markers `type: 3`/`type: 4` as in
//! 146, for user locations with `type: 4` as in 113. System messages carry their §6.5 fields (`typeGroup`, `group`,
//! `admin`, `name`, `members`, `invited`, `leaveUser`, `newAdmin`, `from`). A conversation's `lastMsg` follows §3.19:
//! `msg` for texts, `msgType` = the file type for files and 3/4 for group stickers/locations (a group file of file
//! type 3 or 4 keeps its file type, OQ-25), `admin`/`name`, `invitedMembers`, `leaveUser`/`newAdmin`,
//! `newGroupName` for system messages, plus the extension `kind` (the API message type, D8) so the new engine can
//! resolve the ambiguity. Its `unread` counts chat content from others that I have not seen (OQ-28: not system
//! messages).

use std::sync::Arc;

use azstack_protocol::bodies::history::{
    Conversation, ConversationsReply, ConversationsRequest, DeleteConversationReply, DeleteConversationRequest,
    FileItem, LastMsg, MessageItem, MessageListReply, ModifiedFilesReply, ModifiedFilesRequest,
    ModifiedMessagesRequest, UnreadMessagesRequest,
};
use azstack_protocol::bodies::messages::{Content, KIND_MARKER_LOCATION, KIND_MARKER_STICKER};
use azstack_protocol::constants::{chat, limits};
use azstack_protocol::{Envelope, Service};
use serde_json::json;

use super::messages::{R_FAILED, R_REFUSED};
use super::{Handled, Reject};
use crate::session::{Identity, Session};
use crate::store::history::{MessageRow, SystemContent};
use crate::store::messages::is_content_kind;
use crate::store::{Store, StoreError, now_ms};

/// Items per page of 170, 173 and 169.
const PAGE: i64 = limits::PAGE_SIZE as i64;
/// Most files in a 191 reply.
pub const MAX_FILES: i64 = 500;

pub async fn handle(
    store: &dyn Store,
    session: &Arc<Session>,
    me: &Identity,
    service: Service,
    env: &Envelope,
) -> Handled {
    match service {
        Service::CONVERSATION_GET_LIST_MODIFIED => conversations(store, session, me, env).await,
        Service::CONVERSATION_DELETE => delete_conversation(store, session, me, env).await,
        Service::MESSAGE_GET_LIST_UNREAD => unread(store, session, me, env).await,
        Service::MESSAGE_GET_LIST_MODIFIED => history(store, session, me, env).await,
        Service::MESSAGE_GET_LIST_MODIFIED_FILES => files(store, session, me, env).await,
        _ => Err(Reject::Refused("not a history service")),
    }
}

/// The SQL offset of 1-based `page`, or `None` for a page below 1.
fn offset(page: i64) -> Option<i64> {
    (page >= 1).then(|| (page - 1).saturating_mul(PAGE))
}

/// Keeps at most one page of `rows` (read with one extra) and says whether that was the last page.
fn one_page<T>(mut rows: Vec<T>) -> (Vec<T>, i64) {
    let done = i64::from(rows.len() as i64 <= PAGE);
    rows.truncate(PAGE as usize);
    (rows, done)
}

// -------------------------------------------------------------------------------------------------------------
// 170 conversations
// -------------------------------------------------------------------------------------------------------------

async fn conversations(store: &dyn Store, session: &Session, me: &Identity, env: &Envelope) -> Handled {
    let req: ConversationsRequest = env.decode()?;
    let reply = match conversation_page(store, me, &req).await {
        Ok((list, done)) => ConversationsReply { done, page: req.page, list },
        Err(error) => {
            session.send(
                Service::CONVERSATION_GET_LIST_MODIFIED,
                &json!({"done": 1, "page": req.page, "list": [], "r": R_FAILED, "message": "internal error"}),
            );
            return Err(error.into());
        }
    };
    session.send(Service::CONVERSATION_GET_LIST_MODIFIED, &reply);
    Ok(())
}

async fn conversation_page(
    store: &dyn Store,
    me: &Identity,
    req: &ConversationsRequest,
) -> Result<(Vec<Conversation>, i64), StoreError> {
    let Some(offset) = offset(req.page) else { return Ok((Vec::new(), 1)) };
    let rows = store.conversations_page(me.user_id, &me.app_id, req.last_created, offset, PAGE + 1).await?;
    let (rows, done) = one_page(rows);
    let mut list = Vec::with_capacity(rows.len());
    for row in rows {
        // A conversation whose every visible message I hid has nothing to show (and `lastMsg` is required).
        let Some(last) = &row.last else { continue };
        list.push(Conversation {
            chat_type: row.chat_type,
            chat_id: row.chat_id,
            modified: row.modified,
            unread: row.unread,
            last_msg: last_msg(last),
        });
    }
    Ok((list, done))
}

/// The API message type (D8) of a group system message kind.
fn system_message_type(kind: i64) -> Option<i64> {
    match Service::from_number(kind)? {
        Service::ON_GROUP_CREATED => Some(chat::MESSAGE_TYPE_GROUP_CREATED),
        Service::ON_GROUP_INVITED => Some(chat::MESSAGE_TYPE_GROUP_INVITED),
        Service::ON_GROUP_LEFT => Some(chat::MESSAGE_TYPE_GROUP_LEFT),
        Service::ON_GROUP_RENAMED => Some(chat::MESSAGE_TYPE_GROUP_RENAMED),
        Service::ON_GROUP_ADMIN_CHANGED => Some(chat::MESSAGE_TYPE_GROUP_ADMIN_CHANGED),
        Service::GROUP_JOIN_PUBLIC => Some(chat::MESSAGE_TYPE_GROUP_PUBLIC_JOINED),
        _ => None,
    }
}

/// A conversation's last message, shaped per §3.19.
fn last_msg(row: &MessageRow) -> LastMsg {
    let mut last = LastMsg {
        service_type: row.kind,
        sender: row.sender_id,
        msg_id: row.msg_id,
        status: row.status,
        created: row.created,
        msg: None,
        msg_type: None,
        admin: None,
        name: None,
        invited_members: None,
        leave_user: None,
        new_admin: None,
        new_group_name: None,
        kind: None,
    };
    if is_content_kind(row.kind) {
        let Ok(content) = serde_json::from_str::<Content>(&row.content) else { return last };
        last.kind = Some(content.message_type());
        let group = row.kind == Service::MESSAGE_HAS_NEW_WITH_GROUP.as_i64();
        match content {
            Content::Text { msg } => last.msg = Some(msg),
            Content::Sticker(_) => last.msg_type = group.then_some(KIND_MARKER_STICKER),
            Content::File(file) => last.msg_type = Some(file.file_type),
            Content::Location(_) => last.msg_type = group.then_some(KIND_MARKER_LOCATION),
        }
        return last;
    }
    last.kind = system_message_type(row.kind);
    let Ok(c) = serde_json::from_str::<SystemContent>(&row.content) else { return last };
    match Service::from_number(row.kind) {
        Some(Service::ON_GROUP_CREATED) => {
            last.admin = c.admin;
            last.name = c.name;
        }
        Some(Service::ON_GROUP_INVITED) => last.invited_members = c.invited,
        Some(Service::ON_GROUP_LEFT) => {
            last.leave_user = c.leave_user;
            last.new_admin = c.new_admin;
        }
        Some(Service::ON_GROUP_RENAMED) => last.new_group_name = c.name,
        Some(Service::ON_GROUP_ADMIN_CHANGED) => last.new_admin = c.new_admin,
        _ => {}
    }
    last
}

// -------------------------------------------------------------------------------------------------------------
// 171 delete conversation
// -------------------------------------------------------------------------------------------------------------

async fn delete_conversation(store: &dyn Store, session: &Session, me: &Identity, env: &Envelope) -> Handled {
    let req: DeleteConversationRequest = env.decode()?;
    let refuse = |r: i64, message: &str| {
        session.send(
            Service::CONVERSATION_DELETE,
            &json!({"r": r, "type": req.chat_type, "chatId": req.chat_id, "message": message}),
        );
    };
    let outcome = async {
        let Some((conv, _)) = store.visible_floor(me.user_id, me.tenant(), req.chat_type, req.chat_id).await? else {
            return Ok(false);
        };
        let up_to = req.last_time_created.min(now_ms());
        store.delete_conversation(me.user_id, conv, req.chat_id, up_to).await?;
        Ok::<bool, StoreError>(true)
    };
    match outcome.await {
        Ok(true) => {
            session.send(
                Service::CONVERSATION_DELETE,
                &DeleteConversationReply { r: 0, chat_type: req.chat_type, chat_id: req.chat_id },
            );
            Ok(())
        }
        Ok(false) => {
            refuse(R_REFUSED, "no such conversation");
            Ok(())
        }
        Err(error) => {
            refuse(R_FAILED, "internal error");
            Err(error.into())
        }
    }
}

// -------------------------------------------------------------------------------------------------------------
// 173 unread, 169 history
// -------------------------------------------------------------------------------------------------------------

/// Which message list.
#[derive(Clone, Copy)]
enum List {
    Unread,
    History { last_created: i64 },
}

async fn unread(store: &dyn Store, session: &Session, me: &Identity, env: &Envelope) -> Handled {
    let req: UnreadMessagesRequest = env.decode()?;
    message_list(
        store,
        session,
        me,
        Service::MESSAGE_GET_LIST_UNREAD,
        req.chat_type,
        req.chat_id,
        req.page,
        List::Unread,
    )
    .await
}

async fn history(store: &dyn Store, session: &Session, me: &Identity, env: &Envelope) -> Handled {
    let req: ModifiedMessagesRequest = env.decode()?;
    let list = List::History { last_created: req.last_created };
    message_list(store, session, me, Service::MESSAGE_GET_LIST_MODIFIED, req.chat_type, req.chat_id, req.page, list)
        .await
}

#[allow(clippy::too_many_arguments)]
async fn message_list(
    store: &dyn Store,
    session: &Session,
    me: &Identity,
    service: Service,
    chat_type: i64,
    chat_id: i64,
    page: i64,
    which: List,
) -> Handled {
    let refuse = |r: i64, message: &str| {
        let body = json!({
            "type": chat_type, "chatId": chat_id, "done": 1, "page": page, "list": [], "r": r, "message": message,
        });
        session.send(service, &body);
    };
    let outcome = async {
        let Some((conv, floor)) = store.visible_floor(me.user_id, me.tenant(), chat_type, chat_id).await? else {
            return Ok(None);
        };
        let Some(offset) = offset(page) else { return Ok(Some((Vec::new(), 1))) };
        let rows = match which {
            List::Unread => store.unread_page(me.user_id, conv, floor, offset, PAGE + 1).await?,
            List::History { last_created } => {
                store.history_page(me.user_id, conv, floor, last_created, offset, PAGE + 1).await?
            }
        };
        Ok::<_, StoreError>(Some(one_page(rows)))
    };
    match outcome.await {
        Ok(Some((rows, done))) => {
            let list = rows.iter().map(item).collect();
            session.send(service, &MessageListReply { chat_type, chat_id, done, page, list });
            Ok(())
        }
        Ok(None) => {
            refuse(R_REFUSED, "no such conversation");
            Ok(())
        }
        Err(error) => {
            refuse(R_FAILED, "internal error");
            Err(error.into())
        }
    }
}

/// A list item, shaped per §6.5.
fn item(row: &MessageRow) -> MessageItem {
    let mut it = MessageItem {
        service_type: row.kind,
        sender_id: row.sender_id,
        receiver_id: row.receiver_id,
        msg_id: row.msg_id,
        status: row.status,
        deleted: chat::MESSAGE_DELETED_FALSE,
        created: row.created,
        modified: row.modified,
        msg: None,
        img_name: None,
        cat_id: None,
        url: None,
        width: None,
        height: None,
        file_name: None,
        file_length: None,
        file_type: None,
        duration: None,
        addr: None,
        long: None,
        lat: None,
        type_group: None,
        group: None,
        admin: None,
        name: None,
        members: None,
        invited: None,
        leave_user: None,
        new_admin: None,
        from: None,
    };
    if is_content_kind(row.kind) {
        let Ok(content) = serde_json::from_str::<Content>(&row.content) else { return it };
        match content {
            Content::Text { msg } => it.msg = Some(msg),
            Content::Sticker(s) => {
                it.img_name = Some(s.img_name);
                it.cat_id = Some(s.cat_id);
                it.url = Some(s.url);
                it.width = s.width;
                it.height = s.height;
                it.file_type =
                    (row.kind == Service::MESSAGE_HAS_NEW_WITH_GROUP.as_i64()).then_some(KIND_MARKER_STICKER);
            }
            Content::File(f) => {
                it.file_name = Some(f.file_name);
                it.file_length = Some(f.file_length);
                it.file_type = Some(f.file_type);
                it.url = Some(f.url);
                it.width = f.width;
                it.height = f.height;
                it.duration = f.duration;
            }
            Content::Location(l) => {
                it.addr = Some(l.addr);
                it.long = Some(l.long);
                it.lat = Some(l.lat);
                it.file_type = Some(KIND_MARKER_LOCATION);
            }
        }
        return it;
    }
    let c = serde_json::from_str::<SystemContent>(&row.content).unwrap_or_default();
    it.group = Some(row.conv_a);
    match Service::from_number(row.kind) {
        Some(Service::ON_GROUP_CREATED) => {
            it.type_group = c.type_group;
            it.admin = c.admin;
            it.name = c.name;
            it.members = c.members;
        }
        Some(Service::ON_GROUP_INVITED) => it.invited = c.invited,
        Some(Service::ON_GROUP_LEFT) => {
            it.leave_user = c.leave_user;
            it.new_admin = c.new_admin;
        }
        Some(Service::ON_GROUP_RENAMED) => it.name = c.name,
        Some(Service::ON_GROUP_ADMIN_CHANGED) => it.new_admin = c.new_admin,
        Some(Service::GROUP_JOIN_PUBLIC) => it.from = Some(row.sender_id),
        _ => it.group = None,
    }
    it
}

// -------------------------------------------------------------------------------------------------------------
// 191 files
// -------------------------------------------------------------------------------------------------------------

async fn files(store: &dyn Store, session: &Session, me: &Identity, env: &Envelope) -> Handled {
    let req: ModifiedFilesRequest = env.decode()?;
    let refuse = |r: i64, message: &str| {
        session.send(
            Service::MESSAGE_GET_LIST_MODIFIED_FILES,
            &json!({"done": 1, "list": [], "r": r, "message": message}),
        );
    };
    let outcome = async {
        let rows = match (req.chat_type, req.chat_id) {
            (None, None) => store.all_files(me.user_id, &me.app_id, req.last_created, MAX_FILES).await?,
            (Some(chat_type), Some(chat_id)) => {
                let Some((conv, floor)) = store.visible_floor(me.user_id, me.tenant(), chat_type, chat_id).await?
                else {
                    return Ok(None);
                };
                store.conversation_files(me.user_id, conv, floor, req.last_created, MAX_FILES).await?
            }
            _ => return Ok(None),
        };
        Ok::<_, StoreError>(Some(rows))
    };
    match outcome.await {
        Ok(Some(rows)) => {
            let list = rows.iter().filter_map(file_item).collect();
            session.send(Service::MESSAGE_GET_LIST_MODIFIED_FILES, &ModifiedFilesReply { done: 1, list });
            Ok(())
        }
        Ok(None) => {
            refuse(R_REFUSED, "no such conversation (give both type and chatId, or neither)");
            Ok(())
        }
        Err(error) => {
            refuse(R_FAILED, "internal error");
            Err(error.into())
        }
    }
}

/// A 191 item, shaped per §3.23; `None` if the stored content is not a file.
fn file_item(row: &MessageRow) -> Option<FileItem> {
    let Ok(Content::File(file)) = serde_json::from_str::<Content>(&row.content) else { return None };
    let group = row.chat_type == chat::CHAT_TYPE_GROUP;
    Some(FileItem {
        chat_type: row.chat_type,
        group: group.then_some(row.conv_a),
        sender_id: row.sender_id,
        receiver_id: row.receiver_id,
        msg_id: row.msg_id,
        status: row.status,
        deleted: chat::MESSAGE_DELETED_FALSE,
        created: row.created,
        modified: row.modified,
        file,
    })
}
