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
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::metrics::Metrics;

/// The rate-limited causes, by name.
#[derive(Default)]
pub struct Warnings {
    causes: Mutex<HashMap<&'static str, Cause>>,
}

struct Cause {
    written: Instant,
    suppressed: u64,
}

impl Warnings {
    /// Whether a line of `cause` may be written now; `Some(n)` with the number of lines of the cause suppressed since
    /// the last one written, `None` (and counted) when the cause already wrote within `interval`.
    pub fn allow(&self, cause: &'static str, interval: Duration, metrics: &Metrics) -> Option<u64> {
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
/// lets it, with the fields given and `suppressed`. `$hub` is the [`crate::hub::Hub`].
#[macro_export]
macro_rules! warn_limited {
    ($hub:expr, $cause:literal $(, $($field:tt)*)?) => {{
        let hub = &$hub;
        let interval = ::std::time::Duration::from_secs(hub.config.limits.log_interval_secs);
        if let Some(suppressed) = hub.warnings.allow($cause, interval, &hub.metrics) {
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
        let (warnings, metrics) = (Warnings::default(), Metrics::default());
        let long = Duration::from_secs(3600);
        assert_eq!(warnings.allow("a", long, &metrics), Some(0));
        assert_eq!(warnings.allow("a", long, &metrics), None);
        assert_eq!(warnings.allow("a", long, &metrics), None);
        assert_eq!(warnings.allow("b", long, &metrics), Some(0));
        assert_eq!(metrics.log_lines_suppressed.load(Ordering::Relaxed), 2);
        assert_eq!(warnings.allow("a", Duration::ZERO, &metrics), Some(2));
        assert_eq!(warnings.allow("a", Duration::ZERO, &metrics), Some(0));
    }

    #[test]
    fn clip_cuts_long_strings_on_a_character_boundary() {
        assert_eq!(clip("short", 8).to_string(), "short");
        assert_eq!(clip("abcdefghij", 4).to_string(), "abcd…(10 bytes)");
        // "é" is two bytes: a cut inside it moves back before it.
        assert_eq!(clip("aé", 2).to_string(), "a…(3 bytes)");
    }
}
