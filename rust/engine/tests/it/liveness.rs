//! Noticing a lost connection (issue: the engine in the field): a closed connection at once, a silent one within
//! `livenessTimeout`, a network change at once; pending requests fail when the loss is noticed (D9).
//!
//! Each test runs its own `azstack-server dev` process and kills (SIGKILL) or freezes (SIGSTOP: no FIN, no RST — what
//! a dropped route or a sleeping NAT looks like to the client) it. The bounds asserted are the behaviour the options
//! promise, with room for a loaded machine; the measured figures are in bench/RESULTS.md.

use crate::common;

use std::time::{Duration, Instant};

use common::{DEADLINE, Peer, ServerProcess};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_is_noticed_within_a_second() {
    let mut server = ServerProcess::start();
    let mut alice = Peer::login(&server.target, "alice").await;
    let killed = Instant::now();
    server.kill();
    alice.event("onDisconnected").await;
    let noticed = killed.elapsed();
    assert!(noticed < Duration::from_secs(1), "onDisconnected {noticed:?} after kill -9");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_server_is_noticed_within_the_liveness_timeout_and_the_session_resumes() {
    let server = ServerProcess::start();
    let options = json!({"livenessTimeout": 1000, "autoReconnect": true, "autoReconnectIntervalTime": 100,
                         "requestTimeout": 1500});
    let mut alice = Peer::login_with(&server.target, "alice", options).await;
    let user_id = alice.user_id;
    server.pause();
    let frozen = Instant::now();
    let engine = alice.engine.clone();
    let pending =
        tokio::spawn(async move { engine.dispatch("getUsersInformation", json!({"userIds": [user_id]})).await });
    alice.event("onDisconnected").await;
    let noticed = frozen.elapsed();
    assert!(noticed < Duration::from_millis(2500), "onDisconnected {noticed:?} after SIGSTOP with livenessTimeout 1 s");
    // The request in flight failed when the loss was noticed, not after its own timeout.
    let outcome = tokio::time::timeout(DEADLINE, pending).await.expect("settled").expect("task");
    assert_eq!(outcome.expect_err("failed").code.as_str(), "ERR_SOCKET_NOT_CONNECTED");

    alice.event("onAutoReconnectStart").await;
    server.resume();
    let (error, user) = alice.event_where("onAutoReconnected", |e, _| e.is_null()).await;
    assert_eq!(error, Value::Null);
    assert_eq!(user["userId"], user_id);
    alice.barrier().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_healthy_connection_stays_up() {
    // Nothing is sent for several liveness bounds: the WebSocket pings keep the connection alive.
    let server = ServerProcess::start();
    let mut alice = Peer::login_with(&server.target, "alice", json!({"livenessTimeout": 500})).await;
    let watched = Instant::now() + Duration::from_secs(3);
    while Instant::now() < watched {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!alice.delegates().contains(&"onDisconnected"), "a healthy idle connection was declared lost");
    }
    assert!(alice.engine.is_connected());
    alice.barrier().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_changed_probes_at_once_and_reconnects_without_waiting() {
    let server = ServerProcess::start();
    // A long liveness bound and a long reconnect interval: only networkChanged() can make this quick.
    let options = json!({"livenessTimeout": 30000, "autoReconnect": true, "autoReconnectIntervalTime": 60000,
                         "requestTimeout": 1000});
    let mut alice = Peer::login_with(&server.target, "alice", options).await;
    let user_id = alice.user_id;

    // A healthy connection survives the probe.
    alice.ok("networkChanged", Value::Null).await;
    alice.barrier().await;
    assert!(!alice.delegates().contains(&"onDisconnected"));

    server.pause();
    let changed = Instant::now();
    alice.ok("networkChanged", Value::Null).await;
    alice.event("onDisconnected").await;
    let noticed = changed.elapsed();
    // The probe waits 3 s for an answer (half of livenessTimeout at most), not the 30 s of silence.
    assert!(noticed < Duration::from_secs(5), "onDisconnected {noticed:?} after networkChanged()");
    alice.event("onAutoReconnectStart").await;
    // The first attempt goes at once (the server is still frozen: it fails after requestTimeout) ...
    let (error, _) = alice.event_where("onAutoReconnected", |e, _| !e.is_null()).await;
    assert_eq!(error["code"], "ERR_SOCKET_CONNECT", "{error}");
    // ... and the next one would wait 60 s, unless the network changes again.
    server.resume();
    let resumed = Instant::now();
    alice.ok("networkChanged", Value::Null).await;
    let (error, user) = alice.event_where("onAutoReconnected", |e, _| e.is_null()).await;
    assert_eq!((error, user["userId"].clone()), (Value::Null, json!(user_id)));
    assert!(resumed.elapsed() < Duration::from_secs(10), "reconnected {:?} after networkChanged()", resumed.elapsed());
}
