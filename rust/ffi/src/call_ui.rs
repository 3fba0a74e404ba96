//! The phone's system call UI — CallKit on iOS, a self-managed `ConnectionService` on Android — and its call-push
//! token, carried between the platform glue and `AZStackCore`'s call-notification state machine
//! (`js/callNotifications.ts`, the one place that decides what a system-UI action means for a call).
//!
//! This module decides nothing about calls; it carries, in both directions:
//!
//! * **Platform → JavaScript.** The platform reports *actions* with [`system_call_action`] (JSON text): a call push
//!   was received and already shown in the system UI (`{"action": "received", "notification": {...}}`, the push's
//!   keys as PROTOCOL.md §10.3 sends them), the user answered (`{"action": "answer", "key"}`) or ended — declined while
//!   ringing, hung up once answered — (`{"action": "end", "key"}`), `key` being `"<from>:<callId>"` of the push. On a
//!   cold start the push, and perhaps the user's answer, come before any JavaScript runs, so actions are queued here
//!   (process-wide, at most [`QUEUE_MAX`], the oldest dropped beyond) until an engine calls
//!   `registerForCallNotifications`; from then on they go at once, in order, to that engine (the last one to call it)
//!   as the internal event [`ACTION_EVENT`], which `AZStackCore` hands to its state machine and never to `Delegates`.
//! * **JavaScript → platform.** `registerForCallNotifications` ([`REGISTER`]) asks the platform for its call-push
//!   token (PushKit's VoIP token, FCM's token) and turns the system call UI on; the platform answers later, on any
//!   thread, with [`answer_call_registration`]. The result, `{deviceToken, devicePlatformOS, applicationBundleId}`, is
//!   what `AZStackCore` then registers with the server (svc 38). `endSystemCall({key, reason})` ([`END_SYSTEM_CALL`],
//!   internal) ends a system call: the caller hung up, nobody answered, another device answered, the answer failed.
//!
//! Without an installed call UI (an app that never set one up, the Linux host until a test installs its stand-in)
//! `registerForCallNotifications` fails and `endSystemCall` does nothing.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, RwLock};
use std::time::Duration;

use azstack_engine::validate::{Kind, Rule};
use azstack_engine::{ApiError, ErrorCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::lock;

/// `AZStackCore.registerForCallNotifications` (public).
pub const REGISTER: &str = "registerForCallNotifications";
/// `endSystemCall({key, reason})`: internal, called by `AZStackCore`'s state machine only.
pub const END_SYSTEM_CALL: &str = "endSystemCall";
/// The methods this module answers instead of the engine (for `examples/api_names.rs`).
pub const METHODS: [&str; 2] = [REGISTER, END_SYSTEM_CALL];
/// The internal event that carries one action to `AZStackCore` (not a `Delegates` entry).
pub const ACTION_EVENT: &str = "__systemCallAction";

/// Actions kept while no engine is registered.
pub const QUEUE_MAX: usize = 32;
/// How long the platform may take to hand out its token.
const REGISTRATION_TIMEOUT: Duration = Duration::from_secs(60);

/// Why the SDK ends a system call; its code crosses the bridge (`cpp/PlatformCalls.h`, `CallEndReason`).
const REASONS: [&str; 6] =
    ["remoteEnded", "unanswered", "answeredElsewhere", "declinedElsewhere", "failed", "localEnded"];

/// What the SDK asks of the platform's call UI (`PlatformCalls` in C++; a fake in tests).
pub trait CallUi: Send + Sync + 'static {
    /// Asks for the call-push token and turns the system call UI on; answers later with
    /// [`answer_call_registration`]`(request, ...)`.
    fn register(&self, request: u64);
    /// Ends the system call `key` for `reason` (an index of [`REASONS`]). Unknown keys are ignored.
    fn end_call(&self, key: &str, reason: u8);
}

