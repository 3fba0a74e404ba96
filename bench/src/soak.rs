//! `soak`: mixed traffic against one server for M minutes, with the server's default limits (`dev`), printing its
//! memory over time, the messages lost (must be 0) and what became of the slow consumers.
//!
//! The traffic, each actor a task with its own socket:
//! * **chatters** (`--pairs` pairs, logged in throughout): each sends a 1:1 text to its partner every 250 ms, and
//!   the first `--group` of them also a group text every 2 s to a group they all belong to. A message counts as
//!   *sent* when the server acknowledged it (72/45 with `r: 1`); as *delivered* when its recipient received it
//!   (73/146). After the traffic stops the bench waits for the deliveries to settle; lost = sent × recipients −
//!   delivered, which must be 0.
//! * **churners**: log in, look one user up (164), log out, again and again (logins and logouts).
//! * **callers**: a free call every 5 s (under the 30 attempts/minute default) to an always-online callee, which
//!   answers 180; the caller hangs up (700) a second later; the callee must see the 700.
//! * **slow consumers** (members of the group, so traffic is pushed at them): read one frame per second, never
//!   faster. A server that sheds slow consumers closes them; the bench counts those closes (and logs them in again).
//! * **misbehaving sockets**: connect, never log in, send garbage (an unknown service, a 60 KB `service` string, a
//!   malformed envelope, a burst of pings), then reconnect.
//!
//! Every 30 s one line: elapsed time, the server's RSS, and the counters so far.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use azstack_protocol::Service;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::client::{self, Incoming, PONG, Ws};
use crate::server::{Server, ServerOptions};
use crate::stats::Table;

#[derive(Clone, Debug)]
pub struct Args {
    pub minutes: u64,
    pub pairs: usize,
    pub group: usize,
    pub churners: usize,
    pub callers: usize,
    pub slow: usize,
    pub misbehaving: usize,
}

/// Counters shared by every actor.
#[derive(Default)]
struct Counters {
    direct_sent: AtomicU64,
    direct_delivered: AtomicU64,
    group_sent: AtomicU64,
    group_delivered: AtomicU64,
    refused: AtomicU64,
    logins: AtomicU64,
    login_failures: AtomicU64,
    calls_answered_ringing: AtomicU64,
    calls_ended_seen: AtomicU64,
    calls_refused: AtomicU64,
    slow_closed: AtomicU64,
    bad_sockets: AtomicU64,
    bad_closed_by_server: AtomicU64,
}

