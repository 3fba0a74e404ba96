//! `calls`: free calls between two engines in this process, through the server on loopback.
//!
//! Phase 1 (setup): `calls` video calls one after another. For each: the time from `startFreeCall` to ANSWERED on
//! both sides (the caller's `onFreeCallStatusChanged` 200 and the callee's `answerFreeCall` result; the callee
//! answers as soon as `onFreeCallStart` fires) and to the first decoded remote video frame on each side. Then the
//! caller hangs up and the bench waits until both engines hold no call resources.
//!
//! Phase 2 (steady state): one video call at `width`×`height`@`fps` for `secs` seconds. The caller's camera is a
//! test pattern that writes its frame counter into the image and the bench notes when each counter was captured;
//! the callee's sink reads the counter back from every decoded frame, which gives the capture→decoded latency of
//! each frame (encode, packetise, SRTP, UDP, depacketise, decode). CPU is this process's user+system time over the
//! phase (both ends of one call: two encoders and two decoders); memory is the growth of this process's RSS from
//! before the call to its end.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use azstack_engine::media::synthetic::{SyntheticDevices, TestPattern, read_counter};
use azstack_engine::media::{AudioSource, MediaDevices, MediaError, VideoFrame, VideoSink, VideoSource};
use azstack_engine::{ChannelSink, Engine, Event};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::server::{Server, ServerOptions, cpu_secs_of, rss_kb_of};
use crate::stats::{self, Latency, Table};

pub struct Args {
    pub calls: usize,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub secs: u64,
}

pub struct Report {
    pub answered: Latency,
    pub first_frame: Latency,
    pub frame_latency: Latency,
    pub frames: u64,
    pub fps: f64,
    pub cpu_percent: f64,
    pub rss_growth_kb: f64,
    pub stamped: usize,
}

/// The test pattern, noting when each frame was captured.
struct StampedCamera {
    pattern: TestPattern,
    stamps: Arc<Mutex<HashMap<u32, Instant>>>,
}

impl VideoSource for StampedCamera {
    fn frame_interval(&self) -> Duration {
        self.pattern.frame_interval()
    }

    fn next_frame(&self) -> Option<VideoFrame> {
        let counter = self.pattern.frames_produced();
        let frame = self.pattern.next_frame()?;
        if let Ok(mut stamps) = self.stamps.lock() {
            stamps.insert(counter, frame.timestamp);
        }
        Some(frame)
    }

    fn switch_camera(&self) -> bool {
        self.pattern.switch_camera()
    }

    fn stop(&self) {
        self.pattern.stop();
    }
}

struct BenchDevices {
    synthetic: SyntheticDevices,
    size: (u32, u32, u32),
    stamps: Arc<Mutex<HashMap<u32, Instant>>>,
}

impl MediaDevices for BenchDevices {
    fn open_audio(&self) -> Result<Arc<dyn AudioSource>, MediaError> {
        self.synthetic.open_audio()
    }

    fn open_video(&self) -> Result<Arc<dyn VideoSource>, MediaError> {
        if let Ok(mut s) = self.stamps.lock() {
            s.clear();
        }
        let (w, h, fps) = self.size;
        Ok(Arc::new(StampedCamera { pattern: TestPattern::new(w, h, fps), stamps: Arc::clone(&self.stamps) }))
    }
}

/// Reads counters back and records capture→decoded latency; notes the first frame.
struct LatencySink {
    stamps: Arc<Mutex<HashMap<u32, Instant>>>,
    latency: Mutex<Latency>,
    frames: Mutex<u64>,
    first: tokio::sync::watch::Sender<Option<Instant>>,
}

impl LatencySink {
    fn new(stamps: Arc<Mutex<HashMap<u32, Instant>>>) -> Arc<LatencySink> {
        Arc::new(LatencySink {
            stamps,
            latency: Mutex::new(stats::latency()),
            frames: Mutex::new(0),
            first: tokio::sync::watch::channel(None).0,
        })
    }
}

impl VideoSink for LatencySink {
    fn on_frame(&self, frame: &VideoFrame) {
        let now = Instant::now();
        self.first.send_if_modified(|first| first.is_none().then(|| *first = Some(now)).is_some());
        if let Ok(mut n) = self.frames.lock() {
            *n += 1;
        }
        let sent = read_counter(frame).and_then(|c| self.stamps.lock().ok()?.get(&c).copied());
        if let (Some(sent), Ok(mut h)) = (sent, self.latency.lock()) {
            stats::record(&mut h, now.duration_since(sent).as_micros() as u64);
        }
    }
}

