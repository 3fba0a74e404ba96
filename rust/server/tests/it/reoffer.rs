//! ICE restarts in answered free calls (issue 15, PROTOCOL.md §12): a re-offer (187 type 1 with an offer) is relayed
//! only to a session of the new engine, never to an original client, which cannot answer one; and a new session of
//! the new engine that re-offers takes its user's side of the call over from a session the server still holds
//! (the device reconnected after a network change before the server noticed its old connection was gone).

use azstack_protocol::Service;
use azstack_server::testkit::{TestClient, TestServer};
use serde_json::{Value, json};

const START: Service = Service::FREE_CALL_START;
const DATA: Service = Service::FREE_CALL_DATA;
const STATUS: Service = Service::FREE_CALL_STATUS_CHANGED;

fn description(call_id: i64, to: i64, kind: &str) -> Value {
    json!({"callId": call_id, "to": to, "type": 1, "data": {"type": kind, "sdp": format!("v=0\r\ns={kind}\r\n")}})
}

/// `caller` calls `callee`, who answers (180, 200, then its SDP answer); both have seen everything.
async fn answered(caller: &mut TestClient, callee: &mut TestClient, call_id: i64) {
    let (a, b) = (caller.user_id, callee.user_id);
    let sdp = json!({"type": "offer", "sdp": "v=0\r\ns=offer\r\n"});
    caller.send(START, &json!({"callId": call_id, "mediaType": 1, "to": b, "sdp": sdp}));
    callee.recv(START).await.unwrap();
    callee.send(STATUS, &json!({"callId": call_id, "to": a, "status": 180}));
    callee.send(STATUS, &json!({"callId": call_id, "to": a, "status": 200}));
    callee.send(DATA, &description(call_id, a, "answer"));
    let got = caller.recv(DATA).await.unwrap();
    assert_eq!(got["data"]["type"], "answer");
    caller.clear();
    callee.clear();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reoffer_reaches_the_new_engine_and_never_an_original_client() {
    let server = TestServer::sqlite().await;
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut olga = server.login_original("olga").await;
    let (a, b, o) = (alice.user_id, bob.user_id, olga.user_id);

    // Between engines a re-offer and its answer pass, either way.
    answered(&mut alice, &mut bob, 11).await;
    bob.send(DATA, &description(11, a, "offer"));
    assert_eq!(alice.recv(DATA).await.unwrap()["data"]["type"], "offer");
    alice.send(DATA, &description(11, b, "answer"));
    assert_eq!(bob.recv(DATA).await.unwrap()["data"]["type"], "answer");
    alice.send(DATA, &description(11, b, "offer"));
    assert_eq!(bob.recv(DATA).await.unwrap(), {
        let mut relayed = description(11, b, "offer");
        relayed["from"] = json!(a);
        relayed
    });
    alice.send(STATUS, &json!({"callId": 11, "to": b, "status": 700}));
    bob.recv(STATUS).await.unwrap();

    // An original client as the callee: the engine's re-offer is dropped; candidates still pass.
    answered(&mut alice, &mut olga, 12).await;
    alice.send(DATA, &description(12, o, "offer"));
    let candidate = json!({"callId": 12, "to": o, "type": 2,
                           "data": {"sdpMid": "0", "sdpMLineIndex": 0, "sdp": "candidate:1 1 udp 1 10.0.0.1 5000 typ host"}});
    alice.send(DATA, &candidate);
    assert_eq!(olga.recv(DATA).await.unwrap()["type"], 2, "the candidate sent after the re-offer came first");
    olga.barrier().await;
    assert!(olga.buffered(DATA).is_empty(), "{:?}", olga.buffered(DATA));
    alice.send(STATUS, &json!({"callId": 12, "to": o, "status": 700}));
    olga.recv(STATUS).await.unwrap();

    // An original client as the caller: the same.
    answered(&mut olga, &mut bob, 13).await;
    bob.send(DATA, &description(13, o, "offer"));
    bob.send(STATUS, &json!({"callId": 13, "to": o, "status": 700}));
    assert_eq!(olga.recv(STATUS).await.unwrap()["status"], 700);
    assert!(olga.buffered(DATA).is_empty(), "{:?}", olga.buffered(DATA));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reoffering_new_session_takes_the_call_over_from_a_session_the_server_still_holds() {
    let server = TestServer::sqlite().await;
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let (a, b) = (alice.user_id, bob.user_id);
    answered(&mut alice, &mut bob, 21).await;

    // Alice's device comes back on a new connection while the old one still looks alive to the server.
    let mut alice2 = server.login("alice").await;
    alice2.send(DATA, &description(21, b, "offer"));
    assert_eq!(bob.recv(DATA).await.unwrap()["from"], a);
    // From now on the call's packets go to the new session, not the old one.
    bob.send(DATA, &description(21, a, "answer"));
    assert_eq!(alice2.recv(DATA).await.unwrap()["data"]["type"], "answer");
    bob.send(STATUS, &json!({"callId": 21, "to": a, "status": 700}));
    assert_eq!(alice2.recv(STATUS).await.unwrap()["status"], 700);
    alice.barrier().await;
    assert!(
        alice.buffered(DATA).is_empty() && alice.buffered(STATUS).is_empty(),
        "the old session got the call's packets"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reoffer_queued_for_a_lost_side_is_not_delivered_to_an_original_client_coming_back() {
    let server = TestServer::sqlite_with(|c| c.limits.call_grace_secs = 60).await;
    let mut alice = server.login("alice").await;
    let mut olga = server.login_original("olga").await;
    let o = olga.user_id;
    answered(&mut alice, &mut olga, 31).await;

    // Olga's transport is lost; while her side waits, the engine re-offers, then sends a candidate.
    olga.drop_transport();
    let calls = &server.server.hub.calls;
    let waited = tokio::time::timeout(azstack_server::testkit::DEADLINE, async {
        loop {
            let next = calls.changed();
            if calls.in_grace(o) {
                break;
            }
            next.await;
        }
    })
    .await;
    assert!(waited.is_ok(), "olga's side was not detached");
    alice.send(DATA, &description(31, o, "offer"));
    let candidate = json!({"callId": 31, "to": o, "type": 2,
                           "data": {"sdpMid": "0", "sdpMLineIndex": 0, "sdp": "candidate:1 1 udp 1 10.0.0.1 5000 typ host"}});
    alice.send(DATA, &candidate);
    alice.barrier().await;

    // She comes back with the original client: the queued candidate reaches her, the re-offer does not.
    let mut olga = server.login_original("olga").await;
    assert_eq!(olga.recv(DATA).await.unwrap()["type"], 2);
    olga.barrier().await;
    assert!(olga.buffered(DATA).is_empty(), "{:?}", olga.buffered(DATA));
    server.shutdown().await;
}
