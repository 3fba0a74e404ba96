//! Free calls between engines through a real server, with real media on loopback: statuses and events on both
//! sides for every outcome, media both ways (frames with readable counters, audio chunks), toggles seen by the
//! peer, and every call resource released at the end (PROTOCOL.md §3.4–§3.8, §3.15–§3.17, §4.4, §5).

use crate::common;

use std::sync::Arc;

use azstack_engine::media::synthetic::{AudioStats, SyntheticDevices, VideoStats};
use azstack_engine::media::{AudioSource, MediaDevices, MediaError, VideoSource};
use azstack_server::testkit::TestServer;
use common::{DEADLINE, Peer, Target};
use serde_json::{Value, json};

/// A logged-in engine with synthetic devices whose received audio is counted.
pub(crate) struct Side {
    pub(crate) peer: Peer,
    pub(crate) devices: Arc<SyntheticDevices>,
    pub(crate) audio: Arc<AudioStats>,
}

impl Side {
    pub(crate) async fn login(t: &Target, name: &str) -> Side {
        Side::login_with(t, name, Value::Null).await
    }

    /// [`Side::login`] with engine options.
    pub(crate) async fn login_with(t: &Target, name: &str, options: Value) -> Side {
        let peer = Peer::login_with(t, name, options).await;
        let audio = AudioStats::new();
        let devices = Arc::new(SyntheticDevices::new(320, 240, 30).with_audio_output(audio.clone()));
        peer.engine.calls().set_media_devices(devices.clone());
        peer.engine.calls().set_call_udp_addrs(vec!["127.0.0.1:0".to_owned()]);
        Side { peer, devices, audio }
    }

    pub(crate) fn id(&self) -> i64 {
        self.peer.user_id
    }

    pub(crate) async fn status(&mut self, status: i64) -> Value {
        self.peer.event_where("onFreeCallStatusChanged", |_, r| r["status"] == status).await.1
    }

    /// Waits until the engine holds no call resources and has no call.
    pub(crate) async fn released(&self) {
        let left = self.peer.engine.calls().wait_call_resources_released(DEADLINE).await;
        assert_eq!(left, Ok(()), "call resources still held");
        assert_eq!(self.peer.engine.calls().current_call(), None);
        assert!(self.peer.engine.calls().stream_ids().is_empty(), "{:?}", self.peer.engine.calls().stream_ids());
    }
}

pub(crate) fn stop_text() -> Value {
    json!({"status": 700, "message": "Free call status changed to stop, free call end"})
}

/// `caller` calls `callee`, who rings; returns the onFreeCallStart payload.
pub(crate) async fn ring(caller: &mut Side, callee: &mut Side, media_type: i64) -> Value {
    let to = callee.id();
    assert_eq!(caller.peer.ok("startFreeCall", json!({"mediaType": media_type, "toUserId": to})).await, Value::Null);
    let start = callee.peer.event("onFreeCallStart").await;
    assert_eq!(start, json!({"mediaType": media_type, "fromUserId": caller.id(), "toUserId": to}));
    assert_eq!(caller.status(180).await, json!({"status": 180, "message": "Free call status changed to ringing"}));
    start
}

pub(crate) async fn answer(caller: &mut Side, callee: &mut Side) {
    assert_eq!(callee.peer.ok("answerFreeCall", Value::Null).await, Value::Null);
    assert_eq!(caller.status(200).await, json!({"status": 200, "message": "Free call status changed to answered"}));
    assert_eq!(callee.peer.engine.calls().current_call().map(|c| c.status), Some(200));
}

/// `by` hangs up an answered call: `other` hears 700 and both release their media.
pub(crate) async fn hang_up(by: &mut Side, other: &mut Side) {
    assert_eq!(by.peer.ok("stopFreeCall", Value::Null).await, Value::Null);
    assert_eq!(other.status(700).await, stop_text());
    by.released().await;
    other.released().await;
}

