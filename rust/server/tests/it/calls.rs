//! Free-call signalling (186/187/188/199) and the PSTN services without a SIP trunk (500–506, 509, 610), over real
//! sockets: relays with `from`, 199 mirroring, BUSY aggregation, the ring timeout, the ordering races of §5.2, lost
//! sessions and the grace period, refusals, callout and paid call logs.

use azstack_protocol::Service;
use azstack_server::backend_tests;
use azstack_server::calls::Calls;
use azstack_server::testkit::{DEADLINE, Login, TestClient, TestServer};
use serde_json::{Value, json};

const START: Service = Service::FREE_CALL_START;
const DATA: Service = Service::FREE_CALL_DATA;
const STATUS: Service = Service::FREE_CALL_STATUS_CHANGED;
const BY_ME: Service = Service::FREE_CALL_STATUS_CHANGED_BY_ME;

const OFFER_SDP: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=offer\r\n";
const ANSWER_SDP: &str = "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=answer\r\n";

pub(crate) fn offer(call_id: i64, to: i64) -> Value {
    json!({"callId": call_id, "mediaType": 2, "to": to, "sdp": {"type": "offer", "sdp": OFFER_SDP}})
}

pub(crate) fn answer(call_id: i64, to: i64) -> Value {
    json!({"callId": call_id, "to": to, "type": 1, "data": {"type": "answer", "sdp": ANSWER_SDP}})
}

pub(crate) fn candidate(call_id: i64, to: i64, n: i64) -> Value {
    json!({
        "callId": call_id, "to": to, "type": 2,
        "data": {"sdpMid": "0", "sdpMLineIndex": 0, "sdp": format!("candidate:{n} 1 udp 2122260223 10.0.0.{n} 5000{n} typ host")},
    })
}

pub(crate) fn status(call_id: i64, to: i64, status: i64) -> Value {
    json!({"callId": call_id, "to": to, "status": status})
}

/// `body` as the peer receives it: the sender's fields plus `from`.
pub(crate) fn from(mut body: Value, sender: i64) -> Value {
    body["from"] = json!(sender);
    body
}

/// Waits for the 188 of `call_id` with `status` and returns it.
async fn status_of(c: &mut TestClient, call_id: i64, status: i64) -> Value {
    let got = c.recv_where(STATUS, |b| b["callId"] == json!(call_id) && b["status"] == json!(status)).await;
    got.unwrap_or_else(|e| panic!("{} waited for 188 status {status} of call {call_id}: {e}", c.username))
}

/// The 188 statuses of `call_id` buffered at `c` (call after the barriers that make the check meaningful).
fn statuses(c: &mut TestClient, call_id: i64) -> Vec<i64> {
    c.buffered(STATUS).iter().filter(|b| b["callId"] == json!(call_id)).filter_map(|b| b["status"].as_i64()).collect()
}

/// Waits until the call table satisfies `pred`.
async fn until(server: &TestServer, what: &str, pred: impl Fn(&Calls) -> bool) {
    let calls = &server.server.hub.calls;
    let waited = tokio::time::timeout(DEADLINE, async {
        loop {
            let next = calls.changed();
            if pred(calls) {
                break;
            }
            next.await;
        }
    })
    .await;
    assert!(waited.is_ok(), "timed out waiting for {what}");
}

/// Caller `a` calls the callee sessions `bs`; each receives the 186 and answers 180; the caller sees one 180.
async fn ring(a: &mut TestClient, bs: &mut [&mut TestClient], call_id: i64) {
    let callee = bs[0].user_id;
    a.send(START, &offer(call_id, callee));
    for b in bs.iter_mut() {
        let got = b.recv_where(START, |x| x["callId"] == json!(call_id)).await.unwrap();
        assert_eq!(got, from(offer(call_id, callee), a.user_id));
        b.send(STATUS, &status(call_id, a.user_id, 180));
    }
    assert_eq!(
        status_of(a, call_id, 180).await,
        json!({"callId": call_id, "to": a.user_id, "status": 180, "from": callee})
    );
}

/// `a` calls `b` and `b` answers (200, then its SDP answer).
async fn connect_call(a: &mut TestClient, b: &mut TestClient, call_id: i64) {
    ring(a, &mut [&mut *b], call_id).await;
    b.send(STATUS, &status(call_id, a.user_id, 200));
    status_of(a, call_id, 200).await;
    b.send(DATA, &answer(call_id, a.user_id));
    assert_eq!(a.recv(DATA).await.unwrap(), from(answer(call_id, a.user_id), b.user_id));
}

