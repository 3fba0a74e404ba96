//! Conversations, history, files, users and the §10 extensions through a real server (PROTOCOL.md §3.18–§3.23,
//! §3.28, §10.1).

use crate::common;

use azstack_engine::ids::now_ms;
use azstack_server::testkit::TestServer;
use common::{Peer, Target};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_history_files_and_deletion() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let alice = Peer::login(&t, "alice").await;
    let bob = Peer::login(&t, "bob").await;
    let (a, b) = (alice.user_id, bob.user_id);

    let mut sent = Vec::new();
    for i in 0..25 {
        sent.push(alice.ok("newMessage", json!({"chatType": 1, "chatId": b, "text": format!("m{i}")})).await);
    }
    let file = json!({"name": "a.png", "length": 10, "type": 1, "url": "https://files.example.org/a.png", "width": 4, "height": 3});
    let with_file = alice.ok("newMessage", json!({"chatType": 1, "chatId": b, "file": file})).await;
    let group = alice.ok("createGroup", json!({"type": 0, "name": "g", "memberIds": [b]})).await;
    let g = group["groupId"].as_i64().unwrap();
    let now = now_ms() + 1000;

    let conversations = bob.ok("getModifiedConversations", json!({"page": 1, "lastCreated": now})).await;
    assert_eq!((conversations["done"].clone(), conversations["page"].clone()), (json!(1), json!(1)));
    let list = conversations["list"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let newest = &list[0];
    assert_eq!(
        (newest["chatType"].clone(), newest["chatId"].clone(), newest["deleted"].clone()),
        (json!(2), json!(g), json!(0))
    );
    assert_eq!(newest["lastMessage"]["type"], 4);
    assert_eq!(newest["lastMessage"]["createdGroup"]["groupId"], g);
    assert_eq!(newest["lastMessage"]["createdGroup"]["adminId"], a);
    let user_chat = &list[1];
    assert_eq!(
        (user_chat["chatType"].clone(), user_chat["chatId"].clone(), user_chat["unread"].clone()),
        (json!(1), json!(a), json!(26))
    );
    let last = &user_chat["lastMessage"];
    assert_eq!(
        (
            last["type"].clone(),
            last["file"].clone(),
            last["receiverId"].clone(),
            last["senderId"].clone(),
            last["msgId"].clone()
        ),
        (json!(3), json!({"type": 1}), json!(a), json!(a), with_file["msgId"].clone())
    );
    assert_eq!(last["modified"], user_chat["modified"]);

    // History pages of 20, newest first, with the original item shape.
    let page1 = bob.ok("getModifiedMessages", json!({"page": 1, "lastCreated": now, "chatType": 1, "chatId": a})).await;
    assert_eq!(
        (page1["chatType"].clone(), page1["chatId"].clone(), page1["done"].clone(), page1["page"].clone()),
        (json!(1), json!(a), json!(0), json!(1))
    );
    let items = page1["list"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    assert_eq!(
        items[0]["file"],
        json!({"name": "a.png", "length": 10, "type": 1, "url": "https://files.example.org/a.png", "width": 4, "height": 3})
    );
    assert_eq!(items[1]["text"], "m24");
    assert_eq!(
        (
            items[1]["senderId"].clone(),
            items[1]["receiverId"].clone(),
            items[1]["type"].clone(),
            items[1]["status"].clone()
        ),
        (json!(a), json!(b), json!(1), json!(1))
    );
    let page2 = bob.ok("getModifiedMessages", json!({"page": 2, "lastCreated": now, "chatType": 1, "chatId": a})).await;
    assert_eq!(page2["done"], 1);
    assert_eq!(page2["list"].as_array().unwrap().len(), 6);
    assert_eq!(page2["list"][5]["text"], "m0");

    let unread = bob.ok("getUnreadMessages", json!({"page": 1, "chatType": 1, "chatId": a})).await;
    assert_eq!(unread["list"].as_array().unwrap().len(), 20);
    assert_eq!(unread["done"], 0);

    let group_history =
        bob.ok("getModifiedMessages", json!({"page": 1, "lastCreated": now, "chatType": 2, "chatId": g})).await;
    assert_eq!(group_history["list"][0]["type"], 4);
    assert_eq!(group_history["list"][0]["createdGroup"]["name"], "g");

    let files = bob.ok("getModifiedFiles", json!({"lastCreated": now})).await;
    assert_eq!(files["done"], 1);
    let f = &files["list"][0];
    assert_eq!(
        (f["chatType"].clone(), f["chatId"].clone(), f["type"].clone(), f["msgId"].clone()),
        (json!(1), json!(a), json!(3), with_file["msgId"].clone())
    );
    assert_eq!(f["file"]["name"], "a.png");
    let mine = alice.ok("getModifiedFiles", json!({"lastCreated": now, "chatType": 1, "chatId": b})).await;
    assert_eq!(mine["list"][0]["chatId"], b, "chatId is the other party for my own files");

    // Deleting the conversation hides it for bob only.
    let deleted = bob.ok("deleteConversation", json!({"chatType": 1, "chatId": a})).await;
    assert_eq!(deleted, json!({"chatType": 1, "chatId": a}));
    let after = bob.ok("getModifiedConversations", json!({"page": 1, "lastCreated": now_ms() + 1000})).await;
    assert!(after["list"].as_array().unwrap().iter().all(|c| !(c["chatType"] == 1 && c["chatId"] == a)));
    let alices = alice.ok("getModifiedConversations", json!({"page": 1, "lastCreated": now_ms() + 1000})).await;
    assert!(alices["list"].as_array().unwrap().iter().any(|c| c["chatType"] == 1 && c["chatId"] == b));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_stickers_app_state_devices_notifications_and_call_logs() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let alice = Peer::login(&t, "alice").await;
    let bob = Peer::login(&t, "bob").await;

    let by_ids = alice.ok("getUsersInformation", json!({"userIds": [bob.user_id, 987_654]})).await;
    assert_eq!(by_ids["done"], 1);
    let list = by_ids["list"].as_array().unwrap();
    assert_eq!(list.len(), 1, "unknown ids are omitted");
    assert_eq!(list[0]["userId"], bob.user_id);
    assert_eq!(list[0]["azStackUserId"], "bob");
    assert_eq!(list[0]["fullname"], "bob (test)");
    assert_eq!(list[0]["status"], 1);
    assert!(list[0]["lastVisitDate"].is_number());
    let by_names = alice.ok("getUsersInformation", json!({"azStackUserIds": ["alice", "bob"]})).await;
    assert_eq!(by_names["list"].as_array().unwrap().len(), 2);

    let stickers = alice.ok("getStickersList", json!({"isDefault": true})).await;
    assert_eq!(stickers["done"], 1);
    let first = &stickers["list"][0];
    assert!(first["catId"].is_number() && first["name"].is_string());
    assert!(
        first["urls"]["fullCover"].is_string()
            && first["urls"]["miniCover"].is_string()
            && first["urls"]["download"].is_string()
    );

    assert_eq!(alice.ok("changeApplicationState", json!({"state": 1})).await, json!({}));
    assert_eq!(alice.ok("changeApplicationState", json!({"state": 2})).await, json!({}));
    let device = json!({"deviceToken": "tok-1", "devicePlatformOS": 1, "applicationBundleId": "com.example.app"});
    assert_eq!(alice.ok("notificationRegisterDevice", device).await, json!({}));
    assert_eq!(alice.ok("notificationUnregisterDevice", json!({"deviceToken": "tok-1"})).await, json!({}));
    let parsed =
        alice.ok("parseNotification", json!({"notification": {"pushPacketType": "146", "appId": "app"}})).await;
    assert_eq!(parsed, json!({"appId": "app", "type": 1}));

    assert_eq!(alice.ok("getPaidCallLogs", Value::Null).await, json!({"done": 1, "list": []}));
    server.shutdown().await;
}
