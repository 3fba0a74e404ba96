//! `connections`: log N users in with the real two-socket flow (bounded concurrency), hold them, and report how
//! many the server keeps, its memory per connection and the login rate.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{Semaphore, watch};
use tokio_tungstenite::tungstenite::Message;

use crate::client::{self, Incoming, PONG, Session};
use crate::server::{Server, ServerOptions};
use crate::stats::{self, Latency, Table, thousands};

#[derive(Clone, Debug)]
pub struct Args {
    pub count: usize,
    pub concurrency: usize,
    pub hold: Duration,
    pub time_limit: Duration,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub requested: usize,
    pub logged_in: u64,
    pub failed: u64,
    pub first_error: Option<String>,
    /// Until every login had succeeded or failed.
    pub login_secs: f64,
    pub secs_to_last_ok: f64,
    /// Successful logins / seconds to the last successful one.
    pub logins_per_sec: f64,
    pub login_latency: String,
    pub held_after_login: usize,
    pub held_after_hold: usize,
    pub server_sessions: Option<f64>,
    /// Socket.IO sockets the server still has open (discovery sockets should be gone).
    pub server_sockets: Option<f64>,
    pub rss_before_kb: u64,
    pub rss_after_kb: u64,
    pub rss_end_kb: u64,
    /// After every client closed and the server counted its sockets down to 0 (memory given back?).
    pub rss_closed_kb: u64,
    pub rss_per_conn_kb: f64,
    pub bench_rss_kb: u64,
    pub hold_secs: f64,
    /// CPU seconds the server and the bench used during the login phase.
    pub server_login_cpu: f64,
    pub bench_login_cpu: f64,
    pub mode: String,
    pub timed_out: bool,
}

/// What [`login_many`] did.
pub struct Logins {
    pub ok: u64,
    pub failed: u64,
    pub first_error: Option<String>,
    pub latency: Latency,
    /// From the first launch to the last successful login (a failing login can take a full step timeout, which
    /// would otherwise inflate the wall time the rate is computed over).
    pub secs_to_last_ok: f64,
}

/// Which of the servers (nodes of a cluster) user `i` logs in on.
pub type Place = dyn Fn(usize) -> usize + Sync;

/// User `i` on node `i mod N`: an even spread.
pub fn round_robin(nodes: usize) -> impl Fn(usize) -> usize + Sync {
    move |i| i % nodes.max(1)
}

/// Logs in `count` users named `{prefix}{i}` (at most `concurrency` in flight), user `i` on `nodes[place(i)]`, and
/// hands each session to `keep`. Stops launching at `deadline`.
pub async fn login_many(
    nodes: &[Server],
    place: &Place,
    prefix: &str,
    count: usize,
    concurrency: usize,
    deadline: Instant,
    keep: impl Fn(usize, Session) + Send + Sync + 'static,
) -> Logins {
    let sem = Arc::new(Semaphore::new(concurrency.max(1)));
    let start_us = stats::now_micros();
    let last_ok_us = Arc::new(AtomicU64::new(start_us));
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let first_error: Arc<Mutex<Option<String>>> = Arc::default();
    let hist = Arc::new(Mutex::new(stats::latency()));
    let keep = Arc::new(keep);
    for i in 0..count {
        let permit = tokio::select! {
            p = sem.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = tokio::time::sleep_until(deadline.into()) => break,
        };
        let Some(server) = nodes.get(place(i)).or(nodes.first()) else { break };
        let (url, app) = (server.url.clone(), server.app.clone());
        let (ok, failed, first_error, hist, keep, last_ok_us) =
            (ok.clone(), failed.clone(), first_error.clone(), hist.clone(), keep.clone(), last_ok_us.clone());
        let username = format!("{prefix}{i}");
        tokio::spawn(async move {
            let started = Instant::now();
            match client::login(&url, &app, &username).await {
                Ok(session) => {
                    if let Ok(mut h) = hist.lock() {
                        stats::record(&mut h, started.elapsed().as_micros() as u64);
                    }
                    ok.fetch_add(1, Ordering::Relaxed);
                    last_ok_us.fetch_max(stats::now_micros(), Ordering::Relaxed);
                    keep(i, session);
                }
                Err(e) => {
                    failed.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut f) = first_error.lock()
                        && f.is_none()
                    {
                        *f = Some(e.to_string());
                    }
                }
            }
            drop(permit);
        });
    }
    // Wait for the logins in flight (each is bounded by the client's step timeouts).
    let all = u32::try_from(concurrency.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(Duration::from_secs(60), sem.acquire_many(all)).await;
    let first = first_error.lock().ok().and_then(|f| f.clone());
    let latency = hist.lock().map(|h| h.clone()).unwrap_or_else(|_| stats::latency());
    Logins {
        ok: ok.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
        first_error: first,
        latency,
        secs_to_last_ok: last_ok_us.load(Ordering::Relaxed).saturating_sub(start_us) as f64 / 1e6,
    }
}

