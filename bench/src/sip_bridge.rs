//! `sip-bridge`: the SIP gateway's media bridge under load, on loopback, in two processes.
//!
//! This process runs the server in-process (on its own tokio runtime whose threads are named `bridge-server`) and
//! nothing else that costs: the simulated ends run in a child process, this binary re-executed with the hidden
//! `sip-bridge-ends` subcommand, so the server's CPU is read from its own process (and threads) and the ends' from
//! theirs. With `--pin` the server is pinned to CPU 0 and the ends to CPU 1, so neither steals the other's core.
//! The ends are a minimal UAS on a UDP socket playing the trunk (answers every INVITE 200 with an SDP pointing at
//! that call's [`RtpCarrier`], every BYE 200) and, per call, an [`AppPeer`] that logs in over Socket.IO and
//! signals the callout (500, 501, 503 200) like the engine.
//!
//! The two processes speak in lines, the child's on its stdout prefixed [`LINE`], the parent's on the child's
//! stdin: the child binds its trunk and RTP ends and says `trunk <uri>`; the parent starts the server on that trunk
//! and says `server <json>` (its URL and app credentials); the child sets the calls up and says `steady` and
//! `steady-end` around the steady state (the parent reads its CPU at both), runs the latency rounds, hangs every
//! call up and says `report <json>`; the parent waits until the gateway released every call and says `released`,
//! and the child closes its peers and exits.
//!
//! Phase 1: `calls` callouts are set up one after another, each app plays 440 Hz and each carrier 1 kHz; the bench
//! waits until every end hears the other. Phase 2 (steady state, `secs` seconds): the server's CPU over the phase,
//! the ends' CPU, and the share of 20 ms frames in which each end heard the right tone. Phase 3 (latency, `rounds`
//! rounds): all ends go silent for 300 ms, then every end plays its tone again; the one-way latency of a direction
//! is the time from the first tone packet sent by one end to the first frame in which the other end hears it (its
//! RTP arrival and decode): the bridge's jitter buffer and transcoding, webrtc-rs's SRTP and pacing, the
//! receiving end's decode and the loopback between the processes. Both ends of a call live in the child, so both
//! times are read on one clock.

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use azstack_protocol::Service;
use azstack_server::config::Config;
use azstack_server::store::apps::AppRow;
use azstack_server::testkit::{Login, TestClient, TestServer};
use azstack_sip::SipConfig;
use azstack_sip::config::RecordingConfig;
use azstack_sip::media::g711::Law;
use azstack_sip::message::{Message, StartLine};
use azstack_sip::testing::app_peer::AppPeer;
use azstack_sip::testing::rtp_carrier::RtpCarrier;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::UdpSocket;
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio::sync::oneshot;

use crate::stats::{self, Latency, Table};

const SERVER_THREAD: &str = "bridge-server";
const APP_HZ: f64 = 440.0;
const CARRIER_HZ: f64 = 1000.0;
const WAIT: Duration = Duration::from_secs(20);
/// The prefix of the ends' protocol lines on their stdout (anything else there is passed on to stderr).
const LINE: &str = "@sip-bridge ";
/// How long the parent waits for any one line of the ends (set-up of many calls and the latency rounds included).
const LINE_WAIT: Duration = Duration::from_secs(900);

pub struct Args {
    pub calls: usize,
    pub secs: u64,
    pub rounds: usize,
    /// The gateway's `jitter_ms` (the carrier's playout delay).
    pub jitter_ms: u64,
    /// Server on CPU 0, ends on CPU 1 (the caller pinned this process already).
    pub pin: bool,
    /// The server records every call.
    pub record: bool,
}

/// The ends' side: what the hidden subcommand is told.
pub struct EndsArgs {
    pub calls: usize,
    pub secs: u64,
    pub rounds: usize,
}

pub struct Report {
    pub calls: usize,
    pub setup: Latency,
    /// The server process, all its threads.
    pub cpu_percent_total: f64,
    /// The server runtime's threads alone.
    pub cpu_percent_threads: f64,
    /// Time the server's threads waited for a CPU, summed over threads (% of the wall time).
    pub wait_percent: f64,
    pub ends_cpu_percent: f64,
    pub ends_wait_percent: f64,
    pub heard_app: f64,
    pub heard_carrier: f64,
    pub carrier_to_app: Latency,
    pub app_to_carrier: Latency,
    pub missed: usize,
}

