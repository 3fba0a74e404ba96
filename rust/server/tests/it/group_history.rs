//! Groups and history together: the system messages the groups module stores are what the history module lists.

use azstack_protocol::Service;
use azstack_server::backend_tests;
use azstack_server::testkit::TestServer;
use serde_json::{Value, json};

async fn group_actions_show_in_conversations_and_history(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    alice.send(Service::GROUP_CREATE, &json!({"msgId": 500, "type": 0, "name": "trip", "members": [bob.user_id]}));
    let created = alice.recv(Service::GROUP_CREATE).await.unwrap();
    let group = created["group"].as_i64().unwrap();
    alice.send(Service::GROUP_RENAME, &json!({"msgId": 501, "group": group, "name": "summer trip"}));
    assert_eq!(alice.recv(Service::GROUP_RENAME).await.unwrap()["r"], 0);
    bob.send(Service::MESSAGE_NEW_WITH_GROUP, &json!({"msgId": 7, "group": group, "msg": "count me in"}));
    assert_eq!(bob.recv(Service::MESSAGE_NEW_WITH_GROUP).await.unwrap()["r"], 1);

    let now = azstack_server::store::now_ms() + 1000;
    bob.send(Service::CONVERSATION_GET_LIST_MODIFIED, &json!({"page": 1, "lastCreated": now}));
    let convs = bob.recv(Service::CONVERSATION_GET_LIST_MODIFIED).await.unwrap();
    let conv = convs["list"].as_array().unwrap().iter().find(|c| c["chatId"] == group).cloned().unwrap_or(Value::Null);
    assert_eq!(conv["type"], 2, "{convs}");
    assert_eq!(conv["lastMsg"]["serviceType"], 146);
    assert_eq!(conv["lastMsg"]["msg"], "count me in");
    // Alice has not seen bob's message: one unread; system messages do not count (OQ-28).
    alice.send(Service::CONVERSATION_GET_LIST_MODIFIED, &json!({"page": 1, "lastCreated": now}));
    let convs = alice.recv(Service::CONVERSATION_GET_LIST_MODIFIED).await.unwrap();
    assert_eq!(convs["list"][0]["chatId"], group, "{convs}");
    assert_eq!(convs["list"][0]["unread"], 1, "{convs}");

    bob.send(Service::MESSAGE_GET_LIST_MODIFIED, &json!({"page": 1, "lastCreated": now, "type": 2, "chatId": group}));
    let history = bob.recv(Service::MESSAGE_GET_LIST_MODIFIED).await.unwrap();
    let items = history["list"].as_array().unwrap();
    let kinds: Vec<i64> = items.iter().filter_map(|i| i["serviceType"].as_i64()).collect();
    assert_eq!(kinds, vec![146, 152, 143], "newest first: {history}");
    let create = &items[2];
    assert_eq!(create["msgId"], 500);
    assert_eq!(create["senderId"], alice.user_id);
    assert_eq!(create["typeGroup"], 0);
    assert_eq!(create["name"], "trip");
    assert_eq!(create["admin"], alice.user_id);
    assert_eq!(create["members"], json!([alice.user_id, bob.user_id]));
    assert_eq!(items[1]["name"], "summer trip");
    assert_eq!(items[1]["msgId"], 501);
    server.shutdown().await;
}

backend_tests!(group_actions_show_in_conversations_and_history);
