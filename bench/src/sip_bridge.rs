//! `sip-bridge`: the SIP gateway's media bridge under load, everything in this process on loopback.
//!
//! The server runs on its own tokio runtime whose threads are named `bridge-server`, so its CPU (Socket.IO, SIP,
//! the per-call bridge tasks with their G.711/Opus transcoding and resampling, and webrtc-rs's drivers of its
//! legs) is read per thread from `/proc/self/task` apart from the ends'. The trunk is a minimal UAS on a UDP socket
//! (answers every INVITE 200 with an SDP pointing at that call's [`RtpCarrier`], every BYE 200); each call's app is
//! an [`AppPeer`] that logs in over Socket.IO and signals the callout (500, 501, 503 200) like the engine.
//!
//! Phase 1: `calls` callouts are set up one after another, each app plays 440 Hz and each carrier 1 kHz; the bench
//! waits until every end hears the other. Phase 2 (steady state, `secs` seconds): the server threads' CPU over the
//! phase, and the share of 20 ms frames in which each end heard the right tone. Phase 3 (latency, `rounds`
//! rounds): all ends go silent for 300 ms, then every end plays its tone again; the one-way latency of a direction
//! is the time from the first tone packet sent by one end to the first frame in which the other end hears it
//! (its RTP arrival and decode): the bridge's jitter buffer, transcoding and resampling, webrtc-rs's SRTP and
//! pacing, and the receiving end's decode, with no network in between.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use azstack_protocol::Service;
use azstack_server::config::Config;
use azstack_server::sip::SipConfig;
use azstack_server::sip::media::g711::Law;
use azstack_server::sip::message::{Message, StartLine};
use azstack_server::testkit::app_peer::AppPeer;
use azstack_server::testkit::rtp_carrier::RtpCarrier;
use azstack_server::testkit::{Login, TestClient, TestServer};
use serde_json::json;
use tokio::net::UdpSocket;
use tokio::sync::oneshot;

use crate::stats::{self, Latency, Table};

const SERVER_THREAD: &str = "bridge-server";
const APP_HZ: f64 = 440.0;
const CARRIER_HZ: f64 = 1000.0;
const WAIT: Duration = Duration::from_secs(20);

pub struct Args {
    pub calls: usize,
    pub secs: u64,
    pub rounds: usize,
    /// The gateway's `jitter_ms` (the carrier's playout delay).
    pub jitter_ms: u64,
}

pub struct Report {
    pub calls: usize,
    pub setup: Latency,
    pub cpu_percent_total: f64,
    pub process_cpu_percent: f64,
    pub heard_app: f64,
    pub heard_carrier: f64,
    pub carrier_to_app: Latency,
    pub app_to_carrier: Latency,
    pub missed: usize,
}

/// CPU seconds of this process's threads named `name`.
fn threads_cpu_secs(name: &str) -> f64 {
    let ticks = 100.0; // USER_HZ on Linux
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0.0 };
    let mut total = 0u64;
    for task in tasks.flatten() {
        let path = task.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        let stat = std::fs::read_to_string(path.join("stat")).unwrap_or_default();
        // Fields after the parenthesised command: state is field 3, utime 14 and stime 15.
        let Some((_, rest)) = stat.rsplit_once(')') else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let field = |i: usize| fields.get(i - 3).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        total += field(14) + field(15);
    }
    total as f64 / ticks
}

/// The trunk: 200 to every INVITE (SDP: the carrier of the called number's index), 200 to BYE, nothing else.
async fn trunk(socket: UdpSocket, carriers: Vec<SocketAddr>) {
    let mut buf = vec![0u8; 65_536];
    loop {
        let Ok((n, from)) = socket.recv_from(&mut buf).await else { continue };
        let Ok(request) = Message::parse(&buf[..n]) else { continue };
        let reply = match request.method() {
            Some("INVITE") => {
                let uri = match &request.start {
                    StartLine::Request { uri, .. } => uri.as_str(),
                    StartLine::Response { .. } => continue,
                };
                let index = Some(uri)
                    .and_then(|u| u.strip_prefix("sip:+849"))
                    .and_then(|u| u.split('@').next())
                    .and_then(|d| d.parse::<usize>().ok());
                let Some(carrier) = index.and_then(|i| carriers.get(i)) else { continue };
                let sdp = format!(
                    "v=0\r\no=trunk 1 1 IN IP4 127.0.0.1\r\ns=trunk\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
                     m=audio {} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\n",
                    carrier.port()
                );
                Message::response_to(&request, 200, "OK", Some("bench"))
                    .with(
                        "Contact",
                        format!("<sip:trunk@{}>", socket.local_addr().map(|a| a.to_string()).unwrap_or_default()),
                    )
                    .with_body("application/sdp", sdp.into_bytes())
            }
            Some("BYE") => Message::response_to(&request, 200, "OK", None),
            _ => continue,
        };
        let _ = socket.send_to(&reply.to_bytes(), from).await;
    }
}

