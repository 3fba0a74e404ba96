//! Push-notification device tokens (svc 38/40, §10.1): stored per user, read by the push sender (`crate::push`),
//! which also removes those APNs or FCM report invalid.

use sqlx::Row;

use super::{Result, SqlStore, now_ms};

impl SqlStore {
    /// Registers (or re-registers) a device token for `user_id`.
    pub async fn register_device(&self, user_id: i64, token: &str, platform: i64, bundle_id: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO devices (user_id, token, platform, bundle_id, created) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id, token) DO UPDATE SET platform = excluded.platform, bundle_id = excluded.bundle_id",
        )
        .bind(user_id)
        .bind(token)
        .bind(platform)
        .bind(bundle_id)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Removes a device token of `user_id`; true if it was registered.
    pub async fn unregister_device(&self, user_id: i64, token: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM devices WHERE user_id = $1 AND token = $2")
            .bind(user_id)
            .bind(token)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The user's device tokens, oldest first.
    pub async fn devices(&self, user_id: i64) -> Result<Vec<Device>> {
        let rows =
            sqlx::query("SELECT token, platform, bundle_id FROM devices WHERE user_id = $1 ORDER BY created, token")
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| Ok(Device { token: r.try_get(0)?, platform: r.try_get(1)?, bundle_id: r.try_get(2)? }))
            .collect()
    }
}

/// A registered device token (svc 38).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub token: String,
    /// 1 Android (FCM), 2 iOS (APNs).
    pub platform: i64,
    /// `appBundleId` as registered; on iOS a bundle ending in `.voip` marks a PushKit VoIP token.
    pub bundle_id: String,
}