/// Keeps a session alive (answers pings) until `stop`; `alive` counts sessions still open.
async fn hold(mut s: Session, mut stop: watch::Receiver<bool>, alive: Arc<AtomicUsize>) {
    alive.fetch_add(1, Ordering::Relaxed);
    loop {
        tokio::select! {
            _ = stop.changed() => {
                client::close_in_background(s.ws);
                break;
            }
            item = s.ws.next() => match client::classify(item) {
                Incoming::Ping => { let _ = s.ws.send(Message::text(PONG)).await; }
                Incoming::Closed => break,
                Incoming::Event(_) | Incoming::Other => {}
            }
        }
    }
    alive.fetch_sub(1, Ordering::Relaxed);
}

pub async fn run(opts: &ServerOptions, args: &Args) -> Result<Report, String> {
    let mut server = Server::start(opts).await?;
    let result = measure(std::slice::from_mut(&mut server), args).await;
    if result.is_err() {
        eprintln!("server log (last lines):\n{}", server.log_tail(15));
    }
    server.stop().await;
    result
}

/// The sum of a figure over the servers (`None` when one of them has none).
async fn metric_sum(nodes: &[Server], name: &str) -> Option<f64> {
    let mut sum = 0.0;
    for n in nodes {
        sum += n.metric(name).await?;
    }
    Some(sum)
}

fn rss_sum(nodes: &[Server]) -> Option<u64> {
    nodes.iter().map(Server::rss_kb).sum()
}

pub fn cpu_sum(nodes: &[Server]) -> f64 {
    nodes.iter().filter_map(Server::cpu_secs).sum()
}

/// Logs `args.count` users in spread over `nodes` (user i on node i mod N), holds them and measures; memory, CPU
/// and sessions are the sums over the nodes.
pub async fn measure(nodes: &mut [Server], args: &Args) -> Result<Report, String> {
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before_kb = rss_sum(nodes).ok_or("cannot read the server's VmRSS")?;
    let alive = Arc::new(AtomicUsize::new(0));
    let (stop_tx, stop_rx) = watch::channel(false);
    let server_cpu0 = cpu_sum(nodes);
    let bench_cpu0 = stats::own_cpu_secs().unwrap_or(0.0);
    let started = Instant::now();
    let deadline = started + args.time_limit;
    let keep = {
        let alive = alive.clone();
        move |_: usize, s: Session| {
            tokio::spawn(hold(s, stop_rx.clone(), alive.clone()));
        }
    };
    let place = round_robin(nodes.len());
    let logins = login_many(nodes, &place, "bench-conn-", args.count, args.concurrency, deadline, keep).await;
    let Logins { ok, failed, first_error, latency: hist, secs_to_last_ok } = logins;
    let login_secs = started.elapsed().as_secs_f64();
    let server_login_cpu = cpu_sum(nodes) - server_cpu0;
    let bench_login_cpu = stats::own_cpu_secs().unwrap_or(0.0) - bench_cpu0;
    let timed_out = Instant::now() >= deadline && (ok + failed) < args.count as u64;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let held_after_login = alive.load(Ordering::Relaxed);
    let rss_after_kb = rss_sum(nodes).unwrap_or(0);
    let hold_started = Instant::now();
    tokio::time::sleep(args.hold).await;
    for server in nodes.iter_mut() {
        if !server.alive() {
            return Err(format!("the server exited while holding connections; log:\n{}", server.log_tail(15)));
        }
    }
    let held_after_hold = alive.load(Ordering::Relaxed);
    let server_sessions = metric_sum(nodes, "azstack_sessions_authenticated").await;
    let server_sockets = metric_sum(nodes, "azstack_sockets_open").await;
    let rss_end_kb = rss_sum(nodes).unwrap_or(0);
    let bench_rss_kb = stats::own_rss_kb().unwrap_or(0);
    let _ = stop_tx.send(true);
    // Give the close handshakes a moment before the server goes.
    let closing = Instant::now();
    while alive.load(Ordering::Relaxed) > 0 && closing.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    while metric_sum(nodes, "azstack_sockets_open").await.unwrap_or(0.0) > 0.0
        && closing.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The allocator returns freed pages after a short delay.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_closed_kb = rss_sum(nodes).unwrap_or(0);
    let rss_per_conn_kb = if held_after_login > 0 {
        rss_after_kb.saturating_sub(rss_before_kb) as f64 / held_after_login as f64
    } else {
        0.0
    };
    Ok(Report {
        requested: args.count,
        logged_in: ok,
        failed,
        first_error,
        login_secs,
        secs_to_last_ok,
        logins_per_sec: ok as f64 / secs_to_last_ok.max(1e-9),
        login_latency: stats::percentiles_ms(&hist),
        held_after_login,
        held_after_hold,
        server_sessions,
        server_sockets,
        rss_before_kb,
        rss_after_kb,
        rss_end_kb,
        rss_closed_kb,
        rss_per_conn_kb,
        bench_rss_kb,
        hold_secs: hold_started.elapsed().as_secs_f64(),
        server_login_cpu,
        bench_login_cpu,
        mode: mode_of(nodes),
        timed_out,
    })
}

