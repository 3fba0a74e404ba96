//! Users: `(appId, namespace, azStackUserId)` → a stable numeric `userId` (§2.6, §11.1).

use std::collections::HashMap;

use sqlx::Row;

use super::{Result, SqlStore, Tenant, now_ms, placeholders};

/// A user row. `last_visit` is in epoch seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRow {
    pub id: i64,
    pub app_id: String,
    pub username: String,
    pub fullname: String,
    pub last_visit: i64,
}

/// Reads a row of `SELECT id, app_id, username, fullname, last_visit`.
pub(crate) fn user_from(r: &sqlx::any::AnyRow) -> Result<UserRow> {
    Ok(UserRow {
        id: r.try_get(0)?,
        app_id: r.try_get(1)?,
        username: r.try_get(2)?,
        fullname: r.try_get(3)?,
        last_visit: r.try_get(4)?,
    })
}

impl SqlStore {
    /// Finds or creates the user; a non-empty `fullname` replaces the stored one (OQ-3).
    pub async fn upsert_user(&self, app_id: &str, namespace: &str, username: &str, fullname: &str) -> Result<UserRow> {
        // Most logins are of known users whose name did not change: answer those with a read, no commit.
        let known = sqlx::query(
            "SELECT id, app_id, username, fullname, last_visit FROM users WHERE app_id = $1 AND namespace = $2 AND \
             username = $3",
        )
        .bind(app_id)
        .bind(namespace)
        .bind(username)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = known {
            let user = user_from(&row)?;
            if fullname.is_empty() || user.fullname == fullname {
                return Ok(user);
            }
        }
        let now = now_ms();
        sqlx::query(
            "INSERT INTO users (app_id, namespace, username, fullname, last_visit, created) VALUES ($1, $2, $3, $4, $5, \
             $6) ON CONFLICT (app_id, namespace, username) DO UPDATE SET fullname = CASE WHEN excluded.fullname <> '' \
             THEN excluded.fullname ELSE users.fullname END",
        )
        .bind(app_id)
        .bind(namespace)
        .bind(username)
        .bind(fullname)
        .bind(now / 1000)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let row = sqlx::query(
            "SELECT id, app_id, username, fullname, last_visit FROM users WHERE app_id = $1 AND namespace = $2 AND \
             username = $3",
        )
        .bind(app_id)
        .bind(namespace)
        .bind(username)
        .fetch_one(&self.pool)
        .await?;
        user_from(&row)
    }

    /// Users of `tenant` with these ids, in the order asked (a repeated id is listed again); unknown ids and users of
    /// other tenants are left out. One statement whatever the number of ids.
    pub async fn users_by_ids(&self, tenant: Tenant<'_>, ids: &[i64]) -> Result<Vec<UserRow>> {
        let found = self.users_where_in(tenant, "id", ids.to_vec(), |user| user.id).await?;
        Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
    }

    /// Users of `tenant` with these azStackUserIds, in the order asked; unknown names are left out. One statement.
    pub async fn users_by_usernames(&self, tenant: Tenant<'_>, names: &[String]) -> Result<Vec<UserRow>> {
        let found = self.users_where_in(tenant, "username", names.to_vec(), |user| user.username.clone()).await?;
        Ok(names.iter().filter_map(|name| found.get(name).cloned()).collect())
    }

    /// The users of `tenant` whose `column` is one of `values`, by `key`: one statement whatever their number (sqlx's
    /// `Any` driver binds no arrays, so the values are bound one placeholder each).
    async fn users_where_in<V, K>(
        &self,
        tenant: Tenant<'_>,
        column: &str,
        mut values: Vec<V>,
        key: impl Fn(&UserRow) -> K,
    ) -> Result<HashMap<K, UserRow>>
    where
        V: Ord + Send + for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any>,
        K: std::hash::Hash + Eq,
    {
        values.sort_unstable();
        values.dedup();
        if values.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT id, app_id, username, fullname, last_visit FROM users WHERE app_id = $1 AND namespace = $2 AND \
             {column} IN ({})",
            placeholders(3, values.len())
        );
        // Only the column name (ours) and placeholders are spliced in; the values are bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.app_id).bind(tenant.namespace);
        for value in values {
            query = query.bind(value);
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut found = HashMap::with_capacity(rows.len());
        for row in &rows {
            let user = user_from(row)?;
            found.insert(key(&user), user);
        }
        Ok(found)
    }

    /// Whether user `user_id` exists in `tenant`.
    pub async fn user_in_tenant(&self, tenant: Tenant<'_>, user_id: i64) -> Result<bool> {
        let row = sqlx::query("SELECT 1 FROM users WHERE id = $1 AND app_id = $2 AND namespace = $3")
            .bind(user_id)
            .bind(tenant.app_id)
            .bind(tenant.namespace)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Records that the user's last session ended now.
    pub async fn touch_last_visit(&self, user_id: i64) -> Result<()> {
        sqlx::query("UPDATE users SET last_visit = $1 WHERE id = $2")
            .bind(now_ms() / 1000)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