struct End {
    engine: Engine,
    events: mpsc::UnboundedReceiver<Event>,
    user_id: i64,
}

impl End {
    async fn next(&mut self, what: &str, pred: impl Fn(&Event) -> bool) -> Result<Event, String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(e)) if pred(&e) => return Ok(e),
                Ok(Some(_)) => {}
                _ => return Err(format!("no {what} within 20 s")),
            }
        }
    }
}

fn stream_id(event: &Event) -> Option<String> {
    match event {
        Event::RemoteStreamArrived(s) => Some(s.stream.id.clone()),
        _ => None,
    }
}

async fn login(server: &Server, user: &str, devices: Arc<dyn MediaDevices>) -> Result<End, String> {
    let (tx, events) = mpsc::unbounded_channel();
    let options = json!({
        "masterSocketUri": server.url,
        "authenticatingData": {"appId": server.app.id, "publicKey": server.app.public_key, "azStackUserId": user, "fullname": user}
    });
    let engine = Engine::from_json(&options, Arc::new(ChannelSink(tx)));
    let me = engine.dispatch("connect", Value::Null).await.map_err(|e| format!("{user} connect: {e}"))?;
    engine.calls().set_media_devices(devices);
    engine.calls().set_call_udp_addrs(vec!["127.0.0.1:0".to_owned()]);
    Ok(End { engine, events, user_id: me["userId"].as_i64().ok_or("no userId")? })
}

pub async fn run(opts: &ServerOptions, args: &Args) -> Result<Report, String> {
    let server = Server::start(opts).await?;
    let result = measure(&server, args).await;
    server.stop().await;
    result
}

/// One call: start, answer, first frames; returns (answered, first frame on both sides) and the two sinks.
async fn one_call(
    caller: &mut End,
    callee: &mut End,
    caller_sink: Arc<LatencySink>,
    callee_sink: Arc<LatencySink>,
) -> Result<(Duration, Duration), String> {
    let t0 = Instant::now();
    caller
        .engine
        .dispatch("startFreeCall", json!({"mediaType": 2, "toUserId": callee.user_id}))
        .await
        .map_err(|e| format!("startFreeCall: {e}"))?;
    callee.next("onFreeCallStart", |e| matches!(e, Event::FreeCallStart(_))).await?;
    callee.engine.dispatch("answerFreeCall", Value::Null).await.map_err(|e| format!("answerFreeCall: {e}"))?;
    let callee_answered = t0.elapsed();
    caller.next("ANSWERED", |e| matches!(e, Event::FreeCallStatusChanged(s) if s.status == 200)).await?;
    let answered = t0.elapsed().max(callee_answered);
    let mut firsts = Vec::new();
    for (end, sink) in [(caller, caller_sink), (callee, callee_sink)] {
        let id =
            stream_id(&end.next("onRemoteStreamArrived", |e| stream_id(e).is_some()).await?).ok_or("no stream id")?;
        end.engine.calls().attach_video_sink(&id, sink.clone());
        let mut rx = sink.first.subscribe();
        let first = tokio::time::timeout(Duration::from_secs(20), rx.wait_for(Option::is_some))
            .await
            .map_err(|_| "no remote video frame within 20 s".to_owned())?
            .map_err(|_| "sink gone".to_owned())?
            .ok_or("no frame")?;
        firsts.push(first.duration_since(t0));
    }
    Ok((answered, firsts.into_iter().max().unwrap_or_default()))
}

async fn hang_up(caller: &mut End, callee: &mut End) -> Result<(), String> {
    caller.engine.dispatch("stopFreeCall", Value::Null).await.map_err(|e| format!("stopFreeCall: {e}"))?;
    callee.next("STOP", |e| matches!(e, Event::FreeCallStatusChanged(s) if s.status == 700)).await?;
    for end in [&*caller, &*callee] {
        end.engine
            .calls()
            .wait_call_resources_released(Duration::from_secs(10))
            .await
            .map_err(|left| format!("call resources not released: {left:?}"))?;
    }
    Ok(())
}

