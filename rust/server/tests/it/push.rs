//! Mobile push (PROTOCOL.md §10.3, OQ-21): a real server on 127.0.0.1 pushing to the APNs and FCM stand-ins of the
//! test kit (`push::standin`, the suite's only stand-ins: the real services cannot be reached from here), on
//! SQLite and PostgreSQL. Every wait is on an event (a packet, a request reaching a stand-in, the push queue
//! settling); nothing sleeps.

use std::sync::atomic::Ordering;

use azstack_protocol::Service;
use azstack_server::auth::Verifier;
use azstack_server::config::AppConfig;
use azstack_server::push::standin::{BUNDLE_ID, PushStandIns, Received, Reply};
use azstack_server::testkit::TestServer;
use serde_json::{Value, json};

use crate::chat_support::{group_text, make_group, text};

const RING_SECS: u64 = 60;

/// A server whose application pushes to `standins`.
async fn server(standins: &PushStandIns, postgres: bool) -> Option<TestServer> {
    let push = standins.config.clone();
    let tweak = move |config: &mut azstack_server::Config, app: &azstack_server::store::apps::AppRow| {
        config.limits.ring_timeout_secs = RING_SECS;
        config.apps = vec![AppConfig { id: app.id.clone(), verifier: Verifier::AcceptAll, push: Some(push) }];
    };
    if postgres { TestServer::postgres_with_app(tweak).await } else { Some(TestServer::sqlite_with_app(tweak).await) }
}

/// Runs one scenario on SQLite and on PostgreSQL (when configured), each with fresh stand-ins.
macro_rules! push_tests {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let standins = super::PushStandIns::start().await;
                let server = super::server(&standins, false).await.expect("server");
                super::$scenario(server, standins).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let standins = super::PushStandIns::start().await;
                if let Some(server) = super::server(&standins, true).await {
                    super::$scenario(server, standins).await;
                }
            }
        }
    )+};
}

/// Registers device tokens for a user that has no session (straight into the store).
async fn offline_user(server: &TestServer, name: &str, devices: &[(&str, i64, &str)]) -> i64 {
    let store = &server.server.hub.store;
    let user = store.upsert_user(&server.app.id, "", name, &format!("{name} (offline)")).await.unwrap();
    for (token, platform, bundle) in devices {
        store.register_device(user.id, token, *platform, bundle).await.unwrap();
    }
    user.id
}

fn voip_bundle() -> String {
    format!("{BUNDLE_ID}.voip")
}

/// `azstack_push_total{service, outcome}`.
fn pushes(server: &TestServer, service: usize, outcome: usize) -> u64 {
    server.server.hub.metrics.push[service][outcome].load(Ordering::Relaxed)
}
const APNS: usize = 0;
const FCM: usize = 1;
const SENT: usize = 0;
const INVALID: usize = 1;
const RETRIED: usize = 2;

async fn settled(server: &TestServer) {
    server.server.hub.push.settled().await;
}

fn tokens_of(received: &[Received]) -> Vec<String> {
    let mut tokens: Vec<String> = received
        .iter()
        .map(|r| match r.path.strip_prefix("/3/device/") {
            Some(token) => token.to_owned(),
            None => r.body["message"]["token"].as_str().unwrap_or_default().to_owned(),
        })
        .collect();
    tokens.sort();
    tokens
}

