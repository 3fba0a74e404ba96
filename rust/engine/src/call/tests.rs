//! The call state machine without a server: packets are routed into an engine by hand and what it would send is
//! not sent (no connection), so these tests cover the incoming side, status handling, validation and the
//! toggles' preconditions. Calls through a real server are in `tests/it/calls.rs`.

use std::sync::Arc;

use azstack_protocol::{Envelope, Service};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::*;
use crate::Engine;
use crate::events::{ChannelSink, Event};

fn engine() -> (Engine, mpsc::UnboundedReceiver<Event>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Engine::from_json(&json!({}), Arc::new(ChannelSink(tx))), rx)
}

fn packet(service: Service, body: Value) -> Envelope {
    Envelope::new(service, &body)
}

fn offer(call_id: i64, from: i64, media_type: i64) -> Envelope {
    packet(
        Service::FREE_CALL_START,
        json!({"callId": call_id, "mediaType": media_type, "from": from, "to": 9,
            "sdp": {"type": "offer", "sdp": "v=0\r\n"}}),
    )
}

fn events(rx: &mut mpsc::UnboundedReceiver<Event>) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push((e.delegate().to_owned(), e.payload().1));
    }
    out
}

#[test]
fn status_texts_follow_the_original() {
    let t = |s, by_me| status_text(s, by_me);
    assert_eq!(t(100, false), (100, "Free call status changed to connecting".into(), false));
    assert_eq!(t(180, false), (180, "Free call status changed to ringing".into(), false));
    assert_eq!(t(200, false), (200, "Free call status changed to answered".into(), false));
    assert_eq!(t(600, false), (600, "Free call status changed to busy, free call end".into(), true));
    assert_eq!(t(603, false), (603, "Free call status changed to rejected, free call end".into(), true));
    assert_eq!(t(700, false), (700, "Free call status changed to stop, free call end".into(), true));
    assert_eq!(t(400, false), (400, "Free call status changed to not answered, free call end".into(), true));
    assert_eq!(t(42, false), (0, "Free call status changed to unknown, free call end".into(), true));
    assert_eq!(t(180, true), (180, "Free call status changed to ringing by me".into(), false));
    assert_eq!(t(200, true), (200, "Free call status changed to answered by me, free call end".into(), true));
    assert_eq!(t(603, true), (603, "Free call status changed to rejected by me, free call end".into(), true));
    assert_eq!(t(1, true), (0, "Free call status changed to unknown by me, free call end".into(), true));
}

#[test]
fn an_incoming_call_rings_once_and_a_second_is_busy() {
    let (engine, mut rx) = engine();
    engine.route(0, offer(77, 5, 2));
    assert_eq!(
        events(&mut rx),
        vec![("onFreeCallStart".to_owned(), json!({"mediaType": 2, "fromUserId": 5, "toUserId": 9}))]
    );
    let info = engine.calls().current_call().expect("ringing");
    assert_eq!(
        (info.call_id, info.status, info.is_caller, info.peer_user_id, info.has_media),
        (77, 180, false, 5, false)
    );
    // Busy: no event, the first call stays.
    engine.route(0, offer(78, 6, 1));
    assert!(events(&mut rx).is_empty());
    assert_eq!(engine.calls().current_call().map(|c| c.call_id), Some(77));
}

#[test]
fn malformed_call_packets_fire_nothing() {
    let (engine, mut rx) = engine();
    for e in [
        Envelope { service: i64::from(Service::FREE_CALL_START.number()), body: "{".into() },
        packet(
            Service::FREE_CALL_START,
            json!({"callId": 1, "mediaType": 3, "from": 2, "to": 3, "sdp": {"type": "offer", "sdp": ""}}),
        ),
        packet(
            Service::FREE_CALL_START,
            json!({"callId": 1, "mediaType": 1, "from": 2, "to": 3, "sdp": {"type": "answer", "sdp": ""}}),
        ),
        packet(Service::FREE_CALL_START, json!({"callId": "1", "mediaType": 1, "from": 2, "to": 3})),
        packet(Service::FREE_CALL_STATUS_CHANGED, json!({"callId": 1})),
        packet(Service::FREE_CALL_DATA, json!({"callId": 1, "type": 2})),
        packet(Service::FREE_CALL_STATUS_CHANGED_BY_ME, json!([])),
    ] {
        engine.route(0, e);
    }
    assert!(events(&mut rx).is_empty());
    assert!(engine.calls().current_call().is_none());
}

