//! The media bridge against real ends: SIPp plays the carrier's signalling (`tests/sip/bridge_callout.xml`,
//! `callin_bridge_carrier_bye.xml`) with an SDP that points at an RTP socket this test owns
//! ([`RtpCarrier`]: it sends a 1 kHz G.711 tone and listens for 440 Hz), and the app is a real webrtc-rs peer
//! ([`AppPeer`]: it sends 440 Hz with Opus and listens for 1 kHz) that signals through the wire protocol. Each
//! test checks that both ends hear at least a second of the other's tone, dominant over their own, and that the
//! call's end releases everything. The PCMU callout is also recorded (`[sip.recording]`): its log's link serves a
//! WAV file with the carrier's tone on the left and the app's on the right.

use crate::sip_support;

use std::time::Duration;

use azstack_protocol::Service;
use azstack_server::testkit::{TestClient, TestServer};
use azstack_sip::config::RecordingConfig;
use azstack_sip::media::g711::Law;
use azstack_sip::testing::app_peer::AppPeer;
use azstack_sip::testing::rtp_carrier::RtpCarrier;
use azstack_sip::testing::tone::goertzel;
use serde_json::{Value, json};
use sip_support::*;

const TO: &str = "+84901234567";
const NUMBER: &str = "+842873001234";
const APP_HZ: f64 = 440.0;
const CARRIER_HZ: f64 = 1000.0;
/// One second of 20 ms frames.
const ONE_SECOND: u64 = 50;
/// How long the tones may take to be heard (ICE, DTLS and the jitter buffer included).
const HEARD_WITHIN: Duration = Duration::from_secs(8);
const IDLE_WITHIN: Duration = Duration::from_secs(10);

fn localhost() -> std::net::IpAddr {
    "127.0.0.1".parse().unwrap()
}

/// Both ends hear the other's tone for a second.
async fn both_tones(app: &AppPeer, carrier: &RtpCarrier) {
    let app_heard = app.heard.wait_for(ONE_SECOND, HEARD_WITHIN).await;
    let carrier_heard = carrier.heard.wait_for(ONE_SECOND, HEARD_WITHIN).await;
    eprintln!(
        "app: 1 kHz in {}/{} frames; carrier: 440 Hz in {}/{} frames",
        app.heard.tone_frames(),
        app.heard.frames(),
        carrier.heard.tone_frames(),
        carrier.heard.frames()
    );
    assert!(
        app_heard && carrier_heard,
        "app heard 1 kHz in {}/{} frames, carrier heard 440 Hz in {}/{} frames ({} RTP packets)",
        app.heard.tone_frames(),
        app.heard.frames(),
        carrier.heard.tone_frames(),
        carrier.heard.frames(),
        carrier.packets_received()
    );
}

/// After the call is gone, the gateway sends the carrier nothing more (its RTP socket and task are gone).
async fn media_released(server: &TestServer, carrier: &RtpCarrier) {
    let gw = server.server.hub.sip.clone().unwrap();
    assert!(gw.idle_within(IDLE_WITHIN).await, "the call is gone");
    let before = carrier.packets_received();
    // Not a synchronisation: a window in which nothing may arrive.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(carrier.packets_received(), before, "RTP after the call ended");
}

/// The WAV file behind a log's `urlRecord`: (carrier channel, app channel), after checking the header.
async fn fetch_recording(link: &str) -> (Vec<i16>, Vec<i16>) {
    let response = reqwest::get(link).await.expect("GET");
    assert_eq!(response.status(), 200, "{link}");
    assert_eq!(response.headers()["content-type"], "audio/wav");
    let wav = response.bytes().await.expect("body");
    assert!(wav.len() > 44, "{} bytes", wav.len());
    let u32_at = |i: usize| u32::from_le_bytes([wav[i], wav[i + 1], wav[i + 2], wav[i + 3]]);
    let u16_at = |i: usize| u16::from_le_bytes([wav[i], wav[i + 1]]);
    assert_eq!((&wav[0..4], &wav[8..16], &wav[36..40]), (&b"RIFF"[..], &b"WAVEfmt "[..], &b"data"[..]));
    assert_eq!((u16_at(20), u16_at(22), u32_at(24), u16_at(34)), (1, 2, 8000, 16), "PCM, stereo, 8 kHz, 16-bit");
    assert_eq!(u32_at(40) as usize, wav.len() - 44, "the data size is written once the call ended");
    let samples: Vec<i16> = wav[44..].chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
    (samples.iter().step_by(2).copied().collect(), samples.iter().skip(1).step_by(2).copied().collect())
}

