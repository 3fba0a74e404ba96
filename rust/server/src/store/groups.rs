//! Group management: creating groups, changing their membership, name and admin, and the queries behind the group
//! lists and details (PROTOCOL.md §3.29–§3.36, §6.6, §11.1).
//!
//! # One action, one transaction
//!
//! Every group action changes the group and stores a *system message* describing the change, and both happen in one
//! transaction, so the history never shows a change that did not happen nor misses one that did. An action on an
//! existing group runs inside a [`GroupTx`], which [`Store::begin_group_action`] opens with a write on the group's
//! row: on PostgreSQL that takes the row lock, on SQLite the database write lock, so concurrent actions on the same
//! group (from other users' sockets) are serialised and every check made inside the transaction (is X a member, who
//! is the admin) still holds at commit.
//!
//! # System messages
//!
//! A system message is an ordinary row of `messages` in the group's conversation, laid out exactly as the chat
//! history module reads it: `chat_type` 2, `conv_a` the group id, `conv_b` 0, `sender_id` the actor,
//! `receiver_id` the group id, `msg_id` the acting client's `msgId`, `kind` the push service number
//! (143/144/145/152/160/197), `status` 1, `created` = `modified` = server time, and `content` the JSON text of the
//! §6.5 list-item fields of that kind (see [`SystemMessage`]). The group's `modified` and `last_message_id` point at
//! it, as they do for chat messages, so the conversation list sorts and previews it.
//!
//! # Resends
//!
//! The identity of a message is `(conversation, sender, msgId)` (PROTOCOL.md §6.2, D7). An action whose identity is
//! already stored is a resend: [`GroupTx::stored_action`] finds the earlier system message and the caller answers
//! again from it without changing anything. A creation has no group id yet, so [`Store::created_group`] looks for a
//! 143 message with the creator's `msgId` among the groups the creator belongs to.

use azstack_protocol::Service;
use serde_json::{Value, json};
use sqlx::{Any, Row, Transaction};

use super::membership::GroupRow;
use super::users::{UserRow, user_from};
use super::{Result, SqlStore, Tenant};

/// `chat_type` of group conversations.
const CHAT_GROUP: i64 = 2;

/// The system message of one group action: its `kind` (the push service number) and its content fields with the
/// wire names of a §6.5 list item.
#[derive(Clone, Debug, PartialEq)]
pub enum SystemMessage {
    /// 143 `{typeGroup, group, admin, name, members, created}`.
    Created { group_type: i64, group: i64, admin: i64, name: String, members: Vec<i64>, created: i64 },
    /// 144 `{group, invited}`.
    Invited { group: i64, invited: Vec<i64> },
    /// 145 `{group, leaveUser, newAdmin?}`.
    Left { group: i64, leave_user: i64, new_admin: Option<i64> },
    /// 152 `{group, name}`.
    Renamed { group: i64, name: String },
    /// 160 `{group, newAdmin}`.
    AdminChanged { group: i64, new_admin: i64 },
    /// 197 `{group, from}`.
    Joined { group: i64, from: i64 },
}

impl SystemMessage {
    pub const KIND_CREATED: i64 = Service::ON_GROUP_CREATED.as_i64();
    pub const KIND_INVITED: i64 = Service::ON_GROUP_INVITED.as_i64();
    pub const KIND_LEFT: i64 = Service::ON_GROUP_LEFT.as_i64();
    pub const KIND_RENAMED: i64 = Service::ON_GROUP_RENAMED.as_i64();
    pub const KIND_ADMIN_CHANGED: i64 = Service::ON_GROUP_ADMIN_CHANGED.as_i64();
    pub const KIND_JOINED: i64 = Service::GROUP_JOIN_PUBLIC.as_i64();

    /// The `kind` column: the service number of the push announcing it.
    pub fn kind(&self) -> i64 {
        match self {
            SystemMessage::Created { .. } => Self::KIND_CREATED,
            SystemMessage::Invited { .. } => Self::KIND_INVITED,
            SystemMessage::Left { .. } => Self::KIND_LEFT,
            SystemMessage::Renamed { .. } => Self::KIND_RENAMED,
            SystemMessage::AdminChanged { .. } => Self::KIND_ADMIN_CHANGED,
            SystemMessage::Joined { .. } => Self::KIND_JOINED,
        }
    }