// -------------------------------------------------------------------------------------------------------------
// The answered call
// -------------------------------------------------------------------------------------------------------------

async fn answered_call_relays_both_ways_and_either_side_hangs_up(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let (a, b) = (alice.user_id, bob.user_id);
    let id = 1_700_000_001;

    alice.send(START, &offer(id, b));
    let incoming = bob.recv(START).await.unwrap();
    assert_eq!(
        incoming,
        json!({"callId": id, "mediaType": 2, "to": b, "from": a, "sdp": {"type": "offer", "sdp": OFFER_SDP}})
    );
    bob.send(STATUS, &status(id, a, 180));
    assert_eq!(alice.recv(STATUS).await.unwrap(), json!({"callId": id, "to": a, "status": 180, "from": b}));
    // The caller trickles while it rings.
    alice.send(DATA, &candidate(id, b, 1));
    assert_eq!(bob.recv(DATA).await.unwrap(), from(candidate(id, b, 1), a));

    bob.send(STATUS, &status(id, a, 200));
    assert_eq!(alice.recv(STATUS).await.unwrap(), json!({"callId": id, "to": a, "status": 200, "from": b}));
    bob.send(DATA, &answer(id, a));
    let got = alice.recv(DATA).await.unwrap();
    assert_eq!(
        got,
        json!({"callId": id, "to": a, "type": 1, "from": b, "data": {"type": "answer", "sdp": ANSWER_SDP}})
    );
    bob.send(DATA, &candidate(id, a, 2));
    assert_eq!(alice.recv(DATA).await.unwrap(), from(candidate(id, a, 2), b));
    alice.send(DATA, &candidate(id, b, 3));
    let got = bob.recv(DATA).await.unwrap();
    assert_eq!(got["data"]["sdp"], json!("candidate:3 1 udp 2122260223 10.0.0.3 50003 typ host"));
    assert_eq!(got["data"]["sdpMLineIndex"], json!(0));
    assert_eq!(got["from"], json!(a));

    // The caller hangs up.
    alice.send(STATUS, &status(id, b, 700));
    assert_eq!(bob.recv(STATUS).await.unwrap(), json!({"callId": id, "to": b, "status": 700, "from": a}));
    alice.barrier().await;
    bob.barrier().await;
    assert!(alice.buffered(BY_ME).is_empty() && bob.buffered(BY_ME).is_empty(), "no other sessions, no 199");
    assert_eq!(server.server.hub.calls.active(), 0);

    // A second call; this time the callee hangs up.
    let id2 = id + 1;
    connect_call(&mut alice, &mut bob, id2).await;
    bob.send(STATUS, &status(id2, a, 700));
    assert_eq!(status_of(&mut alice, id2, 700).await, json!({"callId": id2, "to": a, "status": 700, "from": b}));
    assert_eq!(server.server.hub.calls.active(), 0);
    // Nothing more is relayed for an ended call.
    alice.send(DATA, &candidate(id2, b, 4));
    alice.send(STATUS, &status(id2, b, 700));
    alice.barrier().await;
    bob.barrier().await;
    assert!(bob.buffered(DATA).iter().all(|d| d["callId"] != json!(id2)));
    assert!(statuses(&mut bob, id2).is_empty());
    server.shutdown().await;
}

// -------------------------------------------------------------------------------------------------------------
// Refusals
// -------------------------------------------------------------------------------------------------------------

