//! Abuse: small ones. A removed group member resending an old invite `msgId` learned who is in the group now (the
//! resend was recognised before membership was checked); the `messages_stored` / `messages_duplicate` counters
//! never moved.

use std::sync::atomic::Ordering;

use azstack_protocol::Service;
use azstack_server::backend_tests;
use azstack_server::testkit::{TestClient, TestServer};
use serde_json::{Value, json};

async fn request(c: &mut TestClient, service: Service, body: Value) -> Value {
    c.send(service, &body);
    c.recv_where(service, |b| b.get("r").is_some()).await.unwrap_or_else(|e| panic!("no reply to {service:?}: {e}"))
}

backend_tests!(a_removed_member_resending_an_invite_learns_nothing, the_message_counters_count);

async fn a_removed_member_resending_an_invite_learns_nothing(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut mallory = server.login("mallory").await;
    let (bob, dave, erin) = (server.login("bob").await, server.login("dave").await, server.login("erin").await);
    let create = json!({"msgId": 1, "type": 0, "name": "g", "members": [mallory.user_id, bob.user_id]});
    let group = request(&mut alice, Service::GROUP_CREATE, create).await["group"].as_i64().unwrap();
    let invite = json!({"msgId": 2, "group": group, "members": [dave.user_id]});
    assert_eq!(request(&mut mallory, Service::GROUP_INVITE, invite).await["r"], 0);
    let kick = json!({"msgId": 3, "group": group, "leaveUser": mallory.user_id});
    assert_eq!(request(&mut alice, Service::GROUP_LEAVE, kick).await["r"], 0);
    let invite = json!({"msgId": 4, "group": group, "members": [erin.user_id]});
    assert_eq!(request(&mut alice, Service::GROUP_INVITE, invite).await["r"], 0);

    // The resend names people the group may or may not hold now.
    let probe = [alice.user_id, bob.user_id, dave.user_id, erin.user_id, 987_654];
    let resend = json!({"msgId": 2, "group": group, "members": probe});
    let reply = request(&mut mallory, Service::GROUP_INVITE, resend).await;
    assert_eq!(reply["r"], 1, "refused: {reply}");
    let results = reply["inviteResult"].as_array().unwrap();
    assert!(results.iter().all(|r| r["r"] == 3), "every result says 'not allowed', nothing more: {reply}");
    server.shutdown().await;
}

async fn the_message_counters_count(server: TestServer) {
    let mut alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let metrics = &server.server.hub.metrics;
    let before = (metrics.messages_stored.load(Ordering::Relaxed), metrics.messages_duplicate.load(Ordering::Relaxed));
    let text = json!({"msgId": 1, "to": bob.user_id, "msg": "hi"});
    for _ in 0..2 {
        let reply = request(&mut alice, Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, text.clone()).await;
        assert_eq!(reply["r"], 1, "{reply}");
    }
    let after = (metrics.messages_stored.load(Ordering::Relaxed), metrics.messages_duplicate.load(Ordering::Relaxed));
    assert_eq!((after.0 - before.0, after.1 - before.1), (1, 1));
    let text = metrics.render(0);
    assert!(
        text.contains("azstack_messages_stored_total 1\n") && text.contains("azstack_messages_duplicate_total 1\n")
    );
    server.shutdown().await;
}
