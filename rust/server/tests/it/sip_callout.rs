//! Callouts through the SIP gateway against a real carrier: SIPp (Debian's `sip-tester`) plays the trunk on
//! 127.0.0.1 with the scenarios of `tests/sip/`. Each test checks the exact 610/504/503 sequence the app's socket
//! sees, what SIPp received (SIPp itself fails on any unexpected message), and the paid call log (601 and 509).

use crate::sip_support;

use azstack_protocol::Service;
use serde_json::{Value, json};
use sip_support::*;

const TO: &str = "+84901234567";

/// Runs a callout against `carrier` up to the first 503; returns the server and the client.
async fn dial(
    carrier: &Carrier,
    call_id: i64,
) -> (azstack_server::testkit::TestServer, azstack_server::testkit::TestClient) {
    let server = server_for(&carrier.uri(), |_| {}).await;
    let mut alice = server.login("alice").await;
    let initial = start_callout(&mut alice, call_id, TO).await;
    assert_eq!(initial, json!({"callId": call_id, "status": 100, "chargingError": 0}));
    send_offer(&alice, call_id, TO);
    (server, alice)
}

fn assert_log(entry: &Value, call_id: i64, user_id: i64, status: i64) {
    assert_eq!(entry["callId"], call_id, "{entry}");
    assert_eq!(entry["to"], TO);
    assert_eq!(entry["from"], "alice");
    assert_eq!(entry["tags"], "t1");
    assert_eq!(entry["callType"], 1);
    assert_eq!(entry["status"], status, "{entry}");
    let user = entry.get("azUserId").or_else(|| entry.get("userId")).cloned().unwrap_or(Value::Null);
    assert_eq!(user, user_id);
}

/// The 601 and the 509 row agree; returns the pushed entry.
async fn check_logs(client: &mut azstack_server::testkit::TestClient, call_id: i64, status: i64) -> Value {
    let pushed = log_push(client, call_id).await;
    assert_log(&pushed, call_id, client.user_id, status);
    let rows = paid_logs(client).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_log(&rows[0], call_id, client.user_id, status);
    assert_eq!(rows[0]["duration"], pushed["duration"]);
    pushed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_then_the_carrier_hangs_up() {
    carrier_hangs_up(Carrier::start("answer_then_carrier_bye.xml", &[])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_answered_then_the_carrier_hangs_up() {
    let result = carrier_hangs_up(Carrier::start_tcp("answer_then_carrier_bye.xml", &[])).await;
    assert_over_tcp(&result);
}

/// What SIPp received came over TCP: the gateway's Via says TCP and its Contact `;transport=tcp`.
fn assert_over_tcp(result: &CarrierResult) {
    assert!(result.messages.contains("Via: SIP/2.0/TCP 127.0.0.1:"), "{}", result.messages);
    assert!(!result.messages.contains("SIP/2.0/UDP"), "{}", result.messages);
    assert!(result.messages.contains(";transport=tcp>"), "{}", result.messages);
}

async fn carrier_hangs_up(carrier: Carrier) -> CarrierResult {
    let (server, mut alice) = dial(&carrier, 11).await;
    assert_eq!(next_status(&mut alice, 11).await, json!({"callId": 11, "code": 100}));
    assert_eq!(next_status(&mut alice, 11).await, json!({"callId": 11, "code": 183}));
    let answered = next_status(&mut alice, 11).await;
    assert_eq!(answered["code"], 200);
    let sdp = answered["sdp_candidate"].as_str().unwrap_or_default();
    assert!(is_gateway_webrtc_sdp(sdp), "the gateway's WebRTC answer: {sdp}");
    assert_eq!(next_status(&mut alice, 11).await, json!({"callId": 11, "code": 700}));
    let entry = check_logs(&mut alice, 11, 0).await;
    assert!(entry["duration"].as_i64().unwrap_or(0) >= 1, "{entry}");
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["INVITE", "ACK", "SIP/2.0 200"]);
    assert!(server.server.hub.sip.as_ref().unwrap().idle_within(DEADLINE_IDLE).await);
    server.shutdown().await;
    result
}

/// Session refreshes from the carrier (scenario `refresh_then_carrier_bye.xml`): a re-INVITE with the same SDP gets
/// 200 with the gateway's SDP, an UPDATE 200, and a re-INVITE moving the media 488; the call stays up until the
/// carrier's BYE, and the app hears of none of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carrier_session_refreshes_keep_the_call() {
    let carrier = Carrier::start("refresh_then_carrier_bye.xml", &[]);
    let (server, mut alice) = dial(&carrier, 13).await;
    assert_eq!(codes_until(&mut alice, 13, &[700]).await, [100, 183, 200, 700]);
    check_logs(&mut alice, 13, 0).await;
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["INVITE", "ACK", "SIP/2.0 200", "SIP/2.0 488", "SIP/2.0 200"]);
    assert!(server.server.hub.sip.as_ref().unwrap().idle_within(DEADLINE_IDLE).await);
    server.shutdown().await;
}

const DEADLINE_IDLE: std::time::Duration = std::time::Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_then_the_app_hangs_up() {
    app_hangs_up(Carrier::start("answer_then_app_bye.xml", &[])).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_answered_then_the_app_hangs_up() {
    let result = app_hangs_up(Carrier::start_tcp("answer_then_app_bye.xml", &[])).await;
    assert_over_tcp(&result);
}

async fn app_hangs_up(carrier: Carrier) -> CarrierResult {
    let (server, mut alice) = dial(&carrier, 12).await;
    assert_eq!(codes_until(&mut alice, 12, &[200]).await, [100, 183, 200]);
    alice.send(Service::CALLOUT_STOP_SEND, &json!({"callId": 12, "to": TO}));
    check_logs(&mut alice, 12, 0).await;
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["INVITE", "ACK", "BYE"]);
    assert!(server.server.hub.sip.as_ref().unwrap().idle_within(DEADLINE_IDLE).await);
    alice.barrier().await;
    assert!(alice.buffered(Service::CALLOUT_DATA_STATUS_CHANGED).is_empty(), "no 503 after the app's own 502");
    server.shutdown().await;
    result
}

