//! Message traffic shared by `messages` and `fanout`: one task per logged-in socket ("peer") that may send
//! (pipelined up to a window, or at a fixed rate), counts the server's sent-acks and the deliveries it receives,
//! and records latencies; a coordinator that watches the shared counters and stops the phase by itself (all
//! acknowledged and delivered, no progress, or the time limit).
//!
//! Every message text carries its send time on the bench clock (`bench t<µs> …`), so a receiver measures
//! send→deliver latency without any shared table.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use azstack_protocol::Service;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{self, Incoming, PONG, Session};
use crate::stats::{self, Latency};

/// With nothing acknowledged this long after a phase starts, the server is not handling the service at all.
pub const FIRST_ACK_TIMEOUT: Duration = Duration::from_secs(10);
/// A phase in which no counter moves for this long is stopped as stalled.
pub const STALL_TIMEOUT: Duration = Duration::from_secs(10);
/// After the last ack, how long to wait for deliveries still on their way.
pub const DRAIN: Duration = Duration::from_secs(5);

/// Message ids, unique in this process (each run uses a fresh server).
static NEXT_MSG_ID: AtomicI64 = AtomicI64::new(1);

/// A message id never used before in this process (ids are per sender and chat on the server, so one counter for
/// every sender is more than enough).
pub fn next_msg_id() -> i64 {
    NEXT_MSG_ID.fetch_add(1, Ordering::Relaxed)
}

#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// svc 72 `{msgId, to, msg}`; ack 72 with `r`; delivery 73.
    User(i64),
    /// svc 45 `{msgId, group, msg}`; ack 45 with `r`; delivery 146.
    Group(i64),
}

#[derive(Clone, Copy, Debug)]
pub enum Pace {
    /// Keep up to this many messages unacknowledged.
    Window(usize),
    /// Send at this rate (messages per second), whatever the acks do.
    Rate(f64),
}

#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub target: Target,
    pub count: u64,
    pub pace: Pace,
}

/// What a phase looks for, and its bounds.
#[derive(Clone, Debug)]
pub struct PhaseConfig {
    pub ack_service: Service,
    pub deliver_service: Service,
    /// Deliveries expected per acknowledged message (1 for a user message, members − 1 for a group).
    pub fan: u64,
    /// Only deliveries for this group count (fan-out).
    pub group: Option<i64>,
    pub time_limit: Duration,
    /// Bytes of text per message (at least the timestamp).
    pub text_bytes: usize,
    /// Named in the error when nothing is acknowledged ("chat module", "groups module").
    pub module: &'static str,
}

/// Counters shared by the peers of one phase. Times are µs on the bench clock.
struct Shared {
    start_us: u64,
    sent: AtomicU64,
    acked: AtomicU64,
    rejected: AtomicU64,
    unmatched_acks: AtomicU64,
    delivered: AtomicU64,
    last_ack_us: AtomicU64,
    last_delivery_us: AtomicU64,
    senders_done: AtomicU64,
    closed: AtomicU64,
}

/// What one phase measured.
pub struct PhaseResult {
    /// The sessions, in the order given, for the next phase.
    pub sessions: Vec<Session>,
    pub planned: u64,
    pub sent: u64,
    pub acked: u64,
    pub rejected: u64,
    pub unmatched_acks: u64,
    pub delivered: u64,
    pub expected_deliveries: u64,
    /// Acknowledged messages per second (wall clock, phase start → last ack).
    pub ack_rate: f64,
    /// Deliveries per second (phase start → last delivery).
    pub delivery_rate: f64,
    pub ack_latency: Latency,
    pub deliver_latency: Latency,
    pub wall_secs: f64,
    /// Why the phase ended early, if it did.
    pub cut_short: Option<String>,
    pub sockets_closed: u64,
}

#[derive(Deserialize)]
struct Reply {
    #[serde(rename = "msgId")]
    msg_id: Option<i64>,
    r: Option<i64>,
    msg: Option<String>,
    group: Option<i64>,
}

