//! Paid call log rows (PROTOCOL.md §11.1): written when a gateway call ends, then pushed as 601 to every session
//! of the user (§4.4). svc 509 reads them back (`crate::calls`). A row stores its recording's file name (`""`
//! for none) in the entry's `urlRecord`; the push and the list hand out a signed link instead
//! ([`crate::recordings`]).

use azstack_protocol::Service;
use azstack_protocol::bodies::calls::{PaidCallLogEntry, PaidCallLogPush};

use crate::hub::Hub;
use crate::store::StoreError;

/// Stores `entry`; false (and logged) when storage failed, in which case the row does not exist and is not pushed.
/// A call stores its row before it tells the app it ended, so a log listing on the end finds the call.
pub(super) async fn store(hub: &Hub, entry: &PaidCallLogEntry) -> bool {
    match insert(hub, entry).await {
        Ok(()) => true,
        Err(error) => {
            tracing::error!(call_id = entry.call_id, %error, "paid call log not stored");
            false
        }
    }
}

/// 601 with a stored row to every session of its user, its recording as a link.
pub(super) fn push(hub: &Hub, mut entry: PaidCallLogEntry) {
    let recording = entry.url_record.take().unwrap_or_default();
    let link = hub.recordings.as_ref().map_or_else(String::new, |r| r.link(&recording, std::time::SystemTime::now()));
    entry.url_record = Some(link);
    hub.sessions.send_to_user(entry.az_user_id, None, Service::PAID_CALL_LOG_RETURN, &PaidCallLogPush { data: entry });
}

async fn insert(hub: &Hub, e: &PaidCallLogEntry) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO paid_call_logs (call_id, user_id, from_number, to_number, tags, duration, record_time, recording, \
         call_type, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
    .execute(&hub.store.pool)
    .await?;
    Ok(())
}
