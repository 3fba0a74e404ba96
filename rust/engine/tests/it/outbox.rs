//! The persistent outbox and the catch-up after a reconnect (`storagePath`), against a real `azstack-server dev`
//! process that the tests kill and restart, with the SQLite store in a temporary directory.

use crate::common;

use common::{DEADLINE, Peer, ServerProcess, Target};
use futures_util::future::join_all;
use serde_json::{Value, json};

fn stored(dir: &tempfile::TempDir, extra: Value) -> Value {
    let mut options = json!({"storagePath": dir.path().to_str().expect("utf-8 path")});
    if let (Some(o), Value::Object(extra)) = (options.as_object_mut(), extra) {
        o.extend(extra);
    }
    options
}

/// `chatId`'s conversation as `peer` sees it, oldest first: `(msgId, text)`.
async fn history(peer: &Peer, chat_id: i64) -> Vec<(i64, String)> {
    let page = peer
        .ok(
            "getModifiedMessages",
            json!({"page": 1, "lastCreated": azstack_engine::ids::now_ms() + 60_000, "chatType": 1, "chatId": chat_id}),
        )
        .await;
    let mut list: Vec<(i64, String)> = page["list"]
        .as_array()
        .expect("list")
        .iter()
        .map(|m| (m["msgId"].as_i64().expect("msgId"), m["text"].as_str().unwrap_or_default().to_owned()))
        .collect();
    list.reverse();
    list
}

