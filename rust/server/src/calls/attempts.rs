//! How many calls a user may start (186 free calls and 500 callouts together): a token bucket per user holding
//! `limits.call_attempts_per_min` tokens, refilled at that many per minute. A user idle for a minute has a full
//! bucket, which is the same as having none, so such entries are pruned whenever the table has doubled since the
//! last pruning: the table stays proportional to the users who started a call in the last minute.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The table is first pruned at this size.
const PRUNE_FROM: usize = 1024;

/// A bucket refills completely within this time.
const REFILL: Duration = Duration::from_secs(60);

#[derive(Default)]
pub(super) struct Attempts {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Tokens left and when they were counted, by user id.
    buckets: HashMap<i64, (f64, Instant)>,
    prune_at: usize,
}

impl Attempts {
    /// Takes a token for a call `user` starts now; false when the bucket is empty (the attempt is refused).
    pub(super) fn admit(&self, user: i64, per_min: u32) -> bool {
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
        assert!((0..5).all(|_| attempts.admit(1, 5)));
        assert!(!attempts.admit(1, 5));
        assert!(attempts.admit(2, 5));
    }

    #[test]
    fn the_table_is_pruned_of_idle_users() {
        let attempts = Attempts::default();
        for user in 0..(PRUNE_FROM as i64 * 3) {
            attempts.admit(user, 5);
        }
        // Nobody is idle yet: nothing could be pruned, and the threshold moved up instead of pruning on every call.
        let st = attempts.state.lock().unwrap();
        assert_eq!(st.buckets.len(), PRUNE_FROM * 3);
        assert!(st.prune_at > PRUNE_FROM);
    }
}
