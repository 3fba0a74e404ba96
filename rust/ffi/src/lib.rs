//! # azstack-ffi
//!
//! The only FFI crate: a [`cxx`] bridge between the C++ TurboModule (`cpp/NativeAZStack.cpp`) and
//! [`azstack_engine::Engine`]. The boundary is narrow and stable (ARCHITECTURE.md):
//!
//! * [`init`] starts the one tokio runtime (2 worker threads named `azstack-worker`) every engine runs on, and the
//!   calls' thread (`azstack-calls`) that runs the API calls inside it;
//! * [`create`] builds an engine from the constructor options (JSON text) and returns its handle (> 0);
//! * [`call`] queues an API method by its JavaScript name with its options (JSON text) and [`flush_calls`] hands
//!   the queued calls to the engines (the C++ module flushes once per turn of the JS event loop); each completes a
//!   C++ [`Completion`](bridge::Completion) with the envelope `{"error": ..., "result": ...}` from the calls' thread
//!   ([`calls`]);
//! * [`set_event_sink`] installs the C++ object that receives every engine event as
//!   `(handle, delegate name, error JSON, result JSON)`, also from a worker thread;
//! * [`destroy`] removes an engine and shuts it down in the background; [`shutdown`] destroys every engine, waits for
//!   their shutdowns and stops the runtime (process teardown);
//! * [`echo`] returns its argument (measures the bare call cost);
//! * media: renderers attach to streams and the Linux host inspects what was received ([`media`]); the phone's
//!   devices are installed and feed the engine ([`platform`]).
//!
//! Nothing here touches JavaScript: moving completions and events onto the JS thread is the C++ side's job.
//!
//! Panics never cross the boundary: a panic inside the engine becomes the completion
//! `{"error":{"code":"ERR_UNEXPECTED_DATA","message":"internal error: ..."},"result":null}`, a panic anywhere else an
//! error value. A C++ callback that throws is reported on stderr and otherwise ignored.

use std::any::Any;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use azstack_engine::media::synthetic::{AudioStats, SyntheticDevices};
use azstack_engine::{ApiError, Engine, ErrorCode, Event};
use futures_util::FutureExt;
use serde_json::Value;
use tokio::runtime::{Builder, Handle, Runtime};

#[allow(clippy::too_many_arguments)] // push_camera_frame: the planes and strides of one frame
#[cxx::bridge(namespace = "azstack::ffi")]
mod bridge {
    unsafe extern "C++" {
        include!("azstack_ffi.h");

        /// One pending call's continuation (C++); completed at most once, from the calls' thread.
        type Completion;
        fn complete(self: Pin<&mut Completion>, ok: bool, text: &str) -> Result<()>;

        /// The receiver of every engine event (C++); called from worker threads.
        type EventSink;
        fn on_event(self: &EventSink, handle: u64, name: &str, error_json: &str, result_json: &str) -> Result<()>;

        /// A renderer of one stream's frames (C++, the frame registry); called from worker threads.
        type FrameSink;
        fn on_frame(self: &FrameSink, width: u32, height: u32, i420: &[u8], timestamp_us: i64);

        /// The platform's camera, microphone and speaker (C++, over cpp/PlatformMedia.h); called from worker threads.
        type PlatformDevices;
        fn start_camera(self: &PlatformDevices, front: bool) -> bool;
        fn switch_camera(self: &PlatformDevices) -> bool;
        fn stop_camera(self: &PlatformDevices);
        fn start_microphone(self: &PlatformDevices) -> bool;
        fn stop_microphone(self: &PlatformDevices);
        fn start_playout(self: &PlatformDevices) -> bool;
        fn stop_playout(self: &PlatformDevices);
        fn set_speakerphone(self: &PlatformDevices, on: bool);
        /// Answers later with `answer_permissions(request, ...)`, on any thread.
        fn request_permissions(self: &PlatformDevices, audio: bool, video: bool, request: u64);

        /// The platform's system call UI and call-push token (C++, over cpp/PlatformCalls.h); called from worker
        /// threads.
        type CallUi;
        /// Answers later with `answer_call_registration(request, ...)`, on any thread.
        fn register_for_calls(self: &CallUi, request: u64);
        fn end_call(self: &CallUi, key: &str, reason: u8);
    }

