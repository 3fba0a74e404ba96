//! Phone calls from the engine's public API through a real server's SIP gateway, with a real SIPp process
//! (Debian's `sip-tester`) as the carrier on 127.0.0.1 (the server's SIP tests' scenarios and helpers): callout and
//! call-in outcomes as the app sees them — results, errors, delegates, paid call logs — and every call resource
//! released at the end (PROTOCOL.md §3.9–§3.14, §3.18, §4.4, §5.4, §5.5).

use crate::common;
#[path = "../../../server/tests/it/sip_support.rs"]
mod sip_support;

use std::sync::Arc;
use std::time::Duration;

use azstack_engine::media::synthetic::{AudioStats, SyntheticDevices};
use azstack_server::testkit::TestServer;
use azstack_sip::media::g711::Law;
use azstack_sip::testing::rtp_carrier::RtpCarrier;
use common::{DEADLINE, Peer, Target};
use serde_json::{Value, json};
use sip_support::{Carrier, server_for};

const NUMBER: &str = "+842873001234";
const CALLER: &str = "+84909876543";
const DIALLED: &str = "+84901234567";
/// The synthetic microphone's tone, and the tone the carrier's media end plays.
const APP_HZ: f64 = 440.0;
const CARRIER_HZ: f64 = 1000.0;
/// How long the tones may take to be heard through the bridge (ICE, DTLS and the jitter buffer included).
const HEARD_WITHIN: Duration = Duration::from_secs(8);

/// A logged-in engine with synthetic devices whose received audio is counted.
struct Side {
    peer: Peer,
    audio: Arc<AudioStats>,
}

impl Side {
    async fn login(server: &TestServer, name: &str) -> Side {
        let peer = Peer::login(&Target::of(server), name).await;
        let audio = AudioStats::new();
        peer.engine
            .calls()
            .set_media_devices(Arc::new(SyntheticDevices::new(320, 240, 30).with_audio_output(audio.clone())));
        peer.engine.calls().set_call_udp_addrs(vec!["127.0.0.1:0".to_owned()]);
        Side { peer, audio }
    }

    async fn callout_status(&mut self, status: i64) -> Value {
        self.peer.event_where("onCalloutStatusChanged", |_, r| r["status"] == status).await.1
    }

    async fn callin_status(&mut self, status: i64) -> Value {
        self.peer.event_where("onCallinStatusChanged", |_, r| r["status"] == status).await.1
    }

    /// Waits until the engine holds no call resources and has no call.
    async fn released(&self) {
        let left = self.peer.engine.calls().wait_call_resources_released(DEADLINE).await;
        assert_eq!(left, Ok(()), "call resources still held");
        assert_eq!(self.peer.engine.calls().current_call(), None);
    }
}

/// The carrier's media end hears a second of the app's tone, and the app hears the carrier's (loud audio).
async fn tones_both_ways(side: &Side, media: &RtpCarrier) {
    assert!(
        media.heard.wait_for(50, HEARD_WITHIN).await,
        "the carrier heard 440 Hz in {}/{} frames",
        media.heard.tone_frames(),
        media.heard.frames()
    );
    let heard = side.audio.wait_for(HEARD_WITHIN, |s| s.loud_chunks >= 25).await;
    assert!(heard.is_ok(), "the app did not hear the carrier: {heard:?}");
}

fn unexpected(message: &str) -> (String, String) {
    ("ERR_UNEXPECTED_DATA".to_owned(), message.to_owned())
}

async fn server_with_trunk(carrier: &Carrier) -> TestServer {
    server_for(&carrier.uri(), |sip| {
        sip.callin.insert(NUMBER.into(), "bob".into());
    })
    .await
}

