//! What a user sees of their chats: conversations, history pages, unread messages, files, deletion marks, and the
//! group system messages that the groups module writes (PROTOCOL.md §3.19–§3.23, §6.3, §6.5, §6.6, OQ-6..OQ-9,
//! OQ-27, OQ-28).
//!
//! # Visibility
//!
//! A user sees the messages of a conversation created after its *floor*, except those they hid one by one (168,
//! table `hidden_messages`). The floor of a user chat is the user's deletion mark (`user_conversations.deleted_up_to`,
//! set by 171); the floor of a group is the later of the user's deletion mark (`group_members.deleted_up_to`) and the
//! moment just before they joined, so a member sees the group from the moment they joined, and nothing at all once
//! they are no longer a member. [`Store::visible_floor`] is the single gate every read goes through: it also checks
//! that the peer exists in the requester's application, or that the requester is a member of the group there.
//!
//! # The status a reader sees
//!
//! A user message has one status. A group message's `messages.status` is SENT or CANCELLED, and its DELIVERED/SEEN
//! are per-recipient `receipts` (OQ-27): its author sees the highest receipt, a recipient sees their own, and
//! CANCELLED wins over both. The SQL expression `VIEW_STATUS` computes that in every list query.
//!
//! # Unread
//!
//! Unread messages are computed, not counted incrementally: messages of the conversation from others, chat content
//! only (system messages do not count, OQ-28), visible to me, whose status in my view is below SEEN and not CANCELLED
//! (a recalled message is not waiting to be read). A SEEN report (153) therefore decreases the count by construction,
//! and a deletion mark (171) resets it.
//!
//! # Group system messages
//!
//! The groups module stores each group event as a message of the group (`chat_type` 2, `conv_a` = group id,
//! `conv_b` = 0, `sender_id` = the actor, `receiver_id` = the group id, `msg_id` = the acting client's msgId,
//! `status` 1) whose `kind` is the push service number and whose `content` is a JSON object with the §6.5 list-item
//! fields, through [`Store::insert_system_message`] (which also makes it the group's last message and deduplicates
//! like any message). The content JSON per kind, exactly as [`SystemEvent`] writes it and [`SystemContent`] reads it:
//!
//! | kind | event | content |
//! |---|---|---|
//! | 143 | created | `{"typeGroup": 0, "group": 7, "admin": 3, "name": "x", "members": [3, 4], "created": 1700000000000}` |
//! | 144 | invited | `{"group": 7, "invited": [5, 6]}` |
//! | 145 | left or kicked | `{"group": 7, "leaveUser": 4, "newAdmin": 5}` (`newAdmin` only when the admin changed) |
//! | 152 | renamed | `{"group": 7, "name": "new name"}` |
//! | 160 | admin changed | `{"group": 7, "newAdmin": 5}` |
//! | 197 | joined a public group | `{"group": 7, "from": 9}` (the joiner, also the sender) |
//!
//! Readers are lenient: `group` is always taken from the row, the joiner of a 197 from its sender, and missing keys
//! are left out of the item.
//!
//! Because a member sees a group from the moment they joined (`group_members.joined`), a system message must be
//! created at or after the `joined` time of the members who are to see it: the groups module uses the same server
//! time for a membership change and the system message that records it (e.g. `insert_group(.., now)` and a 143
//! with `created: now`; an invitation's members and its 144).

use std::sync::LazyLock;

use azstack_protocol::Service;
use azstack_protocol::constants::chat;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::messages::{CONTENT_KINDS, ConvKey};
use super::writer::{NewMessage, Stored};
use super::{Result, SqlStore, Tenant};

/// A group event to record as a system message of the group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SystemEvent {
    /// 143: the group was created. `members` includes the admin (OQ-12).
    Created { group_type: i64, admin: i64, name: String, members: Vec<i64> },
    /// 144: the actor invited these users (those actually added).
    Invited { invited: Vec<i64> },
    /// 145: `leave_user` left or was removed; `new_admin` when the admin role moved with it.
    Left { leave_user: i64, new_admin: Option<i64> },
    /// 152: the group was renamed to `name`.
    Renamed { name: String },
    /// 160: the admin role moved to `new_admin`.
    AdminChanged { new_admin: i64 },
    /// 197: the actor joined a public group.
    PublicJoined,
}