async fn message_to_backgrounded_and_offline_users(server: TestServer, standins: PushStandIns) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let (a, b) = (alice.user_id, bob.user_id);
    for (token, platform, bundle) in
        [("b0b1", 2, BUNDLE_ID.to_owned()), ("b0b2", 2, voip_bundle()), ("fcm-bob", 1, BUNDLE_ID.to_owned())]
    {
        bob.send(
            Service::PUSH_NOTIFICATION_REGISTER_DEVICE_SEND,
            &json!({"id": token, "type": platform, "appBundleId": bundle}),
        );
        assert_eq!(bob.recv(Service::PUSH_NOTIFICATION_REGISTER_DEVICE_RECEIVE).await.unwrap()["r"], 1);
    }
    bob.send(Service::APPLICATION_CHANGE_STATE, &json!({"state": 1}));
    bob.recv(Service::APPLICATION_CHANGE_STATE).await.unwrap();

    // A backgrounded user: the message is delivered on the socket and pushed to the alert and FCM tokens, once each
    // (never to the VoIP token).
    assert_eq!(text(&mut alice, b, 11, "hello bob").await["r"], 1);
    bob.recv_where(Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT, |m| m["msgId"] == 11).await.unwrap();
    settled(&server).await;
    let apns = standins.apns.received();
    let fcm = standins.fcm.received();
    assert_eq!((tokens_of(&apns), tokens_of(&fcm)), (vec!["b0b1".to_owned()], vec!["fcm-bob".to_owned()]));
    let push = &apns[0];
    assert_eq!(push.header("apns-topic"), Some(BUNDLE_ID));
    assert_eq!(push.header("apns-push-type"), Some("alert"));
    assert_eq!(push.header("apns-priority"), Some("10"));
    let conversation = format!("1-{a}");
    assert_eq!(push.header("apns-collapse-id"), Some(conversation.as_str()));
    assert!(push.header("apns-expiration").is_some_and(|e| e.parse::<u64>().is_ok()));
    let ids = json!({
        "pushPacketType": "5", "appId": server.app.id, "chatType": "1", "chatId": a.to_string(),
        "from": a.to_string(), "msgId": "11",
    });
    let aps = json!({
        "alert": {"title": "alice (test)", "body": "hello bob"}, "badge": 1, "sound": "default",
        "thread-id": conversation,
    });
    let mut expected = ids.clone();
    expected["aps"] = aps;
    assert_eq!(push.body, expected);
    let message = &fcm[0].body["message"];
    assert_eq!(message["notification"], json!({"title": "alice (test)", "body": "hello bob"}));
    assert_eq!(
        message["android"],
        json!({"collapse_key": conversation, "notification": {"tag": conversation, "notification_count": 1}})
    );
    let mut data = ids;
    data["badge"] = json!("1");
    assert_eq!(message["data"], data);
    assert_eq!(standins.fcm.grants(), 1);

    // An offline user, in a group: 146 with the group's ids, the badge counting both unread messages.
    let carol = offline_user(&server, "carol", &[("ca01", 2, BUNDLE_ID)]).await;
    let group = make_group(&server, a, &[a, b, carol]).await;
    assert_eq!(text(&mut alice, carol, 12, "first").await["r"], 1);
    assert_eq!(group_text(&mut alice, group, 13, "to the group").await["r"], 1);
    settled(&server).await;
    let apns = standins.apns.received();
    let to_carol: Vec<&Received> = apns.iter().filter(|r| r.path == "/3/device/ca01").collect();
    assert_eq!(to_carol.len(), 2, "one push per message to carol's one token");
    let group_push = to_carol.iter().find(|r| r.body["pushPacketType"] == "146").expect("146 push");
    assert_eq!(group_push.body["chatType"], "2");
    assert_eq!(group_push.body["chatId"], group.to_string());
    assert_eq!(group_push.body["aps"]["badge"], 2);
    let group_thread = format!("2-{group}");
    assert_eq!(group_push.header("apns-collapse-id"), Some(group_thread.as_str()));
    // Bob (backgrounded, a member) got the group message pushed too.
    assert_eq!(apns.iter().filter(|r| r.path == "/3/device/b0b1").count(), 2);
    assert_eq!(pushes(&server, APNS, SENT), 4);
    assert_eq!(pushes(&server, FCM, SENT), 2);
    server.shutdown().await;
}

