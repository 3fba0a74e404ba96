//! Messages between engines through a real server: results, pushes, receipts, typing (PROTOCOL.md §3.24–§3.27,
//! §4.2).

use crate::common;

use azstack_server::testkit::TestServer;
use common::{Peer, Target};
use serde_json::{Value, json};

fn keys(v: &Value) -> Vec<String> {
    let mut keys: Vec<String> = v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    keys.sort();
    keys
}

const MESSAGE_KEYS: [&str; 10] =
    ["chatId", "chatType", "created", "deleted", "modified", "msgId", "receiverId", "senderId", "status", "type"];

fn message_keys(content: &str) -> Vec<String> {
    let mut k: Vec<String> = MESSAGE_KEYS.iter().map(|s| s.to_string()).collect();
    k.push(content.to_owned());
    k.sort();
    k
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_text_with_receipts_typing_and_echo_to_my_other_session() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let mut alice = Peer::login(&t, "alice").await;
    let mut alice2 = Peer::login(&t, "alice").await;
    let mut bob = Peer::login(&t, "bob").await;
    assert_eq!(alice.user_id, alice2.user_id);
    let (a, b) = (alice.user_id, bob.user_id);

    let sent = alice.ok("newMessage", json!({"chatType": 1, "chatId": b, "text": "hello bob"})).await;
    assert_eq!(keys(&sent), message_keys("text"));
    let msg_id = sent["msgId"].as_i64().unwrap();
    assert_eq!(
        (sent["chatType"].clone(), sent["chatId"].clone(), sent["senderId"].clone(), sent["receiverId"].clone()),
        (json!(1), json!(b), json!(a), json!(b))
    );
    assert_eq!((sent["type"].clone(), sent["status"].clone(), sent["deleted"].clone()), (json!(1), json!(1), json!(0)));
    assert_eq!(sent["text"], "hello bob");
    assert!(msg_id > 1_600_000_000, "msgId is seeded from epoch seconds: {msg_id}");

    let sent_status = alice.event("onMessageStatusChanged").await;
    assert_eq!(
        sent_status,
        json!({"chatType": 1, "chatId": b, "senderId": a, "receiverId": a, "msgId": msg_id, "messageStatus": 1})
    );

    let incoming = bob.event("onHasNewMessage").await;
    assert_eq!(keys(&incoming), message_keys("text"));
    assert_eq!(
        (
            incoming["chatId"].clone(),
            incoming["senderId"].clone(),
            incoming["receiverId"].clone(),
            incoming["msgId"].clone()
        ),
        (json!(a), json!(a), json!(b), json!(msg_id))
    );
    assert_eq!(
        (incoming["type"].clone(), incoming["status"].clone(), incoming["text"].clone()),
        (json!(1), json!(1), json!("hello bob"))
    );
    assert_eq!(incoming["created"], incoming["modified"]);

    let echo = alice2.event("onMessageFromMe").await;
    assert_eq!(keys(&echo), message_keys("text"));
    assert_eq!(
        (echo["chatId"].clone(), echo["senderId"].clone(), echo["receiverId"].clone()),
        (json!(b), json!(a), json!(b))
    );

    // Receipts flow back to the sender.
    let status = |s: i64, o: Value| json!({"chatType": 1, "chatId": o["chatId"], "messageSenderId": a, "messageStatus": s, "msgId": msg_id});
    assert_eq!(bob.ok("changeMessageStatus", status(2, json!({"chatId": a}))).await, Value::Null);
    let delivered = alice.event_where("onMessageStatusChanged", |_, r| r["messageStatus"] == 2).await.1;
    assert_eq!(
        delivered,
        json!({"chatType": 1, "chatId": b, "senderId": b, "receiverId": a, "msgId": msg_id, "messageStatus": 2})
    );
    assert_eq!(bob.ok("changeMessageStatus", status(3, json!({"chatId": a}))).await, Value::Null);
    let seen = alice.event_where("onMessageStatusChanged", |_, r| r["messageStatus"] == 3).await.1;
    assert_eq!(
        seen,
        json!({"chatType": 1, "chatId": b, "senderId": b, "receiverId": a, "msgId": msg_id, "messageStatus": 3})
    );

    // The sender recalls it.
    let cancel = json!({"chatType": 1, "chatId": b, "messageSenderId": a, "messageStatus": 6, "msgId": msg_id});
    assert_eq!(alice.ok("changeMessageStatus", cancel).await, Value::Null);
    let cancelled = bob.event_where("onMessageStatusChanged", |_, r| r["messageStatus"] == 6).await.1;
    assert_eq!(
        cancelled,
        json!({"chatType": 1, "chatId": a, "senderId": a, "receiverId": b, "msgId": msg_id, "messageStatus": 6})
    );

    // Typing.
    assert_eq!(alice.ok("sendTyping", json!({"chatType": 1, "chatId": b})).await, Value::Null);
    assert_eq!(bob.event("onTyping").await, json!({"chatType": 1, "chatId": a, "senderId": a, "receiverId": b}));

    // A caller-chosen msgId is used as is; deletion is for me only and has no push.
    let own = alice.ok("newMessage", json!({"chatType": 1, "chatId": b, "text": "x", "msgId": 777})).await;
    assert_eq!(own["msgId"], 777);
    let del = json!({"chatType": 1, "chatId": a, "messageSenderId": a, "msgId": 777});
    assert_eq!(bob.ok("deleteMessage", del).await, Value::Null);
    alice.barrier().await;
    bob.barrier().await;
    assert!(alice2.buffered("onHasNewMessage").is_empty(), "my own message never comes back as incoming");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stickers_files_and_locations_to_users_and_groups() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let mut alice = Peer::login(&t, "alice").await;
    let mut alice2 = Peer::login(&t, "alice").await;
    let mut bob = Peer::login(&t, "bob").await;
    let (a, b) = (alice.user_id, bob.user_id);

    let sticker = json!({"name": "smile.png", "catId": 2, "url": "https://stickers.example.org/2/smile.png", "width": 120, "height": 120});
    let file = json!({"name": "report.pdf", "length": 1024, "type": 7, "url": "https://files.example.org/report.pdf"});
    let location = json!({"address": "Hanoi", "longitude": 105.85, "latitude": 21.03});

    for (kind, content, message_type) in [("sticker", &sticker, 2), ("file", &file, 3), ("location", &location, 11)] {
        let sent = alice.ok("newMessage", json!({"chatType": 1, "chatId": b, kind: content})).await;
        assert_eq!(keys(&sent), message_keys(kind), "{kind}");
        assert_eq!((sent["type"].clone(), sent["status"].clone()), (json!(message_type), json!(1)), "{kind}");
        assert_eq!(&sent[kind], content, "{kind}");
        let msg_id = sent["msgId"].clone();
        let acked = alice.event_where("onMessageStatusChanged", |_, r| r["msgId"] == msg_id).await.1;
        assert_eq!(acked["messageStatus"], 1);
        let got = bob.event("onHasNewMessage").await;
        assert_eq!(keys(&got), message_keys(kind), "{kind}");
        assert_eq!(
            (got["chatId"].clone(), got["senderId"].clone(), got["receiverId"].clone()),
            (json!(a), json!(a), json!(b))
        );
        assert_eq!(&got[kind], content, "{kind}");
        assert_eq!(got["type"], message_type);
        let echo = alice2.event("onMessageFromMe").await;
        assert_eq!(&echo[kind], content, "{kind} echo");
        assert_eq!((echo["chatId"].clone(), echo["senderId"].clone()), (json!(b), json!(a)));
    }

    let group = alice.ok("createGroup", json!({"type": 0, "name": "media", "memberIds": [b]})).await;
    let g = group["groupId"].as_i64().unwrap();
    for (kind, content, message_type) in
        [("text", &json!("hi all"), 1), ("sticker", &sticker, 2), ("file", &file, 3), ("location", &location, 11)]
    {
        let sent = alice.ok("newMessage", json!({"chatType": 2, "chatId": g, kind: content})).await;
        assert_eq!(
            (sent["type"].clone(), sent["chatType"].clone(), sent["receiverId"].clone()),
            (json!(message_type), json!(2), json!(g)),
            "{kind}"
        );
        let got = bob.event_where("onHasNewMessage", |_, r| r["chatType"] == 2).await.1;
        assert_eq!(keys(&got), message_keys(kind), "{kind}");
        assert_eq!(
            (got["chatId"].clone(), got["senderId"].clone(), got["receiverId"].clone()),
            (json!(g), json!(a), json!(g))
        );
        assert_eq!(&got[kind], content, "group {kind}");
        assert_eq!(got["type"], message_type, "group {kind}");
        let echo = alice2.event_where("onMessageFromMe", |_, r| r["chatType"] == 2).await.1;
        assert_eq!(&echo[kind], content, "group {kind} echo");
        let ack = alice.event_where("onMessageStatusChanged", |_, r| r["chatType"] == 2).await.1;
        assert_eq!(
            ack,
            json!({"chatType": 2, "chatId": g, "senderId": a, "receiverId": g, "msgId": sent["msgId"], "messageStatus": 1})
        );
    }

    // Group receipts, recall and typing.
    let last = alice.ok("newMessage", json!({"chatType": 2, "chatId": g, "text": "read me"})).await;
    let id = last["msgId"].clone();
    bob.event_where("onHasNewMessage", |_, r| r["msgId"] == id).await;
    let report = |s: i64| json!({"chatType": 2, "chatId": g, "messageSenderId": a, "messageStatus": s, "msgId": id});
    assert_eq!(bob.ok("changeMessageStatus", report(2)).await, Value::Null);
    let d = alice.event_where("onMessageStatusChanged", |_, r| r["messageStatus"] == 2).await.1;
    assert_eq!(d, json!({"chatType": 2, "chatId": g, "senderId": b, "receiverId": g, "msgId": id, "messageStatus": 2}));
    assert_eq!(bob.ok("changeMessageStatus", report(3)).await, Value::Null);
    let s = alice.event_where("onMessageStatusChanged", |_, r| r["messageStatus"] == 3).await.1;
    assert_eq!(s, json!({"chatType": 2, "chatId": g, "senderId": b, "receiverId": g, "msgId": id, "messageStatus": 3}));
    assert_eq!(alice.ok("changeMessageStatus", report(6)).await, Value::Null);
    let c = bob.event_where("onMessageStatusChanged", |_, r| r["messageStatus"] == 6).await.1;
    assert_eq!(c, json!({"chatType": 2, "chatId": g, "senderId": a, "receiverId": g, "msgId": id, "messageStatus": 6}));
    assert_eq!(bob.ok("sendTyping", json!({"chatType": 2, "chatId": g})).await, Value::Null);
    assert_eq!(alice.event("onTyping").await, json!({"chatType": 2, "chatId": g, "senderId": b, "receiverId": g}));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_same_key_requests_queue_instead_of_overwriting() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let alice = Peer::login(&t, "alice").await;
    let bob = Peer::login(&t, "bob").await;
    let carol = Peer::login(&t, "carol").await;
    for peer in [&bob, &carol] {
        alice
            .ok("newMessage", json!({"chatType": 1, "chatId": peer.user_id, "text": format!("to {}", peer.user_id)}))
            .await;
    }
    let now = azstack_engine::ids::now_ms() + 1000;
    let page = |id: i64| json!({"page": 1, "lastCreated": now, "chatType": 1, "chatId": id});
    // Both go out under the key UNCALL_KEY_GET_MODIFIED_MESSAGES/default; the original would lose the first.
    let (x, y) = tokio::join!(
        alice.call("getModifiedMessages", page(bob.user_id)),
        alice.call("getModifiedMessages", page(carol.user_id))
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x["chatId"], bob.user_id);
    assert_eq!(y["chatId"], carol.user_id);
    assert_eq!(x["list"][0]["text"], format!("to {}", bob.user_id));
    assert_eq!(y["list"][0]["text"], format!("to {}", carol.user_id));
    server.shutdown().await;
}