/// 20 ms frames of `channel` in which `hz` is 100 times stronger than `other_hz`.
fn frames_with(channel: &[i16], hz: f64, other_hz: f64) -> usize {
    channel.chunks_exact(160).filter(|f| goertzel(f, 8000, hz) > 100.0 * goertzel(f, 8000, other_hz).max(1.0)).count()
}

/// The recording behind `entry` holds a second of each side's tone on its own channel; the link stops working
/// when tampered with, and 509 hands out a fresh one.
async fn recording_holds_both_tones(entry: &Value, alice: &mut TestClient) {
    let link = entry["urlRecord"].as_str().expect("urlRecord");
    let (carrier, app) = fetch_recording(link).await;
    let (left, right) = (frames_with(&carrier, CARRIER_HZ, APP_HZ), frames_with(&app, APP_HZ, CARRIER_HZ));
    eprintln!("recording: {} ms, carrier tone in {left} frames, app tone in {right}", carrier.len() / 8);
    assert!(left >= ONE_SECOND as usize && right >= ONE_SECOND as usize, "{left} / {right} frames with the tone");
    let tampered = link.replace("expires=", "expires=9");
    assert_eq!(reqwest::get(&tampered).await.expect("GET").status(), 403);
    let unsigned = link.split('?').next().unwrap_or_default();
    assert_eq!(reqwest::get(unsigned).await.expect("GET").status(), 403);
    let listed = paid_logs(alice).await;
    let row = listed.iter().find(|l| l["callId"] == entry["callId"]).expect("509 lists the call");
    let fresh = row["url"].as_str().expect("url");
    assert_eq!(fresh.split('?').next(), Some(unsigned), "the same recording");
    assert_eq!(fetch_recording(fresh).await.0.len(), carrier.len());
}

