//! The typed API, one module and one handle per area of the seed README (`engine.conversations()`,
//! `engine.messages()`, `engine.users()`, `engine.groups()`, `engine.call_logs()`, `engine.extensions()`); the
//! persistent outbox is part of the messages area.
//!
//! Every method has an options struct with a `from_json` constructor that applies the original's validation
//! ([`crate::validate`]) and texts; [`crate::dispatch`] uses those for JSON callers, Rust callers build the structs
//! directly. A handle derefs to the shared [`Core`](crate::core::Core): a method sends its packet through
//! [`Core::request`](crate::core::Core::request), reads the reply from the request table and maps it to a
//! [`crate::model`] result with the exact field names of PROTOCOL.md §3.

pub mod call_logs;
pub mod conversations;
pub mod extensions;
pub mod groups;
pub mod messages;
pub mod outbox;
pub mod uploads;
pub mod users;

use azstack_protocol::Envelope;
use azstack_protocol::constants::list;
use azstack_protocol::errors::{ApiError, ErrorCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::requests::Pending;

/// `{ERR_UNEXPECTED_RECEIVED_DATA, 'Server response with error, <op> fail'}`.
pub(crate) fn server_error(op: &str) -> ApiError {
    ApiError::new(ErrorCode::UnexpectedReceivedData, format!("Server response with error, {op} fail"))
}

/// A reply body that does not have the expected shape.
fn bad_reply(op: &str) -> ApiError {
    ApiError::new(ErrorCode::UnexpectedReceivedData, format!("Cannot parse received data, {op} fail"))
}

/// Checks the reply's `r` against the service's success values, then decodes the body.
pub(crate) fn decode_reply<T: DeserializeOwned>(envelope: &Envelope, success: &[i64], op: &str) -> Result<T, ApiError> {
    let body: Value = envelope.decode().map_err(|_| bad_reply(op))?;
    if !success.is_empty() {
        match body.get("r").and_then(Value::as_i64) {
            Some(r) if success.contains(&r) => {}
            _ => return Err(server_error(op)),
        }
    }
    serde_json::from_value(body).map_err(|_| bad_reply(op))
}

/// Reads the packets of a multi-packet reply (164/165, 191, 198) until one has `done: 1`, mapping each with `items`
/// (which returns the packet's `done` and its items). Items keep arrival order: earlier packets first (§8.3, the
/// engine rule; the original put the last packet first).
pub(crate) async fn gather<T: DeserializeOwned, I>(
    pending: &mut Pending,
    success: &[i64],
    op: &str,
    mut items: impl FnMut(T) -> (i64, Vec<I>),
) -> Result<Vec<I>, ApiError> {
    let mut all = Vec::new();
    loop {
        let (done, list) = items(decode_reply(&pending.next().await?, success, op)?);
        all.extend(list);
        if done == list::GET_LIST_DONE {
            return Ok(all);
        }
    }
}