impl SystemEvent {
    /// The push service number, which is also the stored `kind` and the list `serviceType`.
    pub fn kind(&self) -> i64 {
        match self {
            SystemEvent::Created { .. } => Service::ON_GROUP_CREATED.as_i64(),
            SystemEvent::Invited { .. } => Service::ON_GROUP_INVITED.as_i64(),
            SystemEvent::Left { .. } => Service::ON_GROUP_LEFT.as_i64(),
            SystemEvent::Renamed { .. } => Service::ON_GROUP_RENAMED.as_i64(),
            SystemEvent::AdminChanged { .. } => Service::ON_GROUP_ADMIN_CHANGED.as_i64(),
            SystemEvent::PublicJoined => Service::GROUP_JOIN_PUBLIC.as_i64(),
        }
    }

    /// The stored content (see the module documentation).
    pub fn content(&self, group: i64, actor: i64, created: i64) -> SystemContent {
        let mut c = SystemContent { group: Some(group), ..SystemContent::default() };
        match self {
            SystemEvent::Created { group_type, admin, name, members } => {
                c.type_group = Some(*group_type);
                c.admin = Some(*admin);
                c.name = Some(name.clone());
                c.members = Some(members.clone());
                c.created = Some(created);
            }
            SystemEvent::Invited { invited } => c.invited = Some(invited.clone()),
            SystemEvent::Left { leave_user, new_admin } => {
                c.leave_user = Some(*leave_user);
                c.new_admin = *new_admin;
            }
            SystemEvent::Renamed { name } => c.name = Some(name.clone()),
            SystemEvent::AdminChanged { new_admin } => c.new_admin = Some(*new_admin),
            SystemEvent::PublicJoined => c.from = Some(actor),
        }
        c
    }
}

/// The stored content of a group system message: the §6.5 list-item fields, all optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemContent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_group: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invited: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave_user: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_admin: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
}

/// A group system message to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSystemMessage {
    pub group_id: i64,
    /// Who acted (creator, inviter, leaver or kicker, renamer, old admin, joiner).
    pub actor: i64,
    /// The acting client's msgId.
    pub msg_id: i64,
    pub event: SystemEvent,
    /// Server time, ms.
    pub created: i64,
}

/// A message as a list shows it to one reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageRow {
    pub id: i64,
    pub chat_type: i64,
    /// Lower user id of the pair, or the group id.
    pub conv_a: i64,
    pub sender_id: i64,
    /// The recipient of a user message; the group id for group messages.
    pub receiver_id: i64,
    pub msg_id: i64,
    pub kind: i64,
    /// JSON text: the content fields (chat content) or a [`SystemContent`].
    pub content: String,
    pub created: i64,
    pub modified: i64,
    /// The status in the reader's view.
    pub status: i64,
}

/// A conversation of a 170 page, with its last message and unread count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationRow {
    pub chat_type: i64,
    /// The peer's user id or the group id.
    pub chat_id: i64,
    pub modified: i64,
    /// Messages created at or before this are not visible to the owner.
    pub floor: i64,
    /// How many of its messages the owner has not read.
    pub unread: i64,
    /// Its newest message the owner can see; `None` when the owner hid every visible one.
    pub last: Option<MessageRow>,
}

/// The text of a query written as `concat!` parts in which `{GROUP}`, `{FILE}` and `{CONTENT}` stand for the kinds of
/// a group message, a user file and every chat content (the service numbers of `azstack-protocol`); built once.
macro_rules! query_text {
    ($($part:expr),+ $(,)?) => {{
        static TEXT: LazyLock<String> = LazyLock::new(|| with_kinds(concat!($($part),+)));
        TEXT.as_str()
    }};
}

/// `sql` with the kinds of [`query_text!`] filled in.
fn with_kinds(sql: &str) -> String {
    let content: Vec<String> = CONTENT_KINDS.iter().map(i64::to_string).collect();
    sql.replace("{GROUP}", &Service::MESSAGE_HAS_NEW_WITH_GROUP.as_i64().to_string())
        .replace("{FILE}", &Service::MESSAGE_WITH_USER_TYPE_FILE.as_i64().to_string())
        .replace("{CONTENT}", &content.join(", "))
}

/// The selected columns of a [`MessageRow`], `$1` being the reader. See the module documentation for the status.
macro_rules! message_columns {
    () => {
        "m.id, m.chat_type, m.conv_a, m.sender_id, m.receiver_id, m.msg_id, m.kind, m.content, m.created, m.modified, \
         CASE WHEN m.chat_type = 1 OR m.status = 6 OR m.kind <> {GROUP} THEN m.status \
         WHEN m.sender_id = $1 THEN COALESCE((SELECT MAX(r.status) FROM receipts r WHERE r.message_id = m.id), m.status) \
         ELSE COALESCE((SELECT r.status FROM receipts r WHERE r.message_id = m.id AND r.user_id = $1), m.status) END"
    };
}