async fn callout_with(law: Law, codec: &str, call_id: i64, recorded: bool) {
    let media = RtpCarrier::start(law, CARRIER_HZ, APP_HZ, CARRIER_HZ).await;
    let port = media.address.port().to_string();
    let pt = law.payload_type().to_string();
    let sipp = Carrier::start(
        "bridge_callout.xml",
        &[("carrier_rtp_port", &port), ("carrier_pt", &pt), ("carrier_codec", codec)],
    );
    let recordings = tempfile::tempdir().expect("tempdir");
    let server = server_for(&sipp.uri(), |sip| {
        sip.recording = recorded.then(|| RecordingConfig::in_dir(recordings.path().to_owned()));
    })
    .await;
    let mut alice = server.login("alice").await;
    let initial = start_callout(&mut alice, call_id, TO).await;
    assert_eq!(initial["status"], 100);
    let app = AppPeer::new(localhost(), APP_HZ, CARRIER_HZ, APP_HZ).await;
    let offer = app.offer().await;
    alice.send(Service::CALLOUT_DATA_SEND, &json!({"callId": call_id, "to": TO, "sdp_candidate": offer}));
    let mut codes = Vec::new();
    let answered = loop {
        let status = next_status(&mut alice, call_id).await;
        codes.push(status["code"].as_i64().unwrap());
        if status["code"] == 200 {
            break status;
        }
    };
    assert_eq!(codes, [100, 183, 200]);
    let answer = answered["sdp_candidate"].as_str().unwrap();
    assert!(is_gateway_webrtc_sdp(answer), "{answer}");
    app.accept_answer(answer).await;
    app.start_sending().await;
    both_tones(&app, &media).await;

    alice.send(Service::CALLOUT_STOP_SEND, &json!({"callId": call_id, "to": TO}));
    let entry = log_push(&mut alice, call_id).await;
    assert_eq!(entry["status"], 0);
    assert!(entry["duration"].as_i64().unwrap() >= 1, "{entry}");
    if recorded {
        recording_holds_both_tones(&entry, &mut alice).await;
        // With `[files]` (the test server's default) the complete recording was moved to the object store before
        // the log was pushed.
        let link = entry["urlRecord"].as_str().unwrap_or_default();
        let name = link.split('?').next().and_then(|p| p.rsplit('/').next()).unwrap_or_default();
        let store = server.server.hub.config.files.as_ref().map(|f| f.store.clone()).unwrap_or_default();
        let store = std::path::PathBuf::from(store.trim_start_matches("file://"));
        assert!(store.join("recordings").join(name).is_file(), "{name} is in the object store");
        assert!(!recordings.path().join(name).exists(), "{name} is no longer in the recording directory");
    } else {
        assert_eq!(entry["urlRecord"], "", "not recorded");
    }
    let result = sipp.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["INVITE", "ACK", "BYE"]);
    media_released(&server, &media).await;
    app.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callout_carries_audio_both_ways_with_pcmu() {
    callout_with(Law::Mu, "PCMU", 31, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callout_carries_audio_both_ways_with_pcma() {
    callout_with(Law::A, "PCMA", 32, false).await;
}

/// 505 on `bob`, answered with the app peer's answer (506 183, then 200).
async fn answer_callin(bob: &mut TestClient, app: &AppPeer) -> Value {
    let start = bob.recv(Service::CALLIN_START).await.expect("505");
    let offer = start["sdp_candidate"].as_str().unwrap();
    assert!(is_gateway_webrtc_sdp(offer), "{offer}");
    let answer = app.answer(offer).await;
    answer_callin_with(bob, &start, &answer);
    start
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callin_carries_audio_both_ways_until_the_carrier_hangs_up() {
    let media = RtpCarrier::start(Law::Mu, CARRIER_HZ, APP_HZ, CARRIER_HZ).await;
    let server = server_for("sip:127.0.0.1:9", |sip| {
        sip.callin.insert(NUMBER.into(), "bob".into());
    })
    .await;
    let mut bob = server.login("bob").await;
    let gateway = server.server.hub.sip.as_ref().unwrap().local_addr();
    let port = media.address.port().to_string();
    let sipp = Carrier::call_with("callin_bridge_carrier_bye.xml", gateway, NUMBER, &[("carrier_rtp_port", &port)]);
    let app = AppPeer::new(localhost(), APP_HZ, CARRIER_HZ, APP_HZ).await;
    let start = answer_callin(&mut bob, &app).await;
    app.start_sending().await;
    both_tones(&app, &media).await;

    // The carrier hangs up (after its talk time): 506 700.
    let call_id = start["callId"].clone();
    let stop = bob.recv_where(Service::CALLIN_STATUS_CHANGED, |b| b["callId"] == call_id).await.expect("506");
    assert_eq!(stop["code"], 700);
    let entry = log_push(&mut bob, call_id.as_i64().unwrap()).await;
    assert_eq!(entry["status"], 0);
    let result = sipp.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["SIP/2.0 100", "SIP/2.0 180", "SIP/2.0 200"]);
    media_released(&server, &media).await;
    app.close().await;
    server.shutdown().await;
}

/// An answered callout whose carrier sends no RTP is hung up after `rtp_timeout_secs`: BYE and 503 700.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_carrier_is_hung_up() {
    // A socket that never sends (and is never sent a tone back, as it learns no peer).
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port().to_string();
    let sipp = Carrier::start(
        "bridge_callout.xml",
        &[("carrier_rtp_port", &port), ("carrier_pt", "0"), ("carrier_codec", "PCMU")],
    );
    let server = server_for(&sipp.uri(), |sip| sip.rtp_timeout_secs = 1).await;
    let mut alice = server.login("alice").await;
    start_callout(&mut alice, 41, TO).await;
    send_offer(&alice, 41, TO);
    assert_eq!(codes_until(&mut alice, 41, &[700]).await, [100, 183, 200, 700]);
    assert_eq!(log_push(&mut alice, 41).await["status"], 0);
    let result = sipp.finish().await;
    assert!(result.success, "sipp failed: {}\n{}", result.errors, result.messages);
    assert_eq!(result.received_kinds(), ["INVITE", "ACK", "BYE"]);
    assert!(server.server.hub.sip.as_ref().unwrap().idle_within(IDLE_WITHIN).await);
    server.shutdown().await;
}
