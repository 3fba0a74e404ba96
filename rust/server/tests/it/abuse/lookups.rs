//! Abuse: lookups. svc 164/165 ran one SQL query per id (200 per packet): 8 flooding sockets raised another user's
//! message round trip from 3 ms to ~400 ms and kept 1.4 cores busy for 20 s after the flood stopped. Each lookup is
//! now one statement; the flood keeps a bystander's round trip under a generous bound (a bound on behaviour, not a
//! timing figure: figures belong to the bench).

use std::time::{Duration, Instant};

use azstack_protocol::Service;
use azstack_server::backend_tests;
use azstack_server::testkit::{TestClient, TestServer};
use serde_json::json;

/// A bystander's text round trip (send → the peer has it) must stay under this during the flood.
const GENEROUS: Duration = Duration::from_secs(2);

backend_tests!(a_lookup_lists_the_users_asked_for_in_order);

async fn a_lookup_lists_the_users_asked_for_in_order(server: TestServer) {
    let mut alice = server.login("alice").await;
    let max = server.server.hub.config.limits.max_list;
    let mut ids = Vec::new();
    for i in 0..max / 2 {
        ids.push(server.server.hub.store.upsert_user(&server.app.id, "", &format!("u{i}"), "").await.unwrap().id);
    }
    // Unknown ids are left out; repeated ones listed again; the order is the request's.
    let mut asked: Vec<i64> = ids.iter().rev().copied().collect();
    asked.push(987_654_321);
    asked.push(ids[0]);
    alice.send(Service::USER_GET_INFO_BY_IDS, &json!({"purpose": 1, "userIdList": asked}));
    let reply = alice.recv(Service::USER_GET_INFO_BY_IDS).await.unwrap();
    let got: Vec<i64> = reply["userInfoList"].as_array().unwrap().iter().filter_map(|u| u["userId"].as_i64()).collect();
    let want: Vec<i64> = asked.iter().copied().filter(|id| *id != 987_654_321).collect();
    assert_eq!(got, want);
    let names: Vec<String> = (0..max / 2).rev().map(|i| format!("u{i}")).chain(["nobody".to_owned()]).collect();
    alice.send(Service::USER_GET_INFO_BY_USERNAMES, &json!({"purpose": 2, "usernameList": names}));
    let reply = alice.recv(Service::USER_GET_INFO_BY_USERNAMES).await.unwrap();
    let got: Vec<i64> = reply["userInfoList"].as_array().unwrap().iter().filter_map(|u| u["userId"].as_i64()).collect();
    assert_eq!(got, ids.iter().rev().copied().collect::<Vec<_>>());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "abuse stage"]
async fn a_lookup_flood_keeps_a_bystanders_round_trip_bounded() {
    let server = TestServer::sqlite().await;
    let max = server.server.hub.config.limits.max_list;
    let mut ids = Vec::new();
    for i in 0..max {
        ids.push(server.server.hub.store.upsert_user(&server.app.id, "", &format!("u{i}"), "").await.unwrap().id);
    }
    let mut flooders = Vec::new();
    for i in 0..8 {
        flooders.push(server.login(&format!("flooder{i}")).await);
    }
    let alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    for round in 0..100 {
        for f in &flooders {
            f.send(Service::USER_GET_INFO_BY_IDS, &json!({"purpose": round, "userIdList": ids}));
        }
    }
    let mut worst = Duration::ZERO;
    for msg_id in 1..=20 {
        let sent = Instant::now();
        alice.send(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, &json!({"msgId": msg_id, "to": bob.user_id, "msg": "hi"}));
        bob.recv_where(Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT, |b| b["msgId"] == msg_id).await.unwrap();
        worst = worst.max(sent.elapsed());
    }
    assert!(worst < GENEROUS, "a bystander's round trip took {worst:?} during the flood");
    // The flood was served (not just dropped): each flooder gets its replies.
    for f in &mut flooders {
        let reply = f.recv(Service::USER_GET_INFO_BY_IDS).await.unwrap();
        assert_eq!(reply["userInfoList"].as_array().map(Vec::len), Some(max));
    }
    drop::<Vec<TestClient>>(flooders);
    server.shutdown().await;
}