    extern "Rust" {
        fn init() -> Result<()>;
        fn create(config_json: &str) -> Result<u64>;
        fn call(handle: u64, method: &str, params_json: &str, completion: UniquePtr<Completion>);
        fn flush_calls();
        fn set_event_sink(sink: SharedPtr<EventSink>);
        fn clear_event_sink(sink: &EventSink);
        fn destroy(handle: u64) -> bool;
        fn shutdown(timeout_ms: u64) -> bool;
        fn live_engines() -> usize;
        fn network_changed();
        fn echo(value: f64) -> f64;

        fn attach_frame_sink(stream_id: &str, sink: SharedPtr<FrameSink>) -> u64;
        fn detach_frame_sink(attachment: u64) -> bool;
        fn audio_stats(handle: u64) -> String;
        fn inspect_frame(width: u32, height: u32, i420: &[u8]) -> String;
        fn frame_png(width: u32, height: u32, i420: &[u8]) -> Result<Vec<u8>>;
        fn call_resources() -> String;

        fn install_platform_media(devices: SharedPtr<PlatformDevices>);
        fn push_camera_frame(
            width: u32,
            height: u32,
            y: &[u8],
            stride_y: u32,
            u: &[u8],
            stride_u: u32,
            v: &[u8],
            stride_v: u32,
        );
        fn push_microphone(samples: &[i16]);
        fn pull_playout(out: &mut [i16]) -> usize;

        fn answer_permissions(request: u64, audio: u8, video: u8);
        fn audio_interrupted(interrupted: bool);
        fn audio_route() -> String;

        fn install_call_ui(ui: SharedPtr<CallUi>);
        fn answer_call_registration(request: u64, token: &str, platform_os: u8, bundle_id: &str, error: &str);
        fn system_call_action(action_json: &str);
    }
}

mod calls;
use calls::Calls;
pub use calls::THREAD_NAME as CALLS_THREAD_NAME;

pub mod audio_session;
pub use audio_session::{answer_permissions, audio_interrupted};
pub mod call_ui;
pub use call_ui::{answer_call_registration, system_call_action};
mod logging;
mod platform;
pub use platform::{pull_playout, push_camera_frame, push_microphone};

mod media;
pub use media::{attach_frame_sink, call_resources, detach_frame_sink, frame_png, frame_sinks_attached, inspect_frame};

// SAFETY: the C++ implementations (cpp/NativeAZStack.cpp) are written to be completed, called and destroyed from any
// thread: they only copy their arguments and post them to the JS thread's CallInvoker.
unsafe impl Send for bridge::Completion {}
unsafe impl Send for bridge::EventSink {}
unsafe impl Sync for bridge::EventSink {}

/// Worker threads of the engines' runtime (the brief of issue 6: two are enough for a phone).
const WORKER_THREADS: usize = 2;
/// The name of every thread the runtime starts (tests count them).
pub const THREAD_NAME: &str = "azstack-worker";
/// How long an idle blocking-pool thread (DNS lookups, ...) lingers before it exits.
const BLOCKING_KEEP_ALIVE: Duration = Duration::from_secs(1);

// --- state ----------------------------------------------------------------------------------------------------------

struct State {
    runtime: Option<Runtime>,
    /// The calls' thread, started with the runtime.
    calls: Option<Calls>,
    engines: BTreeMap<u64, Entry>,
}

struct Entry {
    engine: Engine,
    /// Cleared by `destroy`: a destroyed engine's late events are dropped.
    alive: Arc<AtomicBool>,
    /// What the engine's speaker played (its synthetic audio output).
    audio: Arc<AudioStats>,
}

static STATE: Mutex<State> = Mutex::new(State { runtime: None, calls: None, engines: BTreeMap::new() });
static NEXT_HANDLE: AtomicU64 = AtomicU64::new(1);

/// The method whose synchronous part (`Engine::begin`: the outbox stores the message) runs on the caller's thread.
const OUTBOX_METHOD: &str = "newMessage";
static OUTBOX: RwLock<Option<Arc<dyn Outbox>>> = RwLock::new(None);
/// Engines destroyed whose `shutdown()` has not finished yet.
static SHUTTING_DOWN: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where events go: the C++ sink in production, a channel in tests.
trait Outbox: Send + Sync {
    fn event(&self, handle: u64, name: &str, error_json: &str, result_json: &str);
    /// The C++ object behind it, to clear only the sink that is asked to be cleared.
    fn is(&self, _sink: *const bridge::EventSink) -> bool {
        false
    }
}

