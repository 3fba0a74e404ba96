//! Groups over real sockets (PROTOCOL.md §3.29–§3.36, §4.3, §6.6, §11.3): the six actions with their replies, pushes
//! and push recipients, the permission rules, the stored system messages, resends, and the three queries.
//!
//! Users: alice (two sessions, `a1` requesting and `a2`), bob, carol (an outsider unless said otherwise) and dave.
//! Absence of a packet is checked after a `barrier()` with `buffered()`.

use azstack_protocol::Service;
use azstack_server::backend_tests;
use azstack_server::store::Tenant;
use azstack_server::testkit::{TestClient, TestServer};
use serde_json::{Value, json};
use sqlx::Row;

const S_CREATE: Service = Service::GROUP_CREATE;
const S_INVITE: Service = Service::GROUP_INVITE;
const S_LEAVE: Service = Service::GROUP_LEAVE;
const S_RENAME: Service = Service::GROUP_RENAME;
const S_ADMIN: Service = Service::GROUP_CHANGE_ADMIN;
const S_JOIN: Service = Service::GROUP_JOIN_PUBLIC;
const S_DETAILS: Service = Service::GROUP_GET_DETAILS;
const S_PRIVATE: Service = Service::GROUP_GET_LIST_PRIVATE;
const S_PUBLIC: Service = Service::GROUP_GET_LIST_PUBLIC;
const P_CREATED: Service = Service::ON_GROUP_CREATED;
const P_INVITED: Service = Service::ON_GROUP_INVITED;
const P_LEFT: Service = Service::ON_GROUP_LEFT;
const P_RENAMED: Service = Service::ON_GROUP_RENAMED;
const P_ADMIN: Service = Service::ON_GROUP_ADMIN_CHANGED;

/// Every push service of the group actions.
const PUSHES: [Service; 6] = [P_CREATED, P_INVITED, P_LEFT, P_RENAMED, P_ADMIN, S_JOIN];

/// No user has this id.
const NOBODY: i64 = 987_654_321;

/// Waits for everything fanned out to `c` so far, then checks that none of `services` arrived.
async fn nothing(c: &mut TestClient, services: &[Service]) {
    c.barrier().await;
    for s in services {
        let got = c.buffered(*s);
        assert!(got.is_empty(), "user {} got unexpected {s:?}: {got:?}", c.user_id);
    }
}

/// The push of `service` for the action `msg_id`.
async fn push(c: &mut TestClient, service: Service, msg_id: i64) -> Value {
    c.recv_where(service, |b| b["msgId"] == msg_id && b.get("r").is_none())
        .await
        .unwrap_or_else(|e| panic!("user {} did not get {service:?} for {msg_id}: {e}", c.user_id))
}

/// Sends `body` on `service` and returns the reply (the next packet of `service` carrying `r`).
async fn request(c: &mut TestClient, service: Service, body: Value) -> Value {
    c.send(service, &body);
    c.recv_where(service, |b| b.get("r").is_some()).await.unwrap_or_else(|e| panic!("no reply to {service:?}: {e}"))
}

async fn create(c: &mut TestClient, msg_id: i64, group_type: i64, name: &str, members: &[i64]) -> Value {
    request(c, S_CREATE, json!({"msgId": msg_id, "type": group_type, "name": name, "members": members})).await
}

/// A direct connection to the server's database, for checking stored rows.
async fn db(server: &TestServer) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&server.database).await.expect("connect to the test database")
}

/// The system message `(group, sender, msgId)`: `(receiver, kind, content, created, modified, status)`, checking the
/// layout the history module reads and that the group's `modified` / `last_message_id` point at it.
async fn system_message(pool: &sqlx::AnyPool, group: i64, sender: i64, msg_id: i64) -> (i64, i64, Value, i64) {
    let rows = sqlx::query(
        "SELECT id, receiver_id, kind, content, created, modified, status FROM messages WHERE chat_type = 2 \
         AND conv_a = $1 AND conv_b = 0 AND sender_id = $2 AND msg_id = $3",
    )
    .bind(group)
    .bind(sender)
    .bind(msg_id)
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "one system message ({group}, {sender}, {msg_id})");
    let r = &rows[0];
    let id: i64 = r.get(0);
    let receiver: i64 = r.get(1);
    let kind: i64 = r.get(2);
    let content: String = r.get(3);
    let created: i64 = r.get(4);
    let modified: i64 = r.get(5);
    let status: i64 = r.get(6);
    assert_eq!((receiver, modified, status), (group, created, 1));
    let g = sqlx::query("SELECT modified, last_message_id FROM chat_groups WHERE id = $1")
        .bind(group)
        .fetch_optional(pool)
        .await
        .unwrap();
    if let Some(g) = g {
        let last: i64 = g.get(1);
        if last == id {
            assert_eq!(g.get::<i64, _>(0), created);
        }
    }
    (id, kind, serde_json::from_str(&content).expect("content is JSON"), created)
}