    /// The `content` column: JSON text with the list-item field names.
    pub fn content(&self) -> String {
        let value = match self {
            SystemMessage::Created { group_type, group, admin, name, members, created } => json!({
                "typeGroup": group_type, "group": group, "admin": admin, "name": name, "members": members,
                "created": created,
            }),
            SystemMessage::Invited { group, invited } => json!({"group": group, "invited": invited}),
            SystemMessage::Left { group, leave_user, new_admin: Some(new_admin) } => {
                json!({"group": group, "leaveUser": leave_user, "newAdmin": new_admin})
            }
            SystemMessage::Left { group, leave_user, new_admin: None } => {
                json!({"group": group, "leaveUser": leave_user})
            }
            SystemMessage::Renamed { group, name } => json!({"group": group, "name": name}),
            SystemMessage::AdminChanged { group, new_admin } => json!({"group": group, "newAdmin": new_admin}),
            SystemMessage::Joined { group, from } => json!({"group": group, "from": from}),
        };
        value.to_string()
    }

    /// Reads a stored system message back; `None` if `kind` is not a group system message or the content does not
    /// have its fields.
    pub fn parse(kind: i64, content: &str) -> Option<SystemMessage> {
        let v: Value = serde_json::from_str(content).ok()?;
        let int = |key: &str| v.get(key).and_then(Value::as_i64);
        let ints = |key: &str| -> Option<Vec<i64>> { v.get(key)?.as_array()?.iter().map(Value::as_i64).collect() };
        let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
        let group = int("group")?;
        Some(match kind {
            Self::KIND_CREATED => SystemMessage::Created {
                group_type: int("typeGroup")?,
                group,
                admin: int("admin")?,
                name: text("name")?,
                members: ints("members")?,
                created: int("created")?,
            },
            Self::KIND_INVITED => SystemMessage::Invited { group, invited: ints("invited")? },
            Self::KIND_LEFT => SystemMessage::Left { group, leave_user: int("leaveUser")?, new_admin: int("newAdmin") },
            Self::KIND_RENAMED => SystemMessage::Renamed { group, name: text("name")? },
            Self::KIND_ADMIN_CHANGED => SystemMessage::AdminChanged { group, new_admin: int("newAdmin")? },
            Self::KIND_JOINED => SystemMessage::Joined { group, from: int("from")? },
            _ => return None,
        })
    }
}

/// A message already stored under an action's identity `(group, actor, msgId)`.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredAction {
    pub kind: i64,
    pub created: i64,
    /// The system message, when the row is one (`None` for a chat message that happens to use the same `msgId`).
    pub message: Option<SystemMessage>,
}

/// A group created earlier by the same creator with the same `msgId` (a resent 42).
#[derive(Clone, Debug, PartialEq)]
pub struct CreatedGroup {
    pub group: i64,
    pub group_type: i64,
    pub admin: i64,
    pub name: String,
    pub members: Vec<i64>,
    pub created: i64,
}

/// A private group in the 147 list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateGroup {
    pub id: i64,
    pub name: String,
    pub admin_id: i64,
    pub members: Vec<i64>,
}

/// A public group in the 198 directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicGroup {
    pub id: i64,
    pub name: String,
    pub admin_id: i64,
    pub auto_join: i64,
    pub count: i64,
    /// 1 when the asking user is a member.
    pub in_group: i64,
}

fn group_from(r: &sqlx::any::AnyRow) -> Result<GroupRow> {
    Ok(GroupRow {
        id: r.try_get(0)?,
        app_id: r.try_get(1)?,
        kind: r.try_get(2)?,
        name: r.try_get(3)?,
        admin_id: r.try_get(4)?,
        auto_join: r.try_get(5)?,
        created: r.try_get(6)?,
    })
}

