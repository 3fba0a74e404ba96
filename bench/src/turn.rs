//! `turn`: the embedded TURN server's relay capacity and the latency its path adds, on loopback.
//!
//! The TURN server ([`azstack_server::turn::Turn`], `[turn]`) runs in this process on its own runtime whose threads
//! are named `turn-server`, so its CPU is read from those threads alone. Each simulated call is two TURN clients
//! (webrtc-rs's `turn` crate, as a phone's ICE agent would use) with one allocation each, sending to each other's
//! relayed address — the path of a call whose two ends are both behind NATs that need a relay: client → server →
//! relay socket → the other allocation's relay socket → server → client. Each side sends what a video call sends: an
//! audio packet (160 bytes) every 20 ms and `--video-kbps` of video in 1,200-byte packets, for `--secs` seconds.
//!
//! For each step of `--calls` the bench reports the packets lost, the one-way latency through the relay (send and
//! receive times on this process's clock) and the server's CPU per call; the baseline latency is the same stream sent
//! directly between two UDP sockets. Both the senders and the server share this machine's cores, so the capacity
//! figure is a floor: on a server that only relays it is higher.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use azstack_server::testkit::turn_client;
use azstack_server::turn::{Turn, TurnConfig};
use tokio::net::UdpSocket;
use tokio::sync::oneshot;
use turn::client::Client;
use webrtc_util::Conn;

use crate::stats::{self, Latency, Table};

const SERVER_THREAD: &str = "turn-server";
const AUDIO_BYTES: usize = 160;
const VIDEO_BYTES: usize = 1200;
const WAIT: Duration = Duration::from_secs(10);

pub struct Args {
    pub calls: Vec<usize>,
    pub secs: u64,
    pub video_kbps: u64,
}

pub struct Step {
    calls: usize,
    sent: u64,
    received: u64,
    latency: Latency,
    server_cpu_secs: f64,
    secs: f64,
}

pub struct Report {
    baseline: Latency,
    steps: Vec<Step>,
}

/// What one direction of a stream counts.
#[derive(Default)]
struct Counts {
    sent: AtomicU64,
    received: AtomicU64,
}

pub async fn run(args: &Args) -> Result<Report, String> {
    let (turn, stop) = start_server()?;
    let baseline = baseline(args).await?;
    let mut steps = Vec::new();
    for &calls in &args.calls {
        steps.push(step(&turn, calls, args).await?);
    }
    drop(stop);
    Ok(Report { baseline, steps })
}

pub fn print(report: &Report, args: &Args) {
    let mut table = Table::new(format!(
        "TURN relay: calls of audio (50 pps × {AUDIO_BYTES} B) + video ({} kbit/s in {VIDEO_BYTES} B packets) each way, \
         both ends relayed, {} s per step",
        args.video_kbps, args.secs
    ));
    table.row("direct UDP latency (baseline)", stats::percentiles_ms(&report.baseline));
    for s in &report.steps {
        let lost = if s.sent == 0 { 0.0 } else { 100.0 * (s.sent.saturating_sub(s.received)) as f64 / s.sent as f64 };
        table.row(
            format!("{} calls", s.calls),
            format!(
                "lost {lost:.2} % of {} packets; relay latency {}; server CPU {:.1} % of a core per call",
                s.sent,
                stats::percentiles_ms(&s.latency),
                100.0 * s.server_cpu_secs / s.secs / s.calls as f64
            ),
        );
    }
    table.print();
}

/// The TURN server on its own runtime and threads; dropping the sender stops it.
fn start_server() -> Result<(Arc<Turn>, oneshot::Sender<()>), String> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let runtime = crate::sys::named_runtime(SERVER_THREAD, 1)?;
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let mut config = TurnConfig::loopback();
            config.max_allocations_per_user = usize::MAX;
            config.max_kbps_per_allocation = 1_000_000;
            match Turn::start(&config).await {
                Ok(turn) => {
                    let turn = Arc::new(turn);
                    let _ = ready_tx.send(Ok(turn.clone()));
                    let _ = stop_rx.await;
                    turn.shutdown().await;
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                }
            }
        });
    });
    let turn = ready_rx.recv_timeout(WAIT).map_err(|_| "the TURN server did not start".to_owned())??;
    Ok((turn, stop_tx))
}

/// One relayed end: its client and its allocation.
struct End {
    client: Client,
    relay: Arc<dyn Conn + Send + Sync>,
    relayed: SocketAddr,
}

async fn end(turn: &Turn, user_id: i64) -> Result<End, String> {
    let servers = turn.ice_servers(user_id);
    let entry = servers.iter().find(|s| s.url.starts_with("turn:")).ok_or("no turn: entry")?;
    let client = turn_client(&turn.public_addr.to_string(), &entry.username, &entry.password)
        .await
        .map_err(|e| format!("TURN client: {e}"))?;
    let relay = tokio::time::timeout(WAIT, client.allocate())
        .await
        .map_err(|_| "allocation timed out".to_owned())?
        .map_err(|e| format!("allocation: {e}"))?;
    let relayed = relay.local_addr().map_err(|e| e.to_string())?;
    Ok(End { client, relay: Arc::new(relay), relayed })
}

