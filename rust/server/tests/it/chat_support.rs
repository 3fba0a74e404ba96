//! Helpers shared by the chat test files (`messages.rs`, `history.rs`): groups made directly in the store (the groups
//! module lives elsewhere), and one-line senders and list requests that wait for their reply.

#![allow(dead_code)]

use azstack_protocol::Service;
use azstack_server::store::now_ms;
use azstack_server::testkit::{TestClient, TestServer};
use serde_json::{Value, json};

/// Far enough in the future to include everything a test stored.
pub fn later() -> i64 {
    now_ms() + 3_600_000
}

/// A private group of `members` (the admin among them) created directly in the store.
pub async fn make_group(server: &TestServer, admin: i64, members: &[i64]) -> i64 {
    server.server.hub.store.insert_group(&server.app.id, 0, "g", admin, members, now_ms()).await.unwrap()
}

fn r_of(v: &Value) -> Option<i64> {
    v.get("r").and_then(Value::as_i64)
}

/// Sends a user text and returns the 72 reply (ack or error) for it.
pub async fn text(c: &mut TestClient, to: i64, msg_id: i64, msg: &str) -> Value {
    c.send(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, &json!({"msgId": msg_id, "to": to, "msg": msg}));
    c.recv_where(Service::MESSAGE_NEW_WITH_USER_TYPE_TEXT, |b| b["msgId"] == msg_id && r_of(b).is_some()).await.unwrap()
}

/// Sends a group text and returns the 45 reply for it.
pub async fn group_text(c: &mut TestClient, group: i64, msg_id: i64, msg: &str) -> Value {
    c.send(Service::MESSAGE_NEW_WITH_GROUP, &json!({"msgId": msg_id, "group": group, "msg": msg}));
    group_reply(c, msg_id).await
}

/// The 45 reply for `msg_id`.
pub async fn group_reply(c: &mut TestClient, msg_id: i64) -> Value {
    c.recv_where(Service::MESSAGE_NEW_WITH_GROUP, |b| b["msgId"] == msg_id).await.unwrap()
}

/// A 169 page.
pub async fn history(c: &mut TestClient, chat_type: i64, chat_id: i64, page: i64, last_created: i64) -> Value {
    c.send(
        Service::MESSAGE_GET_LIST_MODIFIED,
        &json!({"page": page, "lastCreated": last_created, "type": chat_type, "chatId": chat_id}),
    );
    c.recv(Service::MESSAGE_GET_LIST_MODIFIED).await.unwrap()
}

/// Every item of a conversation's history, newest first, paging until `done`.
pub async fn full_history(c: &mut TestClient, chat_type: i64, chat_id: i64) -> Vec<Value> {
    let mut all = Vec::new();
    let last = later();
    for page in 1.. {
        let reply = history(c, chat_type, chat_id, page, last).await;
        all.extend(reply["list"].as_array().unwrap().iter().cloned());
        if reply["done"] == 1 {
            break;
        }
    }
    all
}

/// A 173 page.
pub async fn unread(c: &mut TestClient, chat_type: i64, chat_id: i64, page: i64) -> Value {
    c.send(Service::MESSAGE_GET_LIST_UNREAD, &json!({"page": page, "type": chat_type, "chatId": chat_id}));
    c.recv(Service::MESSAGE_GET_LIST_UNREAD).await.unwrap()
}

/// A 170 page.
pub async fn conversations(c: &mut TestClient, page: i64, last_created: i64) -> Value {
    c.send(Service::CONVERSATION_GET_LIST_MODIFIED, &json!({"page": page, "lastCreated": last_created}));
    c.recv(Service::CONVERSATION_GET_LIST_MODIFIED).await.unwrap()
}

/// The conversation `(chat_type, chat_id)` in the first 170 page, if listed.
pub async fn conversation(c: &mut TestClient, chat_type: i64, chat_id: i64) -> Option<Value> {
    let page = conversations(c, 1, later()).await;
    page["list"].as_array().unwrap().iter().find(|x| x["type"] == chat_type && x["chatId"] == chat_id).cloned()
}

/// A 153 SEEN report and its reply.
pub async fn seen(c: &mut TestClient, chat_type: i64, chat_id: i64, sender: i64, msg_id: i64) -> Value {
    c.send(
        Service::MESSAGE_STATUS_CHANGE_SEEN,
        &json!({"type": chat_type, "chatId": chat_id, "senderId": sender, "msgId": msg_id}),
    );
    c.recv_where(Service::MESSAGE_STATUS_CHANGE_SEEN, |b| b["msgId"] == msg_id && r_of(b).is_some()).await.unwrap()
}

/// The `msgId`s of a list.
pub fn msg_ids(list: &[Value]) -> Vec<i64> {
    list.iter().map(|x| x["msgId"].as_i64().unwrap()).collect()
}