/// What the ends measured, as they send it (latencies in microseconds).
#[derive(Serialize, Deserialize)]
struct EndsReport {
    setup_us: Vec<u64>,
    carrier_to_app_us: Vec<u64>,
    app_to_carrier_us: Vec<u64>,
    cpu_percent: f64,
    wait_percent: f64,
    heard_app: f64,
    heard_carrier: f64,
    missed: usize,
}

/// What the ends need of the server.
#[derive(Serialize, Deserialize)]
struct Hello {
    url: String,
    app_id: String,
    app_name: String,
    public_key: String,
    private_key: String,
}

/// Seconds this process's threads spent runnable but waiting for a CPU (the second field of
/// `/proc/self/task/*/schedstat`, in nanoseconds): how much a loaded machine delayed them.
fn run_queue_wait_secs() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0.0 };
    let mut total = 0u64;
    for task in tasks.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        total += stat.split_whitespace().nth(1).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    }
    total as f64 / 1e9
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
    hello: Hello,
    gateway: Arc<azstack_sip::Gateway>,
}

/// Starts the server on its own runtime and thread; dropping the returned sender stops it.
fn start_server(
    trunk_uri: String,
    jitter_ms: u64,
    record: Option<std::path::PathBuf>,
) -> Result<(Running, oneshot::Sender<()>, std::thread::JoinHandle<()>), String> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<Running, String>>();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let runtime = crate::sys::named_runtime(SERVER_THREAD, 2)?;
    let thread = std::thread::spawn(move || {
        runtime.block_on(async move {
            let server = TestServer::sqlite_with(|config: &mut Config| {
                let mut sip = SipConfig::new(&trunk_uri, "127.0.0.1:0".parse().expect("a constant address"));
                sip.advertise = Some("127.0.0.1".parse().expect("a constant address"));
                sip.jitter_ms = jitter_ms;
                sip.recording = record.map(RecordingConfig::in_dir);
                config.sip = Some(sip);
            })
            .await;
            let Some(gateway) = server.server.hub.sip.clone() else {
                let _ = ready_tx.send(Err("the server has no SIP gateway".into()));
                return;
            };
            let app = &server.app;
            let hello = Hello {
                url: server.url(),
                app_id: app.id.clone(),
                app_name: app.name.clone(),
                public_key: app.public_key.clone(),
                private_key: app.private_key.clone(),
            };
            let _ = ready_tx.send(Ok(Running { hello, gateway }));
            let _ = stop_rx.await;
            server.shutdown().await;
        });
    });
    let running = ready_rx.recv().map_err(|e| e.to_string())??;
    Ok((running, stop_tx, thread))
}

/// The parent's end of the pipes to the ends.
struct Ends {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    stdin: Option<ChildStdin>,
}

