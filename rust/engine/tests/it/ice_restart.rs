//! ICE restart during an answered free call (issue 15): after `networkChanged()`, after both sides restart at once
//! (glare), and after the engine's connection to the server dropped and came back, a new offer/answer is exchanged
//! over 187 type 1 (the remote ICE username fragment changes) and media keeps arriving — the same tracks, no new
//! statuses or delegates. Real server, two real engines, real media on loopback, as in [`crate::calls`].

use crate::calls::{Side, answer, hang_up, loud_audio, ring, stop_text};
use crate::common;

use std::time::Duration;

use azstack_engine::media::synthetic::VideoStats;
use azstack_server::testkit::TestServer;
use common::{DEADLINE, ServerProcess, Target};
use serde_json::{Value, json};

/// `(remote ICE ufrag, ICE restarts completed)` of the side's current call.
async fn ice(side: &Side) -> (String, u64) {
    side.peer.engine.calls().ice_restart_info().await.expect("a call with a remote description")
}

/// Waits (bounded) until the side completed at least `n` ICE restarts; returns its ICE state then.
async fn restarted(side: &Side, n: u64) -> (String, u64) {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let state = ice(side).await;
        if state.1 >= n {
            return state;
        }
        assert!(tokio::time::Instant::now() < deadline, "{} ICE restart(s) within {DEADLINE:?}, saw {state:?}", n);
        // Polled: a restart is invisible to the application by design, so there is no event to wait on.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Audio keeps arriving on both sides: `more` loud chunks beyond what each had.
async fn audio_keeps_flowing(a: &Side, b: &Side, more: u64) {
    let (a0, b0) = (a.audio.snapshot().loud_chunks, b.audio.snapshot().loud_chunks);
    loud_audio(a, a0 + more).await;
    loud_audio(b, b0 + more).await;
}

/// Nothing but media happened: the call is still answered on both sides and no status event fired.
fn call_unchanged(a: &mut Side, b: &mut Side) {
    for side in [a, b] {
        assert_eq!(side.peer.engine.calls().current_call().map(|c| c.status), Some(200));
        assert!(side.peer.buffered("onFreeCallStatusChanged").is_empty(), "{:?}", side.peer.history_names());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_changed_restarts_ice_and_video_and_audio_keep_arriving() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let mut alice = Side::login(&t, "alice").await;
    let mut bob = Side::login(&t, "bob").await;
    ring(&mut alice, &mut bob, 2).await;
    answer(&mut alice, &mut bob).await;
    let remote = alice.peer.event("onRemoteStreamArrived").await;
    let alice_sees = VideoStats::new();
    assert!(
        alice.peer.engine.calls().attach_video_sink(remote["stream"]["id"].as_str().expect("id"), alice_sees.clone())
    );
    loud_audio(&alice, 10).await;
    loud_audio(&bob, 10).await;
    alice.peer.clear();
    bob.peer.clear();
    let (bob_ufrag, _) = ice(&alice).await;
    let (alice_ufrag, _) = ice(&bob).await;

    // The callee's network changes: it offers, the caller answers; both sides have new credentials.
    bob.peer.ok("networkChanged", Value::Null).await;
    let (bob_ufrag_now, _) = restarted(&alice, 1).await;
    let (alice_ufrag_now, _) = restarted(&bob, 1).await;
    assert_ne!(bob_ufrag_now, bob_ufrag, "the caller sees the callee's new ICE credentials");
    assert_ne!(alice_ufrag_now, alice_ufrag, "the callee sees the caller's new ICE credentials");

    // Media resumes on the same streams: frames with advancing counters, audio both ways.
    let counted = alice_sees.snapshot().counted_frames;
    let frames = alice_sees.wait_for(DEADLINE, |s| s.counted_frames >= counted + 20).await;
    assert!(frames.is_ok(), "frames stopped after the restart: {frames:?}");
    audio_keeps_flowing(&alice, &bob, 25).await;

    // Then the caller's: once more, and still media.
    alice.peer.ok("networkChanged", Value::Null).await;
    let (alice_ufrag_again, _) = restarted(&bob, 2).await;
    assert_ne!(alice_ufrag_again, alice_ufrag_now);
    audio_keeps_flowing(&alice, &bob, 25).await;
    call_unchanged(&mut alice, &mut bob);
    assert!(alice.peer.buffered("onRemoteStreamArrived").is_empty(), "the remote stream is the same one");
    hang_up(&mut alice, &mut bob).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_restarting_at_once_end_with_one_restart() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let mut alice = Side::login(&t, "alice").await;
    let mut bob = Side::login(&t, "bob").await;
    ring(&mut alice, &mut bob, 1).await;
    answer(&mut alice, &mut bob).await;
    loud_audio(&alice, 10).await;
    loud_audio(&bob, 10).await;
    alice.peer.clear();
    bob.peer.clear();
    let (bob_ufrag, _) = ice(&alice).await;

    // Glare: both offer. The callee (polite) rolls its offer back and answers; the caller ignores the crossing offer.
    alice.peer.engine.network_changed();
    bob.peer.engine.network_changed();
    let (bob_ufrag_now, _) = restarted(&alice, 1).await;
    restarted(&bob, 1).await;
    assert_ne!(bob_ufrag_now, bob_ufrag);
    audio_keeps_flowing(&alice, &bob, 25).await;
    // One restart on each side, not one per offer.
    assert_eq!(ice(&alice).await.1, 1);
    assert_eq!(ice(&bob).await.1, 1);
    call_unchanged(&mut alice, &mut bob);
    hang_up(&mut alice, &mut bob).await;
}

/// One side notices a frozen server within a second and reconnects by itself; the other would notice only much
/// later. The call is kept across the drop and, once authenticated again, the reconnected side restarts ICE through
/// the server; media continues and the server still relays the call's signalling (a hang-up reaches the peer).
async fn a_signalling_reconnect_restarts_ice(caller_reconnects: bool) {
    let server = ServerProcess::start();
    let t = server.target.clone();
    let quick = json!({"livenessTimeout": 1000, "autoReconnect": true, "autoReconnectIntervalTime": 100,
                       "requestTimeout": 3000});
    let slow = json!({"livenessTimeout": 60000});
    let (alice_options, bob_options) = if caller_reconnects { (quick, slow) } else { (slow, quick) };
    let mut alice = Side::login_with(&t, "alice", alice_options).await;
    let mut bob = Side::login_with(&t, "bob", bob_options).await;
    ring(&mut alice, &mut bob, 1).await;
    answer(&mut alice, &mut bob).await;
    loud_audio(&alice, 10).await;
    loud_audio(&bob, 10).await;
    alice.peer.clear();
    bob.peer.clear();
    let (bob_ufrag, _) = ice(&alice).await;

    let (reconnecting, other) = if caller_reconnects { (&mut alice, &mut bob) } else { (&mut bob, &mut alice) };
    server.pause();
    reconnecting.peer.event("onDisconnected").await;
    server.resume();
    let (error, _) = reconnecting.peer.event_where("onAutoReconnected", |e, _| e.is_null()).await;
    assert_eq!(error, Value::Null);
    assert!(!other.peer.delegates().contains(&"onDisconnected"), "only one side was meant to reconnect");

    let (bob_ufrag_now, _) = restarted(&alice, 1).await;
    restarted(&bob, 1).await;
    assert_ne!(bob_ufrag_now, bob_ufrag);
    audio_keeps_flowing(&alice, &bob, 25).await;
    call_unchanged(&mut alice, &mut bob);
    hang_up(&mut bob, &mut alice).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_reconnecting_during_the_call_restarts_ice_and_media_continues() {
    a_signalling_reconnect_restarts_ice(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callee_reconnecting_during_the_call_restarts_ice_and_media_continues() {
    a_signalling_reconnect_restarts_ice(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_call_that_waits_for_the_connection_hangs_up_once_connected_again() {
    let server = ServerProcess::start();
    let t = server.target.clone();
    let quick = json!({"livenessTimeout": 1000, "autoReconnect": true, "autoReconnectIntervalTime": 100,
                       "requestTimeout": 3000});
    let mut alice = Side::login_with(&t, "alice", quick).await;
    let mut bob = Side::login_with(&t, "bob", json!({"livenessTimeout": 60000})).await;
    ring(&mut alice, &mut bob, 1).await;
    answer(&mut alice, &mut bob).await;
    loud_audio(&bob, 10).await;

    // The connection is down and the call waits for it: the user hangs up all the same.
    server.pause();
    alice.peer.event("onDisconnected").await;
    assert_eq!(alice.peer.ok("stopFreeCall", Value::Null).await, Value::Null);
    alice.released().await;
    server.resume();
    alice.peer.event_where("onAutoReconnected", |e, _| e.is_null()).await;
    // The hang-up goes out once the engine is authenticated again.
    assert_eq!(bob.status(700).await, stop_text());
    bob.released().await;
    assert!(alice.peer.buffered("onFreeCallStatusChanged").is_empty(), "{:?}", alice.peer.history_names());
}