async fn last_message_id(pool: &sqlx::AnyPool, group: i64) -> (i64, i64) {
    let g = sqlx::query("SELECT modified, last_message_id FROM chat_groups WHERE id = $1")
        .bind(group)
        .fetch_one(pool)
        .await
        .unwrap();
    (g.get(0), g.get(1))
}

async fn count_messages(pool: &sqlx::AnyPool, group: i64, kind: i64) -> i64 {
    let row = sqlx::query("SELECT COUNT(*) FROM messages WHERE chat_type = 2 AND conv_a = $1 AND kind = $2")
        .bind(group)
        .bind(kind)
        .fetch_one(pool)
        .await
        .unwrap();
    row.get::<i64, _>(0)
}

// ---------------------------------------------------------------------------------------------------------------
// 42 create, 44 invite
// ---------------------------------------------------------------------------------------------------------------

async fn create_and_invite(server: TestServer) {
    let mut a1 = server.login("alice").await;
    let mut a2 = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let mut dave = server.login("dave").await;
    let (alice_id, bob_id, dave_id) = (a1.user_id, bob.user_id, dave.user_id);
    let pool = db(&server).await;

    // Duplicates, the creator and an unknown id are dropped; the creator is first and the admin.
    let reply = create(&mut a1, 1000, 0, "Team", &[bob_id, bob_id, NOBODY, alice_id]).await;
    let group = reply["group"].as_i64().expect("group id");
    let created = reply["created"].as_i64().expect("created");
    assert!(created > 1_500_000_000_000, "created is in ms: {created}");
    assert_eq!(
        reply,
        json!({"r": 1, "type": 0, "group": group, "msgId": 1000, "admin": alice_id, "name": "Team",
               "members": [alice_id, bob_id], "created": created})
    );
    // Fan-out first: the requesting session already holds its 143 when the reply arrives.
    let expected = json!({"group": group, "admin": alice_id, "msgId": 1000, "created": created, "type": 0,
                          "name": "Team", "members": [alice_id, bob_id]});
    assert_eq!(a1.buffered(P_CREATED), vec![expected.clone()]);
    assert_eq!(push(&mut a1, P_CREATED, 1000).await, expected);
    assert_eq!(push(&mut a2, P_CREATED, 1000).await, expected);
    assert_eq!(push(&mut bob, P_CREATED, 1000).await, expected);
    nothing(&mut carol, &PUSHES).await;
    nothing(&mut dave, &PUSHES).await;

    let (row, kind, content, at) = system_message(&pool, group, alice_id, 1000).await;
    assert_eq!((kind, at), (143, created));
    assert_eq!(
        content,
        json!({"typeGroup": 0, "group": group, "admin": alice_id, "name": "Team", "members": [alice_id, bob_id],
               "created": created})
    );
    assert_eq!(last_message_id(&pool, group).await, (created, row));

    // A resent 42 is answered again, identically, with no second group and no second push.
    let again = create(&mut a1, 1000, 0, "Team", &[bob_id, bob_id, NOBODY, alice_id]).await;
    assert_eq!(again, reply);
    nothing(&mut a1, &PUSHES).await;
    nothing(&mut a2, &PUSHES).await;
    nothing(&mut bob, &PUSHES).await;
    let list = request_list(&mut bob).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");

    // 44: one result per distinct user (0 added, 1 already a member, 2 unknown).
    let reply = request(
        &mut a1,
        S_INVITE,
        json!({"msgId": 1001, "group": group, "members": [dave_id, bob_id, NOBODY, dave_id]}),
    )
    .await;
    let created = reply["created"].as_i64().expect("created");
    assert_eq!(
        reply,
        json!({"r": 0, "group": group, "msgId": 1001, "created": created, "inviteResult": [
            {"user": dave_id, "r": 0}, {"user": bob_id, "r": 1}, {"user": NOBODY, "r": 2}]})
    );
    let expected = json!({"group": group, "from": alice_id, "msgId": 1001, "created": created, "invited": [dave_id]});
    assert_eq!(a1.buffered(P_INVITED), vec![expected.clone()], "the inviter's own session gets 144 first");
    for c in [&mut a1, &mut a2, &mut bob, &mut dave] {
        assert_eq!(push(c, P_INVITED, 1001).await, expected);
    }
    nothing(&mut carol, &PUSHES).await;
    let (row, kind, content, at) = system_message(&pool, group, alice_id, 1001).await;
    assert_eq!((kind, at, content), (144, created, json!({"group": group, "invited": [dave_id]})));
    assert_eq!(last_message_id(&pool, group).await, (created, row));

    // A resent 44: same answer (dave still reported as added), nothing stored or pushed again.
    let again = request(
        &mut a1,
        S_INVITE,
        json!({"msgId": 1001, "group": group, "members": [dave_id, bob_id, NOBODY, dave_id]}),
    )
    .await;
    assert_eq!(again, reply);
    assert_eq!(count_messages(&pool, group, 144).await, 1);
    for c in [&mut a1, &mut a2, &mut bob, &mut dave] {
        nothing(c, &PUSHES).await;
    }

    // Inviting only people already in: r 0, nothing recorded or pushed.
    let reply = request(&mut bob, S_INVITE, json!({"msgId": 1002, "group": group, "members": [dave_id]})).await;
    assert_eq!(reply["r"], 0);
    assert_eq!(reply["inviteResult"], json!([{"user": dave_id, "r": 1}]));
    assert_eq!(count_messages(&pool, group, 144).await, 1);
    nothing(&mut a1, &PUSHES).await;

    // A non-member may not invite: r ≠ 0, every user "not allowed", nobody hears of it.
    let carol_id = carol.user_id;
    let reply = request(&mut carol, S_INVITE, json!({"msgId": 1003, "group": group, "members": [carol_id]})).await;
    assert_eq!(reply["r"], 1);
    assert_eq!(reply["group"], group);
    assert_eq!(reply["msgId"], 1003);
    assert!(reply["message"].is_string());
    assert_eq!(reply["inviteResult"], json!([{"user": carol_id, "r": 3}]));
    for c in [&mut a1, &mut bob, &mut dave, &mut carol] {
        nothing(c, &PUSHES).await;
    }
    // Unknown group.
    let reply = request(&mut a1, S_INVITE, json!({"msgId": 1004, "group": NOBODY, "members": [carol_id]})).await;
    assert_eq!(reply["r"], 1);
    assert_eq!(reply["group"], NOBODY);
    assert!(reply["message"].is_string());
    pool.close().await;
    server.shutdown().await;
}

