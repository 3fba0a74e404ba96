//! Paid call logs (PROTOCOL.md §11.1): the SIP gateway writes a row when one of its calls ends (through the
//! server's `Host`, `crate::sip_host`), and svc 509 reads a user's rows back (`crate::calls`). A row stores its
//! recording's file name (`""` for none); whoever hands a row to an app turns the name into a signed link
//! (`crate::recordings`).

use azstack_protocol::bodies::calls::{PaidCallLogEntry, PaidCallLogItem};
use sqlx::Row;

use super::{Result, SqlStore};

impl SqlStore {
    /// Stores the row of a call that ended; `url_record` is the recording's file name.
    pub async fn insert_paid_call_log(&self, e: &PaidCallLogEntry) -> Result<()> {
        sqlx::query(
            "INSERT INTO paid_call_logs (call_id, user_id, from_number, to_number, tags, duration, record_time, \
             recording, call_type, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(e.call_id)
        .bind(e.az_user_id)
        .bind(&e.from)
        .bind(&e.to)
        .bind(e.tags.clone().flatten())
        .bind(e.duration)
        .bind(e.record_time)
        .bind(e.url_record.clone().unwrap_or_default())
        .bind(e.call_type)
        .bind(e.status)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest `limit` rows of `user_id`, newest first; each row's `url` is its recording's file name (`""`
    /// for none).
    pub async fn paid_call_logs(&self, user_id: i64, limit: i64) -> Result<Vec<PaidCallLogItem>> {
        let rows = sqlx::query(
            "SELECT call_id, from_number, to_number, tags, duration, record_time, recording, call_type, status \
             FROM paid_call_logs WHERE user_id = $1 ORDER BY record_time DESC, id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PaidCallLogItem {
                    call_id: r.try_get(0)?,
                    from: r.try_get(1)?,
                    to: r.try_get(2)?,
                    tags: Some(r.try_get::<Option<String>, _>(3)?),
                    duration: r.try_get(4)?,
                    record_time: r.try_get(5)?,
                    url: Some(r.try_get(6)?),
                    user_id,
                    call_type: r.try_get(7)?,
                    status: r.try_get(8)?,
                })
            })
            .collect()
    }
}
