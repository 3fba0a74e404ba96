//! Call-ins through the SIP gateway: SIPp (Debian's `sip-tester`) plays the carrier calling a configured number on
//! 127.0.0.1 (`tests/sip/callin_*.xml`); the user's sessions get 505 and drive the call with 506. Each test checks
//! what the sessions see (505/506/508), what SIPp received (SIPp fails on anything unexpected) and the 601 log.

use crate::sip_support;

use azstack_protocol::Service;
use azstack_server::testkit::{TestClient, TestServer};
use serde_json::{Value, json};
use sip_support::*;

const NUMBER: &str = "+842873001234";
const CALLER: &str = "+84909876543";

/// A server with a trunk (unused by call-ins) and `NUMBER` → `bob`; bob's sessions are logged in first.
async fn server_with_bob(sessions: usize) -> (TestServer, Vec<TestClient>) {
    let server = server_for("sip:127.0.0.1:9", |sip| {
        sip.callin.insert(NUMBER.into(), "bob".into());
    })
    .await;
    let mut bobs = Vec::new();
    for _ in 0..sessions {
        bobs.push(server.login("bob").await);
    }
    (server, bobs)
}

fn gateway(server: &TestServer) -> std::net::SocketAddr {
    server.server.hub.sip.as_ref().expect("gateway").local_addr()
}

/// The 505 on `client`, checked.
async fn ringing(client: &mut TestClient) -> Value {
    let start = client.recv(Service::CALLIN_START).await.expect("505");
    assert_eq!(start["from"], CALLER);
    assert_eq!(start["to"], NUMBER);
    assert_eq!(start["callType"], 2);
    let offer = start["sdp_candidate"].as_str().unwrap_or_default();
    assert!(is_gateway_webrtc_sdp(offer), "the gateway's WebRTC offer: {offer}");
    start
}