async fn request_list(c: &mut TestClient) -> Value {
    c.send(S_PRIVATE, &json!({}));
    c.recv(S_PRIVATE).await.expect("147 reply")
}

// ---------------------------------------------------------------------------------------------------------------
// 43 leave / kick
// ---------------------------------------------------------------------------------------------------------------

async fn leave_and_kick(server: TestServer) {
    let mut a1 = server.login("alice").await;
    let mut a2 = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let mut dave = server.login("dave").await;
    let (alice_id, bob_id, carol_id, dave_id) = (a1.user_id, bob.user_id, carol.user_id, dave.user_id);
    let pool = db(&server).await;
    let group = create(&mut a1, 2000, 0, "Leavers", &[bob_id, dave_id]).await["group"].as_i64().unwrap();
    for c in [&mut a1, &mut a2, &mut bob, &mut dave] {
        push(c, P_CREATED, 2000).await;
    }

    // Only the admin kicks.
    let reply = request(&mut bob, S_LEAVE, json!({"msgId": 2001, "group": group, "leaveUser": dave_id})).await;
    assert_eq!(reply["r"], 1, "{reply}");
    assert_eq!((reply["group"].as_i64(), reply["msgId"].as_i64()), (Some(group), Some(2001)));
    assert!(reply["message"].is_string());
    // A non-member cannot remove anyone either.
    let reply = request(&mut carol, S_LEAVE, json!({"msgId": 2002, "group": group, "leaveUser": carol_id})).await;
    assert_eq!(reply["r"], 1, "{reply}");
    for c in [&mut a1, &mut bob, &mut dave, &mut carol] {
        nothing(c, &PUSHES).await;
    }

    // The admin kicks dave: 145 to the remaining members (the kicker's sessions too) and to dave.
    let reply = request(&mut a1, S_LEAVE, json!({"msgId": 2003, "group": group, "leaveUser": dave_id})).await;
    let created = reply["created"].as_i64().unwrap();
    assert_eq!(reply, json!({"r": 0, "group": group, "msgId": 2003, "leaveUserId": dave_id, "created": created}));
    let expected = json!({"group": group, "from": alice_id, "msgId": 2003, "created": created, "leaveUser": dave_id});
    assert_eq!(a1.buffered(P_LEFT), vec![expected.clone()]);
    for c in [&mut a1, &mut a2, &mut bob, &mut dave] {
        assert_eq!(push(c, P_LEFT, 2003).await, expected);
    }
    nothing(&mut carol, &PUSHES).await;
    let (_, kind, content, at) = system_message(&pool, group, alice_id, 2003).await;
    assert_eq!((kind, at, content), (145, created, json!({"group": group, "leaveUser": dave_id})));
    // dave is out: his rename is refused, and he hears nothing more.
    let reply = request(&mut dave, S_RENAME, json!({"msgId": 2004, "group": group, "name": "mine"})).await;
    assert_eq!(reply["r"], 1);

    // The admin leaving with others present must name another member.
    let reply = request(&mut a1, S_LEAVE, json!({"msgId": 2005, "group": group, "leaveUser": alice_id})).await;
    assert_eq!(reply["r"], 1, "{reply}");
    let reply =
        request(&mut a1, S_LEAVE, json!({"msgId": 2006, "group": group, "leaveUser": alice_id, "newAdmin": carol_id}))
            .await;
    assert_eq!(reply["r"], 1, "{reply}");
    let reply =
        request(&mut a1, S_LEAVE, json!({"msgId": 2007, "group": group, "leaveUser": alice_id, "newAdmin": alice_id}))
            .await;
    assert_eq!(reply["r"], 1, "{reply}");
    for c in [&mut a1, &mut a2, &mut bob, &mut dave] {
        nothing(c, &PUSHES).await;
    }
    assert_eq!(count_messages(&pool, group, 145).await, 1);

    let reply =
        request(&mut a1, S_LEAVE, json!({"msgId": 2008, "group": group, "leaveUser": alice_id, "newAdmin": bob_id}))
            .await;
    let created = reply["created"].as_i64().unwrap();
    assert_eq!(reply, json!({"r": 0, "group": group, "msgId": 2008, "leaveUserId": alice_id, "created": created}));
    let expected = json!({"group": group, "from": alice_id, "msgId": 2008, "created": created,
                          "leaveUser": alice_id, "newAdmin": bob_id});
    for c in [&mut a1, &mut a2, &mut bob] {
        assert_eq!(push(c, P_LEFT, 2008).await, expected);
    }
    nothing(&mut dave, &PUSHES).await;
    nothing(&mut carol, &PUSHES).await;
    let (_, kind, content, _) = system_message(&pool, group, alice_id, 2008).await;
    assert_eq!((kind, content), (145, json!({"group": group, "leaveUser": alice_id, "newAdmin": bob_id})));
    let details = request(&mut bob, S_DETAILS, json!({"group": group, "requestId": 7})).await;
    assert_eq!(details["admin"], bob_id);
    assert_eq!(details["members"].as_array().map(Vec::len), Some(1));

    // A resent leave is answered again without a change.
    let again =
        request(&mut a1, S_LEAVE, json!({"msgId": 2008, "group": group, "leaveUser": alice_id, "newAdmin": bob_id}))
            .await;
    assert_eq!(again, reply);
    nothing(&mut bob, &PUSHES).await;

    // The last member leaving deletes the group (no newAdmin needed).
    let reply = request(&mut bob, S_LEAVE, json!({"msgId": 2009, "group": group, "leaveUser": bob_id})).await;
    let created = reply["created"].as_i64().unwrap();
    assert_eq!(reply, json!({"r": 0, "group": group, "msgId": 2009, "leaveUserId": bob_id, "created": created}));
    assert_eq!(
        push(&mut bob, P_LEFT, 2009).await,
        json!({"group": group, "from": bob_id, "msgId": 2009, "created": created, "leaveUser": bob_id})
    );
    nothing(&mut a1, &PUSHES).await;
    let reply = request(&mut bob, S_DETAILS, json!({"group": group, "requestId": 8})).await;
    assert_eq!(reply["r"], 1);
    let groups =
        sqlx::query("SELECT COUNT(*) FROM chat_groups WHERE id = $1").bind(group).fetch_one(&pool).await.unwrap();
    assert_eq!(groups.get::<i64, _>(0), 0);
    let left = sqlx::query("SELECT COUNT(*) FROM messages WHERE chat_type = 2 AND conv_a = $1")
        .bind(group)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left.get::<i64, _>(0), 0);
    let reply = request(&mut a1, S_LEAVE, json!({"msgId": 2010, "group": group, "leaveUser": alice_id})).await;
    assert_eq!(reply["r"], 1);
    assert!(reply["message"].is_string());
    pool.close().await;
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------------------
// 150 rename, 159 change admin
// ---------------------------------------------------------------------------------------------------------------