fn text_of(sent_us: u64, bytes: usize) -> String {
    let mut t = format!("bench t{sent_us} ");
    while t.len() < bytes {
        t.push('x');
    }
    t
}

fn sent_time(text: &str) -> Option<u64> {
    let rest = text.strip_prefix("bench t")?;
    let digits = rest.split(' ').next()?;
    digits.parse().ok()
}

fn message_frame(target: Target, msg_id: i64, text: &str) -> String {
    // The text is ASCII letters, digits and spaces: no JSON escaping needed inside the body.
    match target {
        Target::User(to) => client::event_frame(
            Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT,
            &format!(r#"{{"msgId":{msg_id},"to":{to},"msg":"{text}"}}"#),
        ),
        Target::Group(group) => client::event_frame(
            Service::MESSAGE_NEW_WITH_GROUP,
            &format!(r#"{{"msgId":{msg_id},"group":{group},"msg":"{text}"}}"#),
        ),
    }
}

struct PeerOut {
    session: Session,
    ack_latency: Latency,
    deliver_latency: Latency,
}

async fn peer(
    mut s: Session,
    plan: Option<Plan>,
    cfg: Arc<PhaseConfig>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> PeerOut {
    let ack_service = i64::from(cfg.ack_service.number());
    let deliver_service = i64::from(cfg.deliver_service.number());
    let mut ack_latency = stats::latency();
    let mut deliver_latency = stats::latency();
    // msgId → send time (µs), for messages not yet acknowledged.
    let mut outstanding: HashMap<i64, u64> = HashMap::new();
    let mut sent = 0u64;
    let mut done_reported = false;
    let (window, rate) = match plan.map(|p| p.pace) {
        Some(Pace::Window(w)) => (w.max(1), None),
        Some(Pace::Rate(r)) => (usize::MAX, Some(r)),
        None => (0, None),
    };
    let period = Duration::from_secs_f64(1.0 / rate.unwrap_or(1.0).max(1e-3));
    let mut ticker = tokio::time::interval(period);
    let count = plan.map(|p| p.count).unwrap_or(0);
    loop {
        if let Some(plan) = plan {
            if rate.is_none() && sent < count && outstanding.len() < window {
                let mut failed = false;
                while sent < count && outstanding.len() < window {
                    let id = next_msg_id();
                    let now = stats::now_micros();
                    let frame = message_frame(plan.target, id, &text_of(now, cfg.text_bytes));
                    if s.ws.feed(Message::text(frame)).await.is_err() {
                        failed = true;
                        break;
                    }
                    outstanding.insert(id, now);
                    sent += 1;
                    shared.sent.fetch_add(1, Ordering::Relaxed);
                }
                if failed || s.ws.flush().await.is_err() {
                    shared.closed.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
            if !done_reported && sent >= count && outstanding.is_empty() {
                done_reported = true;
                shared.senders_done.fetch_add(1, Ordering::Relaxed);
            }
        }
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            _ = ticker.tick(), if rate.is_some() && sent < count => {
                if let Some(plan) = plan {
                    let id = next_msg_id();
                    let now = stats::now_micros();
                    let frame = message_frame(plan.target, id, &text_of(now, cfg.text_bytes));
                    if s.ws.send(Message::text(frame)).await.is_err() {
                        shared.closed.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                    outstanding.insert(id, now);
                    sent += 1;
                    shared.sent.fetch_add(1, Ordering::Relaxed);
                }
            }
            item = s.ws.next() => match client::classify(item) {
                Incoming::Ping => {
                    let _ = s.ws.send(Message::text(PONG)).await;
                }
                Incoming::Closed => {
                    shared.closed.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                Incoming::Other => {}
                Incoming::Event(frame) => {
                    let Some(env) = client::envelope(&frame) else { continue };
                    let now = stats::now_micros();
                    if env.service == ack_service {
                        let Ok(reply) = serde_json::from_str::<Reply>(&env.body) else { continue };
                        let (Some(r), Some(id)) = (reply.r, reply.msg_id) else { continue };
                        match outstanding.remove(&id) {
                            Some(t0) => {
                                stats::record(&mut ack_latency, now.saturating_sub(t0));
                                // PROTOCOL.md §4.2: `r` 0 or 1 is a sent-ack; anything else a refusal.
                                if r == 0 || r == 1 {
                                    shared.acked.fetch_add(1, Ordering::Relaxed);
                                } else {
                                    shared.rejected.fetch_add(1, Ordering::Relaxed);
                                }
                                shared.last_ack_us.fetch_max(now, Ordering::Relaxed);
                            }
                            None => {
                                shared.unmatched_acks.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    } else if env.service == deliver_service {
                        let Ok(reply) = serde_json::from_str::<Reply>(&env.body) else { continue };
                        if cfg.group.is_some() && reply.group != cfg.group {
                            continue;
                        }
                        shared.delivered.fetch_add(1, Ordering::Relaxed);
                        shared.last_delivery_us.fetch_max(now, Ordering::Relaxed);
                        if let Some(t0) = reply.msg.as_deref().and_then(sent_time) {
                            stats::record(&mut deliver_latency, now.saturating_sub(t0));
                        }
                    }
                }
            }
        }
    }
    PeerOut { session: s, ack_latency, deliver_latency }
}

/// Runs one phase over `peers` (each with an optional send plan) and stops by itself.
pub async fn run_phase(peers: Vec<(Session, Option<Plan>)>, cfg: PhaseConfig) -> Result<PhaseResult, String> {
    let cfg = Arc::new(cfg);
    let planned: u64 = peers.iter().filter_map(|(_, p)| p.map(|p| p.count)).sum();
    let senders = peers.iter().filter(|(_, p)| p.is_some()).count() as u64;
    let shared = Arc::new(Shared {
        start_us: stats::now_micros(),
        sent: AtomicU64::new(0),
        acked: AtomicU64::new(0),
        rejected: AtomicU64::new(0),
        unmatched_acks: AtomicU64::new(0),
        delivered: AtomicU64::new(0),
        last_ack_us: AtomicU64::new(0),
        last_delivery_us: AtomicU64::new(0),
        senders_done: AtomicU64::new(0),
        closed: AtomicU64::new(0),
    });
    let started = Instant::now();
    let (stop_tx, stop_rx) = watch::channel(false);
    let handles: Vec<_> = peers
        .into_iter()
        .map(|(s, plan)| tokio::spawn(peer(s, plan, cfg.clone(), shared.clone(), stop_rx.clone())))
        .collect();

    let mut failure: Option<String> = None;
    let mut cut_short: Option<String> = None;
    let mut last_seen = (0u64, 0u64, 0u64);
    let mut last_progress = Instant::now();
    let mut acks_complete_at: Option<Instant> = None;
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = Instant::now();
        let elapsed = now - started;
        let sent = shared.sent.load(Ordering::Relaxed);
        let acked = shared.acked.load(Ordering::Relaxed);
        let answered = acked + shared.rejected.load(Ordering::Relaxed);
        let delivered = shared.delivered.load(Ordering::Relaxed);
        if (sent, answered, delivered) != last_seen {
            last_seen = (sent, answered, delivered);
            last_progress = now;
        }
        if elapsed >= FIRST_ACK_TIMEOUT && answered == 0 && planned > 0 {
            failure = Some(format!(
                "no ack (svc {}) within {} s — is the server's {} present?",
                cfg.ack_service.number(),
                FIRST_ACK_TIMEOUT.as_secs(),
                cfg.module
            ));
            break;
        }
        if elapsed >= FIRST_ACK_TIMEOUT && delivered == 0 && acked > 0 && cfg.fan > 0 {
            failure = Some(format!(
                "{acked} messages acknowledged but no delivery (svc {}) within {} s — is the server's {} fanning out?",
                cfg.deliver_service.number(),
                FIRST_ACK_TIMEOUT.as_secs(),
                cfg.module
            ));
            break;
        }
        let all_answered = answered >= planned && shared.senders_done.load(Ordering::Relaxed) >= senders;
        if all_answered {
            if delivered >= acked * cfg.fan {
                break;
            }
            let at = *acks_complete_at.get_or_insert(now);
            if now - at >= DRAIN {
                cut_short = Some(format!(
                    "{} deliveries missing {} s after the last ack",
                    acked * cfg.fan - delivered,
                    DRAIN.as_secs()
                ));
                break;
            }
        }
        if now - last_progress >= STALL_TIMEOUT {
            cut_short =
                Some(format!("stalled: nothing sent, acknowledged or delivered for {} s", STALL_TIMEOUT.as_secs()));
            break;
        }
        if elapsed >= cfg.time_limit {
            cut_short = Some(format!("time limit of {} s reached", cfg.time_limit.as_secs()));
            break;
        }
    }
    let wall_secs = started.elapsed().as_secs_f64();
    let _ = stop_tx.send(true);

    let mut sessions = Vec::with_capacity(handles.len());
    let mut ack_latency = stats::latency();
    let mut deliver_latency = stats::latency();
    for h in handles {
        match tokio::time::timeout(Duration::from_secs(10), h).await {
            Ok(Ok(out)) => {
                let _ = ack_latency.add(&out.ack_latency);
                let _ = deliver_latency.add(&out.deliver_latency);
                sessions.push(out.session);
            }
            Ok(Err(e)) => return Err(format!("a client task failed: {e}")),
            Err(_) => return Err("a client task did not stop within 10 s".into()),
        }
    }
    if let Some(f) = failure {
        return Err(f);
    }
    let acked = shared.acked.load(Ordering::Relaxed);
    let delivered = shared.delivered.load(Ordering::Relaxed);
    let secs_to = |us: u64| us.saturating_sub(shared.start_us) as f64 / 1e6;
    let ack_secs = secs_to(shared.last_ack_us.load(Ordering::Relaxed));
    let delivery_secs = secs_to(shared.last_delivery_us.load(Ordering::Relaxed));
    Ok(PhaseResult {
        sessions,
        planned,
        sent: shared.sent.load(Ordering::Relaxed),
        acked,
        rejected: shared.rejected.load(Ordering::Relaxed),
        unmatched_acks: shared.unmatched_acks.load(Ordering::Relaxed),
        delivered,
        expected_deliveries: acked * cfg.fan,
        ack_rate: if ack_secs > 0.0 { acked as f64 / ack_secs } else { 0.0 },
        delivery_rate: if delivery_secs > 0.0 { delivered as f64 / delivery_secs } else { 0.0 },
        ack_latency,
        deliver_latency,
        wall_secs,
        cut_short,
        sockets_closed: shared.closed.load(Ordering::Relaxed),
    })
}

/// Splits `total` messages over `n` senders as evenly as possible.
pub fn split(total: u64, n: usize, i: usize) -> u64 {
    let n = n.max(1) as u64;
    total / n + u64::from((i as u64) < total % n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_through_the_text() {
        let t = text_of(123_456, 40);
        assert_eq!(t.len(), 40);
        assert_eq!(sent_time(&t), Some(123_456));
        assert_eq!(sent_time("hello"), None);
    }

    #[test]
    fn frames_match_the_protocol() {
        let f = message_frame(Target::User(7), 3, "bench t1 ");
        let env = client::envelope(&f).expect("a WebPacket");
        assert_eq!(env.service, 72);
        let body: serde_json::Value = serde_json::from_str(&env.body).expect("json body");
        assert_eq!(body, serde_json::json!({"msgId": 3, "to": 7, "msg": "bench t1 "}));
        let f = message_frame(Target::Group(9), 4, "x");
        let env = client::envelope(&f).expect("a WebPacket");
        assert_eq!(env.service, 45);
        let body: serde_json::Value = serde_json::from_str(&env.body).expect("json body");
        assert_eq!(body, serde_json::json!({"msgId": 4, "group": 9, "msg": "x"}));
    }

    #[test]
    fn split_is_even_and_complete() {
        let parts: Vec<u64> = (0..3).map(|i| split(10, 3, i)).collect();
        assert_eq!(parts, vec![4, 3, 3]);
        assert_eq!(parts.iter().sum::<u64>(), 10);
    }
}
