//! Applications: id, name and RSA key pair.

use rand::Rng;
use sqlx::Row;

use super::{Result, SqlStore, now_ms};

/// An application row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppRow {
    pub id: String,
    pub name: String,
    pub public_key: String,
    pub private_key: String,
}

impl SqlStore {
    pub async fn list_apps(&self) -> Result<Vec<AppRow>> {
        let rows = sqlx::query("SELECT id, name, public_key, private_key FROM apps ORDER BY created, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AppRow {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    public_key: r.try_get(2)?,
                    private_key: r.try_get(3)?,
                })
            })
            .collect()
    }

    pub async fn insert_app(&self, app: &AppRow) -> Result<()> {
        sqlx::query("INSERT INTO apps (id, name, public_key, private_key, created) VALUES ($1, $2, $3, $4, $5)")
            .bind(&app.id)
            .bind(&app.name)
            .bind(&app.public_key)
            .bind(&app.private_key)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// A new application id: 32 lower-case hex characters, like the original's.
pub fn new_app_id() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