// SAFETY: the C++ CallUi (cpp/SystemCalls.cpp) forwards to a PlatformCalls, whose methods are called on engine
// threads by contract (cpp/PlatformCalls.h).
unsafe impl Send for crate::bridge::CallUi {}
unsafe impl Sync for crate::bridge::CallUi {}

/// The installed C++ `PlatformCalls`.
pub struct CxxCallUi(pub cxx::SharedPtr<crate::bridge::CallUi>);

impl CallUi for CxxCallUi {
    fn register(&self, request: u64) {
        if let Some(ui) = self.0.as_ref() {
            ui.register_for_calls(request);
        }
    }
    fn end_call(&self, key: &str, reason: u8) {
        if let Some(ui) = self.0.as_ref() {
            ui.end_call(key, reason);
        }
    }
}

static INSTALLED: RwLock<Option<Arc<dyn CallUi>>> = RwLock::new(None);

/// Installs the platform's call UI (a later call replaces it).
pub fn install(ui: Arc<dyn CallUi>) {
    *INSTALLED.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(ui);
}

fn installed() -> Option<Arc<dyn CallUi>> {
    INSTALLED.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
}

/// The registered engine and the actions waiting for one.
#[derive(Default)]
struct Actions {
    target: Option<u64>,
    queue: VecDeque<String>,
}

static ACTIONS: LazyLock<Mutex<Actions>> = LazyLock::new(Mutex::default);

/// The platform's token: `(deviceToken, devicePlatformOS, applicationBundleId)` or why there is none.
type Registration = Result<(String, u8, String), String>;
static PENDING: LazyLock<Mutex<BTreeMap<u64, oneshot::Sender<Registration>>>> = LazyLock::new(Mutex::default);
static NEXT_REQUEST: AtomicU64 = AtomicU64::new(1);

/// Whether `method` is one of this module's.
pub fn answers(method: &str) -> bool {
    METHODS.contains(&method)
}

/// Runs one of this module's methods for engine `handle`.
pub async fn run(handle: u64, method: &str, params: Value) -> Result<Value, ApiError> {
    if method == END_SYSTEM_CALL {
        Rule::field(&params, "key").required().kind(Kind::String).check()?;
        Rule::field(&params, "reason").required().kind(Kind::String).check()?;
        let key = params.get("key").and_then(Value::as_str).unwrap_or_default();
        let reason = params.get("reason").and_then(Value::as_str).unwrap_or_default();
        let code = REASONS.iter().position(|r| *r == reason).ok_or_else(|| {
            ApiError::new(ErrorCode::UnexpectedSendData, format!("reason must be one of {}", REASONS.join(", ")))
        })?;
        if let Some(ui) = installed() {
            ui.end_call(key, u8::try_from(code).unwrap_or(0));
        }
        return Ok(Value::Null);
    }
    let ui = installed().ok_or_else(|| {
        ApiError::new(
            ErrorCode::UnexpectedData,
            "registerForCallNotifications: this app has no system call UI (iOS: PushKit and CallKit, Android: \
             the package's ConnectionService and Firebase; see the README)",
        )
    })?;
    start_delivering(handle);
    let (sender, receiver) = oneshot::channel();
    let id = NEXT_REQUEST.fetch_add(1, Ordering::Relaxed);
    lock(&PENDING).insert(id, sender);
    ui.register(id);
    let answer = tokio::time::timeout(REGISTRATION_TIMEOUT, receiver).await;
    lock(&PENDING).remove(&id);
    match answer {
        Ok(Ok(Ok((token, platform, bundle)))) => {
            Ok(json!({ "deviceToken": token, "devicePlatformOS": platform, "applicationBundleId": bundle }))
        }
        Ok(Ok(Err(why))) => {
            Err(ApiError::new(ErrorCode::UnexpectedData, format!("registerForCallNotifications: {why}")))
        }
        Ok(Err(_)) | Err(_) => {
            Err(ApiError::new(ErrorCode::UnexpectedData, "registerForCallNotifications: the platform gave no token"))
        }
    }
}