/// What the server thread hands back.
struct Running {
    url: String,
    app: azstack_server::store::apps::AppRow,
    gateway: Arc<azstack_server::sip::Gateway>,
}

/// Starts the server on its own runtime and thread; dropping the returned sender stops it.
fn start_server(
    trunk_uri: String,
    jitter_ms: u64,
) -> Result<(Running, oneshot::Sender<()>, std::thread::JoinHandle<()>), String> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(SERVER_THREAD)
            .enable_all()
            .build()
        {
            Ok(r) => r,
            Err(e) => {
                let _ = ready_tx.send(Err(e.to_string()));
                return;
            }
        };
        runtime.block_on(async move {
            let server = TestServer::sqlite_with(|config: &mut Config| {
                let mut sip = SipConfig::new(&trunk_uri, "127.0.0.1:0".parse().expect("a constant address"));
                sip.advertise = Some("127.0.0.1".parse().expect("a constant address"));
                sip.jitter_ms = jitter_ms;
                config.sip = Some(sip);
            })
            .await;
            let Some(gateway) = server.server.hub.sip.clone() else {
                let _ = ready_tx.send(Err("the server has no SIP gateway".into()));
                return;
            };
            let _ = ready_tx.send(Ok(Running { url: server.url(), app: server.app.clone(), gateway }));
            let _ = stop_rx.await;
            server.shutdown().await;
        });
    });
    let running = ready_rx.recv().map_err(|e| e.to_string())??;
    Ok((running, stop_tx, thread))
}

struct Call {
    client: TestClient,
    app: AppPeer,
    call_id: i64,
}

async fn set_up(running: &Running, index: usize) -> Result<Call, String> {
    let mut client = TestClient::login(&running.url, &running.app, &Login::engine(&format!("caller{index}")))
        .await
        .map_err(|e| format!("login: {e:?}"))?;
    let call_id = 1000 + index as i64;
    let to = format!("+849{index:05}");
    client.send(Service::CALLOUT_START_SEND, &json!({"callId": call_id, "to": to}));
    client.recv(Service::CALLOUT_START_DONE).await.map_err(|e| format!("504: {e:?}"))?;
    let app = AppPeer::new("127.0.0.1".parse().expect("a constant address"), APP_HZ, CARRIER_HZ, APP_HZ).await;
    let offer = app.offer().await;
    client.send(Service::CALLOUT_DATA_SEND, &json!({"callId": call_id, "to": to, "sdp_candidate": offer}));
    let answered = client
        .recv_where(Service::CALLOUT_DATA_STATUS_CHANGED, |b| b["code"] == 200)
        .await
        .map_err(|e| format!("503 200: {e:?}"))?;
    let answer = answered["sdp_candidate"].as_str().ok_or("503 200 without sdp_candidate")?;
    app.accept_answer(answer).await;
    app.start_sending().await;
    Ok(Call { client, app, call_id })
}

