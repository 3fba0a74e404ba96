//! Stored files (`files/`): one row per object uploaded for a file message, and each user's running total of bytes,
//! which the quota bounds.

use sqlx::Row;

use super::{Result, SqlStore};

/// A stored file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRow {
    /// The object's id (its name in the store, and in its link).
    pub id: String,
    pub user_id: i64,
    pub bytes: i64,
    /// The stored (sniffed) media type.
    pub mime_type: String,
    /// The name the uploader gave.
    pub name: String,
    pub created: i64,
}

impl SqlStore {
    /// Bytes of files `user_id` has stored.
    pub async fn file_bytes_used(&self, user_id: i64) -> Result<i64> {
        let row = sqlx::query("SELECT bytes FROM file_usage WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => row.try_get(0)?,
            None => 0,
        })
    }

    /// Records `file` if its owner's total stays within `quota` bytes; false (and nothing recorded) if it would not.
    /// The total is raised by one conditional UPDATE of the owner's row, so two uploads racing for the last bytes
    /// of a quota cannot both pass it (the row lock orders them on PostgreSQL, the write lock on SQLite).
    pub async fn add_file(&self, file: &FileRow, quota: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO file_usage (user_id, bytes) VALUES ($1, 0) ON CONFLICT (user_id) DO NOTHING")
            .bind(file.user_id)
            .execute(&mut *tx)
            .await?;
        let raised = sqlx::query("UPDATE file_usage SET bytes = bytes + $2 WHERE user_id = $1 AND bytes + $2 <= $3")
            .bind(file.user_id)
            .bind(file.bytes)
            .bind(quota)
            .execute(&mut *tx)
            .await?;
        if raised.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("INSERT INTO files (id, user_id, bytes, mime_type, name, created) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&file.id)
            .bind(file.user_id)
            .bind(file.bytes)
            .bind(&file.mime_type)
            .bind(&file.name)
            .bind(file.created)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The stored file `id`, if any.
    pub async fn file(&self, id: &str) -> Result<Option<FileRow>> {
        let row = sqlx::query("SELECT id, user_id, bytes, mime_type, name, created FROM files WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(FileRow {
            id: row.try_get(0)?,
            user_id: row.try_get(1)?,
            bytes: row.try_get(2)?,
            mime_type: row.try_get(3)?,
            name: row.try_get(4)?,
            created: row.try_get(5)?,
        }))
    }
}