async fn no_push_to_a_user_in_the_foreground(server: TestServer, standins: PushStandIns) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let b = bob.user_id;
    server.server.hub.store.register_device(b, "b0b1", 2, BUNDLE_ID).await.unwrap();
    server.server.hub.store.register_device(b, "fcm-bob", 1, BUNDLE_ID).await.unwrap();
    // Background, then foreground again: no push.
    for state in [1, 2] {
        bob.send(Service::APPLICATION_CHANGE_STATE, &json!({"state": state}));
        bob.recv(Service::APPLICATION_CHANGE_STATE).await.unwrap();
    }
    assert_eq!(text(&mut alice, b, 21, "you are here").await["r"], 1);
    bob.recv_where(Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT, |m| m["msgId"] == 21).await.unwrap();
    // A second session in the background does not matter while one is in the foreground.
    let mut bob2 = server.login("bob").await;
    bob2.send(Service::APPLICATION_CHANGE_STATE, &json!({"state": 1}));
    bob2.recv(Service::APPLICATION_CHANGE_STATE).await.unwrap();
    assert_eq!(text(&mut alice, b, 22, "still here").await["r"], 1);
    bob.recv_where(Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT, |m| m["msgId"] == 22).await.unwrap();
    // Now the foreground session goes to the background too: this message is pushed (and shows the others were
    // not merely late).
    bob.send(Service::APPLICATION_CHANGE_STATE, &json!({"state": 1}));
    bob.recv(Service::APPLICATION_CHANGE_STATE).await.unwrap();
    assert_eq!(text(&mut alice, b, 23, "gone").await["r"], 1);
    settled(&server).await;
    let apns = standins.apns.received();
    assert_eq!(apns.len(), 1);
    assert_eq!(apns[0].body["msgId"], "23");
    assert_eq!(standins.fcm.received().len(), 1);
    server.shutdown().await;
}

