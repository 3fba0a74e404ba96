//! `logLevel`: the engine's `tracing` events, written where the platform's developers look for logs.
//!
//! The constructor option `logLevel` (`logLevelConstants`: `NONE`, the default, `ERROR`, `INFO`, `DEBUG`) sets how much
//! of the engine's own logging (targets `azstack_*`) is written; the libraries underneath (webrtc-rs, the codecs, the
//! TLS stack) write only their errors, whatever the level. Lines start with the seed's prefix `AZStack Log:` and go to
//! logcat on Android (tag `AZStack`), to the unified log on iOS (through `syslog`, which iOS forwards there; Xcode's
//! console shows them), and to standard error elsewhere (the Linux host).
//!
//! Logging is per process, engines are per instance: the process writes at the most verbose level any engine asked
//! for. Nothing is installed until an engine asks for more than `NONE`, so an app that never sets `logLevel` pays
//! nothing; an app that installed its own global `tracing` subscriber keeps it (ours is then not installed).

use std::fmt::Write as _;
use std::sync::Once;
use std::sync::atomic::{AtomicU8, Ordering};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::Registry;

/// The seed's `logLevelConstants.LOG_PREFIX`.
const PREFIX: &str = "AZStack Log:";

/// 0 = NONE, 1 = ERROR, 2 = INFO (with WARN), 3 = DEBUG (and TRACE).
static LEVEL: AtomicU8 = AtomicU8::new(0);
static INSTALL: Once = Once::new();

/// The verbosity a `logLevel` value asks for (unknown values: none, as the seed ignores them).
fn verbosity(log_level: &str) -> u8 {
    match log_level {
        "ERROR" => 1,
        "INFO" => 2,
        "DEBUG" => 3,
        _ => 0,
    }
}

/// Raises the process's log level to what an engine's `logLevel` asks for, installing the writer on first use.
pub(crate) fn apply(log_level: &str) {
    let wanted = verbosity(log_level);
    if wanted == 0 {
        return;
    }
    LEVEL.fetch_max(wanted, Ordering::Relaxed);
    INSTALL.call_once(|| {
        // Fails only when the app installed a global subscriber of its own, which then keeps the events.
        let _ = tracing::subscriber::set_global_default(Registry::default().with(PlatformLog));
    });
}

/// Whether an event of `metadata` is written at the current level.
fn wanted(metadata: &Metadata<'_>) -> bool {
    let level = LEVEL.load(Ordering::Relaxed);
    let needed = match *metadata.level() {
        Level::ERROR => 1,
        Level::WARN | Level::INFO => 2,
        Level::DEBUG | Level::TRACE => 3,
    };
    let ours = metadata.target().starts_with("azstack");
    level >= needed && (ours || needed == 1)
}

/// One log line: `AZStack Log: LEVEL target: message key=value ...`.
fn line(event: &Event<'_>) -> String {
    struct Fields(String);
    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                let _ = write!(self.0, " {value:?}");
            } else {
                let _ = write!(self.0, " {}={value:?}", field.name());
            }
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            if field.name() == "message" {
                let _ = write!(self.0, " {value}");
            } else {
                let _ = write!(self.0, " {}={value:?}", field.name());
            }
        }
    }
    let metadata = event.metadata();
    let mut fields = Fields(format!("{PREFIX} {} {}:", metadata.level(), metadata.target()));
    event.record(&mut fields);
    fields.0
}

/// Writes the wanted events to the platform's log.
struct PlatformLog;

impl<S: Subscriber> Layer<S> for PlatformLog {
    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        wanted(metadata)
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        write_line(*event.metadata().level(), &line(event));
    }
}

#[cfg(target_os = "android")]
fn write_line(level: Level, text: &str) {
    use std::ffi::CString;
    #[link(name = "log")]
    unsafe extern "C" {
        fn __android_log_write(prio: i32, tag: *const std::ffi::c_char, text: *const std::ffi::c_char) -> i32;
    }
    // android_LogPriority: DEBUG 3, INFO 4, WARN 5, ERROR 6.
    let priority = match level {
        Level::ERROR => 6,
        Level::WARN => 5,
        Level::INFO => 4,
        Level::DEBUG | Level::TRACE => 3,
    };
    if let Ok(text) = CString::new(text.replace('\0', " ")) {
        // SAFETY: both pointers are NUL-terminated strings that outlive the call.
        unsafe { __android_log_write(priority, c"AZStack".as_ptr(), text.as_ptr()) };
    }
}

#[cfg(target_vendor = "apple")]
fn write_line(level: Level, text: &str) {
    use std::ffi::CString;
    unsafe extern "C" {
        fn syslog(priority: i32, format: *const std::ffi::c_char, ...);
    }
    // syslog priorities: LOG_ERR 3, LOG_WARNING 4, LOG_NOTICE 5, LOG_DEBUG 7.
    let priority = match level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 5,
        Level::DEBUG | Level::TRACE => 7,
    };
    if let Ok(text) = CString::new(text.replace('\0', " ")) {
        // SAFETY: a constant "%s" format with one NUL-terminated string argument.
        unsafe { syslog(priority, c"%s".as_ptr(), text.as_ptr()) };
    }
}

#[cfg(not(any(target_os = "android", target_vendor = "apple")))]
fn write_line(_level: Level, text: &str) {
    eprintln!("{text}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// Records the lines the layer would write, with the layer's own filter and format.
    struct Recorder(Arc<Mutex<Vec<String>>>);

    impl<S: Subscriber> Layer<S> for Recorder {
        fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
            wanted(metadata)
        }
        fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
            if let Ok(mut lines) = self.0.lock() {
                lines.push(line(event));
            }
        }
    }

    #[test]
    fn levels_filter_the_engine_and_keep_only_errors_of_libraries() {
        assert_eq!((verbosity("NONE"), verbosity("ERROR"), verbosity("INFO"), verbosity("DEBUG")), (0, 1, 2, 3));
        assert_eq!(verbosity("LOUD"), 0);
        let lines = Arc::new(Mutex::new(Vec::new()));
        let subscriber = Registry::default().with(Recorder(lines.clone()));
        tracing::subscriber::with_default(subscriber, || {
            LEVEL.store(2, Ordering::Relaxed);
            tracing::info!(target: "azstack_engine::connection", attempt = 2, "reconnecting");
            tracing::debug!(target: "azstack_engine::connection", "a packet");
            tracing::info!(target: "webrtc::peer_connection", "library progress");
            tracing::error!(target: "webrtc::peer_connection", "library failure");
            LEVEL.store(0, Ordering::Relaxed);
        });
        let lines = lines.lock().map(|l| l.clone()).unwrap_or_default();
        assert_eq!(
            lines,
            vec![
                "AZStack Log: INFO azstack_engine::connection: reconnecting attempt=2".to_owned(),
                "AZStack Log: ERROR webrtc::peer_connection: library failure".to_owned(),
            ]
        );
    }
}
