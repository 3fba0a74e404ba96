//! `messages`: P sender/recipient pairs exchanging 1:1 texts (svc 72 → ack 72 with `r`, delivery 73).
//!
//! Phase 1 (throughput, repeated `runs` times): each sender keeps up to `window` messages unacknowledged; the
//! figure is acknowledged messages per second. Phase 2 (latency): a fixed offered rate spread over the senders for
//! `latency_secs`; the figures are send→deliver and send→ack percentiles.
//!
//! On several servers (the nodes of a cluster, [`measure`]), sender i logs in on node i mod N and its recipient on
//! the next node, so every message crosses from one node to another.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use azstack_protocol::Service;

use crate::client;
use crate::client::Session;
use crate::connections::{Logins, Place, cpu_sum, login_many, mode_of};
use crate::server::{Server, ServerOptions};
use crate::stats::{self, Table, thousands};
use crate::traffic::{self, Pace, PhaseConfig, PhaseResult, Plan, Target};

#[derive(Clone, Debug)]
pub struct Args {
    pub pairs: usize,
    /// Messages per throughput run (all senders together).
    pub count: u64,
    pub window: usize,
    pub runs: usize,
    /// Offered rate of the latency phase, messages/s over all senders.
    pub rate: f64,
    pub latency_secs: u64,
    pub text_bytes: usize,
    pub time_limit: Duration,
}

pub struct Report {
    pub mode: String,
    pub runs: Vec<PhaseResult>,
    /// Server CPU seconds used by each throughput run.
    pub server_cpu: Vec<f64>,
    pub latency: Option<PhaseResult>,
}

impl Report {
    pub fn median_ack_rate(&self) -> f64 {
        stats::median(&self.runs.iter().map(|r| r.ack_rate).collect::<Vec<_>>())
    }
    pub fn median_delivery_rate(&self) -> f64 {
        stats::median(&self.runs.iter().map(|r| r.delivery_rate).collect::<Vec<_>>())
    }
}

/// Logs in `n` users named `{prefix}{i}`, user i on `nodes[place(i)]`; all must succeed.
pub async fn login_all(nodes: &[Server], place: &Place, prefix: &str, n: usize) -> Result<Vec<Session>, String> {
    let slots: Arc<Mutex<Vec<Option<Session>>>> = Arc::new(Mutex::new((0..n).map(|_| None).collect()));
    let keep = {
        let slots = slots.clone();
        move |i: usize, s: Session| {
            if let Ok(mut v) = slots.lock() {
                v[i] = Some(s);
            }
        }
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let Logins { ok, failed, first_error, .. } = login_many(nodes, place, prefix, n, 100, deadline, keep).await;
    if ok < n as u64 {
        return Err(format!(
            "only {ok} of {n} logins succeeded ({failed} failed){}",
            first_error.map(|e| format!("; first error: {e}")).unwrap_or_default()
        ));
    }
    let mut v = slots.lock().map_err(|_| "login bookkeeping poisoned".to_owned())?;
    v.drain(..).map(|s| s.ok_or_else(|| "a login went missing".to_owned())).collect()
}

fn config(args: &Args, time_limit: Duration) -> PhaseConfig {
    PhaseConfig {
        ack_service: Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT,
        deliver_service: Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT,
        fan: 1,
        group: None,
        time_limit,
        text_bytes: args.text_bytes,
        module: "chat module",
    }
}

/// Pairs sender i with recipient P + i.
fn plans(sessions: Vec<Session>, pairs: usize, plan_for: impl Fn(usize, i64) -> Plan) -> Vec<(Session, Option<Plan>)> {
    let ids: Vec<i64> = sessions.iter().map(|s| s.user_id).collect();
    sessions
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let plan = (i < pairs).then(|| plan_for(i, ids[pairs + i]));
            (s, plan)
        })
        .collect()
}

pub async fn run(opts: &ServerOptions, args: &Args) -> Result<Report, String> {
    let mut server = Server::start(opts).await?;
    let result = measure(std::slice::from_ref(&server), args).await;
    if result.is_err() {
        if !server.alive() {
            eprintln!("the server process has exited");
        }
        eprintln!("server log (last lines):\n{}", server.log_tail(15));
    }
    server.stop().await;
    result
}