struct CxxOutbox(cxx::SharedPtr<bridge::EventSink>);

impl Outbox for CxxOutbox {
    fn event(&self, handle: u64, name: &str, error_json: &str, result_json: &str) {
        if let Some(sink) = self.0.as_ref()
            && let Err(e) = sink.on_event(handle, name, error_json, result_json)
        {
            eprintln!("azstack-ffi: the event sink threw on {name}: {e}");
        }
    }

    fn is(&self, sink: *const bridge::EventSink) -> bool {
        self.0.as_ref().is_some_and(|s| std::ptr::eq(s, sink))
    }
}

fn current_outbox() -> Option<Arc<dyn Outbox>> {
    OUTBOX.read().unwrap_or_else(PoisonError::into_inner).clone()
}

fn install_outbox(outbox: Option<Arc<dyn Outbox>>) {
    let previous = std::mem::replace(&mut *OUTBOX.write().unwrap_or_else(PoisonError::into_inner), outbox);
    drop(previous); // outside the lock: it may be the last owner of a C++ object
}

/// The engine's [`azstack_engine::EventSink`]: forwards to the installed outbox while the engine is alive.
struct Forwarder {
    handle: u64,
    alive: Arc<AtomicBool>,
}

impl azstack_engine::EventSink for Forwarder {
    fn on_event(&self, event: Event) {
        if !self.alive.load(Ordering::Acquire) {
            return;
        }
        // The lock is not held while C++ runs: the outbox is cloned out of it.
        let Some(outbox) = current_outbox() else { return };
        let handle = self.handle;
        let forwarded = catch_unwind(AssertUnwindSafe(|| {
            let (error, result) = event.payload();
            outbox.event(handle, event.delegate(), &error.to_string(), &result.to_string());
        }));
        if let Err(panic) = forwarded {
            eprintln!("azstack-ffi: internal error while forwarding an event: {}", panic_message(&*panic));
        }
    }
}

// --- errors and envelopes -------------------------------------------------------------------------------------------

/// Why a call could not even start.
#[derive(Debug, PartialEq)]
enum Failure {
    /// The bridge was misused (unknown handle, malformed JSON): the Promise rejects with this text.
    Bridge(String),
    /// A panic: the Promise resolves with an `ERR_UNEXPECTED_DATA` envelope.
    Panic(String),
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_owned()
    }
}

/// Runs `f`, turning a panic into [`Failure::Panic`].
fn guarded<T>(f: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| Err(Failure::Panic(panic_message(&*panic))))
}

/// Like [`guarded`] for the functions whose failure is a C++ exception (`rust::Error`).
fn guarded_text<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| Err(format!("internal error: {}", panic_message(&*panic))))
}

fn internal_error(message: &str) -> ApiError {
    ApiError::new(ErrorCode::UnexpectedData, format!("internal error: {message}"))
}

