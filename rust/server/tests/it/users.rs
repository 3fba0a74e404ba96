//! Users by id (164) and by azStackUserId (165): `purpose` echo, presence, last visit, unknown ids, limits.

use azstack_protocol::Service;
use azstack_server::backend_tests;
use azstack_server::testkit::TestServer;
use serde_json::{Value, json};

async fn users_information(server: TestServer) {
    let mut alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let bob_id = bob.user_id;
    alice
        .send(Service::USER_GET_INFO_BY_IDS, &json!({"purpose": 4242, "userIdList": [bob_id, 999_999, alice.user_id]}));
    let reply = alice.recv(Service::USER_GET_INFO_BY_IDS).await.unwrap();
    assert_eq!(reply["r"], 1);
    assert_eq!(reply["purpose"], 4242);
    assert_eq!(reply["done"], 1);
    let list = reply["userInfoList"].as_array().unwrap();
    assert_eq!(list.len(), 2, "unknown ids are left out: {reply}");
    let b = &list[0];
    assert_eq!(b["userId"], bob_id);
    assert_eq!(b["username"], "bob");
    assert_eq!(b["fullname"], "bob (test)");
    assert_eq!(b["status"], 1);
    assert!(b["lastVisitDate"].is_i64());
    // After bob's only session ends he is offline and his last visit is in seconds, not milliseconds.
    bob.close();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let offline = loop {
        alice.send(Service::USER_GET_INFO_BY_USERNAMES, &json!({"purpose": 7, "usernameList": ["bob", "nobody"]}));
        let r = alice.recv(Service::USER_GET_INFO_BY_USERNAMES).await.unwrap();
        if r["userInfoList"][0]["status"] == 0 || std::time::Instant::now() > deadline {
            break r;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(offline["purpose"], 7);
    let list = offline["userInfoList"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], 0, "{offline}");
    let now_s = azstack_server::store::now_ms() / 1000;
    let visit = list[0]["lastVisitDate"].as_i64().unwrap();
    assert!((now_s - 60..=now_s + 1).contains(&visit), "lastVisitDate {visit} is not epoch seconds");
    // Over the list limit: r 0, purpose echoed.
    let many: Vec<Value> = (1..=201).map(|i| json!(i)).collect();
    alice.send(Service::USER_GET_INFO_BY_IDS, &json!({"purpose": 8, "userIdList": many}));
    let refused = alice.recv(Service::USER_GET_INFO_BY_IDS).await.unwrap();
    assert_eq!((refused["r"].clone(), refused["purpose"].clone()), (json!(0), json!(8)));
    server.shutdown().await;
}

backend_tests!(users_information);
