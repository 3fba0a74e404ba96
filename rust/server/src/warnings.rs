//! Log lines that clients cause, kept bounded.
//!
//! A client decides how often the server drops one of its packets or rejects one of its requests, and what strings
//! those packets carry. Logged one line per event, with the client's strings in full, a flood turns into as much log
//! as the attacker likes (tiny pings dropped by the rate limit: 24.5 MB in 3 s; a 60 KB `service` string quoted in
//! every error: 120 MB). So every such line goes through [`warn_limited!`]:
//!
//! * **Per cause, one line per interval.** A cause is a fixed name (`"socket queue full"`, `"packet rejected"`). The
//!   first event of a cause in an interval of `limits.log_interval_secs` is written; the others of that interval are
//!   only counted (`azstack_log_lines_suppressed_total`), and the next written line of the cause carries their
//!   number as `suppressed`. The log grows by at most one line per cause per interval, whatever the clients do.
//! * **Untrusted strings clipped.** [`clip`] cuts a string to `limits.log_field_bytes` (on a character boundary)
//!   and says how long it was, so a line is bounded too.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::metrics::Metrics;

/// The rate-limited causes, by name, with the interval they share and the counters a rejection is counted in (a
/// handle any part of the server that logs for a client takes).
pub struct Warnings {
    causes: Mutex<HashMap<&'static str, Cause>>,
    interval: Duration,
    /// `limits.log_field_bytes`: the most of an untrusted string a line shows.
    field_bytes: usize,
    metrics: Arc<Metrics>,
}

struct Cause {
    written: Instant,
    suppressed: u64,
}

impl Warnings {
    pub fn new(interval: Duration, field_bytes: usize, metrics: Arc<Metrics>) -> Warnings {
        Warnings { causes: Mutex::default(), interval, field_bytes, metrics }
    }

    /// The server's counters.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// `text` clipped to `limits.log_field_bytes` (see [`clip`]).
    pub fn clip<'a>(&self, text: &'a str) -> Clipped<'a> {
        clip(text, self.field_bytes)
    }

    /// Whether a line of `cause` may be written now; `Some(n)` with the number of lines of the cause suppressed since
    /// the last one written, `None` (and counted) when the cause already wrote within the interval.
    pub fn allow(&self, cause: &'static str) -> Option<u64> {
        self.allow_within(cause, self.interval)
    }

    fn allow_within(&self, cause: &'static str, interval: Duration) -> Option<u64> {
        let metrics = &self.metrics;
        let mut causes = self.causes.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        match causes.get_mut(cause) {
            Some(c) if now.duration_since(c.written) < interval => {
                c.suppressed += 1;
                metrics.log_lines_suppressed.fetch_add(1, Ordering::Relaxed);
                None
            }
            Some(c) => {
                c.written = now;
                Some(std::mem::take(&mut c.suppressed))
            }
            None => {
                causes.insert(cause, Cause { written: now, suppressed: 0 });
                Some(0)
            }
        }
    }
}

/// Writes a `warn` line of a client-caused `cause` (a string literal, also the message) when [`Warnings::allow`]
/// lets it, with the fields given and `suppressed`. `$warnings` is the server's [`Warnings`].
#[macro_export]
macro_rules! warn_limited {
    ($warnings:expr, $cause:literal $(, $($field:tt)*)?) => {{
        if let Some(suppressed) = $warnings.allow($cause) {
            ::tracing::warn!($($($field)*,)? suppressed, $cause);
        }
    }};
}

/// An untrusted string as a log field: at most `max` bytes of it, cut on a character boundary, followed by
/// `…(N bytes)` when it was longer.
pub fn clip(text: &str, max: usize) -> Clipped<'_> {
    if text.len() <= max {
        return Clipped { shown: text, len: None };
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Clipped { shown: &text[..end], len: Some(text.len()) }
}

/// See [`clip`].
pub struct Clipped<'a> {
    shown: &'a str,
    len: Option<usize>,
}

impl fmt::Display for Clipped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.shown)?;
        if let Some(len) = self.len {
            write!(f, "…({len} bytes)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_writes_once_per_interval_and_then_reports_the_suppressed() {
        let warnings = Warnings::new(Duration::from_secs(3600), 64, Arc::default());
        assert_eq!(warnings.allow("a"), Some(0));
        assert_eq!(warnings.allow("a"), None);
        assert_eq!(warnings.allow("a"), None);
        assert_eq!(warnings.allow("b"), Some(0));
        assert_eq!(warnings.metrics().log_lines_suppressed.load(Ordering::Relaxed), 2);
        assert_eq!(warnings.allow_within("a", Duration::ZERO), Some(2));
        assert_eq!(warnings.allow_within("a", Duration::ZERO), Some(0));
    }

    #[test]
    fn clip_cuts_long_strings_on_a_character_boundary() {
        assert_eq!(clip("short", 8).to_string(), "short");
        assert_eq!(clip("abcdefghij", 4).to_string(), "abcd…(10 bytes)");
        // "é" is two bytes: a cut inside it moves back before it.
        assert_eq!(clip("aé", 2).to_string(), "a…(3 bytes)");
    }
}