#[test]
fn statuses_for_another_call_are_ignored_and_terminal_ones_clear() {
    let (engine, mut rx) = engine();
    engine.route(0, offer(10, 5, 1));
    events(&mut rx);
    engine.route(0, packet(Service::FREE_CALL_STATUS_CHANGED, json!({"callId": 11, "status": 700, "from": 5})));
    assert!(events(&mut rx).is_empty());
    // Candidates before the answer are kept for it.
    engine.route(
        0,
        packet(
            Service::FREE_CALL_DATA,
            json!({"callId": 10, "from": 5, "to": 9, "type": 2, "data": {"sdpMid": "0", "sdpMLineIndex": 0, "sdp": "candidate:1 1 udp 1 127.0.0.1 9 typ host"}}),
        ),
    );
    assert_eq!(engine.calls().call_state().lock().as_ref().map(|c| c.remote_candidates.len()), Some(1));
    engine.route(0, packet(Service::FREE_CALL_STATUS_CHANGED, json!({"callId": 10, "status": 700, "from": 5})));
    assert_eq!(
        events(&mut rx),
        vec![(
            "onFreeCallStatusChanged".to_owned(),
            json!({"status": 700, "message": "Free call status changed to stop, free call end"})
        )]
    );
    assert!(engine.calls().current_call().is_none());
    assert!(engine.calls().call_resources().is_zero());
}

#[test]
fn by_me_ringing_is_an_event_only_and_answered_elsewhere_clears() {
    let (engine, mut rx) = engine();
    engine.route(0, offer(20, 5, 2));
    events(&mut rx);
    engine.route(0, packet(Service::FREE_CALL_STATUS_CHANGED_BY_ME, json!({"callId": 20, "status": 180})));
    assert_eq!(events(&mut rx)[0].1["message"], "Free call status changed to ringing by me");
    assert_eq!(engine.calls().current_call().map(|c| c.status), Some(180));
    engine.route(0, packet(Service::FREE_CALL_STATUS_CHANGED_BY_ME, json!({"callId": 20, "status": 200})));
    assert_eq!(
        events(&mut rx),
        vec![(
            "onFreeCallStatusChangedByMe".to_owned(),
            json!({"status": 200, "message": "Free call status changed to answered by me, free call end"})
        )]
    );
    assert!(engine.calls().current_call().is_none());
}

#[test]
fn unknown_statuses_end_the_call_as_unknown() {
    let (engine, mut rx) = engine();
    engine.route(0, offer(30, 5, 1));
    events(&mut rx);
    engine.route(0, packet(Service::FREE_CALL_STATUS_CHANGED, json!({"callId": 30, "status": 486, "from": 5})));
    assert_eq!(
        events(&mut rx)[0].1,
        json!({"status": 0, "message": "Free call status changed to unknown, free call end"})
    );
    assert!(engine.calls().current_call().is_none());
}

fn err(r: Result<Value, ApiError>) -> (String, String) {
    match r {
        Ok(v) => panic!("expected an error, got {v}"),
        Err(e) => (e.code.as_str().to_owned(), e.message),
    }
}