/// `m` is not hidden from the reader `$1`.
macro_rules! not_hidden {
    () => {
        "NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = $1 AND h.message_id = m.id)"
    };
}

/// `m` is chat content from someone other than `$1` that `$1` has not seen and that was not recalled.
macro_rules! unread_by_me {
    () => {
        "m.sender_id <> $1 AND m.kind IN ({CONTENT}) AND m.status < 3 AND NOT EXISTS (SELECT 1 FROM \
         receipts r WHERE r.message_id = m.id AND r.user_id = $1 AND r.status >= 3)"
    };
}

/// `m` is a file: a user file, or a group message whose stored content is a file (content JSON starts with the key
/// `fileName`, which is how [`azstack_protocol::bodies::messages::Content`] serialises a file and no other kind).
macro_rules! is_file {
    () => {
        "(m.kind = {FILE} OR (m.kind = {GROUP} AND substr(m.content, 1, 12) = '{\"fileName\":'))"
    };
}

fn message_from(r: &sqlx::any::AnyRow) -> Result<MessageRow> {
    message_at(r, 0)
}

/// The [`message_columns!`] of a row that starts at column `at`.
fn message_at(r: &sqlx::any::AnyRow, at: usize) -> Result<MessageRow> {
    Ok(MessageRow {
        id: r.try_get(at)?,
        chat_type: r.try_get(at + 1)?,
        conv_a: r.try_get(at + 2)?,
        sender_id: r.try_get(at + 3)?,
        receiver_id: r.try_get(at + 4)?,
        msg_id: r.try_get(at + 5)?,
        kind: r.try_get(at + 6)?,
        content: r.try_get(at + 7)?,
        created: r.try_get(at + 8)?,
        modified: r.try_get(at + 9)?,
        status: r.try_get(at + 10)?,
    })
}

fn messages_from(rows: &[sqlx::any::AnyRow]) -> Result<Vec<MessageRow>> {
    rows.iter().map(message_from).collect()
}

impl SqlStore {
    /// Stores a group system message through the group-commit writer: it becomes the group's last message, and a
    /// repeated `(group, actor, msgId)` is reported as a duplicate instead of stored twice (D7).
    pub async fn insert_system_message(&self, m: &NewSystemMessage) -> Result<Stored> {
        let content = m.event.content(m.group_id, m.actor, m.created);
        let content = serde_json::to_string(&content).unwrap_or_else(|_| "{}".to_owned());
        self.writer
            .store(NewMessage {
                chat_type: chat::CHAT_TYPE_GROUP,
                conv_a: m.group_id,
                conv_b: 0,
                sender_id: m.actor,
                receiver_id: m.group_id,
                msg_id: m.msg_id,
                kind: m.event.kind(),
                content,
                created: m.created,
            })
            .await
    }

    /// The gate of every read: the conversation `(chat_type, chat_id)` of user `me` in `tenant` and its floor, or
    /// `None` when `me` may not see it (a peer outside the tenant or `me` itself; a group of another application or
    /// one `me` is not a member of; an unknown chat type).
    pub async fn visible_floor(
        &self,
        me: i64,
        tenant: Tenant<'_>,
        chat_type: i64,
        chat_id: i64,
    ) -> Result<Option<(ConvKey, i64)>> {
        if chat_type == chat::CHAT_TYPE_USER {
            if chat_id == me {
                return Ok(None);
            }
            let row = sqlx::query(
                "SELECT COALESCE((SELECT uc.deleted_up_to FROM user_conversations uc WHERE uc.owner_id = $1 AND \
                 uc.peer_id = $2), 0) FROM users WHERE id = $2 AND app_id = $3 AND namespace = $4",
            )
            .bind(me)
            .bind(chat_id)
            .bind(tenant.app_id)
            .bind(tenant.namespace)
            .fetch_optional(&self.pool)
            .await?;
            return row.map(|r| Ok((ConvKey::user(me, chat_id), r.try_get::<i64, _>(0)?))).transpose();
        }
        if chat_type == chat::CHAT_TYPE_GROUP {
            let row = sqlx::query(
                "SELECT gm.deleted_up_to, gm.joined FROM group_members gm JOIN chat_groups g ON g.id = gm.group_id \
                 WHERE gm.group_id = $1 AND gm.user_id = $2 AND g.app_id = $3",
            )
            .bind(chat_id)
            .bind(me)
            .bind(tenant.app_id)
            .fetch_optional(&self.pool)
            .await?;
            return row
                .map(|r| {
                    let deleted: i64 = r.try_get(0)?;
                    let joined: i64 = r.try_get(1)?;
                    Ok((ConvKey::group(chat_id), deleted.max(joined.saturating_sub(1))))
                })
                .transpose();
        }
        Ok(None)
    }