async fn measure(server: &Server, args: &Args) -> Result<Report, String> {
    let caller_stamps = Arc::new(Mutex::new(HashMap::new()));
    let callee_stamps = Arc::new(Mutex::new(HashMap::new()));
    let devices = |stamps: &Arc<Mutex<HashMap<u32, Instant>>>| {
        Arc::new(BenchDevices {
            synthetic: SyntheticDevices::new(args.width, args.height, args.fps),
            size: (args.width, args.height, args.fps),
            stamps: Arc::clone(stamps),
        })
    };
    let mut caller = login(server, "bench-call-caller", devices(&caller_stamps)).await?;
    let mut callee = login(server, "bench-call-callee", devices(&callee_stamps)).await?;

    let mut answered = stats::latency();
    let mut first_frame = stats::latency();
    for i in 0..args.calls {
        let (a, f) = one_call(
            &mut caller,
            &mut callee,
            LatencySink::new(Arc::clone(&callee_stamps)),
            LatencySink::new(Arc::clone(&caller_stamps)),
        )
        .await
        .map_err(|e| format!("call {i}: {e}"))?;
        stats::record(&mut answered, a.as_micros() as u64);
        stats::record(&mut first_frame, f.as_micros() as u64);
        hang_up(&mut caller, &mut callee).await.map_err(|e| format!("call {i}: {e}"))?;
    }

    // Steady state.
    let rss_before = rss_kb_of("/proc/self/status").unwrap_or(0);
    let at_callee = LatencySink::new(Arc::clone(&caller_stamps));
    one_call(&mut caller, &mut callee, LatencySink::new(Arc::clone(&callee_stamps)), Arc::clone(&at_callee)).await?;
    // Settle one second, then measure.
    tokio::time::sleep(Duration::from_secs(1)).await;
    if let Ok(mut h) = at_callee.latency.lock() {
        h.reset();
    }
    let frames_before = at_callee.frames.lock().map(|n| *n).unwrap_or(0);
    let cpu_before = cpu_secs_of("/proc/self/stat").unwrap_or(0.0);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.secs)).await;
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_secs_of("/proc/self/stat").unwrap_or(0.0) - cpu_before;
    let rss_during = rss_kb_of("/proc/self/status").unwrap_or(0);
    let frames = at_callee.frames.lock().map(|n| *n).unwrap_or(0) - frames_before;
    let frame_latency = at_callee.latency.lock().map(|h| h.clone()).map_err(|_| "latency lock")?;
    let stamped = caller_stamps.lock().map(|s| s.len()).unwrap_or(0);
    hang_up(&mut caller, &mut callee).await?;
    caller.engine.shutdown().await;
    callee.engine.shutdown().await;
    Ok(Report {
        answered,
        first_frame,
        frame_latency,
        frames,
        fps: frames as f64 / wall,
        cpu_percent: 100.0 * cpu / wall,
        rss_growth_kb: rss_during as f64 - rss_before as f64,
        stamped,
    })
}

pub fn print(r: &Report, args: &Args) {
    let ms = |h: &Latency, q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    let mut t = Table::new(format!(
        "free calls, two engines in one process, loopback; {} calls, then {}×{}@{} for {} s",
        args.calls, args.width, args.height, args.fps, args.secs
    ));
    t.row(
        "startFreeCall → ANSWERED on both sides p50 / p90 / max (ms)",
        format!("{:.1} / {:.1} / {:.1}", ms(&r.answered, 0.5), ms(&r.answered, 0.9), r.answered.max() as f64 / 1000.0),
    );
    t.row(
        "startFreeCall → first remote video frame on both sides p50 / p90 / max (ms)",
        format!(
            "{:.1} / {:.1} / {:.1}",
            ms(&r.first_frame, 0.5),
            ms(&r.first_frame, 0.9),
            r.first_frame.max() as f64 / 1000.0
        ),
    );
    t.row(
        "frame latency capture → decoded p50 / p99 / max (ms)",
        format!(
            "{:.1} / {:.1} / {:.1} ({} frames)",
            ms(&r.frame_latency, 0.5),
            ms(&r.frame_latency, 0.99),
            r.frame_latency.max() as f64 / 1000.0,
            r.frame_latency.len()
        ),
    );
    t.row("frames decoded at the callee", format!("{} ({:.1} fps)", r.frames, r.fps));
    t.row("CPU per call, both ends (% of one core)", format!("{:.0} %", r.cpu_percent));
    t.row("RSS growth per call, both ends", format!("{:.1} MiB", r.rss_growth_kb / 1024.0));
    t.row("frames stamped by the caller's camera", r.stamped.to_string());
    t.print();
}
