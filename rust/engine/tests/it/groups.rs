//! Groups through a real server: every group method's result and every group push (PROTOCOL.md §3.29–§3.36, §4.3).

use crate::common;

use azstack_server::testkit::TestServer;
use common::{Peer, Target};
use serde_json::{Value, json};

fn system(m: &Value, g: i64, sender: i64, message_type: i64) {
    assert_eq!(
        (m["chatType"].clone(), m["chatId"].clone(), m["receiverId"].clone()),
        (json!(2), json!(g), json!(g)),
        "{m}"
    );
    assert_eq!(
        (m["senderId"].clone(), m["type"].clone(), m["status"].clone(), m["deleted"].clone()),
        (json!(sender), json!(message_type), json!(1), json!(0)),
        "{m}"
    );
    assert_eq!(m["created"], m["modified"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_lifecycle_with_every_push() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let mut alice = Peer::login(&t, "alice").await;
    let mut bob = Peer::login(&t, "bob").await;
    let mut carol = Peer::login(&t, "carol").await;
    let mut dave = Peer::login(&t, "dave").await;
    let (a, b, c, d) = (alice.user_id, bob.user_id, carol.user_id, dave.user_id);

    let created = alice.ok("createGroup", json!({"type": 0, "name": "team", "memberIds": [b, c]})).await;
    let g = created["groupId"].as_i64().unwrap();
    let mut members = created["memberIds"].as_array().unwrap().iter().filter_map(Value::as_i64).collect::<Vec<_>>();
    members.sort();
    let mut expected = vec![a, b, c];
    expected.sort();
    assert_eq!(members, expected);
    assert_eq!(
        (created["type"].clone(), created["adminId"].clone(), created["name"].clone()),
        (json!(0), json!(a), json!("team"))
    );
    assert!(created["msgId"].as_i64().unwrap() > 0 && created["created"].as_i64().unwrap() > 0);
    for peer in [&mut alice, &mut bob, &mut carol] {
        let m = peer.event("onGroupCreated").await;
        system(&m, g, a, 4);
        assert_eq!(m["msgId"], created["msgId"]);
        assert_eq!(m["createdGroup"]["groupId"], g);
        assert_eq!(m["createdGroup"]["adminId"], a);
        assert_eq!(m["createdGroup"]["name"], "team");
        assert_eq!(m["createdGroup"]["type"], 0);
    }

    let invited = alice.ok("inviteGroup", json!({"groupId": g, "inviteIds": [d]})).await;
    assert_eq!((invited["groupId"].clone(), invited["inviteIds"].clone()), (json!(g), json!([d])));
    for peer in [&mut alice, &mut bob, &mut dave] {
        let m = peer.event("onGroupInvited").await;
        system(&m, g, a, 5);
        assert_eq!(m["invited"], json!({"groupId": g, "inviteIds": [d]}));
    }

    let renamed = bob.ok("renameGroup", json!({"groupId": g, "newName": "0"})).await;
    assert_eq!((renamed["groupId"].clone(), renamed["newName"].clone()), (json!(g), json!("0")));
    let m = carol.event("onGroupRenamed").await;
    system(&m, g, b, 7);
    assert_eq!(m["renamed"], json!({"groupId": g, "newName": "0"}));

    let changed = alice.ok("changeAdminGroup", json!({"groupId": g, "newAdminId": b})).await;
    assert_eq!((changed["groupId"].clone(), changed["newAdminId"].clone()), (json!(g), json!(b)));
    let m = dave.event("onGroupAdminChanged").await;
    system(&m, g, a, 8);
    assert_eq!(m["adminChanged"], json!({"groupId": g, "newAdminId": b}));

    // The new admin removes carol; carol hears about it too.
    let left = bob.ok("leaveGroup", json!({"groupId": g, "leaveId": c})).await;
    assert_eq!((left["groupId"].clone(), left["leaveId"].clone()), (json!(g), json!(c)));
    for peer in [&mut carol, &mut dave] {
        let m = peer.event("onGroupLeft").await;
        system(&m, g, b, 6);
        assert_eq!(m["left"]["groupId"], g);
        assert_eq!(m["left"]["leaveId"], c);
    }

    let details = dave.ok("getDetailsGroup", json!({"groupId": g})).await;
    assert_eq!(
        (details["type"].clone(), details["groupId"].clone(), details["name"].clone(), details["adminId"].clone()),
        (json!(0), json!(g), json!("0"), json!(b))
    );
    let mut ids: Vec<i64> = details["memberIds"].as_array().unwrap().iter().filter_map(Value::as_i64).collect();
    ids.sort();
    let mut want = vec![a, b, d];
    want.sort();
    assert_eq!(ids, want);
    let member = details["members"].as_array().unwrap().iter().find(|m| m["userId"] == d).unwrap().clone();
    assert_eq!(member["azStackUserId"], "dave");
    assert_eq!(member["fullname"], "dave (test)");
    assert_eq!(member["status"], 1);
    assert!(member["lastVisitDate"].is_number());

    let private = dave.ok("getListGroups", json!({"groupType": 0})).await;
    assert_eq!(private["done"], 1);
    let item = private["list"].as_array().unwrap().iter().find(|i| i["groupId"] == g).unwrap().clone();
    assert_eq!(
        item,
        json!({"type": 0, "groupId": g, "name": "0", "adminId": b, "membersCount": 3, "isIn": 1, "isAutojoin": 0})
    );

    // A public group that dave joins himself.
    let public = alice.ok("createGroup", json!({"type": 1, "name": "lobby", "memberIds": [b]})).await;
    let p = public["groupId"].as_i64().unwrap();
    let listed = dave.ok("getListGroups", json!({"groupType": 1})).await;
    let entry = listed["list"].as_array().unwrap().iter().find(|i| i["groupId"] == p).unwrap().clone();
    assert_eq!(
        entry,
        json!({"type": 1, "groupId": p, "name": "lobby", "adminId": a, "membersCount": 2, "isIn": 0, "isAutojoin": 0})
    );
    dave.clear();
    let joined = dave.ok("joinPublicGroup", json!({"groupId": p})).await;
    assert_eq!((joined["groupId"].clone(), joined["joinId"].clone()), (json!(p), json!(d)));
    // My own join fires onGroupPublicJoined locally, before the call resolved.
    let own = dave.buffered("onGroupPublicJoined");
    assert_eq!(own.len(), 1);
    system(&own[0], p, d, 9);
    assert_eq!(own[0]["joined"], json!({"groupId": p, "joinId": d}));
    let m = alice.event_where("onGroupPublicJoined", |_, r| r["chatId"] == p).await.1;
    system(&m, p, d, 9);
    assert_eq!(m["msgId"], joined["msgId"]);

    // Server refusals are errors with the original texts.
    let (code, message) = carol.err("renameGroup", json!({"groupId": g, "newName": "x"})).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("ERR_UNEXPECTED_RECEIVED_DATA", "Server response with error, rename group fail")
    );
    let (code, message) = carol.err("getDetailsGroup", json!({"groupId": 999_999})).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("ERR_UNEXPECTED_RECEIVED_DATA", "Server response with error, get details group fail")
    );
    let (_, message) = carol.err("joinPublicGroup", json!({"groupId": g})).await;
    assert_eq!(message, "Server response with error, join public group fail");
    let (_, message) = carol.err("changeAdminGroup", json!({"groupId": g, "newAdminId": c})).await;
    assert_eq!(message, "Server response with error, change admin group fail");
    let (_, message) = carol.err("inviteGroup", json!({"groupId": 999_999, "inviteIds": [a]})).await;
    assert_eq!(message, "Server response with error, invite group fail");
    let (_, message) = carol.err("leaveGroup", json!({"groupId": 999_999, "leaveId": c})).await;
    assert_eq!(message, "Server response with error, leave group fail");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_groups_arrive_in_several_packets_and_are_gathered_in_order() {
    let server = TestServer::sqlite().await;
    let t = Target::of(&server);
    let alice = Peer::login(&t, "alice").await;
    let bob = Peer::login(&t, "bob").await;
    let mut created = Vec::new();
    for i in 0..230 {
        let g =
            alice.ok("createGroup", json!({"type": 1, "name": format!("lobby {i}"), "memberIds": [bob.user_id]})).await;
        created.push(g["groupId"].as_i64().unwrap());
    }
    // The server sends 100 per packet (done 0, 0, 1); the result holds all of them, earlier packets first.
    let listed = bob.ok("getListGroups", json!({"groupType": 1})).await;
    assert_eq!(listed["done"], 1);
    let ids: Vec<i64> = listed["list"].as_array().unwrap().iter().filter_map(|g| g["groupId"].as_i64()).collect();
    assert_eq!(ids, created);
    assert!(listed["list"].as_array().unwrap().iter().all(|g| g["isIn"] == 1 && g["type"] == 1));
    server.shutdown().await;
}