    /// Moves `me`'s deletion mark of the conversation forward to `up_to` (never back). The caller has checked
    /// access with [`Store::visible_floor`]. A user conversation without any message yet has no row and nothing
    /// to hide.
    pub async fn delete_conversation(&self, me: i64, conv: ConvKey, chat_id: i64, up_to: i64) -> Result<()> {
        let sql = if conv.is_group() {
            "UPDATE group_members SET deleted_up_to = $1 WHERE group_id = $2 AND user_id = $3 AND deleted_up_to < $1"
        } else {
            "UPDATE user_conversations SET deleted_up_to = $1 WHERE peer_id = $2 AND owner_id = $3 AND deleted_up_to < $1"
        };
        sqlx::query(sql).bind(up_to).bind(chat_id).bind(me).execute(&self.pool).await?;
        Ok(())
    }

    /// One page of `me`'s conversations (user chats and groups of `app_id`) whose last message is at or before
    /// `last_created`, newest first, leaving out those deleted (171) since their last message and those without
    /// any message; each with its newest message `me` can see and its unread count, all in one statement.
    pub async fn conversations_page(
        &self,
        me: i64,
        app_id: &str,
        last_created: i64,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ConversationRow>> {
        let rows = sqlx::query(query_text!(
            "SELECT p.t, p.chat_id, p.modified, p.floor, p.unread, ",
            message_columns!(),
            " FROM (SELECT c.t, c.chat_id, c.modified, c.floor, \
               (SELECT m.id FROM messages m WHERE m.chat_type = c.t AND m.conv_a = c.a AND m.conv_b = c.b \
                  AND m.created > c.floor AND ",
            not_hidden!(),
            " ORDER BY m.created DESC, m.id DESC LIMIT 1) AS last_id, \
               CAST((SELECT COUNT(*) FROM messages m WHERE m.chat_type = c.t AND m.conv_a = c.a AND m.conv_b = c.b \
                  AND m.created > c.floor AND ",
            unread_by_me!(),
            " AND ",
            not_hidden!(),
            ") AS BIGINT) AS unread FROM (\
               SELECT CAST(1 AS BIGINT) AS t, uc.peer_id AS chat_id, \
                      CASE WHEN uc.owner_id < uc.peer_id THEN uc.owner_id ELSE uc.peer_id END AS a, \
                      CASE WHEN uc.owner_id < uc.peer_id THEN uc.peer_id ELSE uc.owner_id END AS b, \
                      uc.modified AS modified, uc.deleted_up_to AS floor \
                 FROM user_conversations uc \
                WHERE uc.owner_id = $1 AND uc.modified <= $2 AND uc.modified > uc.deleted_up_to \
                  AND uc.last_message_id <> 0 \
               UNION ALL \
               SELECT CAST(2 AS BIGINT), g.id, g.id, CAST(0 AS BIGINT), g.modified, \
                      CASE WHEN gm.deleted_up_to > gm.joined - 1 THEN gm.deleted_up_to ELSE gm.joined - 1 END \
                 FROM group_members gm JOIN chat_groups g ON g.id = gm.group_id \
                WHERE gm.user_id = $1 AND g.app_id = $3 AND g.modified <= $2 AND g.modified > gm.deleted_up_to \
                  AND g.modified >= gm.joined AND g.last_message_id <> 0\
             ) c ORDER BY c.modified DESC, c.t, c.chat_id LIMIT $4 OFFSET $5\
             ) p LEFT JOIN messages m ON m.id = p.last_id ORDER BY p.modified DESC, p.t, p.chat_id"
        ))
        .bind(me)
        .bind(last_created)
        .bind(app_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let has_last = r.try_get::<Option<i64>, _>(5)?.is_some();
                Ok(ConversationRow {
                    chat_type: r.try_get(0)?,
                    chat_id: r.try_get(1)?,
                    modified: r.try_get(2)?,
                    floor: r.try_get(3)?,
                    unread: r.try_get(4)?,
                    last: if has_last { Some(message_at(r, 5)?) } else { None },
                })
            })
            .collect()
    }

