//! How many calls a user may start (186 free calls and 500 callouts together): a token bucket per user holding
//! `limits.call_attempts_per_min` tokens, refilled at that many per minute. A user idle for a minute has a full
//! bucket, which is the same as having none, so such entries are pruned whenever the table has doubled since the
//! last pruning: the table stays proportional to the users who started a call in the last minute.
//!
//! A node of a cluster takes the token from the user's bucket shared by every node ([`SharedAttempts`], a bucket in
//! Redis that cluster/limits.rs implements); when that bucket does not answer within [`SHARED_TIMEOUT`], from this
//! node's bucket, with a warning at most every [`WARN_EVERY_MS`] (cluster/limits.rs says why). The trait lives here
//! and the cluster implements it, so that calls do not depend on the cluster module (which depends on calls for the
//! call routing).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// How long a call attempt waits for the shared bucket before it is counted in this node's.
pub const SHARED_TIMEOUT: Duration = Duration::from_millis(250);

/// Call-attempt buckets shared with other nodes (a cluster's, in Redis).
#[async_trait::async_trait]
pub trait SharedAttempts: Send + Sync {
    /// Takes one of `user`'s `per_min` call attempts from the shared bucket: false when it is empty; an error (its
    /// text for the log) when the bucket cannot be reached.
    async fn take(&self, user: i64, per_min: u32) -> Result<bool, String>;
}

/// The table is first pruned at this size.
const PRUNE_FROM: usize = 1024;

/// A bucket refills completely within this time.
const REFILL: Duration = Duration::from_secs(60);

/// The Redis-unavailable warning is logged at most this often.
const WARN_EVERY_MS: i64 = 10_000;

#[derive(Default)]
pub(super) struct Attempts {
    state: Mutex<State>,
    /// The shared buckets that count the attempts, when this node is one of a cluster.
    shared: OnceLock<Arc<dyn SharedAttempts>>,
    /// When the Redis-unavailable warning was last logged (Unix ms).
    warned_ms: AtomicI64,
}

#[derive(Default)]
struct State {
    /// Tokens left and when they were counted, by user id.
    buckets: HashMap<i64, (f64, Instant)>,
    prune_at: usize,
}

impl Attempts {
    /// Counts the attempts in `shared` buckets from now on.
    pub(super) fn share(&self, shared: Arc<dyn SharedAttempts>) {
        let _ = self.shared.set(shared);
    }

    /// Takes a token for a call `user` starts now, from the cluster's bucket of the user when this node is in one
    /// and Redis answers, else from this node's; false when the bucket is empty (the attempt is refused).
    pub(super) async fn admit(&self, user: i64, per_min: u32) -> bool {
        if let Some(shared) = self.shared.get() {
            let why = match tokio::time::timeout(SHARED_TIMEOUT, shared.take(user, per_min)).await {
                Ok(Ok(admitted)) => return admitted,
                Ok(Err(error)) => error,
                Err(_) => format!("no answer within {SHARED_TIMEOUT:?}"),
            };
            let now = crate::store::now_ms();
            let last = self.warned_ms.load(Ordering::Relaxed);
            if now - last >= WARN_EVERY_MS
                && self.warned_ms.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
            {
                tracing::warn!(%why, "cluster: call attempts counted on this node only (Redis unavailable)");
            }
        }
        self.admit_here(user, per_min)
    }

    /// Takes a token from this node's bucket of `user`.
    fn admit_here(&self, user: i64, per_min: u32) -> bool {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        if st.buckets.len() >= st.prune_at.max(PRUNE_FROM) {
            st.buckets.retain(|_, (_, at)| now.duration_since(*at) < REFILL);
            st.prune_at = st.buckets.len() * 2;
        }
        let full = f64::from(per_min);
        let (tokens, at) = st.buckets.entry(user).or_insert((full, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * full / REFILL.as_secs_f64()).min(full);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_gets_the_burst_then_is_refused_and_others_are_not() {
        let attempts = Attempts::default();
        assert!((0..5).all(|_| attempts.admit_here(1, 5)));
        assert!(!attempts.admit_here(1, 5));
        assert!(attempts.admit_here(2, 5));
    }

    #[test]
    fn the_table_is_pruned_of_idle_users() {
        let attempts = Attempts::default();
        for user in 0..(PRUNE_FROM as i64 * 3) {
            attempts.admit_here(user, 5);
        }
        // Nobody is idle yet: nothing could be pruned, and the threshold moved up instead of pruning on every call.
        let st = attempts.state.lock().unwrap();
        assert_eq!(st.buckets.len(), PRUNE_FROM * 3);
        assert!(st.prune_at > PRUNE_FROM);
    }
}