/// The completion text of a call: `{"error": {code, message, status?} | null, "result": <value> | null}`.
fn envelope(outcome: Result<Value, ApiError>) -> String {
    match outcome {
        Ok(result) => format!(r#"{{"error":null,"result":{result}}}"#),
        Err(error) => match serde_json::to_string(&error) {
            Ok(error) => format!(r#"{{"error":{error},"result":null}}"#),
            Err(e) => envelope(Err(internal_error(&format!("unserialisable error: {e}")))),
        },
    }
}

/// Awaits an API call and returns its envelope; a panic while polling it becomes an `ERR_UNEXPECTED_DATA` error.
/// (A plain function, not an `async fn`: an `async fn` would hold `call` twice, its argument and the wrapper.)
fn settle(call: impl Future<Output = Result<Value, ApiError>>) -> impl Future<Output = String> {
    AssertUnwindSafe(call)
        .catch_unwind()
        .map(|outcome| envelope(outcome.unwrap_or_else(|panic| Err(internal_error(&panic_message(&*panic))))))
}

// --- the runtime ----------------------------------------------------------------------------------------------------

/// The engines' runtime (and the calls' thread), started if they are not running.
fn runtime_handle(state: &mut State) -> Result<Handle, String> {
    if let (Some(runtime), Some(_)) = (&state.runtime, &state.calls) {
        return Ok(runtime.handle().clone());
    }
    if state.runtime.is_none() {
        let runtime = Builder::new_multi_thread()
            .worker_threads(WORKER_THREADS)
            .thread_name(THREAD_NAME)
            .thread_keep_alive(BLOCKING_KEEP_ALIVE)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the engine runtime: {e}"))?;
        state.runtime = Some(runtime);
    }
    let handle = state.runtime.as_ref().map(|r| r.handle().clone()).ok_or("the engine runtime is stopped")?;
    if state.calls.is_none() {
        let calls = Calls::start(handle.clone()).map_err(|e| format!("cannot start the calls' thread: {e}"))?;
        state.calls = Some(calls);
    }
    Ok(handle)
}

/// Starts the engines' runtime and the calls' thread if they are not running (idempotent). `create` also starts it; calling `init` first
/// (when the module loads) keeps thread creation out of the first `create`.
pub fn init() -> Result<(), String> {
    guarded_text(|| runtime_handle(&mut lock(&STATE)).map(drop))
}

// --- the bridge functions -------------------------------------------------------------------------------------------

/// Creates an engine from the constructor options (JSON text) and returns its handle (> 0, below 2^53 so that it is
/// exact in a JavaScript number).
pub fn create(config_json: &str) -> Result<u64, String> {
    guarded_text(|| {
        let options: Value =
            serde_json::from_str(config_json).map_err(|e| format!("create: the options are not JSON: {e}"))?;
        logging::apply(options.get("logLevel").and_then(Value::as_str).unwrap_or("NONE"));
        let runtime = runtime_handle(&mut lock(&STATE))?;
        let handle = NEXT_HANDLE.fetch_add(1, Ordering::Relaxed);
        let alive = Arc::new(AtomicBool::new(true));
        let sink = Arc::new(Forwarder { handle, alive: alive.clone() });
        let engine = {
            let _entered = runtime.enter();
            Engine::from_json(&options, sink)
        };
        // The phone's devices once the platform installed them; the synthetic ones otherwise (the Linux host).
        let audio = AudioStats::new();
        let devices = platform::devices()
            .unwrap_or_else(|| Arc::new(SyntheticDevices::default().with_audio_output(audio.clone())));
        engine.calls().set_media_devices(audio_session::devices(devices));
        lock(&STATE).engines.insert(handle, Entry { engine, alive, audio });
        Ok(handle)
    })
}

/// Queues `method` on engine `handle`; `done(ok, text)` runs exactly once, on the calls' thread unless the call could
/// not even be queued (then on the caller's thread, at once). `ok` with the envelope, `!ok` with a bridge failure. The
/// call starts once [`flush_calls`] has run.
fn call_with(handle: u64, method: &str, params_json: &str, done: impl FnOnce(bool, &str) + Send + 'static) {
    // The caller's (the JS thread's) part: find the engine and queue the call, nothing more, under one look-up.
    // Parsing the options and everything after happen on the calls' thread — except for `newMessage`, whose
    // synchronous part runs here (`begin_outbox_call`).
    let mut done = Some(done);
    let found = guarded(|| {
        let state = lock(&STATE);
        let engine = state.engines.get(&handle).map(|entry| entry.engine.clone()).ok_or_else(|| {
            Failure::Bridge(format!("NativeAZStack.call({method}): no engine with handle {handle} (destroyed?)"))
        })?;
        let stopped = || Failure::Bridge("the engine runtime is stopped".to_owned());
        if method == OUTBOX_METHOD {
            let runtime = state.runtime.as_ref().map(|r| r.handle().clone()).ok_or_else(stopped)?;
            return Ok(Some((engine, runtime)));
        }
        let calls = state.calls.as_ref().ok_or_else(stopped)?;
        if let Some(done) = done.take() {
            let (method, params_json) = (method.to_owned(), params_json.to_owned());
            calls.queue(Box::new(move || run_call(engine, handle, method, params_json, done).boxed()));
        }
        Ok(None)
    });
    let Some(done) = done else { return };
    match found {
        Ok(Some((engine, runtime))) => begin_outbox_call(&engine, &runtime, method, params_json, done),
        Ok(None) => {}
        Err(Failure::Bridge(message)) => done(false, &message),
        Err(Failure::Panic(message)) => done(true, &envelope(Err(internal_error(&message)))),
    }
}

/// `newMessage`: the outbox (`storagePath`) stores the message before `call` returns, so `begin` validates and
/// stores it here, on the caller's thread; what is left (the send, the ack) runs on the calls' thread like any call.
fn begin_outbox_call(
    engine: &Engine,
    runtime: &Handle,
    method: &str,
    params_json: &str,
    done: impl FnOnce(bool, &str) + Send + 'static,
) {
    let params = match call_options(method, params_json) {
        Ok(params) => params,
        Err(message) => return done(false, &message),
    };
    let begun = catch_unwind(AssertUnwindSafe(|| {
        let _entered = runtime.enter();
        engine.begin(method, params)
    }));
    let call = match begun {
        Ok(call) => call,
        Err(panic) => return done(true, &envelope(Err(internal_error(&panic_message(&*panic))))),
    };
    let job: calls::Job = Box::new(move || async move { done(true, &settle(call).await) }.boxed());
    match lock(&STATE).calls.as_ref() {
        Some(calls) => calls.queue(job),
        // Stopped since the look-up: the dropped job's completion settles the call.
        None => drop(job),
    }
}

/// A call's options, parsed; a bridge failure (the Promise rejects) when they are not JSON text.
fn call_options(method: &str, params_json: &str) -> Result<Value, String> {
    serde_json::from_str(params_json)
        .map_err(|e| format!("NativeAZStack.call({method}): the options are not JSON: {e}"))
}

/// One call on the calls' thread: parses the options, runs the method, completes.
async fn run_call(engine: Engine, handle: u64, method: String, params_json: String, done: impl FnOnce(bool, &str)) {
    let params = match call_options(&method, &params_json) {
        Ok(params) => params,
        Err(message) => return done(false, &message),
    };
    drop(params_json);
    #[cfg(feature = "test-hooks")]
    if method.starts_with(test_hooks::PREFIX) {
        let text = settle(Box::pin(test_hooks::run(handle, &method, params))).await;
        return done(true, &text);
    }
    if audio_session::answers(&method) {
        return done(true, &settle(Box::pin(audio_session::run(&method, params))).await);
    }
    if call_ui::answers(&method) {
        return done(true, &settle(Box::pin(call_ui::run(handle, &method, params))).await);
    }
    // Boxed: the engine's dispatch future is the size of its largest API method (kilobytes); inline, it would make
    // every call that large.
    let text = settle(Box::pin(engine.dispatch(&method, params))).await;
    done(true, &text);
}

/// Queues `method` with its options (JSON text) on engine `handle`, to complete `completion` with the result.
pub fn call(handle: u64, method: &str, params_json: &str, completion: cxx::UniquePtr<bridge::Completion>) {
    let mut completion = completion;
    call_with(handle, method, params_json, move |ok, text| {
        if let Some(completion) = completion.as_mut() {
            complete(completion, ok, text);
        }
    });
}

/// Hands the calls queued so far to the engines: wakes the calls' thread if it sleeps (no system call when it is
/// awake). The C++ module calls it once per turn of the JS event loop, after that turn's calls.
pub fn flush_calls() {
    if let Some(calls) = &lock(&STATE).calls {
        calls.flush();
    }
}

fn complete(completion: Pin<&mut bridge::Completion>, ok: bool, text: &str) {
    if let Err(e) = completion.complete(ok, text) {
        eprintln!("azstack-ffi: a call's completion threw: {e}");
    }
}

/// Installs the C++ object that receives every engine event (replacing the previous one; a null pointer clears it).
pub fn set_event_sink(sink: cxx::SharedPtr<bridge::EventSink>) {
    let outbox: Option<Arc<dyn Outbox>> = if sink.is_null() { None } else { Some(Arc::new(CxxOutbox(sink))) };
    install_outbox(outbox);
}

/// Clears the event sink if it is `sink` (a module being torn down must not clear its successor's sink).
pub fn clear_event_sink(sink: &bridge::EventSink) {
    let mut slot = OUTBOX.write().unwrap_or_else(PoisonError::into_inner);
    if slot.as_ref().is_some_and(|outbox| outbox.is(sink)) {
        let previous = slot.take();
        drop(slot);
        drop(previous);
    }
}

/// The device's network changed (Android's `ConnectivityManager` callback, iOS's `NWPathMonitor`): every engine
/// checks its connection at once, as `networkChanged()` does for one.
pub fn network_changed() {
    let (engines, runtime) = {
        let state = lock(&STATE);
        let engines: Vec<Engine> = state.engines.values().map(|entry| entry.engine.clone()).collect();
        (engines, state.runtime.as_ref().map(|r| r.handle().clone()))
    };
    let Some(runtime) = runtime else { return };
    let _entered = runtime.enter();
    for engine in engines {
        engine.network_changed();
    }
}

/// Android: see `azstack_init_android_tls` in `include/azstack_ffi.h` and [`azstack_engine::tls::init_android`].
///
/// # Safety
/// From a JNI native method: `env` is the calling thread's `JNIEnv*`, `context` a reference to an Android `Context`.
#[cfg(target_os = "android")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn azstack_init_android_tls(env: *mut std::ffi::c_void, context: *mut std::ffi::c_void) -> bool {
    // SAFETY: as this function's contract.
    let done = catch_unwind(AssertUnwindSafe(|| unsafe { azstack_engine::tls::init_android(env, context) }));
    match done {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "the platform's certificate verifier could not be initialised");
            false
        }
        Err(_) => false,
    }
}

