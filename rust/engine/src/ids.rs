//! Client-side identifiers (PROTOCOL.md §6.2).
//!
//! `msgId`s and `callId`s come from one per-engine counter seeded with the epoch *seconds* at construction; each use
//! takes `max(previous + 1, now_in_seconds)`. They stay small JSON integers, strictly increase, and resync to the
//! clock after idle periods — exactly as the original does, so servers that index by them see the same values.
//! `purpose` (users information) and `requestId` (group details) are random integers in 0–99999.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn now_seconds_rounded() -> i64 {
    (now_ms() + 500) / 1000
}

/// The per-engine id counter.
#[derive(Debug)]
pub struct UniqueIds {
    last: AtomicI64,
}

impl Default for UniqueIds {
    fn default() -> UniqueIds {
        UniqueIds { last: AtomicI64::new(now_seconds_rounded()) }
    }
}

impl UniqueIds {
    /// The next id: `max(last + 1, round(now / 1000))`.
    pub fn next(&self) -> i64 {
        let now = now_seconds_rounded();
        let mut last = self.last.load(Ordering::Relaxed);
        loop {
            let next = (last + 1).max(now);
            match self.last.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return next,
                Err(seen) => last = seen,
            }
        }
    }
}

/// A random correlation number in 0–99999 (`purpose`, `requestId`).
pub fn random_request_number() -> i64 {
    rand::rng().random_range(0..100_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_and_track_the_clock() {
        let ids = UniqueIds::default();
        let a = ids.next();
        let b = ids.next();
        assert!(b > a);
        assert!((a - now_ms() / 1000).abs() <= 2, "seeded from epoch seconds");
        let n = random_request_number();
        assert!((0..100_000).contains(&n));
    }
}