/// How the servers were started, for the report (`N nodes × …` for several).
pub fn mode_of(nodes: &[Server]) -> String {
    match nodes {
        [one] => one.mode.clone(),
        [first, ..] => format!("{} nodes × {}", nodes.len(), first.mode),
        [] => String::new(),
    }
}

pub fn print(r: &Report, args: &Args) {
    let mut t = Table::new(format!("connections: {} requested, {} logins in flight", r.requested, args.concurrency));
    t.row("server", &r.mode)
        .row("logged in / failed", format!("{} / {}", r.logged_in, r.failed))
        .row(
            "login wall time: to the last success / to the last outcome",
            format!(
                "{:.1} s / {:.1} s{}",
                r.secs_to_last_ok,
                r.login_secs,
                if r.timed_out { " (time limit hit)" } else { "" }
            ),
        )
        .row("login rate (successes / time to the last success)", format!("{:.0} logins/s", r.logins_per_sec))
        .row("login latency (29 + 179→162, ms)", &r.login_latency)
        .row(
            "CPU during logins: server / bench",
            format!(
                "{:.1} s / {:.1} s ({:.2} ms server CPU per login)",
                r.server_login_cpu,
                r.bench_login_cpu,
                1000.0 * r.server_login_cpu / (r.logged_in.max(1) as f64)
            ),
        )
        .row("held 2 s after the last login", thousands(r.held_after_login as f64))
        .row(format!("held after {:.0} s more", r.hold_secs), thousands(r.held_after_hold as f64))
        .row(
            "server-side authenticated sessions (/metrics)",
            r.server_sessions.map(thousands).unwrap_or_else(|| "unavailable".into()),
        )
        .row(
            "server-side Socket.IO sockets open (/metrics)",
            r.server_sockets.map(thousands).unwrap_or_else(|| "unavailable".into()),
        )
        .row("server RSS before", format!("{} KiB", thousands(r.rss_before_kb as f64)))
        .row("server RSS with all held", format!("{} KiB", thousands(r.rss_after_kb as f64)))
        .row("server RSS at the end of the hold", format!("{} KiB", thousands(r.rss_end_kb as f64)))
        .row("server RSS after every socket closed", format!("{} KiB", thousands(r.rss_closed_kb as f64)))
        .row("server RSS per held connection", format!("{:.1} KiB", r.rss_per_conn_kb))
        .row("bench process RSS (client side)", format!("{} KiB", thousands(r.bench_rss_kb as f64)));
    if let Some(e) = &r.first_error {
        t.row("first login error", e);
    }
    t.print();
}