/// Fires delegate `name(null, null)` on every live engine (the process's audio session changed).
fn emit_to_all(name: &str) {
    let handles: Vec<u64> = lock(&STATE).engines.keys().copied().collect();
    let Some(outbox) = current_outbox() else { return };
    for handle in handles {
        outbox.event(handle, name, "null", "null");
    }
}

/// Fires the event `name(null, result)` on engine `handle` if it is alive and an event sink is installed; whether it
/// went out.
fn deliver(handle: u64, name: &str, result_json: &str) -> bool {
    let alive = lock(&STATE).engines.get(&handle).is_some_and(|entry| entry.alive.load(Ordering::Acquire));
    let Some(outbox) = current_outbox().filter(|_| alive) else { return false };
    outbox.event(handle, name, "null", result_json);
    true
}

/// Installs the platform's system call UI (`SystemCallBridge::install`). A null pointer is ignored.
pub fn install_call_ui(ui: cxx::SharedPtr<bridge::CallUi>) {
    if !ui.is_null() {
        call_ui::install(Arc::new(call_ui::CxxCallUi(ui)));
    }
}

/// The call audio's output route: `"speaker"`, `"earpiece"` or `"none"` (the Linux host's `host.audioRoute()`).
pub fn audio_route() -> String {
    audio_session::route().to_owned()
}