/// Inserts a system message into the group's conversation and makes it the group's last message. `None` when the
/// identity `(group, sender, msgId)` is already taken.
async fn insert_system_message(
    tx: &mut Transaction<'static, Any>,
    group: i64,
    sender: i64,
    msg_id: i64,
    message: &SystemMessage,
    now: i64,
) -> Result<Option<i64>> {
    let row = sqlx::query(
        "INSERT INTO messages (chat_type, conv_a, conv_b, sender_id, receiver_id, msg_id, kind, content, created, \
         modified, status) VALUES ($1, $2, 0, $3, $2, $4, $5, $6, $7, $7, 1) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(CHAT_GROUP)
    .bind(group)
    .bind(sender)
    .bind(msg_id)
    .bind(message.kind())
    .bind(message.content())
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let id: i64 = row.try_get(0)?;
    sqlx::query("UPDATE chat_groups SET modified = $1, last_message_id = $2 WHERE id = $3")
        .bind(now)
        .bind(id)
        .bind(group)
        .execute(&mut **tx)
        .await?;
    Ok(Some(id))
}

impl SqlStore {
    /// Creates a group of `tenant` of `members` (the admin first, all already checked to be users of `tenant`)
    /// together with its 143 system message, in one transaction. Returns the group id.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_group(
        &self,
        tenant: Tenant<'_>,
        group_type: i64,
        name: &str,
        admin: i64,
        members: &[i64],
        msg_id: i64,
        now: i64,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let group =
            super::membership::insert_group_rows(&mut tx, tenant, group_type, name, admin, members, now).await?;
        let message = SystemMessage::Created {
            group_type,
            group,
            admin,
            name: name.to_owned(),
            members: members.to_vec(),
            created: now,
        };
        insert_system_message(&mut tx, group, admin, msg_id, &message, now)
            .await?
            .ok_or_else(|| super::StoreError::Corrupt(format!("a new group {group} already has message {msg_id}")))?;
        tx.commit().await?;
        Ok(group)
    }

    /// The group `creator` created with `msg_id` (a 143 system message of theirs with that `msgId`), among the
    /// groups of `app_id` the creator still belongs to.
    pub async fn created_group(&self, app_id: &str, creator: i64, msg_id: i64) -> Result<Vec<CreatedGroup>> {
        let rows = sqlx::query(
            "SELECT m.content, m.created FROM group_members gm JOIN chat_groups g ON g.id = gm.group_id \
             JOIN messages m ON m.chat_type = $1 AND m.conv_a = gm.group_id AND m.conv_b = 0 \
             AND m.sender_id = gm.user_id AND m.msg_id = $2 \
             WHERE gm.user_id = $3 AND g.app_id = $4 AND m.kind = $5 ORDER BY m.id",
        )
        .bind(CHAT_GROUP)
        .bind(msg_id)
        .bind(creator)
        .bind(app_id)
        .bind(SystemMessage::KIND_CREATED)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let content: String = row.try_get(0)?;
            let created: i64 = row.try_get(1)?;
            match SystemMessage::parse(SystemMessage::KIND_CREATED, &content) {
                Some(SystemMessage::Created { group_type, group, admin, name, members, .. }) => {
                    out.push(CreatedGroup { group, group_type, admin, name, members, created });
                }
                _ => return Err(super::StoreError::Corrupt(format!("group creation message: {content}"))),
            }
        }
        Ok(out)
    }

    /// Opens the transaction of an action on group `group_id` of `tenant`, locking the group. `None` when there is
    /// no such group there.
    pub async fn begin_group_action(&self, tenant: Tenant<'_>, group_id: i64) -> Result<Option<GroupTx>> {
        let mut tx = self.pool.begin().await?;
        // A write first: it takes the lock before anything is read (PostgreSQL row lock, SQLite write lock).
        let row = sqlx::query(
            "UPDATE chat_groups SET modified = modified WHERE id = $1 AND app_id = $2 AND namespace = $3 \
             RETURNING id, app_id, type, name, admin_id, auto_join, created",
        )
        .bind(group_id)
        .bind(tenant.app_id)
        .bind(tenant.namespace)
        .fetch_optional(&mut *tx)
        .await?;
        match row {
            Some(row) => Ok(Some(GroupTx { group: group_from(&row)?, tx })),
            None => {
                tx.rollback().await?;
                Ok(None)
            }
        }
    }

    /// The private groups of `app_id` that `user_id` belongs to, with their member ids (OQ-17), by group id.
    pub async fn private_groups_of(&self, app_id: &str, user_id: i64) -> Result<Vec<PrivateGroup>> {
        let rows = sqlx::query(
            "SELECT g.id, g.name, g.admin_id, all_m.user_id FROM group_members me \
             JOIN chat_groups g ON g.id = me.group_id \
             JOIN group_members all_m ON all_m.group_id = g.id \
             WHERE me.user_id = $1 AND g.app_id = $2 AND g.type = 0 \
             ORDER BY g.id, all_m.joined, all_m.user_id",
        )
        .bind(user_id)
        .bind(app_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<PrivateGroup> = Vec::new();
        for row in &rows {
            let id: i64 = row.try_get(0)?;
            let member: i64 = row.try_get(3)?;
            match out.last_mut() {
                Some(last) if last.id == id => last.members.push(member),
                _ => out.push(PrivateGroup {
                    id,
                    name: row.try_get(1)?,
                    admin_id: row.try_get(2)?,
                    members: vec![member],
                }),
            }
        }
        Ok(out)
    }

    /// Up to `limit` public groups of `tenant` with an id above `after`, by id, with their member counts and
    /// whether `user_id` is one of the members (one page of the 198 directory).
    pub async fn public_groups_page(
        &self,
        tenant: Tenant<'_>,
        user_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<PublicGroup>> {
        let rows = sqlx::query(
            "SELECT g.id, g.name, g.admin_id, g.auto_join, \
             CAST((SELECT COUNT(*) FROM group_members c WHERE c.group_id = g.id) AS BIGINT), \
             CAST((SELECT COUNT(*) FROM group_members x WHERE x.group_id = g.id AND x.user_id = $2) AS BIGINT) \
             FROM chat_groups g WHERE g.app_id = $1 AND g.namespace = $5 AND g.type = 1 AND g.id > $3 ORDER BY g.id \
             LIMIT $4",
        )
        .bind(tenant.app_id)
        .bind(user_id)
        .bind(after)
        .bind(limit)
        .bind(tenant.namespace)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PublicGroup {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    admin_id: r.try_get(2)?,
                    auto_join: r.try_get(3)?,
                    count: r.try_get(4)?,
                    in_group: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// The members of a group as user rows, in joining order.
    pub async fn group_member_users(&self, group_id: i64) -> Result<Vec<UserRow>> {
        let rows = sqlx::query(
            "SELECT u.id, u.app_id, u.username, u.fullname, u.last_visit FROM group_members gm \
             JOIN users u ON u.id = gm.user_id WHERE gm.group_id = $1 ORDER BY gm.joined, gm.user_id",
        )
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(user_from).collect()
    }
}

/// An open group action: the transaction holding the group's lock, and the group as it was when locked. Dropping
/// it without [`GroupTx::commit`] rolls everything back.
pub struct GroupTx {
    pub group: GroupRow,
    tx: Transaction<'static, Any>,
}

impl GroupTx {
    /// What is already stored under the identity `(this group, actor, msg_id)`, if anything.
    pub async fn stored_action(&mut self, actor: i64, msg_id: i64) -> Result<Option<StoredAction>> {
        let row = sqlx::query(
            "SELECT kind, content, created FROM messages WHERE chat_type = $1 AND conv_a = $2 AND conv_b = 0 \
             AND sender_id = $3 AND msg_id = $4",
        )
        .bind(CHAT_GROUP)
        .bind(self.group.id)
        .bind(actor)
        .bind(msg_id)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| {
            let kind: i64 = r.try_get(0)?;
            let content: String = r.try_get(1)?;
            Ok(StoredAction { kind, created: r.try_get(2)?, message: SystemMessage::parse(kind, &content) })
        })
        .transpose()
    }

    /// Member ids, in joining order.
    pub async fn members(&mut self) -> Result<Vec<i64>> {
        let rows = sqlx::query("SELECT user_id FROM group_members WHERE group_id = $1 ORDER BY joined, user_id")
            .bind(self.group.id)
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Adds a member; false if they already were one.
    pub async fn add_member(&mut self, user_id: i64, now: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO group_members (group_id, user_id, joined, deleted_up_to) VALUES ($1, $2, $3, 0) \
             ON CONFLICT DO NOTHING",
        )
        .bind(self.group.id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes a member; false if they were not one.
    pub async fn remove_member(&mut self, user_id: i64) -> Result<bool> {
        let done = sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
            .bind(self.group.id)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn set_admin(&mut self, admin: i64) -> Result<()> {
        sqlx::query("UPDATE chat_groups SET admin_id = $1 WHERE id = $2")
            .bind(admin)
            .bind(self.group.id)
            .execute(&mut *self.tx)
            .await?;
        self.group.admin_id = admin;
        Ok(())
    }

    pub async fn rename(&mut self, name: &str) -> Result<()> {
        sqlx::query("UPDATE chat_groups SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(self.group.id)
            .execute(&mut *self.tx)
            .await?;
        self.group.name = name.to_owned();
        Ok(())
    }

    /// Stores the action's system message (sender `actor`, the client's `msg_id`, created `now`) and makes it the
    /// group's last message. `None` when the identity is already taken (the caller rolls back).
    pub async fn record(&mut self, actor: i64, msg_id: i64, message: &SystemMessage, now: i64) -> Result<Option<i64>> {
        insert_system_message(&mut self.tx, self.group.id, actor, msg_id, message, now).await
    }

    /// Deletes the group with everything in it: members, messages and their receipts and hidden marks (the last
    /// member left, OQ-14).
    pub async fn delete_group(&mut self) -> Result<()> {
        let id = self.group.id;
        for sql in [
            "DELETE FROM receipts WHERE message_id IN \
             (SELECT id FROM messages WHERE chat_type = 2 AND conv_a = $1 AND conv_b = 0)",
            "DELETE FROM hidden_messages WHERE message_id IN \
             (SELECT id FROM messages WHERE chat_type = 2 AND conv_a = $1 AND conv_b = 0)",
            "DELETE FROM messages WHERE chat_type = 2 AND conv_a = $1 AND conv_b = 0",
            "DELETE FROM group_members WHERE group_id = $1",
            "DELETE FROM chat_groups WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use azstack_protocol::Service;

    use super::SystemMessage;
    use serde_json::{Value, json};

    /// The content layout the history module reads, and that it parses back.
    #[test]
    fn system_message_content_round_trips() {
        let cases = [
            (
                SystemMessage::Created {
                    group_type: 1,
                    group: 7,
                    admin: 3,
                    name: "Team".into(),
                    members: vec![3, 4],
                    created: 1_700_000_000_000,
                },
                Service::ON_GROUP_CREATED.as_i64(),
                json!({"typeGroup": 1, "group": 7, "admin": 3, "name": "Team", "members": [3, 4],
                       "created": 1_700_000_000_000_i64}),
            ),
            (
                SystemMessage::Invited { group: 7, invited: vec![5] },
                Service::ON_GROUP_INVITED.as_i64(),
                json!({"group": 7, "invited": [5]}),
            ),
            (
                SystemMessage::Left { group: 7, leave_user: 3, new_admin: Some(4) },
                Service::ON_GROUP_LEFT.as_i64(),
                json!({"group": 7, "leaveUser": 3, "newAdmin": 4}),
            ),
            (
                SystemMessage::Left { group: 7, leave_user: 5, new_admin: None },
                Service::ON_GROUP_LEFT.as_i64(),
                json!({"group": 7, "leaveUser": 5}),
            ),
            (
                SystemMessage::Renamed { group: 7, name: "New".into() },
                Service::ON_GROUP_RENAMED.as_i64(),
                json!({"group": 7, "name": "New"}),
            ),
            (
                SystemMessage::AdminChanged { group: 7, new_admin: 4 },
                Service::ON_GROUP_ADMIN_CHANGED.as_i64(),
                json!({"group": 7, "newAdmin": 4}),
            ),
            (
                SystemMessage::Joined { group: 7, from: 6 },
                Service::GROUP_JOIN_PUBLIC.as_i64(),
                json!({"group": 7, "from": 6}),
            ),
        ];
        for (message, kind, content) in cases {
            assert_eq!(message.kind(), kind);
            let text = message.content();
            assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), content);
            assert_eq!(SystemMessage::parse(kind, &text), Some(message));
        }
        assert_eq!(
            SystemMessage::parse(Service::MESSAGE_HAS_NEW_WITH_GROUP.as_i64(), r#"{"group": 7, "msg": "hi"}"#),
            None
        );
        assert_eq!(SystemMessage::parse(Service::ON_GROUP_RENAMED.as_i64(), "not json"), None);
    }
}