pub(crate) async fn loud_audio(side: &Side, at_least: u64) {
    let got = side.audio.wait_for(DEADLINE, |s| s.loud_chunks >= at_least).await;
    assert!(got.is_ok(), "audio did not arrive: {got:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_call_media_both_ways_mute_and_remote_hang_up() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let mut alice = Side::login(&t, "alice").await;
    let mut bob = Side::login(&t, "bob").await;

    ring(&mut alice, &mut bob, 1).await;
    answer(&mut alice, &mut bob).await;
    loud_audio(&alice, 25).await;
    loud_audio(&bob, 25).await;
    assert!(alice.audio.snapshot().level > 0.1);
    // Media flows without mDNS: no call opened a multicast DNS socket (iOS needs an entitlement for one).
    assert_eq!(sockets_of_this_process_on_udp_port(5353), 0);

    // Audio-only: no streams, no video controls.
    assert!(alice.peer.buffered("onLocalStreamArrived").is_empty());
    assert!(bob.peer.buffered("onRemoteStreamArrived").is_empty());
    let no_video = ("ERR_UNEXPECTED_DATA".to_owned(), "Cannot toggle video state, no video used".to_owned());
    assert_eq!(alice.peer.err("toggleVideoState", json!({"state": 0})).await, no_video);
    assert_eq!(
        alice.peer.err("switchCameraType", Value::Null).await,
        ("ERR_UNEXPECTED_DATA".to_owned(), "Cannot switch camera type, no video used".to_owned())
    );

    // Mute: bob hears silence; unmute (no options = toggle): the tone again.
    assert_eq!(alice.peer.ok("toggleAudioState", json!({"state": 0})).await, json!({"audioState": 0}));
    let silent_before = bob.audio.snapshot().silent_chunks;
    let muted = bob.audio.wait_for(DEADLINE, |s| s.silent_chunks >= silent_before + 10 && s.level < 0.01).await;
    assert!(muted.is_ok(), "{muted:?}");
    assert_eq!(alice.peer.ok("toggleAudioState", Value::Null).await, json!({"audioState": 1}));
    let loud_before = bob.audio.snapshot().loud_chunks;
    loud_audio(&bob, loud_before + 10).await;
    // Bob's own microphone was never muted.
    assert!(alice.audio.snapshot().silent_chunks < 5, "{:?}", alice.audio.snapshot());

    // Bob hangs up: Alice's call ends with STOP.
    assert_eq!(bob.peer.ok("stopFreeCall", Value::Null).await, Value::Null);
    assert_eq!(alice.status(700).await, stop_text());
    alice.released().await;
    bob.released().await;
    assert!(bob.devices.opened_audio().iter().all(|t| t.is_stopped()));
    assert!(alice.devices.opened_audio().iter().all(|t| t.is_stopped()));
    // Nothing is left to stop.
    assert_eq!(
        alice.peer.err("stopFreeCall", Value::Null).await,
        ("ERR_UNEXPECTED_DATA".to_owned(), "Cannot stop free call when not currently on free call".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn video_call_frames_both_ways_with_counters_toggles_and_caller_hang_up() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let mut alice = Side::login(&t, "alice").await;
    let mut bob = Side::login(&t, "bob").await;

    ring(&mut alice, &mut bob, 2).await;
    let alice_local = alice.peer.event("onLocalStreamArrived").await;
    let local_id = alice_local["stream"]["id"].as_str().expect("stream id").to_owned();
    answer(&mut alice, &mut bob).await;
    let bob_local = bob.peer.event("onLocalStreamArrived").await;
    let alice_remote = alice.peer.event("onRemoteStreamArrived").await;
    let bob_remote = bob.peer.event("onRemoteStreamArrived").await;
    let ids: Vec<&str> = [&alice_local, &bob_local, &alice_remote, &bob_remote]
        .iter()
        .map(|v| v["stream"]["id"].as_str().expect("stream id"))
        .collect();
    assert_eq!(ids.iter().collect::<std::collections::HashSet<_>>().len(), 4, "{ids:?}");

    let alice_sees = VideoStats::new();
    let bob_sees = VideoStats::new();
    let preview = VideoStats::new();
    assert!(alice.peer.engine.calls().attach_video_sink(ids[2], alice_sees.clone()));
    assert!(bob.peer.engine.calls().attach_video_sink(ids[3], bob_sees.clone()));
    assert!(alice.peer.engine.calls().attach_video_sink(&local_id, preview.clone()));
    // A renderer may wait for a stream that does not exist (yet); it is told so.
    let waiting: Arc<dyn azstack_engine::media::VideoSink> = VideoStats::new();
    assert!(!alice.peer.engine.calls().attach_video_sink("no-such-stream", waiting.clone()));
    assert!(alice.peer.engine.calls().detach_video_sink("no-such-stream", &waiting));

    for (who, stats) in [("alice", &alice_sees), ("bob", &bob_sees)] {
        let got = stats.wait_for(DEADLINE, |s| s.frames >= 20 && s.counted_frames >= 15).await;
        let s = got.unwrap_or_else(|s| panic!("{who} got too few frames: {s:?}"));
        assert_eq!((s.width, s.height), (320, 240), "{who}");
    }
    // The counters read back are the sender's recent frames.
    let sent = alice.devices.opened_video()[0].frames_produced();
    let seen = bob_sees.snapshot().last_counter.expect("counter");
    assert!(seen < sent && sent - seen < 150, "bob saw {seen}, alice produced {sent}");
    let before = bob_sees.snapshot().last_counter;
    let later = bob_sees.wait_for(DEADLINE, |s| s.last_counter > before).await;
    assert!(later.is_ok(), "the counter does not advance: {later:?}");
    assert!(preview.snapshot().frames > 0, "the local preview gets frames");
    let png = bob_sees.last_frame().expect("a frame").to_png();
    assert_eq!(&png[1..4], b"PNG");
    loud_audio(&alice, 10).await;
    loud_audio(&bob, 10).await;

    // Video off: bob receives black frames without a counter; on again: counters again.
    assert_eq!(alice.peer.ok("toggleVideoState", json!({"state": 0})).await, json!({"videoState": 0}));
    let black = bob_sees.snapshot().black_frames;
    let dark = bob_sees.wait_for(DEADLINE, |s| s.black_frames >= black + 5 && s.last_black).await;
    assert!(dark.is_ok(), "{dark:?}");
    assert_eq!(alice.peer.ok("toggleVideoState", Value::Null).await, json!({"videoState": 1}));
    let counted = bob_sees.snapshot().counted_frames;
    let back = bob_sees.wait_for(DEADLINE, |s| s.counted_frames >= counted + 5 && !s.last_black).await;
    assert!(back.is_ok(), "{back:?}");
    // Bob's video was never off.
    assert_eq!(alice_sees.snapshot().black_frames, 0);

    // Camera switch alternates and reaches the source.
    let camera = alice.devices.opened_video()[0].clone();
    assert_eq!(alice.peer.ok("switchCameraType", Value::Null).await, json!({"cameraType": "environment"}));
    assert!(camera.is_back());
    assert_eq!(alice.peer.ok("switchCameraType", json!({})).await, json!({"cameraType": "user"}));
    assert!(!camera.is_back());

    // Detaching stops delivery to that sink.
    let sink: Arc<dyn azstack_engine::media::VideoSink> = preview.clone();
    assert!(alice.peer.engine.calls().detach_video_sink(&local_id, &sink));
    assert!(!alice.peer.engine.calls().detach_video_sink(&local_id, &sink));

    // The caller hangs up.
    hang_up(&mut alice, &mut bob).await;
    assert!(camera.is_stopped());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_and_not_answered_end_both_sides() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let mut alice = Side::login(&t, "alice").await;
    let mut bob = Side::login(&t, "bob").await;

    ring(&mut alice, &mut bob, 2).await;
    assert_eq!(bob.peer.ok("rejectFreeCall", Value::Null).await, Value::Null);
    assert_eq!(
        alice.status(603).await,
        json!({"status": 603, "message": "Free call status changed to rejected, free call end"})
    );
    alice.released().await;
    bob.released().await;
    assert!(bob.devices.opened_video().is_empty(), "a rejected call never opens the callee's camera");

    // Second call: not answered.
    ring(&mut alice, &mut bob, 1).await;
    assert_eq!(
        alice.peer.err("answerFreeCall", Value::Null).await,
        ("ERR_UNEXPECTED_DATA".to_owned(), "Cannot answer free call when is caller".to_owned())
    );
    assert_eq!(bob.peer.ok("notAnswerFreeCall", Value::Null).await, Value::Null);
    assert_eq!(
        alice.status(400).await,
        json!({"status": 400, "message": "Free call status changed to not answered, free call end"})
    );
    alice.released().await;
    bob.released().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callee_on_another_call_answers_busy_and_fires_nothing() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let mut alice = Side::login(&t, "alice").await;
    let mut bob = Side::login(&t, "bob").await;
    let mut carol = Side::login(&t, "carol").await;

    // Carol's call rings at Bob; Alice's call finds him busy.
    ring(&mut carol, &mut bob, 1).await;
    let bob_id = bob.id();
    assert_eq!(alice.peer.ok("startFreeCall", json!({"mediaType": 2, "toUserId": bob_id})).await, Value::Null);
    assert_eq!(
        alice.status(600).await,
        json!({"status": 600, "message": "Free call status changed to busy, free call end"})
    );
    alice.released().await;
    bob.peer.barrier().await;
    assert_eq!(bob.peer.buffered("onFreeCallStart"), Vec::<Value>::new(), "no second onFreeCallStart");
    assert_eq!(bob.peer.engine.calls().current_call().map(|c| c.peer_user_id), Some(carol.id()));

    // Carol cancels while it rings.
    hang_up(&mut carol, &mut bob).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_ring_timeout_ends_both_sides_as_not_answered() {
    let server = TestServer::sqlite_with(|c| c.limits.ring_timeout_secs = 1).await;
    let t = Target::of(&server);
    let mut alice = Side::login(&t, "alice").await;
    let mut bob = Side::login(&t, "bob").await;
    ring(&mut alice, &mut bob, 2).await;
    let not_answered = json!({"status": 400, "message": "Free call status changed to not answered, free call end"});
    assert_eq!(alice.status(400).await, not_answered);
    assert_eq!(bob.status(400).await, not_answered);
    alice.released().await;
    bob.released().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_on_another_device_stops_the_ringing_there() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let mut alice = Side::login(&t, "alice").await;
    let mut bob = Side::login(&t, "bob").await;
    let mut bob2 = Side::login(&t, "bob").await;
    assert_eq!(bob.id(), bob2.id());

    ring(&mut alice, &mut bob, 1).await;
    assert_eq!(bob2.peer.event("onFreeCallStart").await["fromUserId"], alice.id());
    answer(&mut alice, &mut bob).await;
    assert_eq!(
        bob2.peer.event("onFreeCallStatusChangedByMe").await,
        json!({"status": 200, "message": "Free call status changed to answered by me, free call end"})
    );
    bob2.released().await;
    loud_audio(&alice, 10).await;
    loud_audio(&bob, 10).await;
    assert_eq!(bob2.audio.snapshot().chunks, 0, "the other device never got media");

    // Alice hangs up; Bob's other device is told too (199/700 by the server is harmless when idle).
    hang_up(&mut alice, &mut bob).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caller_cancels_while_ringing_on_two_devices() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let mut alice = Side::login(&t, "alice").await;
    let mut bob = Side::login(&t, "bob").await;
    let mut bob2 = Side::login(&t, "bob").await;
    ring(&mut alice, &mut bob, 2).await;
    bob2.peer.event("onFreeCallStart").await;
    assert_eq!(alice.peer.ok("stopFreeCall", Value::Null).await, Value::Null);
    assert_eq!(bob.status(700).await, stop_text());
    assert_eq!(bob2.status(700).await, stop_text());
    for side in [&alice, &bob, &bob2] {
        side.released().await;
    }
    // Alice never got a status after her own stop.
    alice.peer.barrier().await;
    assert!(alice.peer.buffered("onFreeCallStatusChanged").iter().all(|s| s["status"] == 180));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_failures_are_webrtc_errors_and_a_failed_answer_stops_the_caller() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let mut alice = Side::login(&t, "alice").await;
    let mut bob = Side::login(&t, "bob").await;
    let no_media = ("ERR_WEBRTC".to_owned(), "Cannot get user media".to_owned());

    alice.peer.engine.calls().set_media_devices(Arc::new(SyntheticDevices::unavailable()));
    let bob_id = bob.id();
    assert_eq!(alice.peer.err("startFreeCall", json!({"mediaType": 1, "toUserId": bob_id})).await, no_media);
    alice.released().await;
    bob.peer.barrier().await;
    assert!(bob.peer.buffered("onFreeCallStart").is_empty());

    // Bob cannot open his devices when answering: his answer fails and Alice stops ringing at once.
    alice.peer.engine.calls().set_media_devices(alice.devices.clone());
    bob.peer.engine.calls().set_media_devices(Arc::new(SyntheticDevices::unavailable()));
    ring(&mut alice, &mut bob, 2).await;
    assert_eq!(bob.peer.err("answerFreeCall", Value::Null).await, no_media);
    assert_eq!(alice.status(700).await, stop_text());
    alice.released().await;
    bob.released().await;
}

/// Devices whose microphone opens only when the test says so: `startFreeCall` is held in its media step.
struct GatedDevices {
    inner: SyntheticDevices,
    gate: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
}

impl MediaDevices for GatedDevices {
    fn open_audio(&self) -> Result<Arc<dyn AudioSource>, MediaError> {
        let _ = self.gate.lock().map(|rx| rx.recv_timeout(DEADLINE));
        self.inner.open_audio()
    }

    fn open_video(&self) -> Result<Arc<dyn VideoSource>, MediaError> {
        self.inner.open_video()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn stop_while_start_is_pending_cancels_the_start() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let alice = Side::login(&t, "alice").await;
    let mut bob = Side::login(&t, "bob").await;
    let (open, gate) = std::sync::mpsc::channel();
    let devices =
        Arc::new(GatedDevices { inner: SyntheticDevices::new(160, 120, 15), gate: std::sync::Mutex::new(gate) });
    alice.peer.engine.calls().set_media_devices(devices.clone());

    let engine = alice.peer.engine.clone();
    let bob_id = bob.id();
    let start =
        tokio::spawn(
            async move { engine.dispatch("startFreeCall", json!({"mediaType": 1, "toUserId": bob_id})).await },
        );
    // The start registered its call (status 100) and waits for the microphone.
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let mut watch = alice.peer.engine.calls().current_call();
    while watch.is_none() {
        assert!(tokio::time::Instant::now() < deadline, "the start never registered its call");
        tokio::task::yield_now().await;
        watch = alice.peer.engine.calls().current_call();
    }
    assert_eq!(watch.map(|c| (c.status, c.has_media)), Some((100, false)));
    assert_eq!(alice.peer.ok("stopFreeCall", Value::Null).await, Value::Null);
    let _ = open.send(());
    let result = tokio::time::timeout(DEADLINE, start).await.expect("start settles").expect("task");
    match result {
        Err(e) => assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("ERR_UNEXPECTED_DATA", "Free call stopped before it started")
        ),
        Ok(v) => panic!("the cancelled start resolved with {v}"),
    }
    alice.released().await;
    assert!(devices.inner.opened_audio().iter().all(|t| t.is_stopped()));
    bob.peer.barrier().await;
    assert!(bob.peer.buffered("onFreeCallStart").is_empty(), "no 186 went out");
    assert!(bob.peer.buffered("onFreeCallStatusChanged").is_empty(), "and no 700 for a call bob never saw");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disconnect_ends_the_call_on_both_sides() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let mut alice = Side::login(&t, "alice").await;
    let mut bob = Side::login(&t, "bob").await;
    ring(&mut alice, &mut bob, 1).await;
    answer(&mut alice, &mut bob).await;
    loud_audio(&bob, 5).await;
    assert_eq!(alice.peer.ok("disconnect", Value::Null).await, Value::Null);
    assert_eq!(bob.status(700).await, stop_text());
    alice.released().await;
    bob.released().await;
    assert!(alice.peer.buffered("onFreeCallStatusChanged").iter().all(|s| s["status"] != 700));
}

/// How many UDP sockets this process has bound to local `port` (its sockets' inodes in /proc/self/fd, their addresses
/// in /proc/net/udp and udp6).
fn sockets_of_this_process_on_udp_port(port: u16) -> usize {
    let inodes: std::collections::HashSet<String> = std::fs::read_dir("/proc/self/fd")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|link| link.to_str()?.strip_prefix("socket:[")?.strip_suffix(']').map(str::to_owned))
        .collect();
    let port_hex = format!(":{port:04X}");
    ["/proc/net/udp", "/proc/net/udp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|table| table.lines().skip(1).map(str::to_owned).collect::<Vec<_>>())
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.get(1).is_some_and(|local| local.ends_with(&port_hex))
                && fields.get(9).is_some_and(|i| inodes.contains(*i))
        })
        .count()
}