/// Runs the benchmark on `nodes` (one server, or the nodes of a cluster: sender i on node i mod N, its recipient
/// on node i + 1 mod N); CPU is the sum over the nodes.
pub async fn measure(nodes: &[Server], args: &Args) -> Result<Report, String> {
    let pairs = args.pairs.max(1);
    let n = nodes.len().max(1);
    let place = move |i: usize| if i < pairs { i % n } else { (i - pairs + 1) % n };
    let mut sessions = login_all(nodes, &place, "bench-msg-", 2 * pairs).await?;
    // Each sender's node must know its recipient online (on another node, through the cluster's presence).
    for i in 0..pairs {
        let to = sessions[pairs + i].user_id;
        client::wait_online(&mut sessions[i].ws, &[to]).await?;
    }
    let mut runs = Vec::new();
    let mut server_cpu = Vec::new();
    for run in 0..args.runs.max(1) {
        let peers = plans(sessions, pairs, |i, to| Plan {
            target: Target::User(to),
            count: traffic::split(args.count, pairs, i),
            pace: Pace::Window(args.window),
        });
        let cpu0 = cpu_sum(nodes);
        let result = traffic::run_phase(peers, config(args, args.time_limit)).await?;
        server_cpu.push(cpu_sum(nodes) - cpu0);
        eprintln!(
            "messages run {}: {} acknowledged/s, {} delivered/s{}",
            run + 1,
            thousands(result.ack_rate),
            thousands(result.delivery_rate),
            result.cut_short.as_deref().map(|c| format!(" ({c})")).unwrap_or_default()
        );
        sessions = runs_sessions(&mut runs, result);
    }
    let per_sender = args.rate / pairs as f64;
    let count = (args.rate * args.latency_secs as f64 / pairs as f64).round().max(1.0) as u64;
    let peers = plans(sessions, pairs, |_, to| Plan { target: Target::User(to), count, pace: Pace::Rate(per_sender) });
    let limit = Duration::from_secs(args.latency_secs) + args.time_limit;
    let latency = traffic::run_phase(peers, config(args, limit)).await?;
    Ok(Report { mode: mode_of(nodes), runs, server_cpu, latency: Some(latency) })
}

/// Keeps the figures of a run and hands its sessions back for the next one.
fn runs_sessions(runs: &mut Vec<PhaseResult>, mut result: PhaseResult) -> Vec<Session> {
    let sessions = std::mem::take(&mut result.sessions);
    runs.push(result);
    sessions
}

pub fn print(r: &Report, args: &Args) {
    let mut t = Table::new(format!(
        "messages: {} pairs, {} messages per run, window {} per sender, {} runs",
        args.pairs,
        args.count,
        args.window,
        r.runs.len()
    ));
    t.row("server", &r.mode);
    for (i, run) in r.runs.iter().enumerate() {
        t.row(
            format!("run {}", i + 1),
            format!(
                "{} acked/s, {} delivered/s, {} of {} acked, {} delivered, {:.1} s{}",
                thousands(run.ack_rate),
                thousands(run.delivery_rate),
                run.acked,
                run.planned,
                run.delivered,
                run.wall_secs,
                run.cut_short.as_deref().map(|c| format!(" ({c})")).unwrap_or_default()
            ),
        );
    }
    t.row("acknowledged messages/s (median)", thousands(r.median_ack_rate()))
        .row("delivered messages/s (median)", thousands(r.median_delivery_rate()));
    let per_k: Vec<f64> =
        r.runs.iter().zip(&r.server_cpu).map(|(run, cpu)| 1000.0 * cpu / run.acked.max(1) as f64).collect();
    t.row("server CPU per 1000 acknowledged messages (median)", format!("{:.3} s", stats::median(&per_k)));
    if let Some(run) = r.runs.last() {
        t.row("send→ack under saturation, last run (ms)", stats::percentiles_ms(&run.ack_latency));
    }
    if let Some(l) = &r.latency {
        t.row(
            format!("latency phase: offered {} msg/s for {} s", args.rate, args.latency_secs),
            format!(
                "{} sent, {} acked, {} delivered{}",
                l.sent,
                l.acked,
                l.delivered,
                l.cut_short.as_deref().map(|c| format!(" ({c})")).unwrap_or_default()
            ),
        )
        .row("send→deliver (svc 73) at the offered rate (ms)", stats::percentiles_ms(&l.deliver_latency))
        .row("send→ack (svc 72) at the offered rate (ms)", stats::percentiles_ms(&l.ack_latency));
    }
    let rejected: u64 = r.runs.iter().chain(r.latency.iter()).map(|x| x.rejected).sum();
    let closed: u64 = r.runs.iter().chain(r.latency.iter()).map(|x| x.sockets_closed).sum();
    let unmatched: u64 = r.runs.iter().chain(r.latency.iter()).map(|x| x.unmatched_acks).sum();
    t.row("refused acks / unmatched acks / sockets closed", format!("{rejected} / {unmatched} / {closed}"));
    t.print();
}
