//! Connecting, failures, timeouts, disconnects and auto-reconnect (PROTOCOL.md §2, §3.1–§3.3, §8.4, §9, D7, D9).
//!
//! The fault tests run a real `azstack-server dev` process and stop (SIGSTOP), kill (SIGKILL) and restart it.

use crate::common;

use std::time::{Duration, Instant};

use azstack_server::config::IceServer;
use azstack_server::testkit::TestServer;
use common::{DEADLINE, Peer, ServerProcess, Target};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_disconnect_reconnect_and_their_errors() {
    let stun = IceServer { url: "stun:stun.example.org:3478".into(), username: String::new(), password: String::new() };
    let server = TestServer::sqlite_with(|c| c.ice_servers = vec![stun]).await;
    let t = Target::of(&server);
    let mut alice = Peer::new(&t, "alice", json!({}));
    let user = alice.ok("connect", Value::Null).await;
    assert_eq!(user, json!({"userId": user["userId"], "azStackUserId": "alice", "fullname": "alice (test)"}));
    assert!(user["userId"].as_i64().unwrap() > 0);
    let urls: Vec<String> = alice.engine.ice_servers().into_iter().map(|s| s.url).collect();
    assert_eq!(urls, ["stun:stun.example.org:3478"], "ICE servers come from svc 162");

    assert_eq!(
        alice.err("connect", Value::Null).await,
        ("ERR_UNEXPECTED_DATA".into(), "Cannot init core, already inited".into())
    );
    assert_eq!(
        alice.err("reconnect", Value::Null).await,
        ("ERR_UNEXPECTED_DATA".into(), "Cannot reconnect, slave socket already connected".into())
    );
    assert_eq!(alice.ok("disconnect", Value::Null).await, Value::Null);
    assert!(alice.engine.user().is_none());
    assert_eq!(
        alice.err("disconnect", Value::Null).await,
        ("ERR_SOCKET_NOT_CONNECTED".into(), "Cannot disconnect to slave server, slave socket not connected".into())
    );
    assert_eq!(
        alice.err("sendTyping", json!({"chatType": 1, "chatId": 1})).await,
        ("ERR_SOCKET_NOT_CONNECTED".into(), "Cannot send typing data, send typing fail".into())
    );
    // A user-initiated disconnect fires no onDisconnected.
    assert!(alice.buffered("onDisconnected").is_empty());

    // reconnect with new authenticating data logs in as someone else.
    let other = json!({"authenticatingData": {"appId": t.app_id, "publicKey": t.public_key, "azStackUserId": "alice2", "fullname": "Alice Two"}});
    let again = alice.ok("reconnect", other).await;
    assert_eq!((again["azStackUserId"].clone(), again["fullname"].clone()), (json!("alice2"), json!("Alice Two")));
    assert_ne!(again["userId"], user["userId"]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_failures_have_the_original_errors() {
    // Nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let server = TestServer::sqlite().await;
    let t = Target { url, ..Target::of(&server) };
    let nobody = Peer::new(&t, "alice", json!({}));
    assert_eq!(
        nobody.err("connect", Value::Null).await,
        ("ERR_SOCKET_CONNECT".into(), "Cannot connect to master socket".into())
    );
    // connect marked the core as initialised: the app retries with reconnect, against the right server now.
    let good = Target::of(&server);
    let retry = json!({"masterSocketUri": good.url});
    assert_eq!(nobody.ok("reconnect", retry).await["azStackUserId"], "alice");

    // A key that is not an RSA public key.
    let bad_key = Peer::new(&Target { public_key: "bm90IGEga2V5".into(), ..good.clone() }, "bob", json!({}));
    assert_eq!(
        bad_key.err("connect", Value::Null).await,
        ("ERR_UNEXPECTED_DATA".into(), "Cannot encrypt authenticating data".into())
    );

    // A valid key of another application: the server cannot decrypt the token and refuses (D3).
    let seed_key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAs1XFclMmD+l83OY3oOqN2a4JH4PkFvi9O/SOAnASmgfjXliWm7XeVMHeTfNKWKcEZKzWp8rFdwVlO5dXqKquLmcmnr4gb+yvakXNnRm6z135BQDQKCAvrDyEuzr31mmtk935+Yxms8Lfiuxmi5hWZszfTyJDBp2xokeOXbDLjqhunMO3wfxs+lao0qxWxfk4Eb0847/3sY+Zt7hMIceZEYhg7rwdnkl+zNJusPnWYFsf5povE1/qke+KCAL5z2Xte7xcpSv3b29Tl5W4iMfGOqh4ikytfRL/OTRXH3U0wuLuxSDsD7Lms0foAEPCdRJzbGnoNmsV/ongwKRrONitFQIDAQAB";
    let refused = Peer::new(&Target { public_key: seed_key.into(), ..good.clone() }, "carol", json!({}));
    let (code, message) = refused.err("connect", Value::Null).await;
    assert_eq!(code, "ERR_UNEXPECTED_RECEIVED_DATA");
    assert!(!message.is_empty());
    assert!(!refused.engine.is_connected());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_emit_after_connect_is_never_lost() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let mut bob = Peer::login(&t, "bob").await;
    for i in 0..200 {
        let alice = Peer::new(&t, &format!("sender{i}"), json!({}));
        alice.ok("connect", Value::Null).await;
        let sent =
            alice.ok("newMessage", json!({"chatType": 1, "chatId": bob.user_id, "text": format!("first {i}")})).await;
        assert_eq!(sent["status"], 1, "acked");
        let got = bob.event("onHasNewMessage").await;
        assert_eq!(got["text"], format!("first {i}"));
        alice.engine.shutdown().await;
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_times_out_with_the_original_message() {
    let server = ServerProcess::start();
    let alice = Peer::login_with(&server.target, "alice", json!({"requestTimeout": 400})).await;
    server.pause();
    let (code, message) = alice.err("getModifiedConversations", json!({"page": 1, "lastCreated": 1})).await;
    server.resume();
    assert_eq!(code, "ERR_REQUEST_TIMEOUT");
    assert_eq!(
        message,
        "Request with uncallKey \"UNCALL_KEY_GET_MODIFIED_CONVERSATIONS\" and requestKey \"default\" has exceed timeout 400s"
    );
    // The engine is still usable: the late reply is dropped, the next request is answered.
    let page = alice.ok("getModifiedConversations", json!({"page": 1, "lastCreated": 1})).await;
    assert_eq!(page["page"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_requests_fail_at_once_when_the_connection_drops() {
    let mut server = ServerProcess::start();
    let mut alice = Peer::login(&server.target, "alice").await; // requestTimeout 60 s
    server.pause();
    let engine = alice.engine.clone();
    let pending = tokio::spawn(async move {
        let started = Instant::now();
        let outcome = engine.dispatch("getModifiedConversations", json!({"page": 1, "lastCreated": 1})).await;
        (outcome, started.elapsed())
    });
    // Wait until the request is registered, then kill the server under it.
    let deadline = Instant::now() + DEADLINE;
    while alice.engine.pending_requests() == 0 {
        assert!(!pending.is_finished(), "the request settled while the server was stopped: {:?}", pending.await);
        assert!(Instant::now() < deadline, "the request never registered");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    let (outcome, elapsed) = tokio::time::timeout(DEADLINE, pending).await.expect("settled").expect("task");
    let error = outcome.expect_err("must fail");
    assert_eq!(error.code.as_str(), "ERR_SOCKET_NOT_CONNECTED");
    assert!(elapsed < Duration::from_secs(60), "failed at once, not after the request timeout");
    assert_eq!(
        alice.event_where("onDisconnected", |e, r| e.is_null() && r.is_null()).await,
        (Value::Null, Value::Null)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_reconnect_after_the_server_is_killed_and_restarted() {
    let mut server = ServerProcess::start();
    let options = json!({"autoReconnect": true, "autoReconnectIntervalTime": 150});
    let mut alice = Peer::login_with(&server.target, "alice", options).await;
    let mut bob = Peer::login(&server.target, "bob").await;
    let user_id = alice.user_id;

    server.kill();
    alice.event("onDisconnected").await;
    alice.event("onAutoReconnectStart").await;
    // While the server is down every attempt fails with the discovery error.
    let (error, result) = alice.event_where("onAutoReconnected", |e, _| !e.is_null()).await;
    assert_eq!(error, json!({"code": "ERR_SOCKET_CONNECT", "message": "Cannot connect to master socket"}));
    assert_eq!(result, Value::Null);

    server.restart();
    let (error, user) = alice.event_where("onAutoReconnected", |e, _| e.is_null()).await;
    assert_eq!(error, Value::Null);
    assert_eq!(user, json!({"userId": user_id, "azStackUserId": "alice", "fullname": "alice (test)"}));
    // Delegates came in the order of §9.3: one start, failed attempts at the configured interval, one success.
    let names = alice.history_names();
    let failures = names.iter().filter(|n| *n == "onAutoReconnected!").count();
    let mut expected = vec!["onDisconnected".to_owned(), "onAutoReconnectStart".to_owned()];
    expected.extend(std::iter::repeat_n("onAutoReconnected!".to_owned(), failures));
    expected.push("onAutoReconnected".to_owned());
    assert_eq!(names, expected);
    let attempts: Vec<Instant> =
        alice.history.iter().filter(|(d, _, _)| *d == "onAutoReconnected").map(|h| h.2).collect();
    for pair in attempts.windows(2) {
        assert!(
            pair[1] - pair[0] >= Duration::from_millis(150),
            "attempts are at least autoReconnectIntervalTime apart"
        );
    }

    // The reconnected engine works; bob reconnects by hand.
    assert_eq!(bob.event("onDisconnected").await, Value::Null);
    bob.ok("reconnect", Value::Null).await;
    alice.ok("newMessage", json!({"chatType": 1, "chatId": bob.user_id, "text": "back"})).await;
    assert_eq!(bob.event("onHasNewMessage").await["text"], "back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_reconnect_stops_after_the_configured_tries() {
    let mut server = ServerProcess::start();
    let options = json!({"autoReconnect": true, "autoReconnectIntervalTime": 100, "autoReconnectLimitTries": 3});
    let mut alice = Peer::login_with(&server.target, "alice", options).await;
    server.kill();
    alice.event("onDisconnected").await;
    let (stop_error, _) = alice.event_where("onAutoReconnectedStop", |_, _| true).await;
    assert_eq!(
        stop_error,
        json!({"code": "ERR_UNEXPECTED_DATA", "message": "Stop auto reconnect, trieds exceed limit"})
    );
    alice.delegates();
    assert_eq!(
        alice.history_names(),
        [
            "onDisconnected",
            "onAutoReconnectStart",
            "onAutoReconnected!",
            "onAutoReconnected!",
            "onAutoReconnected!",
            "onAutoReconnectedStop!"
        ]
    );
    // reconnect() is allowed again once the loop stopped.
    server.restart();
    assert_eq!(alice.ok("reconnect", Value::Null).await["userId"], alice.user_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_around_a_crash_is_acked_or_failed_and_resending_never_duplicates() {
    let mut server = ServerProcess::start();
    let alice = Peer::login(&server.target, "alice").await;
    let bob = Peer::login(&server.target, "bob").await;
    let b = bob.user_id;
    let mut acked = 0;
    let mut failed = 0;
    for round in 0..5 {
        let msg_id = 9_000 + round;
        // Send and kill concurrently, so the crash lands before, during or after the server's commit.
        let engine = alice.engine.clone();
        let send = tokio::spawn(async move {
            engine
                .dispatch(
                    "newMessage",
                    json!({"chatType": 1, "chatId": b, "text": format!("r{round}"), "msgId": msg_id}),
                )
                .await
        });
        tokio::task::yield_now().await;
        server.kill();
        let outcome = tokio::time::timeout(DEADLINE, send).await.expect("settled").expect("task");
        match &outcome {
            Ok(m) => {
                acked += 1;
                assert_eq!((m["msgId"].clone(), m["status"].clone()), (json!(msg_id), json!(1)));
            }
            Err(e) => {
                failed += 1;
                assert_eq!(e.code.as_str(), "ERR_SOCKET_NOT_CONNECTED", "{e:?}");
            }
        }
        server.restart();
        alice.ok("reconnect", Value::Null).await;
        bob.ok("reconnect", Value::Null).await;
        // Resend with the same msgId: acked, and stored once whatever happened before.
        let resent = alice
            .ok("newMessage", json!({"chatType": 1, "chatId": b, "text": format!("r{round}"), "msgId": msg_id}))
            .await;
        assert_eq!(resent["msgId"], msg_id);
        let history = bob.ok("getModifiedMessages", json!({"page": 1, "lastCreated": azstack_engine::ids::now_ms() + 1000, "chatType": 1, "chatId": alice.user_id})).await;
        let copies = history["list"].as_array().unwrap().iter().filter(|m| m["msgId"] == msg_id).count();
        assert_eq!(copies, 1, "round {round}: {history}");
    }
    assert_eq!(acked + failed, 5);
}