/// The offer a caller sends.
fn offer(call_id: i64, to: i64) -> Value {
    json!({"callId": call_id, "mediaType": 2, "to": to, "sdp": {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"}})
}

async fn a_call_to_an_offline_user_pushes_and_rings_at_login(server: TestServer, standins: PushStandIns) {
    let alice = server.login("alice").await;
    let a = alice.user_id;
    let voip = voip_bundle();
    let carol =
        offline_user(&server, "carol", &[("ca01", 2, BUNDLE_ID), ("ca02", 2, &voip), ("fcm-carol", 1, BUNDLE_ID)])
            .await;

    // The offer: a VoIP push to the PushKit token only, a high-priority data message on Android.
    alice.send(Service::FREE_CALL_START, &offer(31, carol));
    let apns = standins.apns.wait_for(1).await;
    let fcm = standins.fcm.wait_for(1).await;
    settled(&server).await;
    assert_eq!(standins.apns.received().len(), 1, "no alert push beside the VoIP push");
    let voip_push = &apns[0];
    assert_eq!(voip_push.path, "/3/device/ca02");
    assert_eq!(voip_push.header("apns-push-type"), Some("voip"));
    assert_eq!(voip_push.header("apns-topic"), Some(voip.as_str()));
    assert_eq!(voip_push.header("apns-collapse-id"), None);
    let call_ids = json!({"pushPacketType": "186", "appId": server.app.id, "callId": "31", "from": a.to_string(), "mediaType": "2"});
    for (key, value) in call_ids.as_object().unwrap() {
        assert_eq!(&voip_push.body[key], value, "{key}");
        assert_eq!(&fcm[0].body["message"]["data"][key], value, "{key}");
    }
    let message = &fcm[0].body["message"];
    assert!(message.get("notification").is_none(), "a data-only message");
    assert_eq!(message["android"], json!({"priority": "HIGH", "ttl": format!("{RING_SECS}s")}));

    // Carol's phone wakes and logs in within the ring timeout: the offer reaches her.
    let mut carol_app = server.login("carol").await;
    assert_eq!(carol_app.user_id, carol);
    let ringing = carol_app.recv(Service::FREE_CALL_START).await.unwrap();
    assert_eq!((ringing["callId"].as_i64(), ringing["from"].as_i64()), (Some(31), Some(a)));
    alice.send(Service::FREE_CALL_STATUS_CHANGED, &json!({"callId": 31, "to": carol, "status": 700}));
    carol_app.recv_where(Service::FREE_CALL_STATUS_CHANGED, |s| s["status"] == 700).await.unwrap();
    settled(&server).await;
    assert_eq!(standins.apns.received().len(), 1, "carol was in the foreground: no 188 push");

    // A call the caller cancels while the callee sleeps: the 188 is pushed too.
    let dave = offline_user(&server, "dave", &[("da01", 2, &voip), ("fcm-dave", 1, BUNDLE_ID)]).await;
    alice.send(Service::FREE_CALL_START, &offer(32, dave));
    standins.apns.wait_for(2).await;
    alice.send(Service::FREE_CALL_STATUS_CHANGED, &json!({"callId": 32, "to": dave, "status": 700}));
    let apns = standins.apns.wait_for(3).await;
    let cancel = &apns[2];
    assert_eq!(cancel.path, "/3/device/da01");
    assert_eq!(cancel.header("apns-push-type"), Some("voip"));
    assert_eq!(
        (&cancel.body["pushPacketType"], &cancel.body["callId"], &cancel.body["status"]),
        (&json!("188"), &json!("32"), &json!("700"))
    );
    let fcm = standins.fcm.wait_for(3).await;
    assert_eq!(fcm[2].body["message"]["data"]["pushPacketType"], "188");
    server.shutdown().await;
}

async fn invalid_tokens_are_removed(server: TestServer, standins: PushStandIns) {
    let mut alice = server.login("alice").await;
    let bob = offline_user(
        &server,
        "bob",
        &[("dead01", 2, BUNDLE_ID), ("a11e", 2, BUNDLE_ID), ("fcm-dead", 1, BUNDLE_ID), ("fcm-live", 1, BUNDLE_ID)],
    )
    .await;
    standins.apns.answer_token("dead01", Reply::apns_unregistered());
    standins.fcm.answer_token("fcm-dead", Reply::fcm_unregistered());
    assert_eq!(text(&mut alice, bob, 41, "anyone there?").await["r"], 1);
    settled(&server).await;
    let left: Vec<String> = server.server.hub.store.devices(bob).await.unwrap().into_iter().map(|d| d.token).collect();
    assert_eq!(left, vec!["a11e".to_owned(), "fcm-live".to_owned()]);
    assert_eq!((pushes(&server, APNS, INVALID), pushes(&server, FCM, INVALID)), (1, 1));
    assert_eq!((pushes(&server, APNS, SENT), pushes(&server, FCM, SENT)), (1, 1));
    // The next message goes to the live tokens only.
    assert_eq!(text(&mut alice, bob, 42, "again").await["r"], 1);
    settled(&server).await;
    assert_eq!(tokens_of(&standins.apns.received()), vec!["a11e", "a11e", "dead01"]);
    assert_eq!(tokens_of(&standins.fcm.received()), vec!["fcm-dead", "fcm-live", "fcm-live"]);
    server.shutdown().await;
}

async fn a_stalled_push_service_delays_no_message(server: TestServer, standins: PushStandIns) {
    let mut alice = server.login("alice").await;
    let mut bob = server.login("bob").await;
    let b = bob.user_id;
    server.server.hub.store.register_device(b, "b0b1", 2, BUNDLE_ID).await.unwrap();
    server.server.hub.store.register_device(b, "fcm-bob", 1, BUNDLE_ID).await.unwrap();
    bob.send(Service::APPLICATION_CHANGE_STATE, &json!({"state": 1}));
    bob.recv(Service::APPLICATION_CHANGE_STATE).await.unwrap();
    standins.apns.stall();
    standins.fcm.stall();

    assert_eq!(text(&mut alice, b, 51, "one").await["r"], 1);
    // The push of the first message has reached both services, which do not answer.
    standins.apns.wait_for(1).await;
    standins.fcm.wait_for(1).await;
    // Messages go on being delivered and acknowledged meanwhile.
    for id in 52..=60 {
        assert_eq!(text(&mut alice, b, id, "more").await["r"], 1);
        bob.recv_where(Service::MESSAGE_HAS_NEW_WITH_USER_TYPE_TEXT, |m| m["msgId"] == id).await.unwrap();
    }
    assert_eq!(pushes(&server, APNS, SENT) + pushes(&server, FCM, SENT), 0, "still stalled");
    standins.apns.release();
    standins.fcm.release();
    settled(&server).await;
    assert_eq!((pushes(&server, APNS, SENT), pushes(&server, FCM, SENT)), (10, 10));
    server.shutdown().await;
}

async fn throttling_is_retried(server: TestServer, standins: PushStandIns) {
    let mut alice = server.login("alice").await;
    let bob = offline_user(&server, "bob", &[("b0b1", 2, BUNDLE_ID), ("fcm-bob", 1, BUNDLE_ID)]).await;
    standins.apns.script([Reply::apns_too_many()]);
    standins.fcm.script([Reply::fcm_unavailable()]);
    assert_eq!(text(&mut alice, bob, 61, "retry me").await["r"], 1);
    settled(&server).await;
    assert_eq!(tokens_of(&standins.apns.received()), vec!["b0b1", "b0b1"]);
    assert_eq!(tokens_of(&standins.fcm.received()), vec!["fcm-bob", "fcm-bob"]);
    assert_eq!((pushes(&server, APNS, RETRIED), pushes(&server, APNS, SENT)), (1, 1));
    assert_eq!((pushes(&server, FCM, RETRIED), pushes(&server, FCM, SENT)), (1, 1));
    let metrics = server.server.hub.metrics.render(0);
    assert!(metrics.contains("azstack_push_total{service=\"apns\",outcome=\"retried\"} 1"), "{metrics}");
    server.shutdown().await;
}

push_tests!(
    message_to_backgrounded_and_offline_users,
    no_push_to_a_user_in_the_foreground,
    a_call_to_an_offline_user_pushes_and_rings_at_login,
    invalid_tokens_are_removed,
    a_stalled_push_service_delays_no_message,
    throttling_is_retried,
);

/// A call-in (the SIP gateway, SIPp as the carrier) to a user whose only session is in the background: the 505
/// rings it and a VoIP push of `pushPacketType` 602 wakes the phone (OQ-24).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_in_to_a_backgrounded_user_is_pushed() {
    const NUMBER: &str = "+842873001234";
    let standins = PushStandIns::start().await;
    let push = standins.config.clone();
    let server = TestServer::sqlite_with_app(|config, app| {
        let mut sip = azstack_sip::SipConfig::new("sip:127.0.0.1:9", "127.0.0.1:0".parse().expect("addr"));
        sip.t1_ms = 200;
        sip.callin.insert(NUMBER.into(), "bob".into());
        config.sip = Some(sip);
        config.apps = vec![AppConfig { id: app.id.clone(), verifier: Verifier::AcceptAll, push: Some(push) }];
    })
    .await;
    let mut bob = server.login("bob").await;
    server.server.hub.store.register_device(bob.user_id, "b0b2", 2, &voip_bundle()).await.unwrap();
    bob.send(Service::APPLICATION_CHANGE_STATE, &json!({"state": 1}));
    bob.recv(Service::APPLICATION_CHANGE_STATE).await.unwrap();

    let gateway = server.server.hub.sip.as_ref().expect("gateway").local_addr();
    let carrier = crate::sip_support::Carrier::call("callin_reject.xml", gateway, NUMBER);
    let start = bob.recv(Service::CALLIN_START).await.expect("505");
    let apns = standins.apns.wait_for(1).await;
    assert_eq!(apns[0].path, "/3/device/b0b2");
    assert_eq!(apns[0].header("apns-push-type"), Some("voip"));
    assert_eq!(apns[0].body["pushPacketType"], "602");
    assert_eq!(apns[0].body["callId"], start["callId"].to_string());
    assert_eq!(apns[0].body["from"], start["from"]);
    let reply = |code: i64| {
        json!({"callId": start["callId"], "callType": start["callType"], "destination": start["from"],
               "phonenumber": start["to"], "code": code})
    };
    bob.send(Service::CALLIN_STATUS_CHANGED, &reply(183));
    bob.send(Service::CALLIN_STATUS_CHANGED, &reply(702));
    let result = carrier.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    server.shutdown().await;
}
