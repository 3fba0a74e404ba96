//! Counters exposed on `/metrics` in the Prometheus text format.

use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Metrics {
    pub sockets_open: AtomicU64,
    pub packets_in: AtomicU64,
    pub packets_out_of_auth: AtomicU64,
    pub packets_malformed: AtomicU64,
    pub packets_rate_limited: AtomicU64,
    pub packets_unknown_service: AtomicU64,
    pub auth_ok: AtomicU64,
    pub auth_failed: AtomicU64,
    pub messages_stored: AtomicU64,
    pub messages_duplicate: AtomicU64,
    pub store_errors: AtomicU64,

    // --- Connections, queues and logins (server hardening) ---
    pub conns_refused_per_ip: AtomicU64,
    pub conns_shed: AtomicU64,
    pub login_timeouts: AtomicU64,
    pub accept_errors: AtomicU64,
    pub polling_refused: AtomicU64,
    pub protocol_errors: AtomicU64,
    pub inbound_queue_full: AtomicU64,
    pub slow_consumers: Arc<AtomicU64>,
    pub sessions_over_cap: AtomicU64,
    pub auth_busy: AtomicU64,
    pub auth_repeated: AtomicU64,
    // Calls and logs (server hardening).
    pub calls_refused_caller_busy: AtomicU64,
    pub calls_refused_callee_offers: AtomicU64,
    pub calls_rate_limited: AtomicU64,
    pub log_lines_suppressed: AtomicU64,
    /// Mobile pushes by service and outcome (`crate::push`): `push[service][outcome]`, indexed as
    /// [`PUSH_SERVICES`] and [`PUSH_OUTCOMES`].
    pub push: [[AtomicU64; 5]; 2],
}

/// The `service` label of `azstack_push_total`, in the order of [`Metrics::push`].
pub const PUSH_SERVICES: [&str; 2] = ["apns", "fcm"];
/// The `outcome` label of `azstack_push_total`, in the order of [`Metrics::push`].
pub const PUSH_OUTCOMES: [&str; 5] = ["sent", "invalid_token", "retried", "failed", "dropped"];

impl Metrics {
    pub fn inc(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The text exposition; `sessions` is the current number of authenticated sessions.
    pub fn render(&self, sessions: usize) -> String {
        let mut out = String::new();
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut line = |name: &str, kind: &str, help: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
        };
        line("azstack_sockets_open", "gauge", "Socket.IO connections open.", get(&self.sockets_open));
        line("azstack_sessions_authenticated", "gauge", "Authenticated sessions.", sessions as u64);
        line("azstack_packets_received_total", "counter", "WebPacket events received.", get(&self.packets_in));
        line(
            "azstack_packets_before_auth_dropped_total",
            "counter",
            "Packets dropped because the session was not authenticated.",
            get(&self.packets_out_of_auth),
        );
        line(
            "azstack_packets_malformed_total",
            "counter",
            "Packets dropped as malformed.",
            get(&self.packets_malformed),
        );
        line(
            "azstack_packets_rate_limited_total",
            "counter",
            "Packets dropped by the per-session rate limit.",
            get(&self.packets_rate_limited),
        );
        line(
            "azstack_packets_unknown_service_total",
            "counter",
            "Packets with an unknown or client-forbidden service.",
            get(&self.packets_unknown_service),
        );
        line("azstack_auth_succeeded_total", "counter", "Successful authentications.", get(&self.auth_ok));
        line("azstack_auth_failed_total", "counter", "Failed authentications.", get(&self.auth_failed));
        line("azstack_messages_stored_total", "counter", "Chat messages committed.", get(&self.messages_stored));
        line(
            "azstack_messages_duplicate_total",
            "counter",
            "Resent messages recognised as duplicates.",
            get(&self.messages_duplicate),
        );
        line("azstack_store_errors_total", "counter", "Storage errors.", get(&self.store_errors));
        let hardening: [(&str, &str, &AtomicU64); 15] = [
            (
                "azstack_connections_refused_per_ip_total",
                "Connections refused: too many not logged in from their address.",
                &self.conns_refused_per_ip,
            ),
            (
                "azstack_connections_shed_total",
                "Connections not logged in closed to make room (global cap, open-file reserve).",
                &self.conns_shed,
            ),
            ("azstack_login_timeouts_total", "Connections closed for not logging in in time.", &self.login_timeouts),
            ("azstack_accept_errors_total", "Failed accepts (descriptors exhausted, say).", &self.accept_errors),
            ("azstack_polling_refused_total", "Engine.IO long-polling requests refused.", &self.polling_refused),
            (
                "azstack_protocol_errors_total",
                "Sockets closed for an Engine.IO/Socket.IO protocol error (binary attachments, say).",
                &self.protocol_errors,
            ),
            (
                "azstack_inbound_queue_full_total",
                "Packets dropped: the socket's inbound queue was full (packets or bytes).",
                &self.inbound_queue_full,
            ),
            (
                "azstack_slow_consumers_total",
                "Sessions disconnected because their outbound buffer was full.",
                &self.slow_consumers,
            ),
            (
                "azstack_sessions_over_cap_total",
                "Oldest sessions disconnected by a login beyond max_sessions_per_user.",
                &self.sessions_over_cap,
            ),
            ("azstack_auth_busy_total", "Logins refused: no token decryption slot in time.", &self.auth_busy),
            (
                "azstack_auth_repeated_total",
                "Second and later authenticate packets on one socket, ignored.",
                &self.auth_repeated,
            ),
            (
                "azstack_calls_refused_caller_busy_total",
                "Free calls refused because the caller already has an outgoing call.",
                &self.calls_refused_caller_busy,
            ),
            (
                "azstack_calls_refused_callee_offers_total",
                "Free calls refused because limits.max_offers_per_callee calls already ring for the callee.",
                &self.calls_refused_callee_offers,
            ),
            (
                "azstack_calls_rate_limited_total",
                "Call attempts (186, 500) refused by limits.call_attempts_per_min.",
                &self.calls_rate_limited,
            ),
            (
                "azstack_log_lines_suppressed_total",
                "Client-caused warnings not written to the log (limits.log_interval_secs).",
                &self.log_lines_suppressed,
            ),
        ];
        for (name, help, counter) in hardening {
            line(name, "counter", help, get(counter));
        }
        let name = "azstack_push_total";
        let _ = writeln!(out, "# HELP {name} Mobile pushes (APNs, FCM) by outcome.\n# TYPE {name} counter");
        for (service, row) in PUSH_SERVICES.iter().zip(&self.push) {
            for (outcome, counter) in PUSH_OUTCOMES.iter().zip(row) {
                let _ = writeln!(out, "{name}{{service=\"{service}\",outcome=\"{outcome}\"}} {}", get(counter));
            }
        }
        out
    }
}
