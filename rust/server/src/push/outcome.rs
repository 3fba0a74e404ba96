//! What became of one send, and its count in `azstack_push_total{service, outcome}` ([`crate::metrics`]).

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::metrics::Metrics;

/// The push service a send went to (the `service` label).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushService {
    Apns = 0,
    Fcm = 1,
}

/// The answer to one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the service.
    Sent,
    /// The service says the token is no longer valid: it is deleted.
    InvalidToken(String),
    /// Throttled or unavailable (429, 5xx, a network error): try again after the service's `Retry-After`, if it
    /// gave one.
    Retry { after: Option<Duration>, why: String },
    /// Refused for good (a bad request, a credential problem).
    Failed(String),
}

/// The `outcome` label values, in the order of [`crate::metrics::PUSH_OUTCOMES`].
#[derive(Clone, Copy, Debug)]
pub enum Counted {
    Sent = 0,
    InvalidToken = 1,
    Retried = 2,
    Failed = 3,
    Dropped = 4,
}

pub fn count(metrics: &Metrics, service: PushService, outcome: Counted) {
    metrics.push[service as usize][outcome as usize].fetch_add(1, Ordering::Relaxed);
}

/// Longest wait a `Retry-After` may ask for.
const MOST_RETRY_AFTER: Duration = Duration::from_secs(60);

/// `Retry-After` in seconds (the HTTP-date form is treated as absent), capped.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let secs: u64 = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(secs).min(MOST_RETRY_AFTER))
}

/// A throttled or failing status (429, 5xx) is retried.
pub fn retryable(status: reqwest::StatusCode) -> bool {
    status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// A network error: retried.
pub fn network(error: &reqwest::Error) -> Outcome {
    Outcome::Retry { after: None, why: error.to_string() }
}