/// Waits for `onOutboxChanged` with `{pending: n}`.
async fn outbox_count(peer: &mut Peer, n: u64) {
    peer.event_where("onOutboxChanged", |e, r| e.is_null() && r["pending"] == n).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_handed_over_while_the_server_is_down_are_delivered_once_in_order() {
    let mut server = ServerProcess::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let options = stored(&dir, json!({"autoReconnect": true, "autoReconnectIntervalTime": 100}));
    let mut alice = Peer::login_with(&server.target, "alice", options).await;
    let mut bob = Peer::login(&server.target, "bob").await;
    let b = bob.user_id;
    server.kill();
    alice.event("onDisconnected").await;

    // 20 calls, handed over in this order; each is persisted before its future first yields.
    let engine = alice.engine.clone();
    let sends = tokio::spawn(async move {
        let calls =
            (0..20).map(|i| {
                let engine = engine.clone();
                async move {
                    engine.dispatch("newMessage", json!({"chatType": 1, "chatId": b, "text": format!("m{i}")})).await
                }
            });
        join_all(calls).await
    });
    outbox_count(&mut alice, 20).await;
    let queued = alice.ok("getOutbox", Value::Null).await;
    let texts: Vec<&str> = queued["list"].as_array().expect("list").iter().filter_map(|m| m["text"].as_str()).collect();
    assert_eq!(texts, (0..20).map(|i| format!("m{i}")).collect::<Vec<_>>());
    assert!(queued["list"].as_array().expect("list").iter().all(|m| m["status"] == 0), "queued as SENDING");

    server.restart();
    let results = tokio::time::timeout(DEADLINE, sends).await.expect("all acked").expect("task");
    let ids: Vec<i64> = results.iter().map(|r| r.as_ref().expect("acked")["msgId"].as_i64().expect("msgId")).collect();
    assert!(results.iter().all(|r| r.as_ref().is_ok_and(|m| m["status"] == 1)), "resolved on the ack, SENT");
    outbox_count(&mut alice, 0).await;
    assert_eq!(alice.ok("getOutbox", Value::Null).await, json!({"list": []}));

    bob.event("onDisconnected").await;
    bob.ok("reconnect", Value::Null).await;
    let expected: Vec<(i64, String)> = ids.iter().enumerate().map(|(i, id)| (*id, format!("m{i}"))).collect();
    assert_eq!(history(&bob, alice.user_id).await, expected, "each once, in the order handed over");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_process_sends_the_outbox_of_the_same_user_only() {
    let server = ServerProcess::start();
    let t: &Target = &server.target;
    let dir = tempfile::tempdir().expect("temp dir");
    let bob = Peer::login(t, "bob").await;
    let b = bob.user_id;

    // A process that never connected hands a message over and ends without sending it.
    let first = Peer::new(t, "alice", stored(&dir, json!({})));
    let engine = first.engine.clone();
    let call = tokio::spawn(async move {
        engine.dispatch("newMessage", json!({"chatType": 1, "chatId": b, "text": "kept", "msgId": 4242})).await
    });
    let deadline = tokio::time::Instant::now() + DEADLINE;
    while first.ok("getOutbox", Value::Null).await["list"].as_array().is_none_or(Vec::is_empty) {
        assert!(tokio::time::Instant::now() < deadline, "never queued");
        tokio::task::yield_now().await;
    }
    first.engine.shutdown().await;
    let outcome = tokio::time::timeout(DEADLINE, call).await.expect("settled").expect("task");
    assert_eq!(outcome.expect_err("the process ended").code.as_str(), "ERR_SOCKET_NOT_CONNECTED");
    drop(first);

    // Another user with the same directory sends nothing of it.
    let mut carol = Peer::login_with(t, "carol", stored(&dir, json!({}))).await;
    carol.barrier().await;
    assert_eq!(carol.ok("getOutbox", Value::Null).await, json!({"list": []}));
    assert!(!carol.delegates().contains(&"onNewMessageReturn"));

    // The same user's next process sends it, once, and reports the ack through the delegate.
    let mut alice = Peer::login_with(t, "alice", stored(&dir, json!({}))).await;
    let (error, sent) = alice.event_where("onNewMessageReturn", |_, _| true).await;
    assert_eq!(error, Value::Null);
    assert_eq!(
        (sent["msgId"].clone(), sent["status"].clone(), sent["text"].clone()),
        (json!(4242), json!(1), json!("kept"))
    );
    outbox_count(&mut alice, 0).await;
    assert_eq!(history(&bob, alice.user_id).await, [(4242, "kept".to_owned())]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resend_of_a_message_the_server_stored_but_did_not_ack_is_not_duplicated() {
    let server = ServerProcess::start();
    let t = &server.target;
    let dir = tempfile::tempdir().expect("temp dir");
    let bob = Peer::login(t, "bob").await;
    let b = bob.user_id;
    // The first copy reached the server (stored, delivered) ...
    let plain = Peer::login(t, "alice").await;
    plain.ok("newMessage", json!({"chatType": 1, "chatId": b, "text": "once", "msgId": 777})).await;
    plain.engine.shutdown().await;
    // ... but the outbox never saw its ack: it still holds it and sends it again.
    let mut alice = Peer::new(t, "alice", stored(&dir, json!({})));
    let engine = alice.engine.clone();
    let call = tokio::spawn(async move {
        engine.dispatch("newMessage", json!({"chatType": 1, "chatId": b, "text": "once", "msgId": 777})).await
    });
    outbox_count(&mut alice, 1).await;
    alice.ok("connect", Value::Null).await;
    let sent = tokio::time::timeout(DEADLINE, call).await.expect("acked").expect("task").expect("resolved");
    assert_eq!(sent["msgId"], 777);
    assert_eq!(history(&bob, plain_user(&bob, "alice").await).await, [(777, "once".to_owned())]);
}

async fn plain_user(peer: &Peer, az_stack_user_id: &str) -> i64 {
    let users = peer.ok("getUsersInformation", json!({"azStackUserIds": [az_stack_user_id]})).await;
    users["list"][0]["userId"].as_i64().expect("userId")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_that_arrived_before_an_auto_reconnect_reach_on_has_new_message_once() {
    let mut server = ServerProcess::start();
    let t = server.target.clone();
    // No storage: the cursor is this process's. Alice's next attempt comes up to 3 s after the server's restart,
    // which leaves bob the time to send while she is away.
    let options = json!({"autoReconnect": true, "autoReconnectIntervalTime": 3000});
    let mut alice = Peer::login_with(&t, "alice", options).await;
    let mut bob = Peer::login(&t, "bob").await;
    let a = alice.user_id;
    bob.ok("newMessage", json!({"chatType": 1, "chatId": a, "text": "live"})).await;
    assert_eq!(alice.event("onHasNewMessage").await["text"], "live");

    server.kill();
    alice.event("onDisconnected").await;
    bob.event("onDisconnected").await;
    server.restart();
    bob.ok("reconnect", Value::Null).await;
    for i in 0..3 {
        bob.ok("newMessage", json!({"chatType": 1, "chatId": a, "text": format!("away{i}")})).await;
    }
    alice.event_where("onAutoReconnected", |e, _| e.is_null()).await;
    for i in 0..3 {
        assert_eq!(alice.event("onHasNewMessage").await["text"], format!("away{i}"), "oldest first");
    }
    bob.ok("newMessage", json!({"chatType": 1, "chatId": a, "text": "after"})).await;
    assert_eq!(alice.event("onHasNewMessage").await["text"], "after", "nothing reported twice before it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_after_auto_reconnect_and_across_restarts_reports_each_message_once() {
    let server = ServerProcess::start();
    let t = server.target.clone();
    let dir = tempfile::tempdir().expect("temp dir");
    let bob = Peer::login(&t, "bob").await;
    let mut alice = Peer::login_with(&t, "alice", stored(&dir, json!({}))).await;
    let a = alice.user_id;
    bob.ok("newMessage", json!({"chatType": 1, "chatId": a, "text": "live"})).await;
    assert_eq!(alice.event("onHasNewMessage").await["text"], "live");

    // Away: disconnected, then reconnected.
    alice.ok("disconnect", Value::Null).await;
    for i in 0..3 {
        bob.ok("newMessage", json!({"chatType": 1, "chatId": a, "text": format!("away{i}")})).await;
    }
    alice.ok("reconnect", Value::Null).await;
    for i in 0..3 {
        assert_eq!(alice.event("onHasNewMessage").await["text"], format!("away{i}"), "oldest first");
    }
    alice.barrier().await;
    assert!(alice.buffered("onHasNewMessage").is_empty(), "each once");

    // The process ends; two messages arrive; the next process with the same storage reports those two only.
    alice.engine.shutdown().await;
    drop(alice);
    for i in 0..2 {
        bob.ok("newMessage", json!({"chatType": 1, "chatId": a, "text": format!("while-dead{i}")})).await;
    }
    let mut alice = Peer::login_with(&t, "alice", stored(&dir, json!({}))).await;
    for i in 0..2 {
        assert_eq!(alice.event("onHasNewMessage").await["text"], format!("while-dead{i}"));
    }
    alice.barrier().await;
    alice.engine.shutdown().await;
    drop(alice);

    // And a third process reports nothing again.
    let mut alice = Peer::login_with(&t, "alice", stored(&dir, json!({}))).await;
    alice.barrier().await;
    bob.ok("newMessage", json!({"chatType": 1, "chatId": a, "text": "after"})).await;
    assert_eq!(alice.event("onHasNewMessage").await["text"], "after", "nothing before the new live message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_storage_path_is_an_error_and_the_engine_works_without_it() {
    let server = ServerProcess::start();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("azstack-engine.sqlite3"), vec![0x5a_u8; 8192]).expect("corrupt file");
    let alice = Peer::login_with(&server.target, "alice", stored(&dir, json!({}))).await;
    let (code, message) = alice.err("getOutbox", Value::Null).await;
    assert_eq!(code, "ERR_UNEXPECTED_DATA");
    assert!(message.starts_with("Cannot use storagePath") && message.contains("without storage"), "{message}");
    let bob = Peer::login(&server.target, "bob").await;
    let sent = alice.ok("newMessage", json!({"chatType": 1, "chatId": bob.user_id, "text": "still works"})).await;
    assert_eq!(sent["status"], 1);

    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").expect("file");
    let carol = Peer::new(&server.target, "carol", json!({"storagePath": file.to_str().expect("utf-8")}));
    let (code, message) = carol.err("getOutbox", Value::Null).await;
    assert_eq!(code, "ERR_UNEXPECTED_DATA");
    assert!(message.contains("cannot create the directory"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn begin_stores_a_message_before_it_returns() {
    // What the native bridge calls on the JavaScript thread: the message is on disk when `newMessage` returns, even if
    // its future never runs (the process is killed right after).
    let dir = tempfile::tempdir().expect("temp dir");
    let t = Target { url: "http://127.0.0.1:9".into(), app_id: "app".into(), public_key: "key".into() };
    let alice = Peer::new(&t, "alice", stored(&dir, json!({})));
    let call = alice.engine.begin("newMessage", json!({"chatType": 1, "chatId": 2, "text": "x", "msgId": 5}));
    drop(call);
    alice.engine.shutdown().await;
    let again = Peer::new(&t, "alice", stored(&dir, json!({})));
    let list = again.ok("getOutbox", Value::Null).await;
    assert_eq!((list["list"][0]["msgId"].clone(), list["list"][0]["text"].clone()), (json!(5), json!("x")));
    let (code, _) = again.err("newMessage", json!({"chatType": 1})).await;
    assert_eq!(code, "ERR_UNEXPECTED_SEND_DATA", "validation still comes first");
}