/// Removes engine `handle` (later calls with it fail at once, its late events are dropped) and shuts it down in the
/// background. Returns whether the handle existed.
pub fn destroy(handle: u64) -> bool {
    let (entry, runtime) = {
        let mut state = lock(&STATE);
        let entry = state.engines.remove(&handle);
        (entry, state.runtime.as_ref().map(|r| r.handle().clone()))
    };
    let Some(entry) = entry else { return false };
    entry.alive.store(false, Ordering::Release);
    if let Some(runtime) = runtime {
        let pending = ShutdownGuard::new();
        runtime.spawn(async move {
            let _pending = pending; // released when the task ends, or is dropped with the runtime
            if let Err(panic) = AssertUnwindSafe(entry.engine.shutdown()).catch_unwind().await {
                eprintln!("azstack-ffi: internal error while shutting an engine down: {}", panic_message(&*panic));
            }
        });
    }
    true
}

/// Counts an engine shutdown in flight for as long as it lives.
struct ShutdownGuard;

impl ShutdownGuard {
    fn new() -> ShutdownGuard {
        *lock(&SHUTTING_DOWN.0) += 1;
        ShutdownGuard
    }
}

impl Drop for ShutdownGuard {
    fn drop(&mut self) {
        let mut count = lock(&SHUTTING_DOWN.0);
        *count = count.saturating_sub(1);
        SHUTTING_DOWN.1.notify_all();
    }
}

/// Waits until no engine shutdown is in flight, or until `deadline`. Returns whether they all finished.
fn wait_for_shutdowns(deadline: Instant) -> bool {
    let mut count = lock(&SHUTTING_DOWN.0);
    while *count > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        count = SHUTTING_DOWN.1.wait_timeout(count, left).unwrap_or_else(PoisonError::into_inner).0;
    }
    true
}

