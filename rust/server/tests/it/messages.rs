//! Chat over real sockets: sending (72, 104/121/113, 45) with the exact fan-out of PROTOCOL.md §11.3, D6 acks,
//! idempotent resends (D7), receipts (167, 74, 153), recalls (127, 151), deletion (168) and typing (142, 149), and
//! that nobody reads or changes someone else's conversation.

use crate::chat_support;

use azstack_protocol::Service;
use azstack_server::backend_tests;
use azstack_server::testkit::{TestClient, TestServer};
use chat_support::*;
use serde_json::json;

/// Nothing of `services` is waiting in `c`'s buffer (call after a barrier).
fn assert_none(c: &mut TestClient, services: &[Service]) {
    for s in services {
        let got = c.buffered(*s);
        assert!(got.is_empty(), "{} got unexpected {s:?}: {got:?}", c.username);
    }
}

async fn barriers(clients: &mut [&mut TestClient]) {
    for c in clients.iter_mut() {
        c.barrier().await;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------------------------

async fn user_text_is_acked_delivered_and_echoed(server: TestServer) {
    let mut a1 = server.login("alice").await;
    let mut a2 = server.login_original("alice").await;
    let mut b1 = server.login("bob").await;
    let mut b2 = server.login_original("bob").await;
    let (alice, bob) = (a1.user_id, b1.user_id);

    let ack = text(&mut a1, bob, 1001, "hello bob").await;
    let time = ack["time"].as_i64().expect("numeric time");
    assert_eq!(ack, json!({"r": 1, "msgId": 1001, "from": bob, "to": bob, "time": time}));
    assert!((time - azstack_server::store::now_ms()).abs() < 60_000);

    let incoming = json!({"from": alice, "to": bob, "msgId": 1001, "msg": "hello bob", "time": time});
    assert_eq!(b1.recv(Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT).await.unwrap(), incoming);
    assert_eq!(b2.recv(Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT).await.unwrap(), incoming);
    let echo = a2.recv(Service::MESSAGE_FROM_ME_WITH_USER).await.unwrap();
    assert_eq!(echo, json!({"to": bob, "msgId": 1001, "msg": "hello bob", "time": time}));

    barriers(&mut [&mut a1, &mut a2, &mut b1, &mut b2]).await;
    use Service::*;
    assert_none(&mut a1, &[MESSAGE_FROM_ME_WITH_USER, MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT]);
    assert_none(&mut a2, &[MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT, MESSAGE_NEW_WITH_USER_TYPE_TEXT]);
    for b in [&mut b1, &mut b2] {
        assert_none(b, &[MESSAGE_NEW_WITH_USER_TYPE_TEXT, MESSAGE_FROM_ME_WITH_USER]);
        assert_eq!(b.buffered(MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT).len(), 0);
    }
    server.shutdown().await;
}

async fn user_media_gets_d6_acks_only_on_engine_sessions(server: TestServer) {
    let mut engine = server.login("alice").await;
    let mut original = server.login_original("alice").await;
    let mut bob = server.login_original("bob").await;
    let (alice, bob_id) = (engine.user_id, bob.user_id);
    use Service::*;

    // Sticker from the engine session: D6 ack there, 175 to the other session, 104 to bob.
    let sticker = json!({"id": 2001, "to": bob_id, "imgName": "smile.png", "catId": 3, "url": "https://s.example.org/1.png", "width": 120, "height": 80.5});
    engine.send(MESSAGE_WITH_USER_TYPE_STICKER, &sticker);
    let ack = engine.recv(MESSAGE_WITH_USER_TYPE_STICKER).await.unwrap();
    let created = ack["created"].as_i64().expect("numeric created");
    assert_eq!(ack, json!({"r": 1, "id": 2001, "to": bob_id, "created": created}));
    let content =
        json!({"imgName": "smile.png", "catId": 3, "url": "https://s.example.org/1.png", "width": 120, "height": 80.5});
    let mut expected = json!({"from": alice, "to": bob_id, "id": 2001, "created": created});
    expected.as_object_mut().unwrap().extend(content.as_object().unwrap().clone());
    assert_eq!(bob.recv(MESSAGE_WITH_USER_TYPE_STICKER).await.unwrap(), expected);
    assert_eq!(original.recv(MESSAGE_FROM_ME_WITH_USER_JSON).await.unwrap(), expected);

    // File from the original session: no ack there, 175 to the engine session, 121 to bob.
    let file = json!({"id": 2002, "to": bob_id, "fileName": "a.pdf", "fileLength": 2048, "type": 7, "url": "https://f.example.org/a.pdf"});
    original.send(MESSAGE_WITH_USER_TYPE_FILE, &file);
    let got = bob.recv(MESSAGE_WITH_USER_TYPE_FILE).await.unwrap();
    let created = got["created"].as_i64().unwrap();
    let expected = json!({"from": alice, "to": bob_id, "id": 2002, "created": created, "fileName": "a.pdf", "fileLength": 2048, "type": 7, "url": "https://f.example.org/a.pdf"});
    assert_eq!(got, expected);
    assert_eq!(engine.recv(MESSAGE_FROM_ME_WITH_USER_JSON).await.unwrap(), expected);

    // Location from the engine session.
    let location = json!({"type": 4, "id": 2003, "to": bob_id, "addr": "1 Main St", "long": 105.8, "lat": 21.03});
    engine.send(MESSAGE_WITH_USER_TYPE_LOCATION, &location);
    let ack = engine.recv(MESSAGE_WITH_USER_TYPE_LOCATION).await.unwrap();
    let created = ack["created"].as_i64().unwrap();
    assert_eq!(ack, json!({"r": 1, "id": 2003, "to": bob_id, "created": created}));
    let expected = json!({"from": alice, "to": bob_id, "id": 2003, "created": created, "type": 4, "addr": "1 Main St", "long": 105.8, "lat": 21.03});
    assert_eq!(bob.recv(MESSAGE_WITH_USER_TYPE_LOCATION).await.unwrap(), expected);
    assert_eq!(original.recv(MESSAGE_FROM_ME_WITH_USER_JSON).await.unwrap(), expected);

    barriers(&mut [&mut engine, &mut original, &mut bob]).await;
    // Never 104/121/113 back to a sending session (the engine's only ones carry `r`), no ack to the original.
    for s in [MESSAGE_WITH_USER_TYPE_STICKER, MESSAGE_WITH_USER_TYPE_FILE, MESSAGE_WITH_USER_TYPE_LOCATION] {
        assert_none(&mut original, &[s]);
        assert!(engine.buffered(s).iter().all(|b| b.get("r").is_some()), "{s:?} sent back to its sender");
    }
    assert_none(&mut engine, &[MESSAGE_FROM_ME_WITH_USER_JSON]);
    assert_none(&mut bob, &[MESSAGE_FROM_ME_WITH_USER_JSON]);
    server.shutdown().await;
}

async fn group_messages_fan_out_to_members_and_echo(server: TestServer) {
    let mut a1 = server.login("alice").await;
    let mut a2 = server.login_original("alice").await;
    let mut b1 = server.login("bob").await;
    let mut b2 = server.login_original("bob").await;
    let mut c = server.login("carol").await;
    let mut outsider = server.login("dave").await;
    let alice = a1.user_id;
    let g = make_group(&server, alice, &[alice, b1.user_id, c.user_id]).await;
    use Service::*;

    let bodies = [
        json!({"msg": "hi all"}),
        json!({"type": 3, "imgName": "cat.png", "catId": 2, "url": "https://s.example.org/cat.png", "width": 64, "height": 64}),
        json!({"fileName": "v.mp4", "fileLength": 1000, "type": 3, "url": "https://f.example.org/v.mp4", "duration": 12}),
        json!({"type": 4, "addr": "Hanoi", "long": 105.8, "lat": 21.0}),
    ];
    for (i, content) in bodies.iter().enumerate() {
        let msg_id = 3000 + i as i64;
        let mut body = json!({"msgId": msg_id, "group": g});
        body.as_object_mut().unwrap().extend(content.as_object().unwrap().clone());
        a1.send(MESSAGE_NEW_WITH_GROUP, &body);
        let ack = group_reply(&mut a1, msg_id).await;
        let created = ack["created"].as_i64().expect("numeric created");
        assert_eq!(ack, json!({"r": 1, "group": g, "msgId": msg_id, "created": created}));
        let mut expected = json!({"from": alice, "group": g, "msgId": msg_id, "created": created});
        expected.as_object_mut().unwrap().extend(content.as_object().unwrap().clone());
        for member in [&mut b1, &mut b2, &mut c] {
            assert_eq!(member.recv(MESSAGE_HAS_NEW_WITH_GROUP).await.unwrap(), expected);
        }
        assert_eq!(a2.recv(MESSAGE_FROM_ME_WITH_GROUP).await.unwrap(), expected);
    }

    barriers(&mut [&mut a1, &mut a2, &mut b1, &mut b2, &mut c, &mut outsider]).await;
    assert_none(&mut a1, &[MESSAGE_HAS_NEW_WITH_GROUP, MESSAGE_FROM_ME_WITH_GROUP]);
    assert_none(&mut a2, &[MESSAGE_HAS_NEW_WITH_GROUP, MESSAGE_NEW_WITH_GROUP]);
    for m in [&mut b1, &mut b2, &mut c] {
        assert_none(m, &[MESSAGE_NEW_WITH_GROUP, MESSAGE_FROM_ME_WITH_GROUP]);
    }
    assert_none(&mut outsider, &[MESSAGE_HAS_NEW_WITH_GROUP]);
    server.shutdown().await;
}

async fn refused_sends_get_error_replies_and_deliver_nothing(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut original = server.login_original("alice").await;
    let mut bob = server.login("bob").await;
    let mut dave = server.login("dave").await;
    let (alice_id, bob_id) = (alice.user_id, bob.user_id);
    let g = make_group(&server, alice_id, &[alice_id, bob_id]).await;
    // A user of another application.
    let stranger = server.server.hub.store.upsert_user("another-app", "", "zed", "Zed").await.unwrap().id;
    use Service::*;

    for (to, msg) in [(bob_id, ""), (alice_id, "to myself"), (stranger, "hi"), (987_654_321, "hi")] {
        let reply = text(&mut alice, to, 4001, msg).await;
        assert_eq!(reply["r"], -1, "{reply}");
        assert_eq!((reply["msgId"].clone(), reply["from"].clone()), (json!(4001), json!(to)));
        assert!(reply["message"].is_string());
    }
    // Group: not a member, unknown group, empty text, no content at all.
    for (by_dave, group, content) in [
        (true, g, json!({"msg": "let me in"})),
        (false, 424_242, json!({"msg": "nobody"})),
        (false, g, json!({"msg": ""})),
        (false, g, json!({})),
    ] {
        let client = if by_dave { &mut dave } else { &mut alice };
        let mut body = json!({"msgId": 4002, "group": group});
        body.as_object_mut().unwrap().extend(content.as_object().unwrap().clone());
        client.send(MESSAGE_NEW_WITH_GROUP, &body);
        let reply = group_reply(client, 4002).await;
        assert_eq!(reply["r"], -1, "{reply}");
        assert_eq!(reply["group"], group);
        assert!(reply["message"].is_string());
    }
    // Media: the engine hears why, the original hears nothing (it has no reply on these services).
    let empty_sticker =
        json!({"id": 4003, "to": bob_id, "imgName": "", "catId": 1, "url": "https://s.example.org/x.png"});
    alice.send(MESSAGE_WITH_USER_TYPE_STICKER, &empty_sticker);
    let reply = alice.recv(MESSAGE_WITH_USER_TYPE_STICKER).await.unwrap();
    assert_eq!((reply["r"].clone(), reply["id"].clone(), reply["to"].clone()), (json!(-1), json!(4003), json!(bob_id)));
    original.send(MESSAGE_WITH_USER_TYPE_STICKER, &empty_sticker);
    original.send(MESSAGE_WITH_USER_TYPE_FILE, &json!({"id": 4004, "to": alice_id, "fileName": "x", "fileLength": 1, "type": 1, "url": "https://f.example.org/x"}));

    barriers(&mut [&mut alice, &mut original, &mut bob, &mut dave]).await;
    assert_none(&mut original, &[MESSAGE_WITH_USER_TYPE_STICKER, MESSAGE_WITH_USER_TYPE_FILE]);
    assert_none(
        &mut bob,
        &[MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT, MESSAGE_HAS_NEW_WITH_GROUP, MESSAGE_WITH_USER_TYPE_STICKER],
    );
    assert_none(&mut alice, &[MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT, MESSAGE_WITH_USER_TYPE_FILE]);
    assert!(full_history(&mut alice, 1, bob_id).await.is_empty());
    assert!(full_history(&mut alice, 2, g).await.is_empty());
    server.shutdown().await;
}

async fn resends_are_reacked_with_the_original_time_and_not_delivered_again(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut other = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let bob_id = bob.user_id;
    let g = make_group(&server, alice.user_id, &[alice.user_id, bob_id]).await;
    use Service::*;

    let first = text(&mut alice, bob_id, 5001, "once").await;
    let again = text(&mut alice, bob_id, 5001, "once").await;
    assert_eq!(first, again);
    assert_eq!(first["r"], 1);

    let first = group_text(&mut alice, g, 5002, "once in a group").await;
    let again = group_text(&mut alice, g, 5002, "once in a group").await;
    assert_eq!(first, again);

    let sticker = json!({"id": 5003, "to": bob_id, "imgName": "s", "catId": 1, "url": "https://s.example.org/s.png"});
    alice.send(MESSAGE_WITH_USER_TYPE_STICKER, &sticker);
    let first = alice.recv(MESSAGE_WITH_USER_TYPE_STICKER).await.unwrap();
    // The resend comes from another session of the same user: still the same message.
    other.send(MESSAGE_WITH_USER_TYPE_STICKER, &sticker);
    let again = other.recv(MESSAGE_WITH_USER_TYPE_STICKER).await.unwrap();
    assert_eq!(first, again);
    assert_eq!(first["r"], 1);

    barriers(&mut [&mut alice, &mut other, &mut bob]).await;
    assert_eq!(bob.buffered(MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT).len(), 1);
    assert_eq!(bob.buffered(MESSAGE_HAS_NEW_WITH_GROUP).len(), 1);
    assert_eq!(bob.buffered(MESSAGE_WITH_USER_TYPE_STICKER).len(), 1);
    assert_eq!(other.buffered(MESSAGE_FROM_ME_WITH_USER).len(), 1);
    assert_eq!(other.buffered(MESSAGE_FROM_ME_WITH_GROUP).len(), 1);
    // The first send was echoed to the other session; the resend from there echoed nothing back.
    assert_eq!(other.buffered(MESSAGE_FROM_ME_WITH_USER_JSON).len(), 1);
    assert_eq!(alice.buffered(MESSAGE_FROM_ME_WITH_USER_JSON).len(), 0);
    assert_eq!(msg_ids(&full_history(&mut bob, 1, alice.user_id).await), vec![5003, 5001]);
    assert_eq!(msg_ids(&full_history(&mut bob, 2, g).await), vec![5002]);
    server.shutdown().await;
}

async fn pipelined_sends_keep_their_order_and_later_requests_see_them(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let (alice_id, bob_id) = (alice.user_id, bob.user_id);
    let g = make_group(&server, alice_id, &[alice_id, bob_id]).await;
    use Service::*;
    // Fifty messages without waiting, a refused one in the middle, then a recall of the last one and a history
    // request, all before reading anything.
    for msg_id in 1..=50 {
        if msg_id == 25 {
            alice.send(MESSAGE_NEW_WITH_USER_TYPE_TEXT, &json!({"msgId": 1000, "to": bob_id, "msg": ""}));
        }
        alice.send(
            MESSAGE_NEW_WITH_USER_TYPE_TEXT,
            &json!({"msgId": msg_id, "to": bob_id, "msg": format!("m{msg_id}")}),
        );
        alice.send(MESSAGE_NEW_WITH_GROUP, &json!({"msgId": 100 + msg_id, "group": g, "msg": "g"}));
    }
    alice
        .send(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER, &json!({"type": 1, "chatId": bob_id, "to": bob_id, "id": 50}));
    alice.send(MESSAGE_GET_LIST_MODIFIED, &json!({"page": 3, "lastCreated": later(), "type": 1, "chatId": bob_id}));

    let mut acks = Vec::new();
    for _ in 0..51 {
        acks.push(alice.recv(MESSAGE_NEW_WITH_USER_TYPE_TEXT).await.unwrap());
    }
    let mut expected: Vec<i64> = (1..=50).collect();
    expected.insert(24, 1000);
    assert_eq!(acks.iter().map(|a| a["msgId"].as_i64().unwrap()).collect::<Vec<_>>(), expected);
    assert_eq!(acks[24]["r"], -1);
    for _ in 0..50 {
        assert_eq!(alice.recv(MESSAGE_NEW_WITH_GROUP).await.unwrap()["r"], 1);
    }
    assert_eq!(
        alice.recv(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER).await.unwrap(),
        json!({"r": 1, "id": 50, "to": bob_id})
    );
    let page = alice.recv(MESSAGE_GET_LIST_MODIFIED).await.unwrap();
    assert_eq!(msg_ids(page["list"].as_array().unwrap()), (1..=10).rev().collect::<Vec<_>>());
    assert_eq!(page["done"], 1);

    let mut delivered = Vec::new();
    for _ in 0..50 {
        delivered.push(bob.recv(MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT).await.unwrap()["msgId"].as_i64().unwrap());
    }
    assert_eq!(delivered, (1..=50).collect::<Vec<_>>());
    let mut group = Vec::new();
    for _ in 0..50 {
        group.push(bob.recv(MESSAGE_HAS_NEW_WITH_GROUP).await.unwrap()["msgId"].as_i64().unwrap());
    }
    assert_eq!(group, (101..=150).collect::<Vec<_>>());
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------------------
// Receipts
// ---------------------------------------------------------------------------------------------------------------

async fn user_receipts_reach_the_author_and_never_go_down(server: TestServer) {
    let mut a1 = server.login("alice").await;
    let mut a2 = server.login_original("alice").await;
    let mut b1 = server.login("bob").await;
    let mut b2 = server.login("bob").await;
    let (alice, bob) = (a1.user_id, b1.user_id);
    use Service::*;
    text(&mut a1, bob, 6001, "read me").await;
    b1.recv(MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT).await.unwrap();

    b1.send(MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER, &json!({"to": alice, "msgId": 6001}));
    for a in [&mut a1, &mut a2] {
        let push = a.recv(MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER).await.unwrap();
        let time = push["time"].as_i64().expect("numeric time");
        assert_eq!(push, json!({"from": bob, "to": alice, "msgId": 6001, "time": time}));
    }
    assert_eq!(unread(&mut b1, 1, alice, 1).await["list"].as_array().unwrap().len(), 1);

    let reply = seen(&mut b1, 1, alice, alice, 6001).await;
    assert_eq!(reply, json!({"r": 1, "type": 1, "chatId": alice, "senderId": alice, "msgId": 6001}));
    for a in [&mut a1, &mut a2] {
        let push = a.recv(MESSAGE_STATUS_CHANGE_SEEN).await.unwrap();
        assert_eq!(push, json!({"type": 1, "from": bob, "chatId": bob, "senderId": alice, "msgId": 6001}));
    }
    assert!(unread(&mut b1, 1, alice, 1).await["list"].as_array().unwrap().is_empty());

    // A late DELIVERED (another device) and a repeated SEEN change nothing and push nothing.
    b2.send(MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER, &json!({"to": alice, "msgId": 6001}));
    assert_eq!(seen(&mut b2, 1, alice, alice, 6001).await["r"], 1);
    barriers(&mut [&mut a1, &mut a2, &mut b1, &mut b2]).await;
    for a in [&mut a1, &mut a2] {
        assert_none(a, &[MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER, MESSAGE_STATUS_CHANGE_SEEN]);
    }
    // OQ-32: no SEEN echo to the reader's other session; the reply goes to the requesting session only.
    assert!(b1.buffered(MESSAGE_STATUS_CHANGE_SEEN).is_empty());
    let item = &history(&mut a1, 1, bob, 1, later()).await["list"][0];
    assert_eq!(item["status"], 3);
    assert_eq!(history(&mut b1, 1, alice, 1, later()).await["list"][0]["status"], 3);
    server.shutdown().await;
}

async fn receipts_about_messages_not_addressed_to_me_are_refused(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let (alice_id, bob_id) = (alice.user_id, bob.user_id);
    let g = make_group(&server, alice_id, &[alice_id, bob_id]).await;
    use Service::*;
    text(&mut alice, bob_id, 7001, "for bob only").await;
    group_text(&mut alice, g, 7002, "for members only").await;

    // Carol pretends to have seen alice's message to bob, in either conversation.
    for chat_id in [alice_id, bob_id] {
        let reply = seen(&mut carol, 1, chat_id, alice_id, 7001).await;
        assert_eq!(reply["r"], -1, "{reply}");
        assert_eq!((reply["type"].clone(), reply["msgId"].clone()), (json!(1), json!(7001)));
    }
    // A non-member reports on a group message; the author reports on her own message.
    assert_eq!(seen(&mut carol, 2, g, alice_id, 7002).await["r"], -1);
    assert_eq!(seen(&mut alice, 1, bob_id, alice_id, 7001).await["r"], -1);
    assert_eq!(seen(&mut alice, 2, g, alice_id, 7002).await["r"], -1);
    carol.send(MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER, &json!({"to": alice_id, "msgId": 7001}));
    carol.send(MESSAGE_STATUS_CHANGE_DELIVERED_WITH_GROUP, &json!({"group": g, "msgId": 7002, "msgSender": alice_id}));

    barriers(&mut [&mut alice, &mut bob, &mut carol]).await;
    assert_none(&mut alice, &[MESSAGE_STATUS_CHANGE_SEEN, MESSAGE_STATUS_CHANGE_DELIVERED_WITH_USER]);
    assert_none(&mut alice, &[MESSAGE_STATUS_CHANGE_DELIVERED_WITH_GROUP]);
    assert_eq!(history(&mut alice, 1, bob_id, 1, later()).await["list"][0]["status"], 1);
    assert_eq!(history(&mut alice, 2, g, 1, later()).await["list"][0]["status"], 1);
    server.shutdown().await;
}

async fn group_receipts_are_per_member_and_the_author_sees_the_highest(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let mut dave = server.login("dave").await;
    let mut erin = server.login("erin").await;
    let ids = [alice.user_id, bob.user_id, carol.user_id, dave.user_id, erin.user_id];
    let (alice_id, bob_id, carol_id, dave_id) = (ids[0], ids[1], ids[2], ids[3]);
    let g = make_group(&server, alice_id, &ids).await;
    use Service::*;
    group_text(&mut alice, g, 8001, "receipts").await;

    bob.send(MESSAGE_STATUS_CHANGE_DELIVERED_WITH_GROUP, &json!({"group": g, "msgId": 8001, "msgSender": alice_id}));
    let push = alice.recv(MESSAGE_STATUS_CHANGE_DELIVERED_WITH_GROUP).await.unwrap();
    let modified = push["modified"].as_i64().expect("numeric modified");
    assert_eq!(push, json!({"from": bob_id, "group": g, "msgId": 8001, "modified": modified}));
    assert_eq!(history(&mut alice, 2, g, 1, later()).await["list"][0]["status"], 2);

    let reply = seen(&mut carol, 2, g, alice_id, 8001).await;
    assert_eq!(reply, json!({"r": 1, "type": 2, "chatId": g, "senderId": alice_id, "msgId": 8001}));
    let push = alice.recv(MESSAGE_STATUS_CHANGE_SEEN).await.unwrap();
    assert_eq!(push, json!({"type": 2, "from": carol_id, "chatId": g, "senderId": alice_id, "msgId": 8001}));

    // Dave's DELIVERED would lower the author's view below SEEN: stored, not pushed.
    dave.send(MESSAGE_STATUS_CHANGE_DELIVERED_WITH_GROUP, &json!({"group": g, "msgId": 8001, "msgSender": alice_id}));
    // Bob's SEEN after his DELIVERED is pushed.
    seen(&mut bob, 2, g, alice_id, 8001).await;
    let push = alice.recv(MESSAGE_STATUS_CHANGE_SEEN).await.unwrap();
    assert_eq!(push["from"], bob_id);

    barriers(&mut [&mut alice, &mut dave]).await;
    assert_none(&mut alice, &[MESSAGE_STATUS_CHANGE_DELIVERED_WITH_GROUP, MESSAGE_STATUS_CHANGE_SEEN]);
    // Views: the author the highest receipt, each member their own.
    let status_for = async |c: &mut TestClient| history(c, 2, g, 1, later()).await["list"][0]["status"].clone();
    assert_eq!(status_for(&mut alice).await, 3);
    assert_eq!(status_for(&mut bob).await, 3);
    assert_eq!(status_for(&mut carol).await, 3);
    assert_eq!(status_for(&mut dave).await, 2);
    assert_eq!(status_for(&mut erin).await, 1);
    assert_eq!(unread(&mut dave, 2, g, 1).await["list"].as_array().unwrap().len(), 1);
    assert!(unread(&mut carol, 2, g, 1).await["list"].as_array().unwrap().is_empty());
    let _ = dave_id;
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------------------
// Recalls, deletion, typing
// ---------------------------------------------------------------------------------------------------------------

async fn only_the_author_can_recall_and_recall_is_terminal(server: TestServer) {
    let mut a1 = server.login("alice").await;
    let mut a2 = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let (alice, bob_id, carol_id) = (a1.user_id, bob.user_id, carol.user_id);
    let g = make_group(&server, alice, &[alice, bob_id, carol_id]).await;
    use Service::*;

    // User chat.
    text(&mut a1, bob_id, 9001, "oops").await;
    bob.send(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER, &json!({"type": 1, "chatId": alice, "to": alice, "id": 9001}));
    let refused = bob.recv(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER).await.unwrap();
    assert_eq!((refused["r"].clone(), refused["id"].clone()), (json!(-1), json!(9001)));
    assert!(refused["message"].is_string());

    a1.send(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER, &json!({"type": 1, "chatId": bob_id, "to": bob_id, "id": 9001}));
    let reply = a1.recv_where(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER, |b| b.get("r").is_some()).await.unwrap();
    assert_eq!(reply, json!({"r": 1, "id": 9001, "to": bob_id}));
    let push = bob.recv_where(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER, |b| b.get("r").is_none()).await.unwrap();
    assert_eq!(push, json!({"from": alice, "to": bob_id, "id": 9001}));
    // SEEN after the recall: accepted, but the status stays CANCELLED and nothing reaches the author.
    assert_eq!(seen(&mut bob, 1, alice, alice, 9001).await["r"], 1);
    assert_eq!(history(&mut bob, 1, alice, 1, later()).await["list"][0]["status"], 6);
    assert_eq!(history(&mut a1, 1, bob_id, 1, later()).await["list"][0]["status"], 6);
    assert!(unread(&mut bob, 1, alice, 1).await["list"].as_array().unwrap().is_empty());

    // Group chat.
    group_text(&mut a1, g, 9002, "oops in a group").await;
    bob.send(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP, &json!({"type": 2, "chatId": g, "group": g, "msgId": 9002}));
    let refused = bob.recv(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP).await.unwrap();
    assert_eq!(
        (refused["r"].clone(), refused["group"].clone(), refused["msgId"].clone()),
        (json!(-1), json!(g), json!(9002))
    );
    a1.send(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP, &json!({"type": 2, "chatId": g, "group": g, "msgId": 9002}));
    let reply = a1.recv_where(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP, |b| b.get("r").is_some()).await.unwrap();
    assert_eq!(reply, json!({"r": 1, "group": g, "msgId": 9002}));
    let push = json!({"from": alice, "group": g, "msgId": 9002});
    for c in [&mut bob, &mut carol, &mut a2] {
        assert_eq!(
            c.recv_where(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP, |b| b.get("r").is_none()).await.unwrap(),
            push
        );
    }
    // A second recall is accepted and pushes nothing.
    a1.send(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP, &json!({"type": 2, "chatId": g, "group": g, "msgId": 9002}));
    assert_eq!(a1.recv(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP).await.unwrap()["r"], 1);

    barriers(&mut [&mut a1, &mut a2, &mut bob, &mut carol]).await;
    assert!(a1.buffered(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP).is_empty());
    assert!(a1.buffered(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER).is_empty());
    assert!(a2.buffered(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_USER).is_empty(), "OQ-32: no user-chat recall echo");
    assert!(bob.buffered(MESSAGE_STATUS_CHANGE_CANCELLED_WITH_GROUP).is_empty());
    for c in [&mut a1, &mut bob, &mut carol] {
        assert_eq!(history(c, 2, g, 1, later()).await["list"][0]["status"], 6);
    }
    let _ = carol_id;
    server.shutdown().await;
}

async fn deleting_a_message_hides_it_for_the_requester_only(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut bob2 = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let (alice_id, bob_id) = (alice.user_id, bob.user_id);
    let g = make_group(&server, alice_id, &[alice_id, bob_id]).await;
    use Service::*;
    text(&mut alice, bob_id, 10_001, "one").await;
    text(&mut alice, bob_id, 10_002, "two").await;
    group_text(&mut alice, g, 10_003, "group one").await;

    let delete = |chat_type: i64, chat_id: i64, sender: i64, msg_id: i64| json!({"type": chat_type, "chatId": chat_id, "senderId": sender, "msgId": msg_id});
    bob.send(MESSAGE_DELETE, &delete(1, alice_id, alice_id, 10_001));
    let reply = bob.recv(MESSAGE_DELETE).await.unwrap();
    assert_eq!(reply, json!({"r": 0, "type": 1, "chatId": alice_id, "senderId": alice_id, "msgId": 10_001}));
    bob.send(MESSAGE_DELETE, &delete(2, g, alice_id, 10_003));
    assert_eq!(bob.recv(MESSAGE_DELETE).await.unwrap()["r"], 0);
    // Unknown message, and a conversation that is not mine.
    bob.send(MESSAGE_DELETE, &delete(1, alice_id, alice_id, 10_999));
    let reply = bob.recv(MESSAGE_DELETE).await.unwrap();
    assert_eq!(reply["r"], -1);
    assert_eq!(reply["msgId"], 10_999);
    carol.send(MESSAGE_DELETE, &delete(2, g, alice_id, 10_003));
    assert_eq!(carol.recv(MESSAGE_DELETE).await.unwrap()["r"], -1);

    barriers(&mut [&mut alice, &mut bob, &mut bob2, &mut carol]).await;
    assert_none(&mut alice, &[MESSAGE_DELETE]);
    assert_none(&mut bob2, &[MESSAGE_DELETE]);
    assert_eq!(msg_ids(&full_history(&mut bob2, 1, alice_id).await), vec![10_002]);
    assert_eq!(msg_ids(&full_history(&mut alice, 1, bob_id).await), vec![10_002, 10_001]);
    assert!(full_history(&mut bob, 2, g).await.is_empty());
    assert_eq!(msg_ids(&full_history(&mut alice, 2, g).await), vec![10_003]);
    // A hidden message is not unread any more either.
    assert_eq!(msg_ids(unread(&mut bob, 1, alice_id, 1).await["list"].as_array().unwrap()), vec![10_002]);
    server.shutdown().await;
}

async fn typing_reaches_the_peer_or_the_other_members_only(server: TestServer) {
    let mut a1 = server.login("alice").await;
    let mut a2 = server.login("alice").await;
    let mut b1 = server.login("bob").await;
    let mut b2 = server.login_original("bob").await;
    let mut carol = server.login("carol").await;
    let mut dave = server.login("dave").await;
    let (alice, bob) = (a1.user_id, b1.user_id);
    let g = make_group(&server, alice, &[alice, bob, carol.user_id]).await;
    use Service::*;

    a1.send(MESSAGE_TYPING_WITH_USER, &json!({"to": bob}));
    for b in [&mut b1, &mut b2] {
        assert_eq!(b.recv(MESSAGE_TYPING_WITH_USER).await.unwrap(), json!({"from": alice}));
    }
    a1.send(MESSAGE_TYPING_WITH_GROUP, &json!({"group": g}));
    for c in [&mut b1, &mut b2, &mut carol] {
        assert_eq!(c.recv(MESSAGE_TYPING_WITH_GROUP).await.unwrap(), json!({"from": alice, "group": g}));
    }
    // A non-member's typing goes nowhere.
    dave.send(MESSAGE_TYPING_WITH_GROUP, &json!({"group": g}));
    dave.send(MESSAGE_TYPING_WITH_USER, &json!({"to": dave.user_id}));

    barriers(&mut [&mut a1, &mut a2, &mut b1, &mut b2, &mut carol, &mut dave]).await;
    for a in [&mut a1, &mut a2] {
        assert_none(a, &[MESSAGE_TYPING_WITH_USER, MESSAGE_TYPING_WITH_GROUP]);
    }
    for c in [&mut b1, &mut b2, &mut carol] {
        assert_none(c, &[MESSAGE_TYPING_WITH_GROUP]);
    }
    assert_none(&mut dave, &[MESSAGE_TYPING_WITH_USER, MESSAGE_TYPING_WITH_GROUP]);
    server.shutdown().await;
}

backend_tests!(
    user_text_is_acked_delivered_and_echoed,
    user_media_gets_d6_acks_only_on_engine_sessions,
    group_messages_fan_out_to_members_and_echo,
    refused_sends_get_error_replies_and_deliver_nothing,
    resends_are_reacked_with_the_original_time_and_not_delivered_again,
    pipelined_sends_keep_their_order_and_later_requests_see_them,
    user_receipts_reach_the_author_and_never_go_down,
    receipts_about_messages_not_addressed_to_me_are_refused,
    group_receipts_are_per_member_and_the_author_sees_the_highest,
    only_the_author_can_recall_and_recall_is_terminal,
    deleting_a_message_hides_it_for_the_requester_only,
    typing_reaches_the_peer_or_the_other_members_only,
);