/// 506 from `client` for the call-in `start` with `code`.
fn status(client: &TestClient, start: &Value, code: i64, extra: Value) {
    let mut body = json!({
        "callId": start["callId"], "callType": start["callType"], "destination": start["from"],
        "phonenumber": start["to"], "code": code,
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    client.send(Service::CALLIN_STATUS_CHANGED, &body);
}

async fn pushed(client: &mut TestClient, service: Service, call_id: &Value) -> i64 {
    let body = client.recv_where(service, |b| &b["callId"] == call_id).await.expect("call-in status");
    body["code"].as_i64().unwrap_or(0)
}

fn check_log(entry: &Value, call_id: &Value, status: i64) {
    assert_eq!(&entry["callId"], call_id);
    assert_eq!(entry["from"], CALLER);
    assert_eq!(entry["to"], NUMBER);
    assert_eq!(entry["callType"], 2);
    assert_eq!(entry["status"], status, "{entry}");
}

/// SIPp over UDP, or over one TCP connection to the gateway.
fn carrier_call(scenario: &str, server: &TestServer, tcp: bool) -> Carrier {
    if tcp {
        Carrier::call_tcp(scenario, gateway(server), NUMBER)
    } else {
        Carrier::call(scenario, gateway(server), NUMBER)
    }
}

/// What SIPp received came back over TCP: the responses carry its own `SIP/2.0/TCP` Via, and the 200's Contact
/// says `;transport=tcp`.
fn assert_over_tcp(result: &CarrierResult, answered: bool) {
    assert!(result.messages.contains("Via: SIP/2.0/TCP"), "{}", result.messages);
    assert!(!result.messages.contains("SIP/2.0/UDP"), "{}", result.messages);
    assert_eq!(result.messages.contains(";transport=tcp>"), answered, "{}", result.messages);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_on_one_device_then_the_carrier_hangs_up() {
    answered_then_carrier_bye(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_answered_on_one_device_then_the_carrier_hangs_up() {
    let result = answered_then_carrier_bye(true).await;
    assert_over_tcp(&result, true);
}

async fn answered_then_carrier_bye(tcp: bool) -> CarrierResult {
    let (server, mut bobs) = server_with_bob(2).await;
    let carrier = carrier_call("callin_answer_then_carrier_bye.xml", &server, tcp);
    let start = ringing(&mut bobs[0]).await;
    let start2 = ringing(&mut bobs[1]).await;
    assert_eq!(start["callId"], start2["callId"]);
    let call_id = start["callId"].clone();
    status(&bobs[0], &start, 183, json!({}));
    status(&bobs[1], &start, 183, json!({}));
    status(&bobs[0], &start, 200, json!({"sdp_candidate": APP_ANSWER, "tags": "desk"}));
    assert_eq!(pushed(&mut bobs[1], Service::CALLIN_STATUS_CHANGED_BY_ME, &call_id).await, 200);
    assert_eq!(pushed(&mut bobs[0], Service::CALLIN_STATUS_CHANGED, &call_id).await, 700);
    let entry = log_push(&mut bobs[0], call_id.as_i64().unwrap_or(0)).await;
    check_log(&entry, &call_id, 0);
    assert_eq!(entry["tags"], "desk");
    let rows = paid_logs(&mut bobs[1]).await;
    assert_eq!(rows.len(), 1);
    check_log(&rows[0], &call_id, 0);
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["SIP/2.0 100", "SIP/2.0 180", "SIP/2.0 200"]);
    assert!(server.server.hub.sip.as_ref().expect("gateway").idle_within(IDLE).await);
    server.shutdown().await;
    result
}

const IDLE: std::time::Duration = std::time::Duration::from_secs(10);

/// The carrier refreshes an answered call-in (scenario `callin_refresh_then_carrier_bye.xml`): a re-INVITE without
/// SDP gets 200 offering the gateway's SDP, an UPDATE with the same SDP gets 200; the call lasts until its BYE.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carrier_session_refreshes_keep_the_call() {
    let (server, mut bobs) = server_with_bob(1).await;
    let carrier = Carrier::call("callin_refresh_then_carrier_bye.xml", gateway(&server), NUMBER);
    let start = ringing(&mut bobs[0]).await;
    let call_id = start["callId"].clone();
    status(&bobs[0], &start, 183, json!({}));
    status(&bobs[0], &start, 200, json!({"sdp_candidate": APP_ANSWER}));
    assert_eq!(pushed(&mut bobs[0], Service::CALLIN_STATUS_CHANGED, &call_id).await, 700);
    check_log(&log_push(&mut bobs[0], call_id.as_i64().unwrap_or(0)).await, &call_id, 0);
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["SIP/2.0 100", "SIP/2.0 180", "SIP/2.0 200"]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_then_the_app_hangs_up() {
    app_hangs_up(false).await;
}

/// The gateway's BYE goes on the connection the INVITE came on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_answered_then_the_app_hangs_up() {
    let result = app_hangs_up(true).await;
    assert_over_tcp(&result, true);
}

async fn app_hangs_up(tcp: bool) -> CarrierResult {
    let (server, mut bobs) = server_with_bob(1).await;
    let carrier = carrier_call("callin_answer_then_app_bye.xml", &server, tcp);
    let start = ringing(&mut bobs[0]).await;
    let call_id = start["callId"].clone();
    status(&bobs[0], &start, 183, json!({}));
    status(&bobs[0], &start, 200, json!({"sdp_candidate": APP_ANSWER}));
    status(&bobs[0], &start, 700, json!({}));
    let entry = log_push(&mut bobs[0], call_id.as_i64().unwrap_or(0)).await;
    check_log(&entry, &call_id, 0);
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["SIP/2.0 100", "SIP/2.0 180", "SIP/2.0 200", "BYE"]);
    server.shutdown().await;
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_carrier_cancels_while_ringing() {
    carrier_cancels(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_the_carrier_cancels_while_ringing() {
    let result = carrier_cancels(true).await;
    assert_over_tcp(&result, false);
}

async fn carrier_cancels(tcp: bool) -> CarrierResult {
    let (server, mut bobs) = server_with_bob(1).await;
    let carrier = carrier_call("callin_cancel.xml", &server, tcp);
    let start = ringing(&mut bobs[0]).await;
    let call_id = start["callId"].clone();
    status(&bobs[0], &start, 183, json!({}));
    assert_eq!(pushed(&mut bobs[0], Service::CALLIN_STATUS_CHANGED, &call_id).await, 702);
    let entry = log_push(&mut bobs[0], call_id.as_i64().unwrap_or(0)).await;
    check_log(&entry, &call_id, 2);
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["SIP/2.0 100", "SIP/2.0 180", "SIP/2.0 200", "SIP/2.0 487"]);
    assert!(server.server.hub.sip.as_ref().expect("gateway").idle_within(IDLE).await);
    server.shutdown().await;
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_on_one_device() {
    let (server, mut bobs) = server_with_bob(2).await;
    let carrier = Carrier::call("callin_reject.xml", gateway(&server), NUMBER);
    let start = ringing(&mut bobs[0]).await;
    ringing(&mut bobs[1]).await;
    let call_id = start["callId"].clone();
    status(&bobs[0], &start, 183, json!({}));
    status(&bobs[1], &start, 183, json!({}));
    status(&bobs[1], &start, 702, json!({}));
    assert_eq!(pushed(&mut bobs[0], Service::CALLIN_STATUS_CHANGED_BY_ME, &call_id).await, 702);
    let entry = log_push(&mut bobs[0], call_id.as_i64().unwrap_or(0)).await;
    check_log(&entry, &call_id, 1);
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["SIP/2.0 100", "SIP/2.0 180", "SIP/2.0 603"]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answering_session_closing_hangs_up() {
    let (server, mut bobs) = server_with_bob(2).await;
    let carrier = Carrier::call("callin_answer_then_app_bye.xml", gateway(&server), NUMBER);
    let start = ringing(&mut bobs[0]).await;
    ringing(&mut bobs[1]).await;
    let call_id = start["callId"].clone();
    status(&bobs[0], &start, 183, json!({}));
    status(&bobs[0], &start, 200, json!({"sdp_candidate": APP_ANSWER}));
    assert_eq!(pushed(&mut bobs[1], Service::CALLIN_STATUS_CHANGED_BY_ME, &call_id).await, 200);
    bobs[0].close();
    assert_eq!(pushed(&mut bobs[1], Service::CALLIN_STATUS_CHANGED_BY_ME, &call_id).await, 700);
    check_log(&log_push(&mut bobs[1], call_id.as_i64().unwrap_or(0)).await, &call_id, 0);
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["SIP/2.0 100", "SIP/2.0 180", "SIP/2.0 200", "BYE"]);
    server.shutdown().await;
}

/// A session that logs in while the call rings gets the 505 too (OQ-24); here it is busy, so when the one ringing
/// session closes nobody is left to answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_ringing_session_closing_ends_as_not_answered() {
    let (server, mut bobs) = server_with_bob(1).await;
    let carrier = Carrier::call("callin_unanswered.xml", gateway(&server), NUMBER);
    let start = ringing(&mut bobs[0]).await;
    let call_id = start["callId"].as_i64().unwrap_or(0);
    status(&bobs[0], &start, 183, json!({}));
    let mut other = server.login("bob").await;
    assert_eq!(ringing(&mut other).await["callId"], start["callId"]);
    status(&other, &start, 486, json!({}));
    other.barrier().await;
    bobs[0].close();
    check_log(&log_push(&mut other, call_id).await, &start["callId"], 2);
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["SIP/2.0 100", "SIP/2.0 180", "SIP/2.0 480"]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_everywhere_is_486() {
    let (server, mut bobs) = server_with_bob(2).await;
    let carrier = Carrier::call("callin_busy.xml", gateway(&server), NUMBER);
    let start = ringing(&mut bobs[0]).await;
    ringing(&mut bobs[1]).await;
    let call_id = start["callId"].as_i64().unwrap_or(0);
    status(&bobs[0], &start, 486, json!({}));
    bobs[0].barrier().await;
    // One busy device does not stop the other (no 508 for 486).
    status(&bobs[1], &start, 486, json!({}));
    check_log(&log_push(&mut bobs[0], call_id).await, &start["callId"], 1);
    assert!(bobs[1].buffered(Service::CALLIN_STATUS_CHANGED_BY_ME).is_empty());
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["SIP/2.0 100", "SIP/2.0 486"]);
    server.shutdown().await;
}
