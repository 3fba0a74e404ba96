//! Messages after they are stored: finding one by its identity, raising its status, receipts, recalls and per-user
//! hiding (PROTOCOL.md §6.2, §6.3, OQ-9, OQ-27). Storing new messages is the group-commit writer's job
//! ([`super::writer`]); group system messages are stored by [`Store::insert_system_message`](super::history).
//!
//! # Identity and scoping
//!
//! A message is identified by `(conversation, senderId, msgId)` ([`ConvKey`] + sender + msgId), never by `msgId`
//! alone: ids are per-client counters and collide across users. User ids and group ids are global row ids, so every
//! lookup that starts from a client-supplied id is first scoped to the requester's application
//! ([`Store::user_in_tenant`], [`Store::group_members_in_app`]).
//!
//! # Status
//!
//! User chats keep one status per message in `messages.status`. Group chats keep `messages.status` at SENT (1) or
//! CANCELLED (6) and record every recipient's DELIVERED/SEEN in `receipts` (OQ-27); the lists compute the status a
//! reader sees (see [`super::history`]). Every change is monotonic: the `UPDATE`s only ever raise a value, and
//! CANCELLED (6) is above every other status, so nothing moves a recalled message back.

use azstack_protocol::Service;
use azstack_protocol::constants::chat;
use sqlx::Row;

use super::{Result, SqlStore};

/// The conversation part of a message's identity: `(chat type, a, b)` with `a < b` the user pair for user chats,
/// `(group id, 0)` for groups — the `conv_a`/`conv_b` columns of `messages`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConvKey {
    pub chat_type: i64,
    pub a: i64,
    pub b: i64,
}

impl ConvKey {
    /// The conversation between users `x` and `y` (order does not matter).
    pub fn user(x: i64, y: i64) -> ConvKey {
        ConvKey { chat_type: chat::CHAT_TYPE_USER, a: x.min(y), b: x.max(y) }
    }

    /// The conversation of group `group`.
    pub fn group(group: i64) -> ConvKey {
        ConvKey { chat_type: chat::CHAT_TYPE_GROUP, a: group, b: 0 }
    }

    pub fn is_group(&self) -> bool {
        self.chat_type == chat::CHAT_TYPE_GROUP
    }
}

/// A stored message, as the status services need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageRef {
    /// Row id.
    pub id: i64,
    pub sender_id: i64,
    pub receiver_id: i64,
    /// The list `serviceType` (5, 104, 121, 113, 146, or a group system message's push service).
    pub kind: i64,
    /// `messages.status`: the status of a user message, SENT or CANCELLED for a group message.
    pub status: i64,
}

/// The list `serviceType`s of chat content (as opposed to group system messages).
pub const CONTENT_KINDS: [i64; 5] = [
    Service::MESSAGE_SERVER_WITH_USER_TYPE_TEXT.as_i64(),
    Service::MESSAGE_WITH_USER_TYPE_STICKER.as_i64(),
    Service::MESSAGE_WITH_USER_TYPE_FILE.as_i64(),
    Service::MESSAGE_WITH_USER_TYPE_LOCATION.as_i64(),
    Service::MESSAGE_HAS_NEW_WITH_GROUP.as_i64(),
];

/// Whether `kind` is chat content (not a group system message).
pub fn is_content_kind(kind: i64) -> bool {
    CONTENT_KINDS.contains(&kind)
}

impl SqlStore {
    /// The members of group `group_id` if it belongs to `app_id` (empty if there is no such group there), in one
    /// round trip. Callers check membership with `contains` on the same list they fan out to.
    pub async fn group_members_in_app(&self, app_id: &str, group_id: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT gm.user_id FROM group_members gm JOIN chat_groups g ON g.id = gm.group_id WHERE gm.group_id = $1 \
             AND g.app_id = $2 ORDER BY gm.joined, gm.user_id",
        )
        .bind(group_id)
        .bind(app_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// The message `(conv, sender_id, msg_id)`, if stored.
    pub async fn find_message(&self, conv: ConvKey, sender_id: i64, msg_id: i64) -> Result<Option<MessageRef>> {
        let row = sqlx::query(
            "SELECT id, sender_id, receiver_id, kind, status FROM messages WHERE chat_type = $1 AND conv_a = $2 AND \
             conv_b = $3 AND sender_id = $4 AND msg_id = $5",
        )
        .bind(conv.chat_type)
        .bind(conv.a)
        .bind(conv.b)
        .bind(sender_id)
        .bind(msg_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(MessageRef {
                id: r.try_get(0)?,
                sender_id: r.try_get(1)?,
                receiver_id: r.try_get(2)?,
                kind: r.try_get(3)?,
                status: r.try_get(4)?,
            })
        })
        .transpose()
    }

    /// Raises `messages.status` of row `id` to `status` (DELIVERED, SEEN or CANCELLED) if it is lower, stamping
    /// `modified`. Returns whether it changed: a late DELIVERED after SEEN, or anything after CANCELLED, does not.
    pub async fn raise_message_status(&self, id: i64, status: i64, now: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE messages SET status = $1, modified = $2 WHERE id = $3 AND status < $1")
            .bind(status)
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Raises `user_id`'s receipt of group message `message_id` to `status` (DELIVERED or SEEN) if it is lower or
    /// absent. Returns whether it changed.
    pub async fn raise_receipt(&self, message_id: i64, user_id: i64, status: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO receipts (message_id, user_id, status) VALUES ($1, $2, $3) ON CONFLICT (message_id, user_id) \
             DO UPDATE SET status = excluded.status WHERE receipts.status < excluded.status",
        )
        .bind(message_id)
        .bind(user_id)
        .bind(status)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The highest receipt any recipient has given group message `message_id` (SENT, 1, if none).
    pub async fn max_receipt(&self, message_id: i64) -> Result<i64> {
        let row = sqlx::query("SELECT COALESCE(MAX(status), 1) FROM receipts WHERE message_id = $1")
            .bind(message_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Hides message row `message_id` from `user_id`'s view (deleteMessage, OQ-9). Idempotent.
    pub async fn hide_message(&self, user_id: i64, message_id: i64) -> Result<()> {
        sqlx::query("INSERT INTO hidden_messages (user_id, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(user_id)
            .bind(message_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
