//! Conversations (170, 171), history (169), unread messages (173) and files (191) over real sockets: exact shapes,
//! paging with `done`, deletion marks, group system messages, unread counts, and that nobody lists a conversation
//! they are not part of.

use crate::chat_support;

use azstack_protocol::Service;
use azstack_server::backend_tests;
use azstack_server::store::history::{NewSystemMessage, SystemEvent};
use azstack_server::store::now_ms;
use azstack_server::testkit::{TestClient, TestServer};
use chat_support::*;
use serde_json::{Value, json};

/// Waits until the millisecond clock has passed `t`, so that what happens next is strictly later than `t` (a
/// deletion mark hides messages created at or before it).
async fn tick(t: i64) {
    while now_ms() <= t {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
}

async fn system(server: &TestServer, group: i64, actor: i64, msg_id: i64, event: SystemEvent, created: i64) {
    let m = NewSystemMessage { group_id: group, actor, msg_id, event, created };
    let stored = server.server.hub.store.insert_system_message(&m).await.unwrap();
    assert!(!stored.duplicate);
    assert_eq!(stored.created, created);
}

fn list(v: &Value) -> &Vec<Value> {
    v["list"].as_array().unwrap()
}

async fn delete_conversation(c: &mut TestClient, chat_type: i64, chat_id: i64, last_time_created: i64) -> Value {
    c.send(
        Service::CONVERSATION_DELETE,
        &json!({"chatId": chat_id, "type": chat_type, "lastTimeCreated": last_time_created}),
    );
    c.recv(Service::CONVERSATION_DELETE).await.unwrap()
}

async fn files(c: &mut TestClient, body: Value) -> Value {
    c.send(Service::MESSAGE_GET_LIST_MODIFIED_FILES, &body);
    c.recv(Service::MESSAGE_GET_LIST_MODIFIED_FILES).await.unwrap()
}

// ---------------------------------------------------------------------------------------------------------------
// 170
// ---------------------------------------------------------------------------------------------------------------

async fn conversations_show_last_message_and_unread_newest_first(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let (alice_id, bob_id, carol_id) = (alice.user_id, bob.user_id, carol.user_id);
    let g = make_group(&server, alice_id, &[alice_id, bob_id]).await;
    let created = now_ms();
    let event =
        SystemEvent::Created { group_type: 0, admin: alice_id, name: "g".into(), members: vec![alice_id, bob_id] };
    system(&server, g, alice_id, 100, event, created).await;

    text(&mut bob, alice_id, 101, "b1").await;
    text(&mut bob, alice_id, 102, "b2").await;
    let a1 = text(&mut alice, bob_id, 103, "a1").await;
    let sticker =
        json!({"id": 104, "to": alice_id, "imgName": "s.png", "catId": 1, "url": "https://s.example.org/s.png"});
    carol.send(Service::MESSAGE_WITH_USER_TYPE_STICKER, &sticker);
    let sticker_ack = carol.recv(Service::MESSAGE_WITH_USER_TYPE_STICKER).await.unwrap();
    bob.send(
        Service::MESSAGE_NEW_WITH_GROUP,
        &json!({"msgId": 105, "group": g, "fileName": "r.pdf", "fileLength": 10, "type": 7, "url": "https://f.example.org/r.pdf"}),
    );
    let file_ack = group_reply(&mut bob, 105).await;
    let (t_text, t_sticker, t_file) =
        (a1["time"].as_i64().unwrap(), sticker_ack["created"].as_i64().unwrap(), file_ack["created"].as_i64().unwrap());

    let page = conversations(&mut alice, 1, later()).await;
    let group_conv = json!({"type": 2, "chatId": g, "modified": t_file, "unread": 1, "lastMsg": {
        "serviceType": 146, "sender": bob_id, "msgId": 105, "status": 1, "created": t_file, "msgType": 7, "kind": 3}});
    let carol_conv = json!({"type": 1, "chatId": carol_id, "modified": t_sticker, "unread": 1, "lastMsg": {
        "serviceType": 104, "sender": carol_id, "msgId": 104, "status": 1, "created": t_sticker, "kind": 2}});
    let bob_conv = json!({"type": 1, "chatId": bob_id, "modified": t_text, "unread": 2, "lastMsg": {
        "serviceType": 5, "sender": alice_id, "msgId": 103, "status": 1, "created": t_text, "msg": "a1", "kind": 1}});
    assert_eq!(page["done"], 1);
    assert_eq!(page["page"], 1);
    let mut expected = vec![group_conv, carol_conv, bob_conv.clone()];
    // Newest first; equal times (same millisecond) are ordered by type, then chat id.
    expected.sort_by_key(|c| {
        (-c["modified"].as_i64().unwrap(), c["type"].as_i64().unwrap(), c["chatId"].as_i64().unwrap())
    });
    assert_eq!(list(&page), &expected);

    // SEEN lowers the unread count; `lastCreated` bounds the conversations' `modified`.
    seen(&mut alice, 1, bob_id, bob_id, 101).await;
    assert_eq!(conversation(&mut alice, 1, bob_id).await.unwrap()["unread"], 1);
    let older = conversations(&mut alice, 1, t_sticker).await;
    assert!(list(&older).iter().all(|c| c["modified"].as_i64().unwrap() <= t_sticker));
    assert!(list(&older).iter().any(|c| c["chatId"] == carol_id && c["type"] == 1));
    // Bob's view of the same user conversation: alice's text is his unread one.
    let bobs = conversation(&mut bob, 1, alice_id).await.unwrap();
    assert_eq!((bobs["unread"].clone(), bobs["lastMsg"]["sender"].clone()), (json!(1), json!(alice_id)));
    server.shutdown().await;
}

async fn conversations_are_paged_by_twenty(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let (alice_id, bob_id) = (alice.user_id, bob.user_id);
    let base = now_ms() + 1000;
    let mut groups = Vec::new();
    for i in 0..25 {
        let g = make_group(&server, alice_id, &[alice_id, bob_id]).await;
        system(&server, g, alice_id, 1, SystemEvent::Renamed { name: format!("g{i}") }, base + i * 10).await;
        groups.push(g);
    }
    text(&mut bob, alice_id, 7, "hello").await;

    let mut seen_ids = Vec::new();
    let mut last_modified = i64::MAX;
    for (page_no, size, done) in [(1, 20, 0), (2, 6, 1), (3, 0, 1)] {
        let page = conversations(&mut alice, page_no, later()).await;
        assert_eq!((page["page"].clone(), page["done"].clone()), (json!(page_no), json!(done)), "page {page_no}");
        assert_eq!(list(&page).len(), size, "page {page_no}");
        for c in list(&page) {
            let modified = c["modified"].as_i64().unwrap();
            assert!(modified <= last_modified);
            last_modified = modified;
            seen_ids.push((c["type"].as_i64().unwrap(), c["chatId"].as_i64().unwrap()));
        }
    }
    let mut expected: Vec<(i64, i64)> = groups.iter().rev().map(|g| (2, *g)).collect();
    expected.push((1, bob_id));
    assert_eq!(seen_ids, expected);
    // `lastCreated` cuts the newest five groups off; a page below 1 is an empty last page.
    let page = conversations(&mut alice, 1, base + 19 * 10).await;
    assert_eq!(list(&page)[0]["chatId"], groups[19]);
    let page = conversations(&mut alice, 0, later()).await;
    assert_eq!((page["done"].clone(), list(&page).len()), (json!(1), 0));
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------------------
// 169, 173
// ---------------------------------------------------------------------------------------------------------------

async fn history_is_paged_newest_first_with_done(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let (alice_id, bob_id) = (alice.user_id, bob.user_id);
    let mut times = vec![0];
    for i in 1..=45 {
        times.push(text(&mut bob, alice_id, i, &format!("m{i}")).await["time"].as_i64().unwrap());
    }
    let now = later();
    let pages: Vec<Value> = [
        history(&mut alice, 1, bob_id, 1, now).await,
        history(&mut alice, 1, bob_id, 2, now).await,
        history(&mut alice, 1, bob_id, 3, now).await,
        history(&mut alice, 1, bob_id, 4, now).await,
    ]
    .into();
    let expect = [(26..=45, 0), (6..=25, 0), (1..=5, 1)];
    for (page, (ids, done)) in pages.iter().zip(expect) {
        assert_eq!(page["done"], done);
        assert_eq!(msg_ids(list(page)), ids.rev().collect::<Vec<_>>());
    }
    assert_eq!((pages[3]["done"].clone(), list(&pages[3]).len()), (json!(1), 0));
    assert_eq!(
        (pages[0]["type"].clone(), pages[0]["chatId"].clone(), pages[0]["page"].clone()),
        (json!(1), json!(bob_id), json!(1))
    );
    let t = times[45];
    let first = json!({"serviceType": 5, "senderId": bob_id, "receiverId": alice_id, "msgId": 45, "status": 1,
        "deleted": 0, "created": t, "modified": t, "msg": "m45"});
    assert_eq!(list(&pages[0])[0], first);
    // The sender sees the same history.
    assert_eq!(msg_ids(list(&history(&mut bob, 1, alice_id, 3, now).await)), vec![5, 4, 3, 2, 1]);
    // `lastCreated` bounds `created`.
    let page = history(&mut alice, 1, bob_id, 1, times[10]).await;
    assert!(list(&page).iter().all(|m| m["created"].as_i64().unwrap() <= times[10]));
    assert!(msg_ids(list(&page)).contains(&10));
    assert!(!msg_ids(list(&page)).iter().any(|id| times[*id as usize] > times[10]));
    server.shutdown().await;
}

async fn unread_messages_are_paged_and_counted(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let (alice_id, bob_id, carol_id) = (alice.user_id, bob.user_id, carol.user_id);
    for i in 1..=25 {
        text(&mut bob, alice_id, i, "unread").await;
    }
    text(&mut alice, bob_id, 100, "mine").await;
    text(&mut alice, bob_id, 101, "mine").await;

    let page1 = unread(&mut alice, 1, bob_id, 1).await;
    assert_eq!(
        (page1["type"].clone(), page1["chatId"].clone(), page1["page"].clone()),
        (json!(1), json!(bob_id), json!(1))
    );
    assert_eq!(page1["done"], 0);
    assert_eq!(msg_ids(list(&page1)), (6..=25).rev().collect::<Vec<_>>());
    let page2 = unread(&mut alice, 1, bob_id, 2).await;
    assert_eq!((page2["done"].clone(), msg_ids(list(&page2))), (json!(1), vec![5, 4, 3, 2, 1]));
    assert!(list(&page1).iter().all(|m| m["status"] == 1 && m["senderId"] == bob_id));

    for id in [25, 3, 7] {
        seen(&mut alice, 1, bob_id, bob_id, id).await;
    }
    // DELIVERED does not change the count.
    alice.send(Service::MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER, &json!({"to": bob_id, "msgId": 24}));
    alice.barrier().await;
    assert_eq!(conversation(&mut alice, 1, bob_id).await.unwrap()["unread"], 22);
    assert_eq!(list(&unread(&mut alice, 1, bob_id, 2).await).len(), 2);
    assert_eq!(conversation(&mut bob, 1, alice_id).await.unwrap()["unread"], 2);

    // Groups: system messages do not count (OQ-28), my own messages neither.
    let g = make_group(&server, alice_id, &[alice_id, carol_id]).await;
    for i in 1..=3 {
        group_text(&mut carol, g, 200 + i, "group unread").await;
    }
    group_text(&mut alice, g, 300, "mine").await;
    system(&server, g, carol_id, 400, SystemEvent::Renamed { name: "renamed".into() }, now_ms()).await;
    assert_eq!(msg_ids(list(&unread(&mut alice, 2, g, 1).await)), vec![203, 202, 201]);
    assert_eq!(conversation(&mut alice, 2, g).await.unwrap()["unread"], 3);
    seen(&mut alice, 2, g, carol_id, 202).await;
    assert_eq!(conversation(&mut alice, 2, g).await.unwrap()["unread"], 2);
    assert_eq!(conversation(&mut carol, 2, g).await.unwrap()["unread"], 1);
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------------------
// 171
// ---------------------------------------------------------------------------------------------------------------

async fn deleting_a_conversation_hides_it_until_a_newer_message(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let (alice_id, bob_id) = (alice.user_id, bob.user_id);
    let g = make_group(&server, alice_id, &[alice_id, bob_id]).await;
    for i in 1..=3 {
        text(&mut bob, alice_id, i, "old").await;
        group_text(&mut bob, g, 10 + i, "old").await;
    }

    let mark = now_ms();
    assert_eq!(delete_conversation(&mut alice, 1, bob_id, mark).await, json!({"r": 0, "type": 1, "chatId": bob_id}));
    assert_eq!(delete_conversation(&mut alice, 2, g, mark).await, json!({"r": 0, "type": 2, "chatId": g}));
    assert!(conversation(&mut alice, 1, bob_id).await.is_none());
    assert!(conversation(&mut alice, 2, g).await.is_none());
    assert!(full_history(&mut alice, 1, bob_id).await.is_empty());
    assert!(full_history(&mut alice, 2, g).await.is_empty());
    assert!(list(&unread(&mut alice, 1, bob_id, 1).await).is_empty());
    // Only for alice.
    assert_eq!(conversation(&mut bob, 1, alice_id).await.unwrap()["lastMsg"]["msgId"], 3);
    assert_eq!(full_history(&mut bob, 2, g).await.len(), 3);

    // A newer message brings the conversation back, with only what came after the mark.
    tick(mark).await;
    text(&mut bob, alice_id, 4, "new").await;
    group_text(&mut bob, g, 14, "new").await;
    let conv = conversation(&mut alice, 1, bob_id).await.unwrap();
    assert_eq!((conv["unread"].clone(), conv["lastMsg"]["msgId"].clone()), (json!(1), json!(4)));
    assert_eq!(msg_ids(&full_history(&mut alice, 1, bob_id).await), vec![4]);
    assert_eq!(conversation(&mut alice, 2, g).await.unwrap()["unread"], 1);
    assert_eq!(msg_ids(&full_history(&mut alice, 2, g).await), vec![14]);

    // A mark in the future is clamped to the server's time: later messages still show.
    let future = later();
    delete_conversation(&mut alice, 1, bob_id, future).await;
    tick(now_ms()).await;
    text(&mut bob, alice_id, 5, "after a future mark").await;
    assert_eq!(msg_ids(&full_history(&mut alice, 1, bob_id).await), vec![5]);

    // Not a member / not a user of this application / not a chat type.
    let reply = delete_conversation(&mut carol, 2, g, now_ms()).await;
    assert_eq!((reply["r"].clone(), reply["type"].clone(), reply["chatId"].clone()), (json!(-1), json!(2), json!(g)));
    assert!(reply["message"].is_string());
    assert_eq!(delete_conversation(&mut carol, 1, 987_654_321, now_ms()).await["r"], -1);
    assert_eq!(delete_conversation(&mut carol, 3, bob_id, now_ms()).await["r"], -1);
    assert_eq!(full_history(&mut bob, 2, g).await.len(), 4);
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------------------
// Group system messages
// ---------------------------------------------------------------------------------------------------------------

async fn group_system_messages_appear_in_history_and_as_last_message(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let (alice_id, bob_id) = (alice.user_id, bob.user_id);
    let (carol_id, dave_id) = (alice_id + 1000, alice_id + 1001);
    let g = make_group(&server, alice_id, &[alice_id, bob_id]).await;
    let base = now_ms() + 1000;
    let events = [
        (
            alice_id,
            SystemEvent::Created {
                group_type: 0,
                admin: alice_id,
                name: "team".into(),
                members: vec![alice_id, bob_id],
            },
            json!({"typeGroup": 0, "group": g, "admin": alice_id, "name": "team", "members": [alice_id, bob_id]}),
            json!({"admin": alice_id, "name": "team", "kind": 4}),
        ),
        (
            alice_id,
            SystemEvent::Invited { invited: vec![carol_id] },
            json!({"group": g, "invited": [carol_id]}),
            json!({"invitedMembers": [carol_id], "kind": 5}),
        ),
        (
            alice_id,
            SystemEvent::Renamed { name: "new team".into() },
            json!({"group": g, "name": "new team"}),
            json!({"newGroupName": "new team", "kind": 7}),
        ),
        (
            alice_id,
            SystemEvent::AdminChanged { new_admin: bob_id },
            json!({"group": g, "newAdmin": bob_id}),
            json!({"newAdmin": bob_id, "kind": 8}),
        ),
        (
            carol_id,
            SystemEvent::Left { leave_user: carol_id, new_admin: None },
            json!({"group": g, "leaveUser": carol_id}),
            json!({"leaveUser": carol_id, "kind": 6}),
        ),
        (
            bob_id,
            SystemEvent::Left { leave_user: bob_id, new_admin: Some(alice_id) },
            json!({"group": g, "leaveUser": bob_id, "newAdmin": alice_id}),
            json!({"leaveUser": bob_id, "newAdmin": alice_id, "kind": 6}),
        ),
        (dave_id, SystemEvent::PublicJoined, json!({"group": g, "from": dave_id}), json!({"kind": 9})),
    ];
    let mut items = Vec::new();
    for (i, (actor, event, fields, last_fields)) in events.into_iter().enumerate() {
        let (msg_id, created) = (500 + i as i64, base + i as i64);
        let kind = event.kind();
        system(&server, g, actor, msg_id, event, created).await;
        let mut item = json!({"serviceType": kind, "senderId": actor, "receiverId": g, "msgId": msg_id, "status": 1,
            "deleted": 0, "created": created, "modified": created});
        item.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
        items.push(item);
        // The conversation's last message, shaped per §3.19.
        let conv = conversation(&mut bob, 2, g).await.unwrap();
        let mut last = json!({"serviceType": kind, "sender": actor, "msgId": msg_id, "status": 1, "created": created});
        last.as_object_mut().unwrap().extend(last_fields.as_object().unwrap().clone());
        assert_eq!(conv["lastMsg"], last, "kind {kind}");
        assert_eq!((conv["modified"].clone(), conv["unread"].clone()), (json!(created), json!(0)));
    }
    items.reverse();
    assert_eq!(&full_history(&mut bob, 2, g).await, &items);
    assert!(list(&unread(&mut alice, 2, g, 1).await).is_empty());
    // The same action stored twice is one message (D7).
    let again = NewSystemMessage {
        group_id: g,
        actor: dave_id,
        msg_id: 506,
        event: SystemEvent::PublicJoined,
        created: now_ms(),
    };
    let stored = server.server.hub.store.insert_system_message(&again).await.unwrap();
    assert!(stored.duplicate);
    assert_eq!(stored.created, base + 6);
    // Receipts about system messages are accepted and change nothing.
    assert_eq!(seen(&mut alice, 2, g, dave_id, 506).await["r"], 1);
    assert_eq!(full_history(&mut alice, 2, g).await.len(), 7);
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------------------
// 191
// ---------------------------------------------------------------------------------------------------------------

async fn files_are_listed_per_conversation_or_all(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let (alice_id, bob_id, carol_id) = (alice.user_id, bob.user_id, carol.user_id);
    let g = make_group(&server, alice_id, &[alice_id, bob_id]).await;
    let elsewhere = make_group(&server, bob_id, &[bob_id, carol_id]).await;
    use Service::*;

    let user_file = json!({"fileName": "a.pdf", "fileLength": 100, "type": 7, "url": "https://f.example.org/a.pdf"});
    let mut body = json!({"id": 1, "to": bob_id});
    body.as_object_mut().unwrap().extend(user_file.as_object().unwrap().clone());
    alice.send(MESSAGE_WITH_USER_TYPE_FILE, &body);
    let t1 = alice.recv(MESSAGE_WITH_USER_TYPE_FILE).await.unwrap()["created"].as_i64().unwrap();
    text(&mut alice, bob_id, 2, "not a file").await;
    let group_file = json!({"fileName": "p.png", "fileLength": 5000, "type": 1, "url": "https://f.example.org/p.png", "width": 640, "height": 480});
    let mut body = json!({"msgId": 3, "group": g});
    body.as_object_mut().unwrap().extend(group_file.as_object().unwrap().clone());
    bob.send(MESSAGE_NEW_WITH_GROUP, &body);
    let t3 = group_reply(&mut bob, 3).await["created"].as_i64().unwrap();
    bob.send(
        MESSAGE_NEW_WITH_GROUP,
        &json!({"msgId": 4, "group": g, "type": 3, "imgName": "s", "catId": 1, "url": "https://s.example.org/s"}),
    );
    group_reply(&mut bob, 4).await;
    bob.send(MESSAGE_NEW_WITH_GROUP, &json!({"msgId": 5, "group": elsewhere, "fileName": "secret.txt", "fileLength": 1, "type": 8, "url": "https://f.example.org/s.txt"}));
    group_reply(&mut bob, 5).await;
    carol.send(MESSAGE_WITH_USER_TYPE_FILE, &json!({"id": 6, "to": alice_id, "fileName": "c.zip", "fileLength": 9, "type": 10, "url": "https://f.example.org/c.zip"}));
    let t6 = carol.recv(MESSAGE_WITH_USER_TYPE_FILE).await.unwrap()["created"].as_i64().unwrap();

    let mut alice_file = json!({"chatType": 1, "senderId": alice_id, "receiverId": bob_id, "msgId": 1, "status": 1,
        "deleted": 0, "created": t1, "modified": t1});
    alice_file.as_object_mut().unwrap().extend(user_file.as_object().unwrap().clone());
    let mut bob_file = json!({"chatType": 2, "group": g, "senderId": bob_id, "receiverId": g, "msgId": 3, "status": 1,
        "deleted": 0, "created": t3, "modified": t3});
    bob_file.as_object_mut().unwrap().extend(group_file.as_object().unwrap().clone());
    let carol_file = json!({"chatType": 1, "senderId": carol_id, "receiverId": alice_id, "msgId": 6, "status": 1,
        "deleted": 0, "created": t6, "modified": t6, "fileName": "c.zip", "fileLength": 9, "type": 10,
        "url": "https://f.example.org/c.zip"});

    let all = files(&mut alice, json!({"lastCreated": later()})).await;
    assert_eq!(all, json!({"done": 1, "list": [carol_file, bob_file, alice_file]}));
    let one = files(&mut alice, json!({"lastCreated": later(), "type": 1, "chatId": bob_id})).await;
    assert_eq!(one, json!({"done": 1, "list": [alice_file]}));
    let group = files(&mut bob, json!({"lastCreated": later(), "type": 2, "chatId": g})).await;
    assert_eq!(msg_ids(list(&group)), vec![3]);
    let bounded = files(&mut alice, json!({"lastCreated": t1})).await;
    assert!(
        msg_ids(list(&bounded)).contains(&1) && list(&bounded).iter().all(|f| f["created"].as_i64().unwrap() <= t1)
    );

    // A file hidden with 168 is gone from my list only.
    alice.send(MESSAGE_DELETE, &json!({"type": 1, "chatId": carol_id, "senderId": carol_id, "msgId": 6}));
    assert_eq!(alice.recv(MESSAGE_DELETE).await.unwrap()["r"], 0);
    assert_eq!(msg_ids(list(&files(&mut alice, json!({"lastCreated": later()})).await)), vec![3, 1]);
    assert_eq!(msg_ids(list(&files(&mut carol, json!({"lastCreated": later()})).await)), vec![6, 5]);

    // Someone else's group, or half a conversation key: an empty last packet with `r: -1`.
    for body in [
        json!({"lastCreated": later(), "type": 2, "chatId": elsewhere}),
        json!({"lastCreated": later(), "type": 1}),
        json!({"lastCreated": later(), "chatId": bob_id}),
    ] {
        let reply = files(&mut alice, body).await;
        assert_eq!(
            (reply["done"].clone(), reply["list"].clone(), reply["r"].clone()),
            (json!(1), json!([]), json!(-1))
        );
    }
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------------------
// Access
// ---------------------------------------------------------------------------------------------------------------

async fn lists_never_show_other_peoples_conversations(server: TestServer) {
    let mut alice = server.login("alice").await;
    let bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let (alice_id, bob_id, carol_id) = (alice.user_id, bob.user_id, carol.user_id);
    let g = make_group(&server, alice_id, &[alice_id, bob_id]).await;
    text(&mut alice, bob_id, 1, "private").await;
    group_text(&mut alice, g, 2, "members only").await;
    // A group of another application that carol is somehow a member of.
    let foreign =
        server.server.hub.store.insert_group("another-app", 0, "x", carol_id, &[carol_id], now_ms()).await.unwrap();
    let stranger = server.server.hub.store.upsert_user("another-app", "", "zed", "Zed").await.unwrap().id;

    for (chat_type, chat_id) in [(2, g), (2, foreign), (1, carol_id), (1, stranger), (1, 987_654_321), (3, alice_id)] {
        for reply in
            [history(&mut carol, chat_type, chat_id, 1, later()).await, unread(&mut carol, chat_type, chat_id, 1).await]
        {
            assert_eq!(
                (
                    reply["type"].clone(),
                    reply["chatId"].clone(),
                    reply["done"].clone(),
                    reply["list"].clone(),
                    reply["r"].clone()
                ),
                (json!(chat_type), json!(chat_id), json!(1), json!([]), json!(-1)),
                "({chat_type}, {chat_id})"
            );
            assert!(reply["message"].is_string());
        }
    }
    // Carol's own (empty) conversations with alice and bob show nothing of theirs.
    for peer in [alice_id, bob_id] {
        let reply = history(&mut carol, 1, peer, 1, later()).await;
        assert_eq!((reply["done"].clone(), reply["list"].clone()), (json!(1), json!([])));
        assert!(reply.get("r").is_none());
    }
    assert!(list(&conversations(&mut carol, 1, later()).await).is_empty());
    assert!(list(&files(&mut carol, json!({"lastCreated": later()})).await).is_empty());
    server.shutdown().await;
}

backend_tests!(
    conversations_show_last_message_and_unread_newest_first,
    conversations_are_paged_by_twenty,
    history_is_paged_newest_first_with_done,
    unread_messages_are_paged_and_counted,
    deleting_a_conversation_hides_it_until_a_newer_message,
    group_system_messages_appear_in_history_and_as_last_message,
    files_are_listed_per_conversation_or_all,
    lists_never_show_other_peoples_conversations,
);