/// The platform's answer to registration `request` (any thread): the token, or `error` when it is not empty. Unknown
/// requests (timed out) are ignored.
pub fn answer_call_registration(request: u64, token: &str, platform_os: u8, bundle_id: &str, error: &str) {
    let sender = lock(&PENDING).remove(&request);
    if let Some(sender) = sender {
        let answer = if error.is_empty() {
            Ok((token.to_owned(), platform_os, bundle_id.to_owned()))
        } else {
            Err(error.to_owned())
        };
        let _ = sender.send(answer);
    }
}

/// An action of the system call UI (JSON text, see the module's docs), from any thread. Text that is not a JSON
/// object is dropped with a warning.
pub fn system_call_action(action_json: &str) {
    match serde_json::from_str::<Value>(action_json) {
        Ok(Value::Object(_)) => {}
        _ => {
            tracing::warn!(len = action_json.len(), "a system call action that is not a JSON object was dropped");
            return;
        }
    }
    let mut actions = lock(&ACTIONS);
    if let Some(handle) = actions.target
        && crate::deliver(handle, ACTION_EVENT, action_json)
    {
        return;
    }
    actions.target = None;
    if actions.queue.len() == QUEUE_MAX {
        actions.queue.pop_front();
    }
    actions.queue.push_back(action_json.to_owned());
}

/// Makes engine `handle` the receiver of actions and hands it those waiting, in order.
fn start_delivering(handle: u64) {
    let mut actions = lock(&ACTIONS);
    actions.target = Some(handle);
    while let Some(action) = actions.queue.front() {
        if !crate::deliver(handle, ACTION_EVENT, action) {
            actions.target = None;
            return;
        }
        actions.queue.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct FakeUi {
        ended: Mutex<Vec<(String, u8)>>,
    }

    impl CallUi for FakeUi {
        fn register(&self, request: u64) {
            std::thread::spawn(move || answer_call_registration(request, "token-1", 2, "org.example.app.voip", ""));
        }
        fn end_call(&self, key: &str, reason: u8) {
            lock(&self.ended).push((key.to_owned(), reason));
        }
    }

    #[tokio::test]
    async fn registration_and_end_reach_the_platform_and_actions_wait_for_an_engine() {
        // No engine with this handle exists: the action stays queued, bounded.
        for i in 0..(QUEUE_MAX + 3) {
            system_call_action(&format!(r#"{{"action":"end","key":"7:{i}"}}"#));
        }
        system_call_action("not json");
        {
            let actions = lock(&ACTIONS);
            assert_eq!(actions.queue.len(), QUEUE_MAX);
            assert!(actions.queue.front().is_some_and(|a| a.contains("7:3")), "the oldest were dropped");
        }

        let ui = Arc::new(FakeUi { ended: Mutex::default() });
        install(ui.clone());
        let registered = run(u64::MAX, REGISTER, json!({})).await.map_err(|e| e.message);
        assert_eq!(
            registered,
            Ok(json!({"deviceToken": "token-1", "devicePlatformOS": 2, "applicationBundleId": "org.example.app.voip"}))
        );
        assert_eq!(lock(&ACTIONS).queue.len(), QUEUE_MAX, "an unknown engine takes nothing");

        let ended = run(1, END_SYSTEM_CALL, json!({"key": "7:1", "reason": "unanswered"})).await;
        assert_eq!(ended.map_err(|e| e.message), Ok(Value::Null));
        assert_eq!(*lock(&ui.ended), vec![("7:1".to_owned(), 1)]);
        let wrong = run(1, END_SYSTEM_CALL, json!({"key": "7:1", "reason": "bored"})).await;
        assert!(wrong.is_err_and(|e| e.message.starts_with("reason must be one of")));
        assert!(answers(REGISTER) && answers(END_SYSTEM_CALL) && !answers("connect"));
    }
}