/// Process teardown: destroys every engine, waits (up to `timeout_ms` in all) for their shutdowns, then stops the
/// calls' thread and the runtime and joins their threads. Returns whether everything finished in time. A later
/// `create` starts afresh. Must not be called from an engine thread.
pub fn shutdown(timeout_ms: u64) -> bool {
    let deadline = Instant::now() + Duration::from_millis(timeout_ms);
    let handles: Vec<u64> = lock(&STATE).engines.keys().copied().collect();
    for handle in handles {
        destroy(handle);
    }
    let drained = wait_for_shutdowns(deadline);
    // The calls' thread before the runtime: calls still in flight are dropped inside the runtime's context.
    let calls = lock(&STATE).calls.take();
    if let Some(calls) = calls {
        calls.stop();
    }
    let runtime = lock(&STATE).runtime.take();
    if let Some(runtime) = runtime {
        let stopped = catch_unwind(AssertUnwindSafe(|| {
            runtime.shutdown_timeout(deadline.saturating_duration_since(Instant::now()));
        }));
        if let Err(panic) = stopped {
            eprintln!("azstack-ffi: the runtime could not be stopped: {}", panic_message(&*panic));
            return false;
        }
    }
    drained
}

/// The number of engines created and not destroyed.
pub fn live_engines() -> usize {
    lock(&STATE).engines.len()
}

/// Installs the platform's devices (`MediaBridge::install`): engines created from now on use them. A null pointer
/// is ignored.
pub fn install_platform_media(devices: cxx::SharedPtr<bridge::PlatformDevices>) {
    if !devices.is_null() {
        platform::install(Arc::new(platform::CxxPlatform(devices)));
    }
}

/// What engine `handle`'s speaker played, as JSON (see [`media::audio_stats_json`]); `null` for an unknown handle.
pub fn audio_stats(handle: u64) -> String {
    let audio = lock(&STATE).engines.get(&handle).map(|entry| Arc::clone(&entry.audio));
    audio.map_or_else(|| "null".to_owned(), |a| media::audio_stats_json(&a))
}

/// Returns its argument: the bare cost of a call through the bridge.
pub fn echo(value: f64) -> f64 {
    value
}

/// Methods only the Linux host's tests can call (cargo feature `test-hooks`, never in an app build): they drive the
/// C++ and JS halves of the bridge through paths the engine takes rarely.
#[cfg(feature = "test-hooks")]
mod test_hooks {
    use super::*;

    pub const PREFIX: &str = "__test";

    pub async fn run(handle: u64, method: &str, params: Value) -> Result<Value, ApiError> {
        match method {
            // {count, name, error, result}: `count` events `name(error, result)` from this thread, through the
            // installed sink, exactly as the engine's events go (and dropped once the engine is destroyed).
            "__testEmitEvents" => {
                let count = params["count"].as_u64().unwrap_or(1);
                let name = params["name"].as_str().unwrap_or("onTest").to_owned();
                let alive = lock(&STATE).engines.get(&handle).map(|entry| entry.alive.clone());
                let mut sent = 0u64;
                for i in 0..count {
                    let Some(alive) = &alive else { break };
                    if !alive.load(Ordering::Acquire) {
                        break;
                    }
                    let Some(outbox) = current_outbox() else { break };
                    let mut result = params["result"].clone();
                    if let Value::Object(map) = &mut result {
                        map.insert("seq".to_owned(), Value::from(i));
                    }
                    outbox.event(handle, &name, &params["error"].to_string(), &result.to_string());
                    sent += 1;
                }
                Ok(Value::from(sent))
            }
            // A panic inside an API call (unwound without the panic hook, so that test logs stay quiet).
            "__testPanic" => {
                let message = format!("test panic: {}", params["message"].as_str().unwrap_or("boom"));
                std::panic::resume_unwind(Box::new(message))
            }
            // {ms}: completes after `ms` milliseconds (calls in flight at teardown).
            "__testSleep" => {
                let ms = params["ms"].as_u64().unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(Value::Null)
            }
            _ => Err(ApiError::new(ErrorCode::UnexpectedSendData, format!("unknown test hook {method}"))),
        }
    }
}

#[cfg(test)]
mod tests;