fn gateway(server: &TestServer) -> std::net::SocketAddr {
    server.server.hub.sip.as_ref().expect("gateway").local_addr()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callout_busy_is_reported_logged_and_released() {
    let carrier = Carrier::start("fail_486.xml", &[]);
    let server = server_with_trunk(&carrier).await;
    let mut alice = Side::login(&server, "alice").await;

    let started = alice.peer.ok("startCallout", json!({"toPhoneNumber": DIALLED, "tags": "order-17"})).await;
    assert_eq!(started, Value::Null);
    // A second call while this one is on is refused.
    assert_eq!(
        alice.peer.err("startCallout", json!({"toPhoneNumber": DIALLED})).await,
        unexpected("Cannot start callout when currently on call")
    );
    assert_eq!(alice.callout_status(183).await, json!({"status": 183, "message": "Callout status changed to ringing"}));
    assert_eq!(
        alice.callout_status(486).await,
        json!({"status": 486, "message": "Callout status changed to busy, callout end"})
    );
    alice.released().await;
    let log = alice.peer.event("onPaidCallLogReturn").await;
    assert_eq!(log["toPhoneNumber"], DIALLED);
    assert_eq!(log["callType"], 1);
    assert_eq!(log["callStatus"], 1);
    assert_eq!(log["tags"], "order-17");
    let logs = alice.peer.ok("getPaidCallLogs", json!({})).await;
    assert_eq!(logs["done"], 1);
    assert_eq!(logs["list"][0]["callId"], log["callId"]);

    let sipp = carrier.finish().await;
    assert!(sipp.success, "{}", sipp.errors);
    // The gateway offered audio from the app's offer: the 501 went after ICE gathering.
    assert!(sipp.received_kinds().starts_with(&["INVITE".to_owned()]), "{:?}", sipp.received_kinds());
    assert_eq!(
        alice.peer.err("stopCallout", json!({})).await,
        unexpected("Cannot stop callout when not currently on callout")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callout_hung_up_by_the_app_while_ringing_cancels_the_invite() {
    let carrier = Carrier::start("cancel.xml", &[]);
    let server = server_with_trunk(&carrier).await;
    let mut alice = Side::login(&server, "alice").await;

    assert_eq!(alice.peer.ok("startCallout", json!({"toPhoneNumber": DIALLED})).await, Value::Null);
    alice.callout_status(183).await;
    assert_eq!(alice.peer.engine.calls().current_call().map(|c| c.status), Some(183));
    assert_eq!(alice.peer.ok("stopCallout", json!({})).await, Value::Null);
    alice.released().await;
    let sipp = carrier.finish().await;
    assert!(sipp.success, "{}", sipp.errors);
    assert!(sipp.received_kinds().contains(&"CANCEL".to_owned()), "{:?}", sipp.received_kinds());
    // The app hung up: no further status event.
    assert!(alice.peer.buffered("onCalloutStatusChanged").iter().all(|s| s["status"] != 700));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callout_without_balance_is_refused_with_its_status() {
    let carrier = Carrier::start("fail_486.xml", &[]);
    let server = server_for(&carrier.uri(), |sip| sip.balance_seconds = Some(0)).await;
    let alice = Side::login(&server, "alice").await;
    let error = alice.peer.call("startCallout", json!({"toPhoneNumber": DIALLED})).await.expect_err("refused");
    assert_eq!(
        serde_json::to_value(&error).unwrap(),
        json!({"code": "ERR_UNEXPECTED_RECEIVED_DATA", "message": "Your account has not enough balance", "status": -4})
    );
    alice.released().await;
    // Another call may start right away.
    assert_eq!(alice.peer.err("startCallout", json!({"toPhoneNumber": "12"})).await.0, "ERR_UNEXPECTED_RECEIVED_DATA");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callin_rings_every_idle_device_and_a_reject_ends_it_everywhere() {
    let server = server_for("sip:127.0.0.1:9", |sip| {
        sip.callin.insert(NUMBER.into(), "bob".into());
    })
    .await;
    let mut bob = Side::login(&server, "bob").await;
    let mut bob2 = Side::login(&server, "bob").await;
    let carrier = Carrier::call("callin_reject.xml", gateway(&server), NUMBER);

    let start = json!({"fromPhoneNumber": CALLER, "toPhoneNumber": NUMBER});
    assert_eq!(bob.peer.event("onCallinStart").await, start);
    assert_eq!(bob2.peer.event("onCallinStart").await, start);
    assert_eq!(bob.peer.engine.calls().current_call().map(|c| c.status), Some(183));
    assert_eq!(bob.peer.ok("rejectCallin", json!({"tags": "later"})).await, Value::Null);
    bob.released().await;
    let by_me = bob2.peer.event("onCallinStatusChangedByMe").await;
    assert_eq!(by_me, json!({"status": 702, "message": "Callin status changed to ringing stop by me, callin end"}));
    bob2.released().await;
    let sipp = carrier.finish().await;
    assert!(sipp.success, "{}", sipp.errors);
    assert_eq!(
        bob2.peer.err("answerCallin", json!({})).await,
        unexpected("Cannot answer callin when not currently on callin")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callin_not_answered_and_cancelled_by_the_carrier() {
    let server = server_for("sip:127.0.0.1:9", |sip| {
        sip.callin.insert(NUMBER.into(), "bob".into());
    })
    .await;
    let mut bob = Side::login(&server, "bob").await;

    let carrier = Carrier::call("callin_unanswered.xml", gateway(&server), NUMBER);
    bob.peer.event("onCallinStart").await;
    assert_eq!(bob.peer.ok("notAnsweredCallin", Value::Null).await, Value::Null);
    bob.released().await;
    let sipp = carrier.finish().await;
    assert!(sipp.success, "{}", sipp.errors);

    let carrier = Carrier::call("callin_cancel.xml", gateway(&server), NUMBER);
    bob.peer.event("onCallinStart").await;
    assert_eq!(
        bob.callin_status(702).await,
        json!({"status": 702, "message": "Callin status changed to ringing stop, callin end"})
    );
    bob.released().await;
    let sipp = carrier.finish().await;
    assert!(sipp.success, "{}", sipp.errors);
    let logs = bob.peer.ok("getPaidCallLogs", json!({})).await;
    let statuses: Vec<&Value> = logs["list"].as_array().unwrap().iter().map(|l| &l["callStatus"]).collect();
    assert_eq!(statuses.len(), 2, "{logs}");
    assert!(logs["list"].as_array().unwrap().iter().all(|l| l["callType"] == 2 && l["fromPhoneNumber"] == CALLER));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callin_while_in_a_free_call_is_answered_busy() {
    let server = server_for("sip:127.0.0.1:9", |sip| {
        sip.callin.insert(NUMBER.into(), "bob".into());
    })
    .await;
    let alice = Side::login(&server, "alice").await;
    let mut bob = Side::login(&server, "bob").await;
    let bob_id = bob.peer.user_id;
    assert_eq!(alice.peer.ok("startFreeCall", json!({"mediaType": 1, "toUserId": bob_id})).await, Value::Null);
    bob.peer.event("onFreeCallStart").await;

    let carrier = Carrier::call("callin_busy.xml", gateway(&server), NUMBER);
    let sipp = carrier.finish().await;
    assert!(sipp.success, "{}", sipp.errors);
    assert!(bob.peer.buffered("onCallinStart").is_empty());
    // The free call is untouched; phone-call methods refuse it.
    assert_eq!(bob.peer.engine.calls().current_call().map(|c| c.status), Some(180));
    assert_eq!(
        bob.peer.err("stopCallin", json!({})).await,
        unexpected("Cannot stop callin when not currently on callin")
    );
    assert_eq!(alice.peer.ok("stopFreeCall", Value::Null).await, Value::Null);
    alice.released().await;
    bob.peer.event_where("onFreeCallStatusChanged", |_, r| r["status"] == 700).await;
    bob.released().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callout_answered_carries_audio_both_ways_until_the_app_hangs_up() {
    let media = RtpCarrier::start(Law::Mu, CARRIER_HZ, APP_HZ, CARRIER_HZ).await;
    let port = media.address.port().to_string();
    let sipp = Carrier::start(
        "bridge_callout.xml",
        &[("carrier_rtp_port", &port), ("carrier_pt", "0"), ("carrier_codec", "PCMU")],
    );
    let server = server_with_trunk(&sipp).await;
    let mut alice = Side::login(&server, "alice").await;

    assert_eq!(alice.peer.ok("startCallout", json!({"toPhoneNumber": DIALLED})).await, Value::Null);
    assert_eq!(
        alice.callout_status(200).await,
        json!({"status": 200, "message": "Callout status changed to answered"})
    );
    assert_eq!(alice.peer.engine.calls().current_call().map(|c| c.status), Some(200));
    tones_both_ways(&alice, &media).await;
    // Mute: the carrier hears the tone no more.
    assert_eq!(alice.peer.ok("toggleAudioState", json!({"state": 0})).await, json!({"audioState": 0}));
    // What was already on its way (the bridge's jitter buffer, packets in flight) may still be heard; then a whole second
    // without the tone must come within the deadline. An emulated run (scripts/test arm64) drains more slowly.
    let deadline = tokio::time::Instant::now() + HEARD_WITHIN;
    loop {
        media.heard.reset();
        if !media.heard.wait_for(10, Duration::from_secs(1)).await {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the carrier still hears the muted app");
    }
    assert_eq!(alice.peer.ok("toggleAudioState", json!({"state": 1})).await, json!({"audioState": 1}));
    assert!(media.heard.wait_for(10, HEARD_WITHIN).await, "the carrier hears the app again");

    assert_eq!(alice.peer.ok("stopCallout", json!({})).await, Value::Null);
    alice.released().await;
    let result = sipp.finish().await;
    assert!(result.success, "{}", result.errors);
    assert!(result.received_kinds().contains(&"BYE".to_owned()), "{:?}", result.received_kinds());
    let log = alice.peer.event("onPaidCallLogReturn").await;
    assert_eq!(log["callStatus"], 0, "answered: {log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callin_answered_carries_audio_both_ways_until_the_carrier_hangs_up() {
    let server = server_for("sip:127.0.0.1:9", |sip| {
        sip.callin.insert(NUMBER.into(), "bob".into());
    })
    .await;
    let mut bob = Side::login(&server, "bob").await;
    let media = RtpCarrier::start(Law::Mu, CARRIER_HZ, APP_HZ, CARRIER_HZ).await;
    let port = media.address.port().to_string();
    let sipp =
        Carrier::call_with("callin_bridge_carrier_bye.xml", gateway(&server), NUMBER, &[("carrier_rtp_port", &port)]);

    bob.peer.event("onCallinStart").await;
    assert_eq!(bob.peer.ok("answerCallin", json!({"tags": "desk"})).await, Value::Null);
    assert_eq!(bob.peer.engine.calls().current_call().map(|c| c.status), Some(200));
    tones_both_ways(&bob, &media).await;
    // The carrier hangs up after its 9 s.
    let stop = bob.peer.event_where("onCallinStatusChanged", |_, r| r["status"] == 700).await.1;
    assert_eq!(stop, json!({"status": 700, "message": "Callin status changed to stop, callin end"}));
    bob.released().await;
    let result = sipp.finish().await;
    assert!(result.success, "{}", result.errors);
    let log = bob.peer.event("onPaidCallLogReturn").await;
    assert_eq!((log["callStatus"].clone(), log["tags"].clone()), (json!(0), json!("desk")), "{log}");
}