pub async fn run(args: &Args) -> Result<Report, String> {
    let mut carriers = Vec::new();
    for _ in 0..args.calls {
        carriers.push(RtpCarrier::start(Law::Mu, CARRIER_HZ, APP_HZ, CARRIER_HZ).await);
    }
    let trunk_socket = UdpSocket::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let trunk_uri = format!("sip:{}", trunk_socket.local_addr().map_err(|e| e.to_string())?);
    let trunk_task = tokio::spawn(trunk(trunk_socket, carriers.iter().map(|c| c.address).collect()));
    let (running, stop, thread) = start_server(trunk_uri, args.jitter_ms)?;

    // Phase 1: set-up.
    let mut setup = stats::latency();
    let mut calls = Vec::new();
    for i in 0..args.calls {
        let started = Instant::now();
        calls.push(set_up(&running, i).await?);
        stats::record(&mut setup, started.elapsed().as_micros() as u64);
    }
    for (call, carrier) in calls.iter().zip(&carriers) {
        let heard = call.app.heard.wait_for(25, WAIT).await && carrier.heard.wait_for(25, WAIT).await;
        if !heard {
            return Err(format!("call {} never carried both tones", call.call_id));
        }
    }

    // Phase 2: steady state.
    let frames_before: Vec<(u64, u64, u64, u64)> = calls
        .iter()
        .zip(&carriers)
        .map(|(c, k)| (c.app.heard.frames(), c.app.heard.tone_frames(), k.heard.frames(), k.heard.tone_frames()))
        .collect();
    let cpu_before = threads_cpu_secs(SERVER_THREAD);
    let process_before = stats::own_cpu_secs().unwrap_or(0.0);
    let wall = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.secs)).await;
    let cpu = threads_cpu_secs(SERVER_THREAD) - cpu_before;
    let process_cpu = stats::own_cpu_secs().unwrap_or(0.0) - process_before;
    let elapsed = wall.elapsed().as_secs_f64();
    let (mut app_frames, mut app_tone, mut carrier_frames, mut carrier_tone) = (0u64, 0u64, 0u64, 0u64);
    for ((c, k), before) in calls.iter().zip(&carriers).zip(&frames_before) {
        app_frames += c.app.heard.frames() - before.0;
        app_tone += c.app.heard.tone_frames() - before.1;
        carrier_frames += k.heard.frames() - before.2;
        carrier_tone += k.heard.tone_frames() - before.3;
    }

    // Phase 3: latency.
    let mut carrier_to_app = stats::latency();
    let mut app_to_carrier = stats::latency();
    let mut missed = 0;
    for _ in 0..args.rounds {
        for (c, k) in calls.iter().zip(&carriers) {
            c.app.play(false);
            k.play(false);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        for (c, k) in calls.iter().zip(&carriers) {
            c.app.heard.reset();
            k.heard.reset();
            c.app.play(true);
            k.play(true);
        }
        for (c, k) in calls.iter().zip(&carriers) {
            let both = c.app.heard.wait_for(1, Duration::from_secs(2)).await
                && k.heard.wait_for(1, Duration::from_secs(2)).await;
            let c2a = k.tone_sent().zip(c.app.heard.first_tone()).map(|(s, h)| h.saturating_duration_since(s));
            let a2c = c.app.tone_sent().zip(k.heard.first_tone()).map(|(s, h)| h.saturating_duration_since(s));
            match (both, c2a, a2c) {
                (true, Some(c2a), Some(a2c)) => {
                    stats::record(&mut carrier_to_app, c2a.as_micros() as u64);
                    stats::record(&mut app_to_carrier, a2c.as_micros() as u64);
                }
                _ => missed += 1,
            }
        }
    }

    // Tear-down.
    for call in &calls {
        call.client.send(Service::CALLOUT_STOP_SEND, &json!({"callId": call.call_id, "to": "0"}));
    }
    let idle = running.gateway.idle_within(WAIT).await;
    for call in &calls {
        call.app.close().await;
    }
    drop(calls);
    trunk_task.abort();
    drop(stop);
    let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    if !idle {
        return Err("calls still up after the hang-ups".into());
    }
    let share = |tone: u64, frames: u64| if frames == 0 { 0.0 } else { 100.0 * tone as f64 / frames as f64 };
    Ok(Report {
        calls: args.calls,
        setup,
        cpu_percent_total: 100.0 * cpu / elapsed,
        process_cpu_percent: 100.0 * process_cpu / elapsed,
        heard_app: share(app_tone, app_frames),
        heard_carrier: share(carrier_tone, carrier_frames),
        carrier_to_app,
        app_to_carrier,
        missed,
    })
}

pub fn print(r: &Report, args: &Args) {
    let ms = |h: &Latency, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    let lat = |h: &Latency| {
        format!("{:.1} / {:.1} / {:.1} ({} samples)", ms(h, 0.5), ms(h, 0.99), h.max() as f64 / 1000.0, h.len())
    };
    let mut t = Table::new(format!(
        "SIP media bridge, one process on loopback; {} concurrent callouts, {} s steady state, {} latency rounds, \
         jitter_ms {}",
        args.calls, args.secs, args.rounds, args.jitter_ms
    ));
    t.row("callout set-up 500 → 503 200 → answer applied p50 / p99 / max (ms)", lat(&r.setup));
    t.row("server CPU, all calls (% of one core)", format!("{:.1} %", r.cpu_percent_total));
    t.row(
        "server CPU per bridged call (% of one core)",
        format!("{:.2} %", r.cpu_percent_total / r.calls.max(1) as f64),
    );
    t.row(
        "whole bench process CPU: server + app peers + RTP ends (% of one core)",
        format!("{:.1} %", r.process_cpu_percent),
    );
    t.row(
        "20 ms frames with the right tone: app / carrier",
        format!("{:.1} % / {:.1} %", r.heard_app, r.heard_carrier),
    );
    t.row("one-way latency carrier RTP → app decoded p50 / p99 / max (ms)", lat(&r.carrier_to_app));
    t.row("one-way latency app Opus → carrier RTP p50 / p99 / max (ms)", lat(&r.app_to_carrier));
    t.row("latency rounds without a detection", r.missed.to_string());
    t.print();
}