async fn rename_and_change_admin(server: TestServer) {
    let mut a1 = server.login("alice").await;
    let mut a2 = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let (alice_id, bob_id, carol_id) = (a1.user_id, bob.user_id, carol.user_id);
    let pool = db(&server).await;
    let group = create(&mut a1, 3000, 1, "Old", &[bob_id]).await["group"].as_i64().unwrap();
    for c in [&mut a1, &mut a2, &mut bob] {
        push(c, P_CREATED, 3000).await;
    }

    // A non-member may not rename, even a public group; empty names are refused.
    let reply = request(&mut carol, S_RENAME, json!({"msgId": 3001, "group": group, "name": "Carol's"})).await;
    assert_eq!(reply["r"], 1, "{reply}");
    assert_eq!((reply["group"].as_i64(), reply["msgId"].as_i64()), (Some(group), Some(3001)));
    let reply = request(&mut bob, S_RENAME, json!({"msgId": 3002, "group": group, "name": "  "})).await;
    assert_eq!(reply["r"], 1, "{reply}");
    let reply = request(&mut bob, S_RENAME, json!({"msgId": 3003, "group": NOBODY, "name": "x"})).await;
    assert_eq!(reply["r"], 1, "{reply}");
    for c in [&mut a1, &mut bob, &mut carol] {
        nothing(c, &PUSHES).await;
    }

    // Any member renames; the requesting session gets 152 and then the reply (`newName`).
    let reply = request(&mut bob, S_RENAME, json!({"msgId": 3004, "group": group, "name": "New"})).await;
    let created = reply["created"].as_i64().unwrap();
    assert_eq!(reply, json!({"r": 0, "group": group, "msgId": 3004, "newName": "New", "created": created}));
    let expected = json!({"group": group, "from": bob_id, "msgId": 3004, "created": created, "name": "New"});
    assert_eq!(bob.buffered(P_RENAMED), vec![expected.clone()]);
    for c in [&mut a1, &mut a2, &mut bob] {
        assert_eq!(push(c, P_RENAMED, 3004).await, expected);
    }
    nothing(&mut carol, &PUSHES).await;
    let (row, kind, content, at) = system_message(&pool, group, bob_id, 3004).await;
    assert_eq!((kind, at, content), (152, created, json!({"group": group, "name": "New"})));
    assert_eq!(last_message_id(&pool, group).await, (created, row));
    let again = request(&mut bob, S_RENAME, json!({"msgId": 3004, "group": group, "name": "New"})).await;
    assert_eq!(again, reply);
    nothing(&mut a1, &PUSHES).await;

    // Only the admin hands the role on, and only to a member.
    let reply =
        request(&mut bob, S_ADMIN, json!({"msgId": 3005, "group": group, "newAdmin": bob_id, "from": bob_id})).await;
    assert_eq!(reply["r"], 1, "{reply}");
    let reply = request(&mut a1, S_ADMIN, json!({"msgId": 3006, "group": group, "newAdmin": carol_id})).await;
    assert_eq!(reply["r"], 1, "{reply}");
    assert!(reply["message"].is_string());
    for c in [&mut a1, &mut a2, &mut bob] {
        nothing(c, &PUSHES).await;
    }

    let reply =
        request(&mut a1, S_ADMIN, json!({"msgId": 3007, "group": group, "newAdmin": bob_id, "from": alice_id})).await;
    let created = reply["created"].as_i64().unwrap();
    assert_eq!(reply, json!({"r": 0, "group": group, "msgId": 3007, "newAdmin": bob_id, "created": created}));
    let expected = json!({"group": group, "from": alice_id, "msgId": 3007, "created": created, "newAdmin": bob_id});
    assert_eq!(a1.buffered(P_ADMIN), vec![expected.clone()]);
    for c in [&mut a1, &mut a2, &mut bob] {
        assert_eq!(push(c, P_ADMIN, 3007).await, expected);
    }
    nothing(&mut carol, &PUSHES).await;
    let (_, kind, content, at) = system_message(&pool, group, alice_id, 3007).await;
    assert_eq!((kind, at, content), (160, created, json!({"group": group, "newAdmin": bob_id})));
    // alice is no longer the admin: she cannot take it back nor kick.
    let reply = request(&mut a1, S_ADMIN, json!({"msgId": 3008, "group": group, "newAdmin": alice_id})).await;
    assert_eq!(reply["r"], 1);
    let reply = request(&mut a1, S_LEAVE, json!({"msgId": 3009, "group": group, "leaveUser": bob_id})).await;
    assert_eq!(reply["r"], 1);
    pool.close().await;
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------------------
// 197 join public
// ---------------------------------------------------------------------------------------------------------------

async fn join_public_group(server: TestServer) {
    let mut a1 = server.login("alice").await;
    let mut a2 = server.login("alice").await;
    let mut b1 = server.login("bob").await;
    let mut b2 = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let (alice_id, bob_id) = (a1.user_id, b1.user_id);
    let pool = db(&server).await;
    let public = create(&mut a1, 4000, 1, "Open", &[]).await;
    assert_eq!(public["members"], json!([alice_id]));
    let public = public["group"].as_i64().unwrap();
    let private = create(&mut a1, 4001, 0, "Closed", &[]).await["group"].as_i64().unwrap();
    a2.barrier().await;
    a1.clear();
    a2.clear();

    let reply = request(&mut b1, S_JOIN, json!({"msgId": 4002, "group": public})).await;
    let created = reply["created"].as_i64().unwrap();
    assert_eq!(reply, json!({"r": 0, "group": public, "msgId": 4002, "created": created}));
    let expected = json!({"from": bob_id, "group": public, "msgId": 4002, "created": created});
    for c in [&mut a1, &mut a2, &mut b2] {
        assert_eq!(push(c, S_JOIN, 4002).await, expected);
    }
    // Never to the requesting session (its client raises the event itself), never to outsiders.
    nothing(&mut b1, &PUSHES).await;
    nothing(&mut carol, &PUSHES).await;
    let (row, kind, content, at) = system_message(&pool, public, bob_id, 4002).await;
    assert_eq!((kind, at, content), (197, created, json!({"group": public, "from": bob_id})));
    assert_eq!(last_message_id(&pool, public).await, (created, row));

    // Resend: the same answer; joining again with a new msgId: r 0, no new system message, no push.
    let again = request(&mut b1, S_JOIN, json!({"msgId": 4002, "group": public})).await;
    assert_eq!(again, reply);
    let again = request(&mut b2, S_JOIN, json!({"msgId": 4003, "group": public})).await;
    assert_eq!(again["r"], 0);
    assert_eq!((again["group"].as_i64(), again["msgId"].as_i64()), (Some(public), Some(4003)));
    assert_eq!(count_messages(&pool, public, 197).await, 1);
    for c in [&mut a1, &mut a2, &mut b1, &mut b2] {
        nothing(c, &PUSHES).await;
    }

    // Private and unknown groups cannot be joined.
    let reply = request(&mut carol, S_JOIN, json!({"msgId": 4004, "group": private})).await;
    assert_eq!(reply["r"], 1, "{reply}");
    assert_eq!((reply["group"].as_i64(), reply["msgId"].as_i64()), (Some(private), Some(4004)));
    assert!(reply["message"].is_string());
    let reply = request(&mut carol, S_JOIN, json!({"msgId": 4005, "group": NOBODY})).await;
    assert_eq!(reply["r"], 1, "{reply}");
    nothing(&mut a1, &PUSHES).await;
    let details = request(&mut carol, S_DETAILS, json!({"group": private, "requestId": 1})).await;
    assert_eq!(details["r"], 1);
    pool.close().await;
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------------------
// 147, 148
// ---------------------------------------------------------------------------------------------------------------

async fn private_list_and_details(server: TestServer) {
    let mut a1 = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let (alice_id, bob_id) = (a1.user_id, bob.user_id);
    // A user who never connected: offline, lastVisitDate in seconds.
    let store = &server.server.hub.store;
    let offline = store.upsert_user(&server.app.id, "", "olga", "Olga O").await.unwrap();

    let p1 = create(&mut a1, 5000, 0, "P1", &[bob_id]).await["group"].as_i64().unwrap();
    let p2 = create(&mut a1, 5001, 0, "P2", &[offline.id]).await["group"].as_i64().unwrap();
    let q = create(&mut a1, 5002, 1, "Q", &[bob_id]).await["group"].as_i64().unwrap();

    // A bare array, private groups only.
    a1.send(S_PRIVATE, &json!({}));
    let list = a1.recv(S_PRIVATE).await.unwrap();
    assert_eq!(
        list,
        json!([
            {"groupId": p1, "name": "P1", "admin": alice_id, "members": [alice_id, bob_id]},
            {"groupId": p2, "name": "P2", "admin": alice_id, "members": [alice_id, offline.id]},
        ])
    );
    assert_eq!(
        request_list(&mut bob).await,
        json!([{"groupId": p1, "name": "P1", "admin": alice_id, "members": [alice_id, bob_id]}])
    );
    assert_eq!(request_list(&mut carol).await, json!([]));

    // Details echo requestId and group.
    let reply = request(&mut bob, S_DETAILS, json!({"group": p1, "requestId": 4242})).await;
    assert_eq!(
        reply,
        json!({"r": 0, "requestId": 4242, "type": 0, "group": p1, "name": "P1", "admin": alice_id, "members": [
            {"userId": alice_id, "username": "alice", "fullname": "alice (test)", "online": 1,
             "lastVisitDate": reply["members"][0]["lastVisitDate"]},
            {"userId": bob_id, "username": "bob", "fullname": "bob (test)", "online": 1,
             "lastVisitDate": reply["members"][1]["lastVisitDate"]},
        ]})
    );
    let visit = reply["members"][0]["lastVisitDate"].as_i64().unwrap();
    assert!(visit > 1_500_000_000 && visit < 10_000_000_000, "lastVisitDate is in seconds: {visit}");
    let reply = request(&mut a1, S_DETAILS, json!({"group": p2, "requestId": 1})).await;
    assert_eq!(
        reply["members"][1],
        json!({"userId": offline.id, "username": "olga", "fullname": "Olga O", "online": 0,
               "lastVisitDate": offline.last_visit})
    );
    // [R] clients send no requestId: the reply has none, and still echoes group.
    a1.send(S_DETAILS, &json!({"group": q}));
    let reply = a1.recv(S_DETAILS).await.unwrap();
    assert_eq!(reply["r"], 0);
    assert_eq!((reply["group"].as_i64(), reply["type"].as_i64()), (Some(q), Some(1)));
    assert!(reply.get("requestId").is_none(), "{reply}");

    // A private group is refused to a non-member, a public one is not.
    let reply = request(&mut carol, S_DETAILS, json!({"group": p1, "requestId": 77})).await;
    assert_eq!(reply["r"], 1);
    assert_eq!((reply["requestId"].as_i64(), reply["group"].as_i64()), (Some(77), Some(p1)));
    assert!(reply["message"].is_string());
    assert!(reply.get("members").is_none() && reply.get("name").is_none() && reply.get("admin").is_none());
    let reply = request(&mut carol, S_DETAILS, json!({"group": q, "requestId": 78})).await;
    assert_eq!(reply["r"], 0);
    assert_eq!(reply["name"], "Q");
    let reply = request(&mut carol, S_DETAILS, json!({"group": NOBODY, "requestId": 79})).await;
    assert_eq!(reply["r"], 1);
    assert_eq!((reply["requestId"].as_i64(), reply["group"].as_i64()), (Some(79), Some(NOBODY)));
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------------------
// 198
// ---------------------------------------------------------------------------------------------------------------

async fn public_directory_pages(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let alice_id = alice.user_id;
    let store = &server.server.hub.store;
    let now = azstack_server::store::now_ms();
    let mut expected = Vec::new();
    for i in 0..230 {
        let members: Vec<i64> = if i % 3 == 0 { vec![alice_id, bob.user_id] } else { vec![bob.user_id] };
        let id = store.insert_group(&server.app.id, 1, &format!("pub {i}"), bob.user_id, &members, now).await.unwrap();
        expected.push((id, format!("pub {i}"), members.len() as i64, i64::from(i % 3 == 0)));
    }
    // Neither private groups nor another application's public groups are listed.
    store.insert_group(&server.app.id, 0, "private", alice_id, &[alice_id], now).await.unwrap();
    let other = store.upsert_user("another-app", "", "eve", "Eve").await.unwrap();
    store.insert_group("another-app", 1, "elsewhere", other.id, &[other.id], now).await.unwrap();

    alice.send(S_PUBLIC, &json!({}));
    let mut packets = Vec::new();
    loop {
        let p = alice.recv(S_PUBLIC).await.unwrap();
        let done = p["done"].as_i64().unwrap();
        packets.push(p);
        if done == 1 {
            break;
        }
    }
    let sizes: Vec<usize> = packets.iter().map(|p| p["list"].as_array().unwrap().len()).collect();
    assert_eq!(sizes, vec![100, 100, 30]);
    assert_eq!(packets.iter().map(|p| p["done"].as_i64().unwrap()).collect::<Vec<_>>(), vec![0, 0, 1]);
    let items: Vec<&Value> = packets.iter().flat_map(|p| p["list"].as_array().unwrap()).collect();
    for (item, (id, name, count, in_group)) in items.iter().zip(&expected) {
        assert_eq!(
            **item,
            json!({"groupId": id, "name": name, "admin": bob.user_id, "count": count, "inGroup": in_group,
                   "autoJoin": 0})
        );
    }
    nothing(&mut alice, &[S_PUBLIC]).await;

    // bob is in every one of them.
    bob.send(S_PUBLIC, &json!({}));
    let mut total = 0;
    loop {
        let p = bob.recv(S_PUBLIC).await.unwrap();
        total += p["list"].as_array().unwrap().len();
        assert!(p["list"].as_array().unwrap().iter().all(|g| g["inGroup"] == 1));
        if p["done"] == 1 {
            break;
        }
    }
    assert_eq!(total, 230);
    server.shutdown().await;
}

async fn public_directory_small(server: TestServer) {
    let mut alice = server.login("alice").await;
    alice.send(S_PUBLIC, &json!({}));
    assert_eq!(alice.recv(S_PUBLIC).await.unwrap(), json!({"done": 1, "list": []}));
    let store = &server.server.hub.store;
    let now = azstack_server::store::now_ms();
    for i in 0..100 {
        store.insert_group(&server.app.id, 1, &format!("g{i}"), alice.user_id, &[alice.user_id], now).await.unwrap();
    }
    alice.send(S_PUBLIC, &json!({}));
    let p = alice.recv(S_PUBLIC).await.unwrap();
    assert_eq!(p["done"], 1);
    assert_eq!(p["list"].as_array().map(Vec::len), Some(100));
    nothing(&mut alice, &[S_PUBLIC]).await;
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation and application scoping
// ---------------------------------------------------------------------------------------------------------------

async fn validation_and_scoping(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let (alice_id, bob_id) = (alice.user_id, bob.user_id);
    let store = &server.server.hub.store;

    for (body, why) in [
        (json!({"msgId": 1, "type": 2, "name": "x", "members": [bob_id]}), "type out of range"),
        (json!({"msgId": 2, "type": -1, "name": "x", "members": [bob_id]}), "type out of range"),
        (json!({"msgId": 3, "type": 0, "name": "", "members": [bob_id]}), "empty name"),
        (json!({"msgId": 4, "type": 0, "name": " \t", "members": [bob_id]}), "blank name"),
        (json!({"msgId": 5, "type": 0, "name": "x", "members": (1..=201).collect::<Vec<i64>>()}), "too many"),
    ] {
        let msg_id = body["msgId"].clone();
        let reply = request(&mut alice, S_CREATE, body).await;
        assert_eq!(reply["r"], -1, "{why}: {reply}");
        assert_eq!(reply["msgId"], msg_id, "{why}");
        assert!(reply["message"].is_string(), "{why}");
    }
    let reply = request(&mut alice, S_INVITE, json!({"msgId": 6, "group": 1, "members": []})).await;
    assert_eq!(reply["r"], 1);
    nothing(&mut alice, &PUSHES).await;
    nothing(&mut bob, &PUSHES).await;

    // Malformed bodies (a numeric string, a missing field) are dropped without a reply.
    alice.send(S_CREATE, &json!({"msgId": 7, "type": "0", "name": "x", "members": [bob_id]}));
    alice.send(S_RENAME, &json!({"msgId": 8, "name": "x"}));
    nothing(&mut alice, &[S_CREATE, S_RENAME]).await;

    // Users and groups of another application do not exist here.
    let eve = store.upsert_user("another-app", "", "eve", "Eve").await.unwrap();
    let theirs = store.insert_group("another-app", 1, "elsewhere", eve.id, &[eve.id], 1).await.unwrap();
    let reply = create(&mut alice, 9, 0, "Mine", &[eve.id, bob_id]).await;
    assert_eq!(reply["members"], json!([alice_id, bob_id]));
    let mine = reply["group"].as_i64().unwrap();
    let reply = request(&mut alice, S_INVITE, json!({"msgId": 10, "group": mine, "members": [eve.id]})).await;
    assert_eq!(reply["inviteResult"], json!([{"user": eve.id, "r": 2}]));
    for (service, body) in [
        (S_JOIN, json!({"msgId": 11, "group": theirs})),
        (S_INVITE, json!({"msgId": 12, "group": theirs, "members": [bob_id]})),
        (S_RENAME, json!({"msgId": 13, "group": theirs, "name": "taken"})),
        (S_LEAVE, json!({"msgId": 14, "group": theirs, "leaveUser": eve.id})),
        (S_ADMIN, json!({"msgId": 15, "group": theirs, "newAdmin": alice_id})),
        (S_DETAILS, json!({"group": theirs, "requestId": 16})),
    ] {
        let reply = request(&mut alice, service, body).await;
        assert_eq!(reply["r"], 1, "{service:?}: {reply}");
        assert!(reply.get("name").is_none() && reply.get("members").is_none(), "{service:?}: {reply}");
    }
    assert_eq!(
        store.group(Tenant { app_id: "another-app", namespace: "" }, theirs).await.unwrap().map(|g| g.name),
        Some("elsewhere".to_owned())
    );
    assert_eq!(store.group_member_ids(theirs).await.unwrap(), vec![eve.id]);
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------------------------
// Concurrency
// ---------------------------------------------------------------------------------------------------------------

/// Many users join one public group at the same moment: every join is applied and recorded exactly once.
async fn concurrent_joins(server: TestServer) {
    let mut owner = server.login("owner").await;
    let group = create(&mut owner, 6000, 1, "Crowd", &[]).await["group"].as_i64().unwrap();
    let mut joiners = Vec::new();
    for i in 0..8 {
        joiners.push(server.login(&format!("joiner{i}")).await);
    }
    let tasks: Vec<_> = joiners
        .into_iter()
        .map(|mut c| {
            tokio::spawn(async move {
                let reply = request(&mut c, S_JOIN, json!({"msgId": 6001, "group": group})).await;
                assert_eq!(reply["r"], 0, "{reply}");
                c
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("join task");
    }
    let details = request(&mut owner, S_DETAILS, json!({"group": group, "requestId": 1})).await;
    assert_eq!(details["members"].as_array().map(Vec::len), Some(9));
    let pool = db(&server).await;
    assert_eq!(count_messages(&pool, group, 197).await, 8);
    for _ in 0..8 {
        owner.recv(S_JOIN).await.expect("a 197 push per joiner");
    }
    pool.close().await;
    server.shutdown().await;
}

backend_tests!(
    concurrent_joins,
    create_and_invite,
    leave_and_kick,
    rename_and_change_admin,
    join_public_group,
    private_list_and_details,
    public_directory_pages,
    public_directory_small,
    validation_and_scoping,
);
