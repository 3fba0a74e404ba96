//! Group rows and membership: the few queries that both chat (who receives a group message) and group management
//! need.

use sqlx::Row;

use super::{Result, SqlStore, Tenant};

/// A group row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRow {
    pub id: i64,
    pub app_id: String,
    /// 0 private, 1 public.
    pub kind: i64,
    pub name: String,
    pub admin_id: i64,
    pub auto_join: i64,
    pub created: i64,
}

impl SqlStore {
    /// Inserts a group of the default namespace of `app_id` and its members (the admin included by the caller) in one
    /// transaction; returns its id.
    pub async fn insert_group(
        &self,
        app_id: &str,
        kind: i64,
        name: &str,
        admin_id: i64,
        members: &[i64],
        now: i64,
    ) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let tenant = Tenant { app_id, namespace: "" };
        let id = insert_group_rows(&mut tx, tenant, kind, name, admin_id, members, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The group, if it exists in `tenant`.
    pub async fn group(&self, tenant: Tenant<'_>, group_id: i64) -> Result<Option<GroupRow>> {
        let row = sqlx::query(
            "SELECT id, app_id, type, name, admin_id, auto_join, created FROM chat_groups WHERE id = $1 AND app_id = $2 \
             AND namespace = $3",
        )
        .bind(group_id)
        .bind(tenant.app_id)
        .bind(tenant.namespace)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(GroupRow {
                id: r.try_get(0)?,
                app_id: r.try_get(1)?,
                kind: r.try_get(2)?,
                name: r.try_get(3)?,
                admin_id: r.try_get(4)?,
                auto_join: r.try_get(5)?,
                created: r.try_get(6)?,
            })
        })
        .transpose()
    }

    /// Member ids of a group, in joining order.
    pub async fn group_member_ids(&self, group_id: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query("SELECT user_id FROM group_members WHERE group_id = $1 ORDER BY joined, user_id")
            .bind(group_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    pub async fn is_group_member(&self, group_id: i64, user_id: i64) -> Result<bool> {
        let row = sqlx::query("SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2")
            .bind(group_id)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }
}

/// Inserts a group row and its members inside `tx`; returns the group id. Shared by [`Store::insert_group`] and the
/// group-create transaction that also stores the creation's system message.
pub(crate) async fn insert_group_rows(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    tenant: Tenant<'_>,
    kind: i64,
    name: &str,
    admin_id: i64,
    members: &[i64],
    now: i64,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO chat_groups (app_id, type, name, admin_id, auto_join, created, modified, last_message_id, \
         namespace) VALUES ($1, $2, $3, $4, 0, $5, $5, 0, $6) RETURNING id",
    )
    .bind(tenant.app_id)
    .bind(kind)
    .bind(name)
    .bind(admin_id)
    .bind(now)
    .bind(tenant.namespace)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = row.try_get(0)?;
    for member in members {
        sqlx::query(
            "INSERT INTO group_members (group_id, user_id, joined, deleted_up_to) VALUES ($1, $2, $3, 0) \
                 ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(member)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(id)
}
