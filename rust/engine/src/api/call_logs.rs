//! getPaidCallLogs (PROTOCOL.md §3.18). Options are ignored, as in the original.

use azstack_protocol::Service;
use azstack_protocol::bodies::Empty;
use azstack_protocol::bodies::calls::PaidCallLogsReply;
use azstack_protocol::errors::{ApiError, ErrorCode};
use serde_json::Value;

use super::server_error;
use crate::core::area_handle;
use crate::mapping;
use crate::model::PaidCallLogList;
use crate::requests::{DEFAULT_KEY, Uncall};

area_handle! {
    /// Paid call logs: `engine.call_logs()`.
    CallLogs {  }
}

impl CallLogs {
    pub async fn get_paid_call_logs(&self) -> Result<PaidCallLogList, ApiError> {
        const OP: &str = "get paid call logs";
        let mut pending = self
            .request(
                Uncall::GetPaidCallLogs,
                DEFAULT_KEY,
                Service::PAID_CALL_LOGS_GET,
                &Empty {},
                "Cannot send get paid call logs data, get paid call logs fail",
            )
            .await?;
        let reply = pending.next().await?;
        let no_list = || {
            ApiError::new(
                ErrorCode::UnexpectedReceivedData,
                "Cannot detect paid call logs list, get paid call logs fail",
            )
        };
        let body: Value = reply.decode().map_err(|_| no_list())?;
        if body.get("r").and_then(Value::as_i64) != Some(1) {
            return Err(server_error(OP));
        }
        let logs: PaidCallLogsReply = serde_json::from_value(body).map_err(|_| no_list())?;
        let list = logs.data.into_iter().map(mapping::paid_call_log).collect();
        Ok(PaidCallLogList { done: 1, list })
    }
}