fn get(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

pub struct Report {
    pub mode: String,
    /// `(elapsed seconds, RSS KiB)`.
    pub rss: Vec<(u64, u64)>,
    pub direct_sent: u64,
    pub direct_lost: i64,
    pub group_sent: u64,
    pub group_expected: u64,
    pub group_lost: i64,
    pub refused: u64,
    pub logins: u64,
    pub login_failures: u64,
    pub calls: u64,
    pub calls_ended_seen: u64,
    pub calls_refused: u64,
    pub slow_closed: u64,
    pub bad_sockets: u64,
    pub bad_closed_by_server: u64,
    /// The server's counters of what it refused or shed, as `/metrics` lines.
    pub server_metrics: Vec<String>,
}

type Sink = SplitSink<Ws, Message>;
type Stream = SplitStream<Ws>;

async fn send(sink: &mut Sink, service: Service, body: &Value) -> bool {
    sink.send(Message::text(client::event_frame(service, &body.to_string()))).await.is_ok()
}

/// The next `WebPacket` `(service, body)`, answering pings; `None` when the socket is gone.
async fn next_event(stream: &mut Stream, sink: &mut Sink) -> Option<(i64, Value)> {
    loop {
        match client::classify(stream.next().await) {
            Incoming::Ping => {
                let _ = sink.send(Message::text(PONG)).await;
            }
            Incoming::Event(frame) => {
                if let Some(env) = client::envelope(&frame) {
                    return Some((env.service, serde_json::from_str(&env.body).unwrap_or(Value::Null)));
                }
            }
            Incoming::Closed => return None,
            Incoming::Other => {}
        }
    }
}

/// What the actors need of the server: where it is and the application to log in to.
struct Target {
    url: String,
    app: crate::server::App,
}

impl Target {
    async fn login(&self, name: &str, counters: &Counters) -> Option<(i64, Sink, Stream)> {
        match client::login(&self.url, &self.app, name).await {
            Ok(s) => {
                inc(&counters.logins);
                let (sink, stream) = s.ws.split();
                Some((s.user_id, sink, stream))
            }
            Err(e) => {
                inc(&counters.login_failures);
                eprintln!("soak: login of {name} failed: {e}");
                None
            }
        }
    }
}

pub async fn run(opts: &ServerOptions, args: &Args) -> Result<Report, String> {
    let mut server = Server::start(opts).await?;
    let result = soak(&server, args).await;
    if result.is_err() {
        eprintln!("server log (last lines):\n{}", server.log_tail(15));
    }
    if !server.alive() {
        eprintln!("the server process has exited");
    }
    server.stop().await;
    result
}

async fn soak(process: &Server, args: &Args) -> Result<Report, String> {
    let counters = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    let server = Arc::new(Target { url: process.url.clone(), app: process.app.clone() });

    // Chatters, logged in first; the group is made of the first `group` of them plus the slow consumers.
    let mut chatters = Vec::new();
    for i in 0..args.pairs * 2 {
        let s = server.login(&format!("chat{i}"), &counters).await.ok_or("a chatter could not log in")?;
        chatters.push(s);
    }
    let mut slow = Vec::new();
    for i in 0..args.slow {
        slow.push(server.login(&format!("slow{i}"), &counters).await.ok_or("a slow consumer could not log in")?);
    }
    let members: Vec<i64> =
        chatters.iter().take(args.group).map(|c| c.0).chain(slow.iter().map(|s| s.0)).skip(1).collect();
    let group = match chatters.first_mut() {
        Some(first) => create_group(first, &members).await?,
        None => return Err("no chatters".into()),
    };
    let in_group = args.group.min(chatters.len());
    let ids: Vec<i64> = chatters.iter().map(|c| c.0).collect();
    let mut tasks = Vec::new();
    for (i, (_, sink, stream)) in chatters.into_iter().enumerate() {
        let partner = ids[i ^ 1];
        let group = (i < in_group).then_some(group);
        tasks.push(tokio::spawn(chatter(sink, stream, partner, group, counters.clone(), stop.clone())));
    }
    for (i, (_, sink, stream)) in slow.into_iter().enumerate() {
        tasks.push(tokio::spawn(slow_consumer(server.clone(), i, sink, stream, counters.clone(), stop.clone())));
    }
    for i in 0..args.churners {
        tasks.push(tokio::spawn(churner(server.clone(), i, counters.clone(), stop.clone())));
    }
    for i in 0..args.callers {
        tasks.push(tokio::spawn(caller(server.clone(), i, counters.clone(), stop.clone())));
    }
    for i in 0..args.misbehaving {
        tasks.push(tokio::spawn(misbehaving(server.clone(), i, counters.clone(), stop.clone())));
    }

    let started = Instant::now();
    let total = Duration::from_secs(args.minutes * 60);
    let mut rss = Vec::new();
    println!();
    println!("| elapsed | server RSS | 1:1 sent | group sent | logins | calls | slow closed | bad sockets |");
    println!("|---|---|---|---|---|---|---|---|");
    loop {
        let elapsed = started.elapsed();
        let kb = process.rss_kb();
        if let Some(kb) = kb {
            rss.push((elapsed.as_secs(), kb));
        }
        println!(
            "| {:>4} s | {} | {} | {} | {} | {} | {} | {} |",
            elapsed.as_secs(),
            kb.map_or("?".to_owned(), |kb| format!("{:.1} MiB", kb as f64 / 1024.0)),
            get(&counters.direct_sent),
            get(&counters.group_sent),
            get(&counters.logins),
            get(&counters.calls_answered_ringing),
            get(&counters.slow_closed),
            get(&counters.bad_sockets),
        );
        if elapsed >= total {
            break;
        }
        tokio::time::sleep(Duration::from_secs(30).min(total - elapsed)).await;
    }
    stop.store(true, Ordering::Relaxed);
    // Let the last messages arrive: until the deliveries stop changing for 2 s (at most 30 s).
    let expected_group = |c: &Counters| get(&c.group_sent) * (in_group.saturating_sub(1)) as u64;
    let settle = Instant::now();
    let mut last = (u64::MAX, u64::MAX);
    while settle.elapsed() < Duration::from_secs(30) {
        let now = (get(&counters.direct_delivered), get(&counters.group_delivered));
        if now == last || (now.0 == get(&counters.direct_sent) && now.1 == expected_group(&counters)) {
            break;
        }
        last = now;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    for t in &tasks {
        t.abort();
    }
    let c = &counters;
    Ok(Report {
        mode: "dev (default limits)".into(),
        rss,
        direct_sent: get(&c.direct_sent),
        direct_lost: get(&c.direct_sent) as i64 - get(&c.direct_delivered) as i64,
        group_sent: get(&c.group_sent),
        group_expected: expected_group(c),
        group_lost: expected_group(c) as i64 - get(&c.group_delivered) as i64,
        refused: get(&c.refused),
        logins: get(&c.logins),
        login_failures: get(&c.login_failures),
        calls: get(&c.calls_answered_ringing),
        calls_ended_seen: get(&c.calls_ended_seen),
        calls_refused: get(&c.calls_refused),
        slow_closed: get(&c.slow_closed),
        bad_sockets: get(&c.bad_sockets),
        bad_closed_by_server: get(&c.bad_closed_by_server),
        server_metrics: process.metrics_text().await.map(|text| interesting_metrics(&text)).unwrap_or_default(),
    })
}

/// The `/metrics` lines about refusing or shedding (whatever the server counts).
fn interesting_metrics(text: &str) -> Vec<String> {
    let words = ["shed", "slow", "refused", "rate_limited", "suppressed", "dropped", "sessions", "sockets"];
    text.lines().filter(|l| !l.starts_with('#') && words.iter().any(|w| l.contains(w))).map(str::to_owned).collect()
}

/// svc 42: a private group of the creator and `members`; returns its id.
async fn create_group(creator: &mut (i64, Sink, Stream), members: &[i64]) -> Result<i64, String> {
    let (_, sink, stream) = creator;
    let msg_id = crate::traffic::next_msg_id();
    let body = json!({"msgId": msg_id, "type": 0, "name": "soak", "members": members});
    if !send(sink, Service::GROUP_CREATE, &body).await {
        return Err("group create: socket closed".into());
    }
    let wait = async {
        while let Some((service, body)) = next_event(stream, sink).await {
            if service == i64::from(Service::GROUP_CREATE.number()) && body.get("r").is_some() {
                return body["group"].as_i64();
            }
        }
        None
    };
    tokio::time::timeout(Duration::from_secs(10), wait).await.ok().flatten().ok_or_else(|| "no group".to_owned())
}

/// A chatter: 1:1 texts to `partner` every 250 ms, group texts every 2 s when in the group; counts what the server
/// acknowledged and what arrived.
async fn chatter(
    mut sink: Sink,
    mut stream: Stream,
    partner: i64,
    group: Option<i64>,
    c: Arc<Counters>,
    stop: Arc<AtomicBool>,
) {
    let mut direct = tokio::time::interval(Duration::from_millis(250));
    let mut grouped = tokio::time::interval(Duration::from_secs(2));
    let (text, group_text) =
        (Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT.number(), Service::MESSAGE_NEW_WITH_GROUP.number());
    let (incoming, incoming_group) =
        (Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT.number(), Service::MESSAGE_HAS_NEW_WITH_GROUP.number());
    loop {
        tokio::select! {
            _ = direct.tick(), if !stop.load(Ordering::Relaxed) => {
                // msgIds from the bench's one counter: the group's creation used one too, and a group text reusing it
                // would be a resend (acknowledged, not delivered again).
                let msg_id = crate::traffic::next_msg_id();
                send(&mut sink, Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, &json!({"msgId": msg_id, "to": partner, "msg": "soak"})).await;
            }
            _ = grouped.tick(), if group.is_some() && !stop.load(Ordering::Relaxed) => {
                let msg_id = crate::traffic::next_msg_id();
                send(&mut sink, Service::MESSAGE_NEW_WITH_GROUP, &json!({"msgId": msg_id, "group": group, "msg": "soak"})).await;
            }
            event = next_event(&mut stream, &mut sink) => {
                let Some((service, body)) = event else { return };
                let acked = body.get("r").and_then(Value::as_i64);
                match (service, acked) {
                    (s, Some(1)) if s == i64::from(text) => inc(&c.direct_sent),
                    (s, Some(1)) if s == i64::from(group_text) => inc(&c.group_sent),
                    (s, Some(_)) if s == i64::from(text) || s == i64::from(group_text) => inc(&c.refused),
                    (s, _) if s == i64::from(incoming) => inc(&c.direct_delivered),
                    (s, _) if s == i64::from(incoming_group) && body["from"] != json!(null) => inc(&c.group_delivered),
                    _ => {}
                }
            }
        }
    }
}

/// A slow consumer: one frame a second. When the server closes it, count that and log in again.
async fn slow_consumer(
    server: Arc<Target>,
    i: usize,
    sink: Sink,
    stream: Stream,
    c: Arc<Counters>,
    stop: Arc<AtomicBool>,
) {
    let (mut sink, mut stream) = (sink, stream);
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        match client::classify(stream.next().await) {
            Incoming::Ping => {
                let _ = sink.send(Message::text(PONG)).await;
            }
            Incoming::Closed => {
                inc(&c.slow_closed);
                let Some((_, s, r)) = server.login(&format!("slow{i}"), &c).await else { return };
                (sink, stream) = (s, r);
            }
            _ => {}
        }
    }
}

/// Logins and logouts: log in, one lookup, log out, a second's pause.
async fn churner(server: Arc<Target>, i: usize, c: Arc<Counters>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        if let Some((me, mut sink, mut stream)) = server.login(&format!("churn{i}"), &c).await {
            send(&mut sink, Service::USER_GET_INFO_BY_IDS, &json!({"purpose": 1, "userIdList": [me]})).await;
            let wanted = i64::from(Service::USER_GET_INFO_BY_IDS.number());
            let reply = async {
                while let Some((service, _)) = next_event(&mut stream, &mut sink).await {
                    if service == wanted {
                        return;
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(10), reply).await;
            if let Ok(ws) = sink.reunite(stream) {
                client::close_in_background(ws);
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// A caller and its callee: a call every 5 s, rung (180), hung up (700) a second later.
async fn caller(server: Arc<Target>, i: usize, c: Arc<Counters>, stop: Arc<AtomicBool>) {
    let Some((callee_id, mut callee_sink, mut callee_stream)) = server.login(&format!("callee{i}"), &c).await else {
        return;
    };
    let Some((_, mut sink, mut stream)) = server.login(&format!("caller{i}"), &c).await else { return };
    let status = i64::from(Service::FREE_CALL_STATUS_CHANGED.number());
    let start = i64::from(Service::FREE_CALL_START.number());
    // The callee answers every offer with 180 and counts the hang-ups it sees.
    let callee_counters = c.clone();
    let callee = tokio::spawn(async move {
        while let Some((service, body)) = next_event(&mut callee_stream, &mut callee_sink).await {
            if service == start {
                let ringing = json!({"callId": body["callId"], "to": body["from"], "status": 180});
                send(&mut callee_sink, Service::FREE_CALL_STATUS_CHANGED, &ringing).await;
            } else if service == status && body["status"] == 700 {
                inc(&callee_counters.calls_ended_seen);
            }
        }
    });
    let mut call_id = 0;
    while !stop.load(Ordering::Relaxed) {
        call_id += 1;
        let offer =
            json!({"callId": call_id, "mediaType": 1, "to": callee_id, "sdp": {"type": "offer", "sdp": "v=0\r\n"}});
        send(&mut sink, Service::FREE_CALL_START, &offer).await;
        let answer = async {
            while let Some((service, body)) = next_event(&mut stream, &mut sink).await {
                if service == status && body["callId"] == call_id {
                    return body["status"].as_i64();
                }
            }
            None
        };
        match tokio::time::timeout(Duration::from_secs(10), answer).await {
            Ok(Some(180)) => {
                inc(&c.calls_answered_ringing);
                tokio::time::sleep(Duration::from_secs(1)).await;
                send(
                    &mut sink,
                    Service::FREE_CALL_STATUS_CHANGED,
                    &json!({"callId": call_id, "to": callee_id, "status": 700}),
                )
                .await;
            }
            Ok(Some(_)) => inc(&c.calls_refused),
            _ => break,
        }
        tokio::time::sleep(Duration::from_secs(4)).await;
    }
    callee.abort();
}

/// A socket that never logs in and sends garbage, then goes; whether the server closed it first is counted.
async fn misbehaving(server: Arc<Target>, i: usize, c: Arc<Counters>, stop: Arc<AtomicBool>) {
    let long_service = "9".repeat(60 * 1024);
    while !stop.load(Ordering::Relaxed) {
        let Ok(ws) = client::open(&server.url).await else {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        inc(&c.bad_sockets);
        let (mut sink, mut stream) = ws.split();
        let frames = [
            format!("42[\"WebPacket\",{{\"service\":\"{long_service}\",\"body\":\"{{}}\"}}]"),
            "42[\"WebPacket\",{\"service\":99999,\"body\":\"{}\"}]".to_owned(),
            "42[\"WebPacket\",\"not an envelope\"]".to_owned(),
            client::event_frame(
                Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT,
                &format!("{{\"msgId\":{i},\"to\":1,\"msg\":\"x\"}}"),
            ),
        ];
        for frame in &frames {
            let _ = sink.send(Message::text(frame.clone())).await;
        }
        for _ in 0..2000 {
            if sink.send(Message::text(client::event_frame(Service::PING, "{}"))).await.is_err() {
                break;
            }
        }
        // Stay a few seconds; a server that closes such sockets is seen doing it.
        let closed = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match client::classify(stream.next().await) {
                    Incoming::Closed => return,
                    Incoming::Ping => {
                        let _ = sink.send(Message::text(PONG)).await;
                    }
                    _ => {}
                }
            }
        })
        .await;
        if closed.is_ok() {
            inc(&c.bad_closed_by_server);
        } else if let Ok(ws) = sink.reunite(stream) {
            client::close_in_background(ws);
        }
    }
}

/// The RSS after warm-up (the first fifth of the run, at least one sample): `(min, max)` in KiB.
pub fn after_warmup(rss: &[(u64, u64)]) -> Option<(u64, u64)> {
    let end = rss.last()?.0;
    let later: Vec<u64> = rss.iter().filter(|(t, _)| *t >= end / 5).map(|(_, kb)| *kb).collect();
    Some((*later.iter().min()?, *later.iter().max()?))
}

pub fn print(r: &Report, args: &Args) {
    let mut t = Table::new(format!(
        "soak: {} min, {} chatter pairs ({} in the group), {} churners, {} callers, {} slow consumers, {} misbehaving sockets; server: {}",
        args.minutes, args.pairs, args.group, args.churners, args.callers, args.slow, args.misbehaving, r.mode
    ));
    t.row("1:1 messages acknowledged", r.direct_sent.to_string());
    t.row("1:1 messages lost", r.direct_lost.to_string());
    t.row("group messages acknowledged", r.group_sent.to_string());
    t.row("group deliveries expected (to chatters)", r.group_expected.to_string());
    t.row("group deliveries lost", r.group_lost.to_string());
    t.row("messages refused (r ≠ 1)", r.refused.to_string());
    t.row("logins (failed)", format!("{} ({})", r.logins, r.login_failures));
    t.row(
        "calls rung / hang-ups seen by the callee / refused",
        format!("{} / {} / {}", r.calls, r.calls_ended_seen, r.calls_refused),
    );
    t.row("slow consumers closed by the server", r.slow_closed.to_string());
    t.row(
        "misbehaving sockets (closed by the server first)",
        format!("{} ({})", r.bad_sockets, r.bad_closed_by_server),
    );
    if let Some((min, max)) = after_warmup(&r.rss) {
        let spread = (max - min) as f64 / min.max(1) as f64 * 100.0;
        t.row(
            "RSS after warm-up (min–max, spread)",
            format!("{:.1}–{:.1} MiB, {spread:.1} %", min as f64 / 1024.0, max as f64 / 1024.0),
        );
    }
    t.print();
    if !r.server_metrics.is_empty() {
        println!();
        println!("server counters at the end:");
        for line in &r.server_metrics {
            println!("    {line}");
        }
    }
}