/// Sends a call's stream from `conn` to `to` until `stop`: audio every 20 ms, video paced every 5 ms.
fn spawn_sender(
    conn: Arc<dyn Conn + Send + Sync>,
    to: SocketAddr,
    video_kbps: u64,
    counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
) {
    tokio::spawn(async move {
        let video_per_5ms = (video_kbps * 1000 / 8) as f64 / 200.0 / VIDEO_BYTES as f64;
        let mut owed = 0.0;
        let mut tick = tokio::time::interval(Duration::from_millis(5));
        let mut n = 0u64;
        let mut buf = vec![0u8; VIDEO_BYTES];
        while !stop.load(Ordering::Relaxed) {
            tick.tick().await;
            n += 1;
            let mut sizes = Vec::new();
            if n.is_multiple_of(4) {
                sizes.push(AUDIO_BYTES);
            }
            owed += video_per_5ms;
            while owed >= 1.0 {
                sizes.push(VIDEO_BYTES);
                owed -= 1.0;
            }
            for size in sizes {
                buf[..8].copy_from_slice(&stats::now_micros().to_le_bytes());
                if conn.send_to(&buf[..size], to).await.is_ok() {
                    counts.sent.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    });
}

fn spawn_receiver(conn: Arc<dyn Conn + Send + Sync>, counts: Arc<Counts>, latency: Arc<std::sync::Mutex<Latency>>) {
    tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        while let Ok((n, _)) = conn.recv_from(&mut buf).await {
            if n < 8 {
                continue;
            }
            let sent = u64::from_le_bytes(buf[..8].try_into().unwrap_or_default());
            counts.received.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut h) = latency.lock() {
                stats::record(&mut h, stats::now_micros().saturating_sub(sent));
            }
        }
    });
}

async fn step(turn: &Turn, calls: usize, args: &Args) -> Result<Step, String> {
    let mut ends = Vec::new();
    for i in 0..calls * 2 {
        ends.push(end(turn, i as i64 + 1).await?);
    }
    let counts = Arc::new(Counts::default());
    let latency = Arc::new(std::sync::Mutex::new(stats::latency()));
    // Permissions first: a relay accepts a peer's packets only after it has sent towards that peer.
    for pair in ends.chunks(2) {
        let [a, b] = pair else { continue };
        a.relay.send_to(b"hello", b.relayed).await.map_err(|e| e.to_string())?;
        b.relay.send_to(b"hello", a.relayed).await.map_err(|e| e.to_string())?;
    }
    for end in &ends {
        spawn_receiver(end.relay.clone(), counts.clone(), latency.clone());
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // permissions settle; not a synchronisation in a test
    counts.received.store(0, Ordering::Relaxed);
    if let Ok(mut h) = latency.lock() {
        *h = stats::latency();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let cpu_before = crate::sys::threads_cpu_secs(SERVER_THREAD);
    let started = Instant::now();
    for pair in ends.chunks(2) {
        let [a, b] = pair else { continue };
        spawn_sender(a.relay.clone(), b.relayed, args.video_kbps, counts.clone(), stop.clone());
        spawn_sender(b.relay.clone(), a.relayed, args.video_kbps, counts.clone(), stop.clone());
    }
    tokio::time::sleep(Duration::from_secs(args.secs)).await;
    stop.store(true, Ordering::Relaxed);
    let secs = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(300)).await; // packets in flight land
    let server_cpu_secs = crate::sys::threads_cpu_secs(SERVER_THREAD) - cpu_before;
    let latency = latency.lock().map(|h| h.clone()).unwrap_or_else(|_| stats::latency());
    let step = Step {
        calls,
        sent: counts.sent.load(Ordering::Relaxed),
        received: counts.received.load(Ordering::Relaxed),
        latency,
        server_cpu_secs,
        secs,
    };
    for end in ends {
        let _ = end.relay.close().await;
        let _ = end.client.close().await;
    }
    Ok(step)
}

/// The same stream between two plain UDP sockets: the latency of the path without a relay.
async fn baseline(args: &Args) -> Result<Latency, String> {
    let a: Arc<dyn Conn + Send + Sync> = Arc::new(UdpSocket::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?);
    let b: Arc<dyn Conn + Send + Sync> = Arc::new(UdpSocket::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?);
    let to = b.local_addr().map_err(|e| e.to_string())?;
    let counts = Arc::new(Counts::default());
    let latency = Arc::new(std::sync::Mutex::new(stats::latency()));
    spawn_receiver(b, counts.clone(), latency.clone());
    let stop = Arc::new(AtomicBool::new(false));
    spawn_sender(a, to, args.video_kbps, counts, stop.clone());
    tokio::time::sleep(Duration::from_secs(args.secs.min(5))).await;
    stop.store(true, Ordering::Relaxed);
    Ok(latency.lock().map(|h| h.clone()).unwrap_or_else(|_| stats::latency()))
}