#[tokio::test]
async fn validation_and_preconditions_use_the_original_texts() {
    let (engine, mut rx) = engine();
    let send = |m: &'static str| m.to_owned();
    let data = |m: &str| (send("ERR_UNEXPECTED_SEND_DATA"), m.to_owned());
    let state = |m: &str| (send("ERR_UNEXPECTED_DATA"), m.to_owned());
    let call = |method: &'static str, params: Value| {
        let engine = engine.clone();
        async move { engine.dispatch(method, params).await }
    };
    assert_eq!(err(call("startFreeCall", Value::Null).await), data("Missing free call data"));
    assert_eq!(err(call("startFreeCall", json!({})).await), data("mediaType is required"));
    assert_eq!(
        err(call("startFreeCall", json!({"mediaType": 3, "toUserId": 2})).await),
        data("mediaType must be only 1, 2")
    );
    assert_eq!(
        err(call("startFreeCall", json!({"mediaType": "1", "toUserId": 2})).await),
        data("mediaType must be only 1, 2")
    );
    assert_eq!(err(call("startFreeCall", json!({"mediaType": 1})).await), data("toUserId is required"));
    assert_eq!(
        err(call("startFreeCall", json!({"mediaType": 1, "toUserId": 0})).await),
        data("toUserId cannot has value 0")
    );
    assert_eq!(
        err(call("startFreeCall", json!({"mediaType": 1, "toUserId": "2"})).await),
        data("toUserId must be number")
    );
    // Not connected: the send-fail text, before any media is opened.
    assert_eq!(
        err(call("startFreeCall", json!({"mediaType": 1, "toUserId": 2})).await),
        (send("ERR_SOCKET_NOT_CONNECTED"), "Cannot send start free call data, start free call fail".to_owned())
    );
    assert!(engine.calls().current_call().is_none());

    assert_eq!(
        err(call("stopFreeCall", Value::Null).await),
        state("Cannot stop free call when not currently on free call")
    );
    for (method, verb) in
        [("answerFreeCall", "answer"), ("rejectFreeCall", "reject"), ("notAnswerFreeCall", "not answer")]
    {
        assert_eq!(
            err(call(method, Value::Null).await),
            state(&format!("Cannot {verb} free call when not currently on free call"))
        );
    }
    assert_eq!(err(call("toggleAudioState", json!({"state": 2})).await), data("state must be only 0, 1"));
    assert_eq!(err(call("toggleVideoState", json!({"state": "1"})).await), data("state must be only 0, 1"));
    assert_eq!(
        err(call("toggleAudioState", Value::Null).await),
        state("Cannot toggle audio state when not currently on call")
    );
    assert_eq!(
        err(call("toggleVideoState", json!({})).await),
        state("Cannot toggle video state when not currently on call")
    );
    assert_eq!(
        err(call("switchCameraType", Value::Null).await),
        state("Cannot switch camera type when not currently on call")
    );

    // Ringing (no local stream yet).
    engine.route(0, offer(40, 5, 1));
    events(&mut rx);
    assert_eq!(
        err(call("startFreeCall", json!({"mediaType": 1, "toUserId": 2})).await),
        state("Cannot start free call when currently on call")
    );
    assert_eq!(
        err(call("toggleAudioState", json!({"state": 1})).await),
        state("Cannot toggle audio state, local stream not found")
    );
    assert_eq!(
        err(call("toggleVideoState", Value::Null).await),
        state("Cannot toggle video state, local stream not found")
    );
    assert_eq!(
        err(call("switchCameraType", json!({})).await),
        state("Cannot switch camera type, local stream not found")
    );
    // Reject while not connected: the send fails and the call stays (as in the original).
    assert_eq!(
        err(call("rejectFreeCall", Value::Null).await),
        (send("ERR_SOCKET_NOT_CONNECTED"), "Cannot send reject free call data, reject free call fail".to_owned())
    );
    assert_eq!(engine.calls().current_call().map(|c| c.call_id), Some(40));
    // The connection closes: the call ends with a stop event.
    engine.calls().end_call_on_connection_closed(true, true);
    assert_eq!(events(&mut rx)[0].1["status"], 700);
    assert!(engine.calls().current_call().is_none());
}

#[test]
fn toggle_options_parse_like_the_original() {
    assert_eq!(state_from_json(&Value::Null), Ok(None));
    assert_eq!(state_from_json(&json!("x")), Ok(None));
    assert_eq!(state_from_json(&json!({})), Ok(None));
    assert_eq!(state_from_json(&json!({"state": 0})), Ok(Some(0)));
    assert_eq!(state_from_json(&json!({"state": null})), Ok(None));
    assert!(state_from_json(&json!({"state": true})).is_err());
}