async fn unknown_self_and_busy_callees_are_answered_at_once(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let (a, b) = (alice.user_id, bob.user_id);

    // Unknown user: 400 "not available", written as if the addressed user had sent it.
    let nobody = 987_654_321;
    alice.send(START, &offer(11, nobody));
    assert_eq!(status_of(&mut alice, 11, 400).await, json!({"callId": 11, "to": a, "status": 400, "from": nobody}));
    // Oneself: 400 as well.
    alice.send(START, &offer(12, a));
    assert_eq!(status_of(&mut alice, 12, 400).await, json!({"callId": 12, "to": a, "status": 400, "from": a}));
    assert_eq!(server.server.hub.calls.active(), 0);

    // Bob's only session is in an answered call with carol: busy.
    connect_call(&mut carol, &mut bob, 13).await;
    alice.send(START, &offer(14, b));
    assert_eq!(status_of(&mut alice, 14, 600).await, json!({"callId": 14, "to": a, "status": 600, "from": b}));
    alice.barrier().await;
    bob.barrier().await;
    assert!(bob.buffered(START).is_empty(), "a busy callee is not offered the call");
    assert_eq!(server.server.hub.calls.active(), 1);

    // A malformed 186 (numeric string) is dropped without an answer and without harm.
    alice
        .send(START, &json!({"callId": 15, "mediaType": 1, "to": b.to_string(), "sdp": {"type": "offer", "sdp": "x"}}));
    alice.barrier().await;
    assert!(statuses(&mut alice, 15).is_empty());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_of_another_application_is_not_available() {
    let dir = tempfile::tempdir().unwrap();
    let config = azstack_server::Config::dev(0, dir.path());
    let store = azstack_server::store::SqlStore::open(&config.database).await.unwrap();
    let one = azstack_server::create_app(&store, "one").await.unwrap();
    let two = azstack_server::create_app(&store, "two").await.unwrap();
    store.close().await;
    let server = TestServer::start_on(config, Some(dir)).await;
    let other = if server.app.id == one.id { two } else { one };
    let mut alice = server.login("alice").await;
    let mut stranger = TestClient::login(&server.url(), &other, &Login::engine("stranger")).await.unwrap();
    assert_ne!(alice.user_id, stranger.user_id);

    alice.send(START, &offer(21, stranger.user_id));
    let refused = status_of(&mut alice, 21, 400).await;
    assert_eq!(refused["from"], json!(stranger.user_id));
    stranger.barrier().await;
    assert!(stranger.buffered(START).is_empty());
    // Nor can the stranger address alice's calls.
    stranger.send(STATUS, &status(21, alice.user_id, 200));
    stranger.barrier().await;
    alice.barrier().await;
    assert!(statuses(&mut alice, 21).iter().all(|s| *s == 400));
    server.shutdown().await;
}

// -------------------------------------------------------------------------------------------------------------
// Multi-device callee: reject, not answered, cancel, busy aggregation, answered elsewhere
// -------------------------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_call_is_mirrored_to_the_callees_other_session() {
    let server = TestServer::sqlite().await;
    let mut alice = server.login("alice").await;
    let mut bob1 = server.login("bob").await;
    let mut bob2 = server.login("bob").await;
    let (a, b) = (alice.user_id, bob1.user_id);
    let id = 31;

    ring(&mut alice, &mut [&mut bob1, &mut bob2], id).await;
    bob1.barrier().await;
    bob2.barrier().await;
    alice.barrier().await;
    assert!(statuses(&mut alice, id).is_empty(), "the second 180 is not forwarded");

    bob1.send(STATUS, &status(id, a, 603));
    assert_eq!(status_of(&mut alice, id, 603).await, json!({"callId": id, "to": a, "status": 603, "from": b}));
    assert_eq!(bob2.recv(BY_ME).await.unwrap(), json!({"callId": id, "status": 603}));
    bob1.barrier().await;
    assert!(bob1.buffered(BY_ME).is_empty(), "199 goes to the other sessions only");
    assert!(bob2.buffered(STATUS).is_empty());
    assert_eq!(server.server.hub.calls.active(), 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callee_not_answering_ends_the_call_with_400() {
    let server = TestServer::sqlite().await;
    let mut alice = server.login("alice").await;
    let mut bob1 = server.login("bob").await;
    let mut bob2 = server.login("bob").await;
    let (a, b) = (alice.user_id, bob1.user_id);
    let id = 41;

    ring(&mut alice, &mut [&mut bob1, &mut bob2], id).await;
    bob2.send(STATUS, &status(id, a, 400));
    assert_eq!(status_of(&mut alice, id, 400).await, json!({"callId": id, "to": a, "status": 400, "from": b}));
    assert_eq!(bob1.recv(BY_ME).await.unwrap(), json!({"callId": id, "status": 400}));
    assert_eq!(server.server.hub.calls.active(), 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caller_cancelling_reaches_every_ringing_callee_session() {
    let server = TestServer::sqlite().await;
    let mut alice = server.login("alice").await;
    let mut bob1 = server.login("bob").await;
    let mut bob2 = server.login("bob").await;
    let (a, b) = (alice.user_id, bob1.user_id);
    let id = 51;

    alice.send(START, &offer(id, b));
    bob1.recv(START).await.unwrap();
    bob2.recv(START).await.unwrap();
    // bob1 rings, bob2 has not answered anything yet: both are still ringing.
    bob1.send(STATUS, &status(id, a, 180));
    status_of(&mut alice, id, 180).await;
    alice.send(STATUS, &status(id, b, 700));
    let stop = json!({"callId": id, "to": b, "status": 700, "from": a});
    assert_eq!(status_of(&mut bob1, id, 700).await, stop);
    assert_eq!(status_of(&mut bob2, id, 700).await, stop);
    assert_eq!(server.server.hub.calls.active(), 0);

    // A late answer finds no call.
    bob1.send(STATUS, &status(id, a, 200));
    bob1.barrier().await;
    alice.barrier().await;
    assert!(statuses(&mut alice, id).is_empty());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_is_forwarded_only_when_no_callee_session_rings() {
    let server = TestServer::sqlite().await;
    let mut alice = server.login("alice").await;
    let mut bob1 = server.login("bob").await;
    let mut bob2 = server.login("bob").await;
    let (a, b) = (alice.user_id, bob1.user_id);

    // bob1 rings, bob2 is busy with something else: the call goes on ringing on bob1.
    let id = 61;
    alice.send(START, &offer(id, b));
    bob1.recv(START).await.unwrap();
    bob2.recv(START).await.unwrap();
    bob1.send(STATUS, &status(id, a, 180));
    status_of(&mut alice, id, 180).await;
    bob2.send(STATUS, &status(id, a, 600));
    bob2.barrier().await;
    alice.barrier().await;
    bob1.barrier().await;
    assert!(statuses(&mut alice, id).is_empty(), "BUSY is held while a session rings");
    assert!(bob1.buffered(BY_ME).is_empty(), "600 is never mirrored");
    // The busy session takes no further part; the ringing one answers.
    alice.send(DATA, &candidate(id, b, 1));
    bob1.recv(DATA).await.unwrap();
    bob1.send(STATUS, &status(id, a, 200));
    status_of(&mut alice, id, 200).await;
    alice.send(STATUS, &status(id, b, 700));
    status_of(&mut bob1, id, 700).await;
    bob2.barrier().await;
    assert!(bob2.buffered(DATA).is_empty());
    assert!(statuses(&mut bob2, id).is_empty());

    // Both sessions busy: 600 reaches the caller once the last one says so.
    let id2 = 62;
    alice.send(START, &offer(id2, b));
    bob1.recv_where(START, |x| x["callId"] == json!(id2)).await.unwrap();
    bob2.recv_where(START, |x| x["callId"] == json!(id2)).await.unwrap();
    bob1.send(STATUS, &status(id2, a, 600));
    bob1.barrier().await;
    alice.barrier().await;
    assert!(statuses(&mut alice, id2).is_empty(), "bob2 has not answered yet");
    bob2.send(STATUS, &status(id2, a, 600));
    assert_eq!(status_of(&mut alice, id2, 600).await, json!({"callId": id2, "to": a, "status": 600, "from": b}));
    assert_eq!(server.server.hub.calls.active(), 0);
    bob2.barrier().await;
    bob1.barrier().await;
    assert!(bob1.buffered(BY_ME).iter().all(|m| m["callId"] != json!(id2)));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_on_another_device_stops_the_ringing_and_narrows_the_relay() {
    let server = TestServer::sqlite().await;
    let mut alice = server.login("alice").await;
    let mut bob1 = server.login("bob").await;
    let mut bob2 = server.login("bob").await;
    let (a, b) = (alice.user_id, bob1.user_id);
    let id = 71;

    ring(&mut alice, &mut [&mut bob1, &mut bob2], id).await;
    bob2.send(STATUS, &status(id, a, 200));
    assert_eq!(status_of(&mut alice, id, 200).await, json!({"callId": id, "to": a, "status": 200, "from": b}));
    assert_eq!(bob1.recv(BY_ME).await.unwrap(), json!({"callId": id, "status": 200}));
    bob2.barrier().await;
    assert!(bob2.buffered(BY_ME).is_empty());

    bob2.send(DATA, &answer(id, a));
    assert_eq!(alice.recv(DATA).await.unwrap(), from(answer(id, a), b));
    alice.send(DATA, &candidate(id, b, 1));
    assert_eq!(bob2.recv(DATA).await.unwrap(), from(candidate(id, b, 1), a));
    // bob1, which did not see the 199 in time, can no longer act on the call.
    bob1.send(STATUS, &status(id, a, 603));
    bob1.send(DATA, &candidate(id, a, 9));
    bob1.barrier().await;
    alice.send(STATUS, &status(id, b, 700));
    assert_eq!(status_of(&mut bob2, id, 700).await, json!({"callId": id, "to": b, "status": 700, "from": a}));
    alice.barrier().await;
    bob1.barrier().await;
    assert!(bob1.buffered(DATA).is_empty(), "after the answer only the answering session gets 187");
    assert!(statuses(&mut bob1, id).is_empty(), "after the answer only the answering session gets 188");
    assert!(statuses(&mut alice, id).is_empty(), "bob1's late 603 is dropped");
    assert!(alice.buffered(DATA).is_empty());
    server.shutdown().await;
}

// -------------------------------------------------------------------------------------------------------------
// Ring timeout and offline callees
// -------------------------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_ring_timeout_ends_the_call_with_400_on_both_sides() {
    let server = TestServer::sqlite_with(|c| c.limits.ring_timeout_secs = 1).await;
    let mut alice = server.login("alice").await;
    let mut bob1 = server.login("bob").await;
    let mut bob2 = server.login("bob").await;
    let (a, b) = (alice.user_id, bob1.user_id);
    let id = 81;

    ring(&mut alice, &mut [&mut bob1, &mut bob2], id).await;
    assert_eq!(status_of(&mut alice, id, 400).await, json!({"callId": id, "to": a, "status": 400, "from": b}));
    let timeout = json!({"callId": id, "to": b, "status": 400, "from": a});
    assert_eq!(status_of(&mut bob1, id, 400).await, timeout);
    assert_eq!(status_of(&mut bob2, id, 400).await, timeout);
    assert_eq!(server.server.hub.calls.active(), 0);

    // The answer that comes too late is dropped.
    bob1.send(STATUS, &status(id, a, 200));
    bob1.barrier().await;
    alice.barrier().await;
    assert!(statuses(&mut alice, id).is_empty());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callee_without_sessions_is_held_until_the_ring_timeout() {
    let server = TestServer::sqlite_with(|c| c.limits.ring_timeout_secs = 2).await;
    let mut alice = server.login("alice").await;
    let carol = server.server.hub.store.upsert_user(&server.app.id, "", "carol", "Carol").await.unwrap();
    let id = 91;

    alice.send(START, &offer(id, carol.id));
    alice.barrier().await;
    assert_eq!(server.server.hub.calls.active(), 1, "held, not refused");
    assert!(statuses(&mut alice, id).is_empty());
    assert_eq!(
        status_of(&mut alice, id, 400).await,
        json!({"callId": id, "to": alice.user_id, "status": 400, "from": carol.id})
    );
    assert_eq!(server.server.hub.calls.active(), 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callee_logging_in_while_the_call_rings_gets_it() {
    let server = TestServer::sqlite_with(|c| c.limits.ring_timeout_secs = 60).await;
    let mut alice = server.login("alice").await;
    let carol_row = server.server.hub.store.upsert_user(&server.app.id, "", "carol", "Carol").await.unwrap();
    let (a, c) = (alice.user_id, carol_row.id);
    let id = 92;

    alice.send(START, &offer(id, c));
    alice.send(DATA, &candidate(id, c, 1));
    alice.barrier().await;
    let mut carol = server.login("carol").await;
    assert_eq!(carol.user_id, c);
    assert_eq!(carol.next_packet().await.unwrap(), (186, from(offer(id, c), a)));
    assert_eq!(carol.next_packet().await.unwrap(), (187, from(candidate(id, c, 1), a)));
    connect_rest(&mut alice, &mut carol, id).await;
    server.shutdown().await;
}

/// The ringing callee `b` (already offered call `id`) rings, answers, exchanges a candidate and hangs up.
async fn connect_rest(alice: &mut TestClient, b: &mut TestClient, id: i64) {
    let a = alice.user_id;
    b.send(STATUS, &status(id, a, 180));
    status_of(alice, id, 180).await;
    b.send(STATUS, &status(id, a, 200));
    status_of(alice, id, 200).await;
    b.send(DATA, &answer(id, a));
    assert_eq!(alice.recv(DATA).await.unwrap(), from(answer(id, a), b.user_id));
    b.send(STATUS, &status(id, a, 700));
    status_of(alice, id, 700).await;
}

// -------------------------------------------------------------------------------------------------------------
// Ordering races (§5.2)
// -------------------------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caller_candidates_sent_before_the_offer_are_delivered_right_after_it() {
    let server = TestServer::sqlite().await;
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let (a, b) = (alice.user_id, bob.user_id);
    let id = 101;

    alice.send(DATA, &candidate(id, b, 1));
    alice.send(DATA, &candidate(id, b, 2));
    alice.barrier().await;
    bob.barrier().await;
    assert!(bob.buffered(DATA).is_empty(), "held until the 186");
    alice.send(START, &offer(id, b));
    assert_eq!(bob.next_packet().await.unwrap(), (186, from(offer(id, b), a)));
    assert_eq!(bob.next_packet().await.unwrap(), (187, from(candidate(id, b, 1), a)));
    assert_eq!(bob.next_packet().await.unwrap(), (187, from(candidate(id, b, 2), a)));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callee_candidates_are_held_until_its_answer_is_relayed() {
    let server = TestServer::sqlite().await;
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let (a, b) = (alice.user_id, bob.user_id);

    // Candidates before the 200 and between the 200 and the SDP answer all follow the answer, in order.
    let id = 111;
    alice.send(START, &offer(id, b));
    bob.recv(START).await.unwrap();
    bob.send(STATUS, &status(id, a, 180));
    bob.send(DATA, &candidate(id, a, 1));
    bob.barrier().await;
    bob.send(STATUS, &status(id, a, 200));
    bob.send(DATA, &candidate(id, a, 2));
    bob.barrier().await;
    alice.barrier().await;
    assert!(alice.buffered(DATA).is_empty(), "no candidate before the answer");
    bob.send(DATA, &answer(id, a));
    bob.send(DATA, &candidate(id, a, 3));
    let expected = [
        (188, json!({"callId": id, "to": a, "status": 180, "from": b})),
        (188, json!({"callId": id, "to": a, "status": 200, "from": b})),
        (187, from(answer(id, a), b)),
        (187, from(candidate(id, a, 1), b)),
        (187, from(candidate(id, a, 2), b)),
        (187, from(candidate(id, a, 3), b)),
    ];
    for want in expected {
        assert_eq!(alice.next_packet().await.unwrap(), want);
    }
    alice.send(STATUS, &status(id, b, 700));
    status_of(&mut bob, id, 700).await;

    // With no answer at all the candidates are released after the hold (about 2 s).
    let id2 = 112;
    alice.send(START, &offer(id2, b));
    bob.recv_where(START, |x| x["callId"] == json!(id2)).await.unwrap();
    bob.send(STATUS, &status(id2, a, 200));
    bob.send(DATA, &candidate(id2, a, 4));
    status_of(&mut alice, id2, 200).await;
    bob.barrier().await;
    alice.barrier().await;
    assert!(alice.buffered(DATA).iter().all(|d| d["callId"] != json!(id2)));
    let released = alice.recv_where(DATA, |d| d["callId"] == json!(id2)).await.unwrap();
    assert_eq!(released, from(candidate(id2, a, 4), b));
    server.shutdown().await;
}

// -------------------------------------------------------------------------------------------------------------
// Lost sessions
// -------------------------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_explicit_disconnect_ends_the_call_at_once() {
    let server = TestServer::sqlite_with(|c| c.limits.call_grace_secs = 60).await;
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let (a, b, c) = (alice.user_id, bob.user_id, carol.user_id);

    // The answering callee leaves.
    connect_call(&mut alice, &mut bob, 121).await;
    bob.close();
    assert_eq!(status_of(&mut alice, 121, 700).await, json!({"callId": 121, "to": a, "status": 700, "from": b}));
    assert_eq!(server.server.hub.calls.active(), 0);

    // A ringing caller leaves.
    carol.send(START, &offer(122, a));
    alice.recv_where(START, |x| x["callId"] == json!(122)).await.unwrap();
    alice.send(STATUS, &status(122, c, 180));
    status_of(&mut carol, 122, 180).await;
    carol.close();
    assert_eq!(status_of(&mut alice, 122, 700).await, json!({"callId": 122, "to": a, "status": 700, "from": c}));
    assert_eq!(server.server.hub.calls.active(), 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_transport_and_a_login_within_the_grace_period_keep_the_call() {
    let server = TestServer::sqlite_with(|c| c.limits.call_grace_secs = 60).await;
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let (a, b) = (alice.user_id, bob.user_id);
    let id = 131;

    // The callee loses its transport; the caller's candidate waits for it.
    connect_call(&mut alice, &mut bob, id).await;
    bob.drop_transport();
    until(&server, "bob's grace period", |calls| calls.in_grace(b)).await;
    alice.send(DATA, &candidate(id, b, 1));
    alice.barrier().await;
    let mut bob = server.login("bob").await;
    assert!(!server.server.hub.calls.in_grace(b));
    assert_eq!(bob.recv(DATA).await.unwrap(), from(candidate(id, b, 1), a));
    bob.send(DATA, &candidate(id, a, 2));
    assert_eq!(alice.recv(DATA).await.unwrap(), from(candidate(id, a, 2), b));
    bob.barrier().await;
    alice.barrier().await;
    assert!(statuses(&mut alice, id).is_empty(), "the call did not end");

    // Now the caller loses its transport and comes back; the callee hangs up on the new session.
    alice.drop_transport();
    until(&server, "alice's grace period", |calls| calls.in_grace(a)).await;
    let mut alice = server.login("alice").await;
    assert!(!server.server.hub.calls.in_grace(a));
    bob.send(STATUS, &status(id, a, 700));
    assert_eq!(status_of(&mut alice, id, 700).await, json!({"callId": id, "to": a, "status": 700, "from": b}));
    assert_eq!(server.server.hub.calls.active(), 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_transport_without_return_ends_the_call_with_700() {
    let server = TestServer::sqlite_with(|c| c.limits.call_grace_secs = 1).await;
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let (a, b, c) = (alice.user_id, bob.user_id, carol.user_id);

    // Answered call, the callee is lost.
    connect_call(&mut alice, &mut bob, 141).await;
    bob.drop_transport();
    assert_eq!(status_of(&mut alice, 141, 700).await, json!({"callId": 141, "to": a, "status": 700, "from": b}));

    // Ringing call, the caller is lost.
    carol.send(START, &offer(142, a));
    alice.recv_where(START, |x| x["callId"] == json!(142)).await.unwrap();
    alice.send(STATUS, &status(142, c, 180));
    status_of(&mut carol, 142, 180).await;
    carol.drop_transport();
    assert_eq!(status_of(&mut alice, 142, 700).await, json!({"callId": 142, "to": a, "status": 700, "from": c}));
    assert_eq!(server.server.hub.calls.active(), 0);
    server.shutdown().await;
}

// -------------------------------------------------------------------------------------------------------------
// Keying by (caller, callId)
// -------------------------------------------------------------------------------------------------------------

async fn the_same_call_id_from_two_callers_makes_two_calls(server: TestServer) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let mut carol = server.login("carol").await;
    let (a, b, c) = (alice.user_id, bob.user_id, carol.user_id);
    let id = 151;

    alice.send(START, &offer(id, c));
    carol.recv_where(START, |x| x["from"] == json!(a)).await.unwrap();
    bob.send(START, &offer(id, c));
    carol.recv_where(START, |x| x["from"] == json!(b)).await.unwrap();
    assert_eq!(server.server.hub.calls.active(), 2);

    carol.send(STATUS, &status(id, a, 180));
    status_of(&mut alice, id, 180).await;
    carol.send(STATUS, &status(id, b, 603));
    assert_eq!(status_of(&mut bob, id, 603).await, json!({"callId": id, "to": b, "status": 603, "from": c}));
    carol.barrier().await;
    alice.barrier().await;
    bob.barrier().await;
    assert!(statuses(&mut alice, id).is_empty(), "alice's call is untouched");
    assert!(statuses(&mut bob, id).is_empty(), "bob never got alice's 180");
    assert_eq!(server.server.hub.calls.active(), 1);

    carol.send(STATUS, &status(id, a, 200));
    status_of(&mut alice, id, 200).await;
    alice.send(DATA, &candidate(id, c, 1));
    assert_eq!(carol.recv(DATA).await.unwrap(), from(candidate(id, c, 1), a));
    carol.send(STATUS, &status(id, a, 700));
    status_of(&mut alice, id, 700).await;
    assert_eq!(server.server.hub.calls.active(), 0);
    bob.barrier().await;
    assert!(statuses(&mut bob, id).is_empty());
    server.shutdown().await;
}

// -------------------------------------------------------------------------------------------------------------
// PSTN without a SIP trunk, paid call logs
// -------------------------------------------------------------------------------------------------------------

async fn callout_without_a_trunk_is_refused_with_610(server: TestServer) {
    let mut alice = server.login("alice").await;
    alice.send(Service::CALLOUT_START_SEND, &json!({"callId": 161, "to": "+84912345678", "from": "0123", "tags": "t"}));
    let initial = alice.recv(Service::CALLOUT_START_INITIAL).await.unwrap();
    assert_eq!(initial, json!({"callId": 161, "status": 402, "chargingError": -4}));
    // Callout data, stop and call-in statuses are dropped; nothing is ever answered with 504/503/505.
    alice.send(Service::CALLOUT_DATA_SEND, &json!({"callId": 161, "to": "+84912345678", "sdp_candidate": "v=0"}));
    alice.send(Service::CALLOUT_STOP_SEND, &json!({"callId": 161, "to": "+84912345678"}));
    alice.send(
        Service::CALLIN_STATUS_CHANGED,
        &json!({"callId": 7, "callType": 1, "destination": "0900", "phonenumber": "1900", "tags": null, "code": 183}),
    );
    alice.barrier().await;
    for service in [
        Service::CALLOUT_START_DONE,
        Service::CALLOUT_DATA_STATUS_CHANGED,
        Service::CALLIN_START,
        Service::CALLIN_STATUS_CHANGED,
        Service::CALLOUT_START_INITIAL,
    ] {
        assert!(alice.buffered(service).is_empty(), "unexpected {service:?}");
    }
    server.shutdown().await;
}

async fn paid_call_logs_list_only_my_entries(server: TestServer) {
    let mut alice = server.login("alice").await;
    let bob = server.login("bob").await;
    alice.send(Service::PAID_CALL_LOGS_GET, &json!({}));
    assert_eq!(alice.recv(Service::PAID_CALL_LOGS_GET).await.unwrap(), json!({"r": 1, "data": []}));

    // Rows a PSTN gateway would write. They name recordings, but this server records nothing (no
    // `[sip.recording]`), so it hands out no links (the SIP bridge tests follow real ones).
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&server.database).await.unwrap();
    let rows: [(i64, i64, Option<&str>, i64, i64); 3] = [
        (1, alice.user_id, Some("vip"), 1_700_000_000_000, 1),
        (2, alice.user_id, None, 1_700_000_100_000, 2),
        (3, bob.user_id, Some("bob"), 1_700_000_200_000, 1),
    ];
    for (call_id, user_id, tags, record_time, call_type) in rows {
        sqlx::query(
            "INSERT INTO paid_call_logs (call_id, user_id, from_number, to_number, tags, duration, record_time, recording, \
             call_type, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(call_id)
        .bind(user_id)
        .bind("0900")
        .bind("+84912345678")
        .bind(tags.map(str::to_owned))
        .bind(30_i64)
        .bind(record_time)
        .bind(format!("{call_id}-{:032x}.wav", call_id))
        .bind(call_type)
        .bind(0_i64)
        .execute(&mut db)
        .await
        .unwrap();
    }
    db.close().await.unwrap();

    alice.send(Service::PAID_CALL_LOGS_GET, &json!({}));
    let reply = alice.recv(Service::PAID_CALL_LOGS_GET).await.unwrap();
    let entry = |call_id: i64, tags: Value, record_time: i64, call_type: i64| {
        json!({
            "callId": call_id, "from": "0900", "to": "+84912345678", "tags": tags, "duration": 30,
            "recordTime": record_time, "url": "",
            "userId": alice.user_id, "callType": call_type, "status": 0,
        })
    };
    assert_eq!(
        reply,
        json!({"r": 1, "data": [entry(2, Value::Null, 1_700_000_100_000, 2), entry(1, json!("vip"), 1_700_000_000_000, 1)]})
    );
    server.shutdown().await;
}

backend_tests!(
    answered_call_relays_both_ways_and_either_side_hangs_up,
    unknown_self_and_busy_callees_are_answered_at_once,
    the_same_call_id_from_two_callers_makes_two_calls,
    callout_without_a_trunk_is_refused_with_610,
    paid_call_logs_list_only_my_entries,
);