/// The carrier rings, then answers `sip` (scenario `fail_SIP.xml`): the app sees 100, 183, `expected`; the log
/// says `status`.
async fn refused(call_id: i64, sip: u16, expected: i64, status: i64) -> CarrierResult {
    refused_by(Carrier::start(&format!("fail_{sip}.xml"), &[]), call_id, expected, status).await
}

async fn refused_by(carrier: Carrier, call_id: i64, expected: i64, status: i64) -> CarrierResult {
    let (server, mut alice) = dial(&carrier, call_id).await;
    assert_eq!(codes_until(&mut alice, call_id, &[expected]).await, [100, 183, expected]);
    let entry = check_logs(&mut alice, call_id, status).await;
    assert_eq!(entry["duration"], 0);
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["INVITE", "ACK"]);
    assert!(server.server.hub.sip.as_ref().unwrap().idle_within(DEADLINE_IDLE).await);
    server.shutdown().await;
    result
}

/// The trunk challenges the INVITE (401, scenario `auth_challenge.xml`); the gateway has `password`. A right one
/// gets through to the carrier, which rings and is busy: the app sees 100, 183, 486. A wrong one is challenged again
/// and the gateway gives up: 100, 486. SIPp checks the answer's Digest itself. (SIPp verifies `Authorization`
/// only, so 407's `Proxy-Authorization` is covered by the unit tests of `sip::digest`.)
async fn challenged(call_id: i64, password: &str) {
    let carrier = Carrier::start("auth_challenge.xml", &[]);
    let server = server_for(&carrier.uri(), |sip| {
        sip.username = Some("azstack".into());
        sip.password = Some(password.into());
    })
    .await;
    let mut alice = server.login("alice").await;
    start_callout(&mut alice, call_id, TO).await;
    send_offer(&alice, call_id, TO);
    let expected: &[i64] = if password == "s3cret" { &[100, 183, 486] } else { &[100, 486] };
    assert_eq!(codes_until(&mut alice, call_id, &[486]).await, expected);
    check_logs(&mut alice, call_id, 1).await;
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["INVITE", "ACK", "INVITE", "ACK"]);
    assert!(server.server.hub.sip.as_ref().unwrap().idle_within(DEADLINE_IDLE).await);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_challenge_is_answered_with_the_trunk_credentials() {
    challenged(27, "s3cret").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_trunk_credentials_end_the_call_as_busy() {
    challenged(29, "wrong").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy() {
    refused(21, 486, 486, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_busy() {
    let result = refused_by(Carrier::start_tcp("fail_486.xml", &[]), 27, 486, 1).await;
    assert!(result.messages.contains("Via: SIP/2.0/TCP 127.0.0.1:"), "{}", result.messages);
    // One INVITE and one ACK: nothing is retransmitted over TCP.
    assert_eq!(result.received().len(), 2, "{:?}", result.received());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_answered_480() {
    refused(22, 480, 480, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_answered_408() {
    refused(23, 408, 408, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_403() {
    refused(24, 403, 403, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_503() {
    refused(25, 503, 503, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_failures_are_busy() {
    refused(26, 404, 486, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_cancels_while_ringing() {
    let carrier = Carrier::start("cancel.xml", &[]);
    let (server, mut alice) = dial(&carrier, 31).await;
    assert_eq!(codes_until(&mut alice, 31, &[183]).await, [100, 183]);
    alice.send(Service::CALLOUT_STOP_SEND, &json!({"callId": 31, "to": TO}));
    let entry = check_logs(&mut alice, 31, 2).await;
    assert_eq!(entry["duration"], 0);
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["INVITE", "CANCEL", "ACK"]);
    assert!(server.server.hub.sip.as_ref().unwrap().idle_within(DEADLINE_IDLE).await);
    alice.barrier().await;
    assert!(alice.buffered(Service::CALLOUT_DATA_STATUS_CHANGED).is_empty(), "no 503 after the app's own 502");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_balance_runs_out_during_the_call() {
    let carrier = Carrier::start("answer_then_app_bye.xml", &[]);
    let server = server_for(&carrier.uri(), |sip| sip.balance_seconds = Some(1)).await;
    let mut alice = server.login("alice").await;
    start_callout(&mut alice, 41, TO).await;
    send_offer(&alice, 41, TO);
    assert_eq!(codes_until(&mut alice, 41, &[702]).await, [100, 183, 200, 702]);
    let entry = check_logs(&mut alice, 41, 0).await;
    assert_eq!(entry["duration"], 1);
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["INVITE", "ACK", "BYE"]);
    // Nothing left: the next callout is refused at once.
    let initial = start_callout(&mut alice, 42, TO).await;
    assert_eq!(initial, json!({"callId": 42, "status": 402, "chargingError": -4}));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_closing_hangs_up() {
    let carrier = Carrier::start("answer_then_app_bye.xml", &[]);
    let (server, mut alice) = dial(&carrier, 51).await;
    assert_eq!(codes_until(&mut alice, 51, &[200]).await, [100, 183, 200]);
    let mut other = server.login("alice").await;
    alice.close();
    let entry = log_push(&mut other, 51).await;
    assert_eq!(entry["status"], 0);
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["INVITE", "ACK", "BYE"]);
    server.shutdown().await;
}