impl Ends {
    fn spawn(args: &Args) -> Result<Ends, String> {
        let exe = std::env::current_exe().map_err(|e| format!("the bench's own executable: {e}"))?;
        let mut command = tokio::process::Command::new(exe);
        command
            .arg("sip-bridge-ends")
            .args(["--calls", &args.calls.to_string(), "--secs", &args.secs.to_string()])
            .args(["--rounds", &args.rounds.to_string()]);
        if args.pin {
            command.args(["--cpu", "1"]);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start the ends: {e}"))?;
        let stdout = child.stdout.take().ok_or("the ends have no stdout")?;
        let stdin = child.stdin.take();
        Ok(Ends { child, lines: BufReader::new(stdout).lines(), stdin })
    }

    /// The next protocol line, which must start with `word`; returns the rest.
    async fn expect(&mut self, word: &str) -> Result<String, String> {
        loop {
            let line = tokio::time::timeout(LINE_WAIT, self.lines.next_line())
                .await
                .map_err(|_| format!("the ends said nothing for {LINE_WAIT:?} (waiting for `{word}`)"))?
                .map_err(|e| format!("reading the ends: {e}"))?
                .ok_or_else(|| format!("the ends exited before `{word}`"))?;
            let Some(said) = line.strip_prefix(LINE) else {
                eprintln!("{line}");
                continue;
            };
            let (first, rest) = said.split_once(' ').unwrap_or((said, ""));
            if first == word {
                return Ok(rest.to_owned());
            }
            if first == "failed" {
                return Err(format!("the ends failed: {rest}"));
            }
            return Err(format!("the ends said `{said}`, expected `{word}`"));
        }
    }

    async fn say(&mut self, line: &str) -> Result<(), String> {
        let stdin = self.stdin.as_mut().ok_or("the ends' stdin is closed")?;
        stdin.write_all(format!("{line}\n").as_bytes()).await.map_err(|e| format!("writing to the ends: {e}"))?;
        stdin.flush().await.map_err(|e| format!("writing to the ends: {e}"))
    }
}

pub async fn run(args: &Args) -> Result<Report, String> {
    let mut ends = Ends::spawn(args)?;
    let trunk_uri = ends.expect("trunk").await?;
    let recordings = tempfile::tempdir().map_err(|e| format!("no directory for recordings: {e}"))?;
    let record = args.record.then(|| recordings.path().to_owned());
    let (running, stop, thread) = start_server(trunk_uri, args.jitter_ms, record)?;
    let hello = serde_json::to_string(&running.hello).map_err(|e| e.to_string())?;
    let measured = measure(&mut ends, &running, &hello).await;
    if measured.is_err() {
        let _ = ends.child.start_kill();
    }
    let _ = tokio::time::timeout(WAIT, ends.child.wait()).await;
    drop(stop);
    let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    let (cpu, threads_cpu, wait, elapsed, r) = measured?;
    let histogram = |samples: &[u64]| {
        let mut h = stats::latency();
        for &s in samples {
            stats::record(&mut h, s);
        }
        h
    };
    Ok(Report {
        calls: args.calls,
        setup: histogram(&r.setup_us),
        cpu_percent_total: 100.0 * cpu / elapsed,
        cpu_percent_threads: 100.0 * threads_cpu / elapsed,
        wait_percent: 100.0 * wait / elapsed,
        ends_cpu_percent: r.cpu_percent,
        ends_wait_percent: r.wait_percent,
        heard_app: r.heard_app,
        heard_carrier: r.heard_carrier,
        carrier_to_app: histogram(&r.carrier_to_app_us),
        app_to_carrier: histogram(&r.app_to_carrier_us),
        missed: r.missed,
    })
}

/// The parent's part once the server runs: CPU over the steady state (process, server threads, run-queue wait,
/// wall seconds) and the ends' report.
async fn measure(ends: &mut Ends, running: &Running, hello: &str) -> Result<(f64, f64, f64, f64, EndsReport), String> {
    ends.say(&format!("server {hello}")).await?;
    ends.expect("steady").await?;
    let process_before = stats::own_cpu_secs().unwrap_or(0.0);
    let threads_before = crate::sys::threads_cpu_secs(SERVER_THREAD);
    let wait_before = run_queue_wait_secs();
    let wall = Instant::now();
    ends.expect("steady-end").await?;
    let process = stats::own_cpu_secs().unwrap_or(0.0) - process_before;
    let threads = crate::sys::threads_cpu_secs(SERVER_THREAD) - threads_before;
    let wait = run_queue_wait_secs() - wait_before;
    let elapsed = wall.elapsed().as_secs_f64();
    let report = ends.expect("report").await?;
    let report: EndsReport = serde_json::from_str(&report).map_err(|e| format!("the ends' report: {e}"))?;
    let idle = running.gateway.idle_within(WAIT).await;
    ends.say("released").await?;
    if !idle {
        return Err("calls still up after the hang-ups".into());
    }
    Ok((process, threads, wait, elapsed, report))
}

/// One protocol line to the parent.
fn say(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{LINE}{line}");
    let _ = out.flush();
}

struct Call {
    client: TestClient,
    app: AppPeer,
    call_id: i64,
}

async fn set_up(url: &str, app_row: &AppRow, index: usize) -> Result<Call, String> {
    let mut client = TestClient::login(url, app_row, &Login::engine(&format!("caller{index}")))
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

/// The hidden `sip-bridge-ends` subcommand: the trunk, the RTP ends and the apps, driven by the parent's lines.
pub async fn ends(args: &EndsArgs) -> Result<(), String> {
    let mut carriers = Vec::new();
    for _ in 0..args.calls {
        carriers.push(RtpCarrier::start(Law::Mu, CARRIER_HZ, APP_HZ, CARRIER_HZ).await);
    }
    let trunk_socket = UdpSocket::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let trunk_uri = format!("sip:{}", trunk_socket.local_addr().map_err(|e| e.to_string())?);
    let trunk_task = tokio::spawn(trunk(trunk_socket, carriers.iter().map(|c| c.address).collect()));
    say(&format!("trunk {trunk_uri}"));
    let mut input = BufReader::new(tokio::io::stdin()).lines();
    let line = input.next_line().await.map_err(|e| e.to_string())?.ok_or("no server line")?;
    let hello = line.strip_prefix("server ").ok_or_else(|| format!("expected `server`, got `{line}`"))?;
    let hello: Hello = serde_json::from_str(hello).map_err(|e| format!("the server line: {e}"))?;
    let app_row =
        AppRow { id: hello.app_id, name: hello.app_name, public_key: hello.public_key, private_key: hello.private_key };

    // Phase 1: set-up.
    let mut setup_us = Vec::new();
    let mut calls = Vec::new();
    for i in 0..args.calls {
        let started = Instant::now();
        calls.push(set_up(&hello.url, &app_row, i).await?);
        setup_us.push(started.elapsed().as_micros() as u64);
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
    say("steady");
    let cpu_before = stats::own_cpu_secs().unwrap_or(0.0);
    let wait_before = run_queue_wait_secs();
    let wall = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.secs)).await;
    say("steady-end");
    let cpu = stats::own_cpu_secs().unwrap_or(0.0) - cpu_before;
    let wait = run_queue_wait_secs() - wait_before;
    let elapsed = wall.elapsed().as_secs_f64();
    let (mut app_frames, mut app_tone, mut carrier_frames, mut carrier_tone) = (0u64, 0u64, 0u64, 0u64);
    for ((c, k), before) in calls.iter().zip(&carriers).zip(&frames_before) {
        app_frames += c.app.heard.frames() - before.0;
        app_tone += c.app.heard.tone_frames() - before.1;
        carrier_frames += k.heard.frames() - before.2;
        carrier_tone += k.heard.tone_frames() - before.3;
    }

    // Phase 3: latency.
    let mut carrier_to_app_us = Vec::new();
    let mut app_to_carrier_us = Vec::new();
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
                    carrier_to_app_us.push(c2a.as_micros() as u64);
                    app_to_carrier_us.push(a2c.as_micros() as u64);
                }
                _ => missed += 1,
            }
        }
    }

    // Tear-down: hang up, report, and close the peers once the server released the calls.
    for call in &calls {
        call.client.send(Service::CALLOUT_STOP_SEND, &json!({"callId": call.call_id, "to": "0"}));
    }
    let share = |tone: u64, frames: u64| if frames == 0 { 0.0 } else { 100.0 * tone as f64 / frames as f64 };
    let report = EndsReport {
        setup_us,
        carrier_to_app_us,
        app_to_carrier_us,
        cpu_percent: 100.0 * cpu / elapsed,
        wait_percent: 100.0 * wait / elapsed,
        heard_app: share(app_tone, app_frames),
        heard_carrier: share(carrier_tone, carrier_frames),
        missed,
    };
    say(&format!("report {}", serde_json::to_string(&report).map_err(|e| e.to_string())?));
    let _ = tokio::time::timeout(WAIT * 2, input.next_line()).await;
    for call in &calls {
        call.app.close().await;
    }
    drop(calls);
    trunk_task.abort();
    Ok(())
}