    /// How many messages `me` has not seen over all conversations of `app_id` (the badge of a mobile push).
    pub async fn unread_total(&self, me: i64, app_id: &str) -> Result<i64> {
        /// Conversations counted; a badge beyond this many conversations is a lower bound.
        const MOST: i64 = 500;
        let page = self.conversations_page(me, app_id, i64::MAX, 0, MOST).await?;
        Ok(page.iter().map(|c| c.unread).sum())
    }

    /// One page of the unread messages of `conv` for `me`, newest first.
    pub async fn unread_page(
        &self,
        me: i64,
        conv: ConvKey,
        floor: i64,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<MessageRow>> {
        let rows = sqlx::query(query_text!(
            "SELECT ",
            message_columns!(),
            " FROM messages m WHERE m.chat_type = $2 AND m.conv_a = $3 AND m.conv_b = $4 AND m.created > $5 AND ",
            unread_by_me!(),
            " AND ",
            not_hidden!(),
            " ORDER BY m.created DESC, m.id DESC LIMIT $6 OFFSET $7"
        ))
        .bind(me)
        .bind(conv.chat_type)
        .bind(conv.a)
        .bind(conv.b)
        .bind(floor)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        messages_from(&rows)
    }

    /// One page of the history of `conv` as `me` sees it: messages created at or before `last_created`, newest
    /// first, system messages included.
    pub async fn history_page(
        &self,
        me: i64,
        conv: ConvKey,
        floor: i64,
        last_created: i64,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<MessageRow>> {
        let rows = sqlx::query(query_text!(
            "SELECT ",
            message_columns!(),
            " FROM messages m WHERE m.chat_type = $2 AND m.conv_a = $3 AND m.conv_b = $4 AND m.created > $5 AND \
             m.created <= $6 AND ",
            not_hidden!(),
            " ORDER BY m.created DESC, m.id DESC LIMIT $7 OFFSET $8"
        ))
        .bind(me)
        .bind(conv.chat_type)
        .bind(conv.a)
        .bind(conv.b)
        .bind(floor)
        .bind(last_created)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        messages_from(&rows)
    }

    /// The newest `limit` file messages of `conv` that `me` can see, created at or before `last_created`.
    pub async fn conversation_files(
        &self,
        me: i64,
        conv: ConvKey,
        floor: i64,
        last_created: i64,
        limit: i64,
    ) -> Result<Vec<MessageRow>> {
        let rows = sqlx::query(query_text!(
            "SELECT ",
            message_columns!(),
            " FROM messages m WHERE m.chat_type = $2 AND m.conv_a = $3 AND m.conv_b = $4 AND m.created > $5 AND \
             m.created <= $6 AND ",
            is_file!(),
            " AND ",
            not_hidden!(),
            " ORDER BY m.created DESC, m.id DESC LIMIT $7"
        ))
        .bind(me)
        .bind(conv.chat_type)
        .bind(conv.a)
        .bind(conv.b)
        .bind(floor)
        .bind(last_created)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        messages_from(&rows)
    }

    /// The newest `limit` file messages of all of `me`'s conversations (user chats, and groups of `app_id` they are
    /// a member of), created at or before `last_created`.
    pub async fn all_files(&self, me: i64, app_id: &str, last_created: i64, limit: i64) -> Result<Vec<MessageRow>> {
        let rows = sqlx::query(query_text!(
            "SELECT ",
            message_columns!(),
            " FROM (\
               SELECT CAST(1 AS BIGINT) AS t, \
                      CASE WHEN uc.owner_id < uc.peer_id THEN uc.owner_id ELSE uc.peer_id END AS a, \
                      CASE WHEN uc.owner_id < uc.peer_id THEN uc.peer_id ELSE uc.owner_id END AS b, \
                      uc.deleted_up_to AS floor \
                 FROM user_conversations uc WHERE uc.owner_id = $1 \
               UNION ALL \
               SELECT CAST(2 AS BIGINT), gm.group_id, CAST(0 AS BIGINT), \
                      CASE WHEN gm.deleted_up_to > gm.joined - 1 THEN gm.deleted_up_to ELSE gm.joined - 1 END \
                 FROM group_members gm JOIN chat_groups g ON g.id = gm.group_id \
                WHERE gm.user_id = $1 AND g.app_id = $2\
             ) c JOIN messages m ON m.chat_type = c.t AND m.conv_a = c.a AND m.conv_b = c.b AND m.created > c.floor \
             WHERE m.created <= $3 AND ",
            is_file!(),
            " AND ",
            not_hidden!(),
            " ORDER BY m.created DESC, m.id DESC LIMIT $4"
        ))
        .bind(me)
        .bind(app_id)
        .bind(last_created)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        messages_from(&rows)
    }
}
