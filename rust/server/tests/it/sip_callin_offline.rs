//! Call-ins to a user with no session (PROTOCOL.md §5.5 step 1, OQ-24): SIPp (Debian's `sip-tester`) plays the
//! carrier, the push stand-ins of the test kit play APNs and FCM (the real services cannot be reached from here).
//! A user with a device token is pushed to (602) and the call held ringing: a session that logs in meanwhile gets
//! the 505 and answers; without one the call ends 480 at the ring timeout with a not-answered log row. A user with
//! no token is refused at once (480). Every wait is on an event (a packet, a push reaching a stand-in, SIPp's end,
//! the gateway's call table emptying); nothing sleeps.

use azstack_protocol::Service;
use azstack_server::auth::Verifier;
use azstack_server::config::AppConfig;
use azstack_server::push::standin::{BUNDLE_ID, PushStandIns, Received};
use azstack_server::testkit::TestServer;
use serde_json::{Value, json};

use crate::sip_support::{APP_ANSWER, Carrier, is_gateway_webrtc_sdp, log_push, paid_logs};

const NUMBER: &str = "+842873001234";
const CALLER: &str = "+84909876543";
const IDLE: std::time::Duration = std::time::Duration::from_secs(10);

/// A server whose application pushes to `standins`, with `NUMBER` → `bob` and a call-in ring timeout of
/// `ring_secs`; bob exists (he logged in once) but has no session, and has the device tokens `devices`
/// (`(token, platform, bundle)`). Returns bob's id.
async fn server(standins: &PushStandIns, ring_secs: u64, devices: &[(&str, i64, &str)]) -> (TestServer, i64) {
    let push = standins.config.clone();
    let server = TestServer::sqlite_with_app(|config, app| {
        let mut sip = azstack_sip::SipConfig::new("sip:127.0.0.1:9", "127.0.0.1:0".parse().expect("addr"));
        sip.t1_ms = 200;
        sip.ring_timeout_secs = ring_secs;
        sip.callin.insert(NUMBER.into(), "bob".into());
        config.sip = Some(sip);
        config.apps = vec![AppConfig { id: app.id.clone(), verifier: Verifier::AcceptAll, push: Some(push) }];
    })
    .await;
    let store = &server.server.hub.store;
    let bob = store.upsert_user(&server.app.id, "", "bob", "Bob").await.expect("bob");
    for (token, platform, bundle) in devices {
        store.register_device(bob.id, token, *platform, bundle).await.expect("device");
    }
    (server, bob.id)
}

fn voip_bundle() -> String {
    format!("{BUNDLE_ID}.voip")
}

fn gateway(server: &TestServer) -> &std::sync::Arc<azstack_sip::Gateway> {
    server.server.hub.sip.as_ref().expect("gateway")
}

/// The one VoIP push of the call-in, checked; returns its `callId`.
fn check_voip_push(apns: &[Received], server: &TestServer) -> String {
    assert_eq!(apns.len(), 1, "exactly one push");
    let push = &apns[0];
    assert_eq!(push.path, "/3/device/b0b2");
    assert_eq!(push.header("apns-push-type"), Some("voip"));
    assert_eq!(push.body["pushPacketType"], "602");
    assert_eq!(push.body["appId"], server.app.id);
    assert_eq!(push.body["from"], CALLER);
    push.body["callId"].as_str().unwrap_or_default().to_owned()
}

/// 506 `code` for the call-in `start`.
fn status(start: &Value, code: i64) -> Value {
    json!({"callId": start["callId"], "callType": start["callType"], "destination": start["from"],
           "phonenumber": start["to"], "code": code})
}

