//! Users: `(appId, namespace, azStackUserId)` → a stable numeric `userId` (§2.6, §11.1).

use sqlx::Row;

use super::{Result, Store, now_ms};

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

impl Store {
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

    /// Users of `app_id` with these ids; unknown ids are left out.
    pub async fn users_by_ids(&self, app_id: &str, ids: &[i64]) -> Result<Vec<UserRow>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row = sqlx::query(
                "SELECT id, app_id, username, fullname, last_visit FROM users WHERE id = $1 AND app_id = $2",
            )
            .bind(id)
            .bind(app_id)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = row {
                out.push(user_from(&row)?);
            }
        }
        Ok(out)
    }

    /// Users of `app_id` with these azStackUserIds (any namespace); unknown names are left out.
    pub async fn users_by_usernames(&self, app_id: &str, names: &[String]) -> Result<Vec<UserRow>> {
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let rows = sqlx::query(
                "SELECT id, app_id, username, fullname, last_visit FROM users WHERE username = $1 AND app_id = $2 \
                 ORDER BY id",
            )
            .bind(name)
            .bind(app_id)
            .fetch_all(&self.pool)
            .await?;
            for row in &rows {
                out.push(user_from(row)?);
            }
        }
        Ok(out)
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
