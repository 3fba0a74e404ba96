//! Unit tests of the bridge's Rust half (the C++ half is exercised through the Linux JSI host, tests/jsi/).
//!
//! These tests share the process-wide runtime and handle table, so none of them calls `shutdown` (see
//! tests/shutdown.rs, which runs in its own process).

use std::sync::mpsc;
use std::time::Duration;

use serde_json::json;

use super::*;

const WAIT: Duration = Duration::from_secs(10);

/// Calls `method` and waits (bounded) for its completion.
fn call_and_wait(handle: u64, method: &str, params_json: &str) -> (bool, Value) {
    let (tx, rx) = mpsc::channel();
    call_with(handle, method, params_json, move |ok, text| {
        let _ = tx.send((ok, text.to_owned()));
    });
    flush_calls();
    let (ok, text) = rx.recv_timeout(WAIT).expect("the call completes");
    let value = if ok { serde_json::from_str(&text).expect("the envelope is JSON") } else { Value::String(text) };
    (ok, value)
}

#[test]
fn envelopes() {
    assert_eq!(envelope(Ok(json!({"a": [1, "x"]}))), r#"{"error":null,"result":{"a":[1,"x"]}}"#);
    assert_eq!(envelope(Ok(Value::Null)), r#"{"error":null,"result":null}"#);
    let error = ApiError::new(ErrorCode::UnexpectedReceivedData, "not enough balance").with_status(-4);
    let text = envelope(Err(error));
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"error": {"code": "ERR_UNEXPECTED_RECEIVED_DATA", "message": "not enough balance", "status": -4}, "result": null})
    );
}

#[test]
fn panics_become_internal_errors() {
    let runtime = Builder::new_current_thread().build().unwrap();
    let text = runtime.block_on(settle(async {
        if true {
            panic!("boom");
        }
        Ok(Value::Null)
    }));
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"error": {"code": "ERR_UNEXPECTED_DATA", "message": "internal error: boom"}, "result": null})
    );
    let failed: Result<(), Failure> = guarded(|| panic!("{}", String::from("bang")));
    assert_eq!(failed, Err(Failure::Panic("bang".to_owned())));
    let failed: Result<(), String> = guarded_text(|| panic!("bang"));
    assert_eq!(failed, Err("internal error: bang".to_owned()));
}

#[test]
fn echo_returns_its_argument() {
    assert_eq!(echo(42.5), 42.5);
    assert!(echo(f64::NAN).is_nan());
}

#[test]
fn create_call_destroy() {
    init().unwrap();
    let handle = create(r#"{"serverUrl": "http://127.0.0.1:9"}"#).unwrap();
    assert!(handle > 0 && handle < (1 << 53));
    let other = create("null").unwrap();
    assert_ne!(handle, other);

    // An unknown method is the engine's error, inside the envelope.
    let (ok, envelope) = call_and_wait(handle, "noSuchMethod", r#"{"x": 1}"#);
    assert!(ok);
    assert!(envelope["result"].is_null(), "{envelope}");
    assert!(envelope["error"]["code"].is_string(), "{envelope}");
    assert!(envelope["error"]["message"].is_string(), "{envelope}");

    assert!(destroy(handle));
    assert!(!destroy(handle), "a second destroy finds nothing");
    let (ok, message) = call_and_wait(handle, "noSuchMethod", "null");
    assert!(!ok, "a call after destroy is a bridge failure");
    assert!(message.as_str().unwrap().contains(&format!("no engine with handle {handle}")), "{message}");
    assert!(destroy(other));
}

#[test]
fn malformed_json_is_a_bridge_failure() {
    assert!(create("{not json").unwrap_err().contains("not JSON"));
    let handle = create("{}").unwrap();
    let (ok, message) = call_and_wait(handle, "getUser", "{oops");
    assert!(!ok);
    assert!(message.as_str().unwrap().contains("not JSON"), "{message}");
    assert!(destroy(handle));
}

#[test]
fn many_concurrent_calls_all_complete() {
    let handle = create("{}").unwrap();
    let (tx, rx) = mpsc::channel();
    const N: usize = 2000;
    for i in 0..N {
        let tx = tx.clone();
        call_with(handle, "noSuchMethod", &format!(r#"{{"i": {i}}}"#), move |ok, _| {
            let _ = tx.send((i, ok));
        });
    }
    flush_calls();
    let mut seen = vec![false; N];
    for _ in 0..N {
        let (i, ok) = rx.recv_timeout(WAIT).expect("every call completes");
        assert!(ok);
        assert!(!seen[i], "call {i} completed twice");
        seen[i] = true;
    }
    assert!(destroy(handle));
}

struct ChannelOutbox(Mutex<mpsc::Sender<(u64, String, String, String)>>);

impl Outbox for ChannelOutbox {
    fn event(&self, handle: u64, name: &str, error_json: &str, result_json: &str) {
        let _ = lock(&self.0).send((handle, name.to_owned(), error_json.to_owned(), result_json.to_owned()));
    }
}

#[test]
fn events_are_forwarded_while_alive() {
    use azstack_engine::EventSink as _;

    let (tx, rx) = mpsc::channel();
    install_outbox(Some(Arc::new(ChannelOutbox(Mutex::new(tx)))));
    let alive = Arc::new(AtomicBool::new(true));
    let forwarder = Forwarder { handle: 7, alive: alive.clone() };

    forwarder.on_event(Event::Disconnected);
    let error = ApiError::new(ErrorCode::SocketConnect, "Cannot connect");
    forwarder.on_event(Event::AutoReconnectStop(error));
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), (7, "onDisconnected".into(), "null".into(), "null".into()));
    let (handle, name, error_json, result_json) = rx.recv_timeout(WAIT).unwrap();
    assert_eq!((handle, name.as_str(), result_json.as_str()), (7, "onAutoReconnectedStop", "null"));
    assert_eq!(
        serde_json::from_str::<Value>(&error_json).unwrap(),
        json!({"code": "ERR_SOCKET_CONNECT", "message": "Cannot connect"})
    );

    alive.store(false, Ordering::Release);
    forwarder.on_event(Event::Disconnected);
    install_outbox(None);
    assert!(rx.recv_timeout(Duration::from_millis(1)).is_err(), "a destroyed engine's events are dropped");
}