/// Bob has a VoIP token and no session: one 602 push, the carrier hears 180; bob's phone logs in, gets the 505 the
/// push announced and answers; the carrier gets 200 and later hangs up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_in_to_an_offline_user_is_pushed_and_answered_at_login() {
    let standins = PushStandIns::start().await;
    let (server, bob_id) = server(&standins, 60, &[("b0b2", 2, &voip_bundle())]).await;
    let carrier = Carrier::call("callin_answer_then_carrier_bye.xml", gateway(&server).local_addr(), NUMBER);
    let pushed_call_id = check_voip_push(&standins.apns.wait_for(1).await, &server);

    let mut bob = server.login("bob").await;
    assert_eq!(bob.user_id, bob_id);
    let start = bob.recv(Service::CALLIN_START).await.expect("505");
    assert_eq!(start["callId"].to_string(), pushed_call_id);
    assert_eq!(
        (start["from"].as_str(), start["to"].as_str(), start["callType"].as_i64()),
        (Some(CALLER), Some(NUMBER), Some(2))
    );
    let offer = start["sdp_candidate"].as_str().unwrap_or_default();
    assert!(is_gateway_webrtc_sdp(offer), "the gateway's WebRTC offer: {offer}");
    bob.send(Service::CALLIN_STATUS_CHANGED, &status(&start, 183));
    let mut answer = status(&start, 200);
    answer["sdp_candidate"] = json!(APP_ANSWER);
    bob.send(Service::CALLIN_STATUS_CHANGED, &answer);

    // The carrier's BYE ends it: 506 700 and an answered log row.
    let call_id = start["callId"].clone();
    let ended = bob.recv_where(Service::CALLIN_STATUS_CHANGED, |b| b["callId"] == call_id).await.expect("506");
    assert_eq!(ended["code"], 700);
    let entry = log_push(&mut bob, call_id.as_i64().unwrap_or(0)).await;
    assert_eq!((entry["status"].as_i64(), entry["from"].as_str()), (Some(0), Some(CALLER)));
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["SIP/2.0 100", "SIP/2.0 180", "SIP/2.0 200"]);
    assert!(bob.buffered(Service::CALLIN_START).is_empty(), "one 505");
    server.server.hub.push.settled().await;
    assert_eq!(standins.apns.received().len(), 1, "bob was in the foreground: no second push");
    assert!(gateway(&server).idle_within(IDLE).await);
    server.shutdown().await;
}

/// Nobody logs in: the push went to the phone (VoIP) and to Android, the carrier hears 180 then 480 at the ring
/// timeout, and the call leaves a not-answered log row (status 2), which bob's next session lists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_user_who_never_comes_is_480_at_the_ring_timeout() {
    let standins = PushStandIns::start().await;
    let devices = [("b0b2", 2, voip_bundle()), ("fcm-bob", 1, BUNDLE_ID.to_owned())];
    let devices: Vec<(&str, i64, &str)> = devices.iter().map(|(t, p, b)| (*t, *p, b.as_str())).collect();
    let (server, _) = server(&standins, 2, &devices).await;
    let carrier = Carrier::call("callin_unanswered.xml", gateway(&server).local_addr(), NUMBER);
    let call_id = check_voip_push(&standins.apns.wait_for(1).await, &server);
    let fcm = standins.fcm.wait_for(1).await;
    assert_eq!(fcm[0].body["message"]["data"]["pushPacketType"], "602");
    assert_eq!(fcm[0].body["message"]["data"]["callId"], call_id);
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["SIP/2.0 100", "SIP/2.0 180", "SIP/2.0 480"]);
    assert!(gateway(&server).idle_within(IDLE).await);

    let mut bob = server.login("bob").await;
    let rows = paid_logs(&mut bob).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["callId"].to_string(), call_id);
    assert_eq!((rows[0]["status"].as_i64(), rows[0]["duration"].as_i64()), (Some(2), Some(0)));
    assert_eq!((rows[0]["from"].as_str(), rows[0]["to"].as_str()), (Some(CALLER), Some(NUMBER)));
    assert!(bob.buffered(Service::CALLIN_START).is_empty(), "the ended call does not ring");
    server.server.hub.push.settled().await;
    assert_eq!((standins.apns.received().len(), standins.fcm.received().len()), (1, 1));
    server.shutdown().await;
}

/// Bob has no device token: nobody could answer, so the carrier gets 480 at once (no 180), nothing is pushed and
/// nothing logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_user_without_a_device_token_is_480_at_once() {
    let standins = PushStandIns::start().await;
    let (server, _) = server(&standins, 60, &[]).await;
    let carrier = Carrier::call("callin_unavailable.xml", gateway(&server).local_addr(), NUMBER);
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["SIP/2.0 480"]);
    assert_eq!(gateway(&server).active(), 0);
    server.server.hub.push.settled().await;
    assert_eq!((standins.apns.received().len(), standins.fcm.received().len()), (0, 0));
    let mut bob = server.login("bob").await;
    assert!(paid_logs(&mut bob).await.is_empty());
    server.shutdown().await;
}