/// The ends' failure, told to the parent (which reports it) as well as on stderr.
pub fn ends_failed(error: &str) {
    say(&format!("failed {error}"));
}

pub fn print(r: &Report, args: &Args) {
    let ms = |h: &Latency, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    let lat = |h: &Latency| {
        format!("{:.1} / {:.1} / {:.1} ({} samples)", ms(h, 0.5), ms(h, 0.99), h.max() as f64 / 1000.0, h.len())
    };
    let mut t = Table::new(format!(
        "SIP media bridge on loopback, server and ends in two processes{}; {} concurrent callouts, {} s steady \
         state, {} latency rounds, jitter_ms {}{}",
        if args.pin { " pinned to CPU 0 and CPU 1" } else { " sharing the cores" },
        args.calls,
        args.secs,
        args.rounds,
        args.jitter_ms,
        if args.record { ", every call recorded" } else { "" }
    ));
    t.row("callout set-up 500 → 503 200 → answer applied p50 / p99 / max (ms)", lat(&r.setup));
    t.row("server process CPU, all calls (% of one core)", format!("{:.1} %", r.cpu_percent_total));
    t.row(
        "server process CPU per bridged call (% of one core)",
        format!("{:.2} %", r.cpu_percent_total / r.calls.max(1) as f64),
    );
    t.row("of which the server runtime's threads (% of one core)", format!("{:.1} %", r.cpu_percent_threads));
    t.row("ends process CPU: app peers + RTP ends + UAS (% of one core)", format!("{:.1} %", r.ends_cpu_percent));
    t.row(
        "run-queue wait, summed over threads (% of wall time): server / ends",
        format!("{:.1} % / {:.1} %", r.wait_percent, r.ends_wait_percent),
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
