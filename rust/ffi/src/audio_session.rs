//! The call's audio session, as a phone sees it: camera/microphone permission, the output route (speaker or
//! earpiece), and interruptions (a phone call, Siri, another app taking audio focus).
//!
//! Two API methods are answered here rather than by the engine, because they concern the device and not the
//! connection (`AZStackCore.requestMediaPermissions` and `setSpeakerphoneOn`, see [`run`]):
//!
//! * **Permissions.** With an installed platform the request goes to it ([`Platform::request_permissions`]) with a
//!   request id, and the platform answers later, on any thread, with [`answer_permissions`] — Android asks through the
//!   current Activity, iOS through `AVCaptureDevice`/`AVAudioSession`. Without a platform (the Linux host) the devices
//!   are synthetic and the answer is `granted`.
//! * **The route.** The engine's devices are wrapped ([`SessionDevices`]) so that this module knows when a call plays
//!   audio and whether it has opened the camera. While audio plays the route is the app's choice
//!   (`setSpeakerphoneOn`) or else the default: the speaker for a video call, the earpiece for an audio call. Every
//!   change goes to the platform ([`Platform::set_speakerphone`]); the app's choice lasts until the call's audio
//!   stops. [`route`] reads it back (the Linux host's `host.audioRoute()`).
//! * **Interruptions.** The platform reports them with [`audio_interrupted`] (Android's audio-focus listener, iOS's
//!   `AVAudioSessionInterruptionNotification`; the Linux host's `host.interruptAudio()` simulates one). While
//!   interrupted, what the microphone records is dropped — the call's send loop sends silence, exactly as when the
//!   app mutes with `toggleAudioState`, but without telling the peer — and received audio is not played. Every
//!   engine is told through the `onAudioInterrupted` and `onAudioResumed` delegates.
//!
//! The session is process-wide, like the phone's audio session itself.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use azstack_engine::media::{AudioSink, AudioSource, MediaDevices, MediaError, VideoFrame, VideoSource};
use azstack_engine::validate::{Kind, Rule};
use azstack_engine::{ApiError, ErrorCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::lock;
use crate::platform;

/// The API methods this module answers.
pub const REQUEST_PERMISSIONS: &str = "requestMediaPermissions";
pub const SET_SPEAKERPHONE_ON: &str = "setSpeakerphoneOn";

/// The delegates of an interruption.
pub const ON_INTERRUPTED: &str = "onAudioInterrupted";
pub const ON_RESUMED: &str = "onAudioResumed";

/// The methods this module answers instead of the engine (for `examples/api_names.rs`).
pub const METHODS: [&str; 2] = [REQUEST_PERMISSIONS, SET_SPEAKERPHONE_ON];
/// The delegates this module fires instead of the engine's events.
pub const DELEGATES: [&str; 2] = [ON_INTERRUPTED, ON_RESUMED];

/// A permission's state, as the platform reports it (`0`, `1`, `2` across the bridge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    Granted,
    /// Refused this time; asking again shows the system prompt again.
    Denied,
    /// Refused for good (Android "don't ask again", iOS denied or restricted): only the system settings can change it.
    Blocked,
}

impl Permission {
    fn from_code(code: u8) -> Permission {
        match code {
            0 => Permission::Granted,
            1 => Permission::Denied,
            _ => Permission::Blocked,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Permission::Granted => "granted",
            Permission::Denied => "denied",
            Permission::Blocked => "blocked",
        }
    }
}

/// How long a permission request may wait for the user before it fails (the system dialog stays up that long).
const PERMISSION_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Default)]
struct Route {
    /// The app's `setSpeakerphoneOn` choice, until the call's audio stops.
    speaker: Option<bool>,
    /// Cameras open (a video call) and audio outputs playing.
    cameras: usize,
    outputs: usize,
    /// The route last given to the platform (`None`: no call audio).
    applied: Option<bool>,
}

/// The session's state. One per process ([`SESSION`]); tests make their own.
#[derive(Default)]
pub struct AudioSession {
    route: Mutex<Route>,
    interrupted: AtomicBool,
}

static SESSION: LazyLock<AudioSession> = LazyLock::new(AudioSession::default);

/// The answer to one permission request: the microphone's and the camera's state.
type Answer = oneshot::Sender<(Permission, Permission)>;

/// Permission requests waiting for the platform's answer, by id.
static PENDING: LazyLock<Mutex<BTreeMap<u64, Answer>>> = LazyLock::new(Mutex::default);
static NEXT_REQUEST: AtomicU64 = AtomicU64::new(1);

/// Whether `method` is one of this module's (else it is the engine's).
pub fn answers(method: &str) -> bool {
    method == REQUEST_PERMISSIONS || method == SET_SPEAKERPHONE_ON
}

/// Runs one of this module's methods (see [`answers`]).
pub async fn run(method: &str, params: Value) -> Result<Value, ApiError> {
    if method == REQUEST_PERMISSIONS {
        Rule::field(&params, "audio").kind(Kind::Boolean).check()?;
        Rule::field(&params, "video").kind(Kind::Boolean).check()?;
        let wants = |key: &str| params.get(key).and_then(Value::as_bool).unwrap_or(true);
        request_permissions(wants("audio"), wants("video")).await
    } else {
        Rule::field(&params, "on").required().kind(Kind::Boolean).check()?;
        Ok(SESSION.set_speakerphone_on(params.get("on").and_then(Value::as_bool).unwrap_or(false)))
    }
}

/// `requestMediaPermissions({audio, video})` → `{audio, video}`, each `granted`, `denied` or `blocked`; a kind not
/// asked for (`false`) is `null`.
async fn request_permissions(audio: bool, video: bool) -> Result<Value, ApiError> {
    const GRANTED: (Permission, Permission) = (Permission::Granted, Permission::Granted);
    let states = match platform::installed() {
        Some(platform) => ask(&*platform, audio, video).await?,
        None => GRANTED, // synthetic devices: nothing to ask
    };
    Ok(permissions_json(audio, video, states))
}

/// The platform's answer; both granted when it has nothing to ask.
async fn ask(
    platform: &dyn platform::Platform,
    audio: bool,
    video: bool,
) -> Result<(Permission, Permission), ApiError> {
    let (sender, receiver) = oneshot::channel();
    let id = NEXT_REQUEST.fetch_add(1, Ordering::Relaxed);
    lock(&PENDING).insert(id, sender);
    let asked = platform.request_permissions(audio, video, id);
    let answer = if asked { tokio::time::timeout(PERMISSION_TIMEOUT, receiver).await.ok() } else { None };
    lock(&PENDING).remove(&id);
    match answer {
        _ if !asked => Ok((Permission::Granted, Permission::Granted)),
        Some(Ok(states)) => Ok(states),
        Some(Err(_)) | None => Err(ApiError::new(ErrorCode::UnexpectedData, "the permission request was not answered")),
    }
}

/// `{audio, video}`: each state, `null` for a device not asked for.
fn permissions_json(audio: bool, video: bool, (audio_state, video_state): (Permission, Permission)) -> Value {
    let state = |asked: bool, state: Permission| if asked { Value::from(state.name()) } else { Value::Null };
    json!({ "audio": state(audio, audio_state), "video": state(video, video_state) })
}

/// The platform's answer to request `id` (any thread); codes 0 granted, 1 denied, 2 blocked. Unknown ids (a request
/// that timed out) are ignored.
pub fn answer_permissions(id: u64, audio: u8, video: u8) {
    let sender = lock(&PENDING).remove(&id);
    if let Some(sender) = sender {
        let _ = sender.send((Permission::from_code(audio), Permission::from_code(video)));
    }
}

/// The current output route: `"speaker"`, `"earpiece"`, or `"none"` when no call plays audio.
pub fn route() -> &'static str {
    SESSION.route()
}

/// An interruption began (`true`) or ended (`false`). Repeats of the current state are ignored; a change is reported
/// to every engine.
pub fn audio_interrupted(interrupted: bool) {
    if SESSION.set_interrupted(interrupted) {
        tracing::info!(interrupted, "audio session interruption");
        crate::emit_to_all(if interrupted { ON_INTERRUPTED } else { ON_RESUMED });
    }
}

/// An engine's devices (the platform's or the synthetic ones) as the process's session sees them.
pub fn devices(inner: Arc<dyn MediaDevices>) -> Arc<dyn MediaDevices> {
    Arc::new(SessionDevices { inner, session: &SESSION })
}

impl AudioSession {
    /// `setSpeakerphoneOn({on})` → `{route}`: the app's choice for the current call's audio (or the next call's, when
    /// none plays yet), until that call's audio stops.
    fn set_speakerphone_on(&self, on: bool) -> Value {
        let route = self.update(|route| route.speaker = Some(on));
        json!({ "route": route_name(route) })
    }

    fn route(&self) -> &'static str {
        route_name(lock(&self.route).applied)
    }

    /// Applies `change`, recomputes the route and hands a change of it to the platform. Returns the route.
    fn update(&self, change: impl FnOnce(&mut Route)) -> Option<bool> {
        let mut route = lock(&self.route);
        let before = route.outputs;
        change(&mut route);
        if before > 0 && route.outputs == 0 {
            route.speaker = None; // the call's audio stopped: the next call starts from the default
        }
        let now = (route.outputs > 0).then(|| route.speaker.unwrap_or(route.cameras > 0));
        if now != route.applied {
            route.applied = now;
            if let (Some(speaker), Some(platform)) = (now, platform::installed()) {
                platform.set_speakerphone(speaker);
            }
        }
        now
    }

    /// Whether the state changed.
    fn set_interrupted(&self, interrupted: bool) -> bool {
        self.interrupted.swap(interrupted, Ordering::AcqRel) != interrupted
    }

    fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::Acquire)
    }
}

fn route_name(route: Option<bool>) -> &'static str {
    match route {
        None => "none",
        Some(true) => "speaker",
        Some(false) => "earpiece",
    }
}

// --- the engine's devices, seen by the session ---------------------------------------------------------------------

struct SessionDevices {
    inner: Arc<dyn MediaDevices>,
    session: &'static AudioSession,
}

impl MediaDevices for SessionDevices {
    fn open_audio(&self) -> Result<Arc<dyn AudioSource>, MediaError> {
        Ok(Arc::new(Microphone { inner: self.inner.open_audio()?, session: self.session }))
    }

    fn open_video(&self) -> Result<Arc<dyn VideoSource>, MediaError> {
        let inner = self.inner.open_video()?;
        self.session.update(|route| route.cameras += 1);
        Ok(Arc::new(Camera { inner, session: self.session, open: AtomicBool::new(true) }))
    }

    fn audio_output(&self) -> Option<Arc<dyn AudioSink>> {
        let inner = self.inner.audio_output()?;
        self.session.update(|route| route.outputs += 1);
        Some(Arc::new(Speaker { inner, session: self.session }))
    }
}

struct Microphone {
    inner: Arc<dyn AudioSource>,
    session: &'static AudioSession,
}

impl AudioSource for Microphone {
    fn next_chunk(&self) -> Option<Vec<i16>> {
        let chunk = self.inner.next_chunk(); // taken even while interrupted: nothing stale is sent afterwards
        if self.session.interrupted() { None } else { chunk }
    }

    fn stop(&self) {
        self.inner.stop();
    }
}

struct Camera {
    inner: Arc<dyn VideoSource>,
    session: &'static AudioSession,
    open: AtomicBool,
}

impl VideoSource for Camera {
    fn frame_interval(&self) -> Duration {
        self.inner.frame_interval()
    }

    fn next_frame(&self) -> Option<VideoFrame> {
        self.inner.next_frame()
    }

    fn switch_camera(&self) -> bool {
        self.inner.switch_camera()
    }

    fn stop(&self) {
        self.inner.stop();
        if self.open.swap(false, Ordering::AcqRel) {
            self.session.update(|route| route.cameras = route.cameras.saturating_sub(1));
        }
    }
}

/// Received audio; dropping it (the call's streams close) ends the call's audio.
struct Speaker {
    inner: Arc<dyn AudioSink>,
    session: &'static AudioSession,
}

impl AudioSink for Speaker {
    fn on_audio(&self, pcm: &[i16]) {
        if !self.session.interrupted() {
            self.inner.on_audio(pcm);
        }
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        self.session.update(|route| route.outputs = route.outputs.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azstack_engine::media::synthetic::{AudioStats, SyntheticDevices};

    #[test]
    fn the_route_follows_the_call_and_an_interruption_silences_both_directions() {
        let session: &'static AudioSession = Box::leak(Box::default());
        let stats = AudioStats::new();
        let inner = Arc::new(SyntheticDevices::default().with_audio_output(stats.clone()));
        let devices = SessionDevices { inner, session };
        assert_eq!(session.route(), "none");

        // An audio call: the earpiece; the app's choice wins until the call's audio stops.
        let speaker = devices.audio_output().unwrap_or_else(|| panic!("an output"));
        assert_eq!(session.route(), "earpiece");
        assert_eq!(session.set_speakerphone_on(true), json!({"route": "speaker"}));
        drop(speaker);
        assert_eq!(session.route(), "none");

        // A video call: the speaker by default (the earlier choice is gone), the earpiece when asked.
        let camera = devices.open_video().unwrap_or_else(|e| panic!("{e}"));
        let speaker = devices.audio_output().unwrap_or_else(|| panic!("an output"));
        assert_eq!(session.route(), "speaker");
        assert_eq!(session.set_speakerphone_on(false), json!({"route": "earpiece"}));
        camera.stop();
        camera.stop();
        assert_eq!(lock(&session.route).cameras, 0, "a camera is counted once");

        // Interrupted: nothing recorded is sent, nothing received is played; resumed: both again.
        let mic = devices.open_audio().unwrap_or_else(|e| panic!("{e}"));
        assert!(mic.next_chunk().is_some());
        speaker.on_audio(&[1000; 960]);
        assert!(session.set_interrupted(true));
        assert!(!session.set_interrupted(true), "a repeat is no change");
        assert!(mic.next_chunk().is_none());
        speaker.on_audio(&[1000; 960]);
        assert!(session.set_interrupted(false));
        assert!(mic.next_chunk().is_some());
        speaker.on_audio(&[1000; 960]);
        assert_eq!(stats.snapshot().chunks, 2, "the chunk received while interrupted was not played");
        drop(speaker);
        assert_eq!(session.route(), "none");
    }

    /// A platform whose user answers later, on another thread: the microphone blocked, the camera denied.
    struct Prompting;

    impl platform::Platform for Prompting {
        fn start_camera(&self, _front: bool) -> bool {
            false
        }
        fn switch_camera(&self) -> bool {
            false
        }
        fn stop_camera(&self) {}
        fn start_microphone(&self) -> bool {
            false
        }
        fn stop_microphone(&self) {}
        fn start_playout(&self) -> bool {
            false
        }
        fn stop_playout(&self) {}
        fn request_permissions(&self, _audio: bool, _video: bool, request: u64) -> bool {
            std::thread::spawn(move || answer_permissions(request, 2, 1));
            true
        }
    }

    #[tokio::test]
    async fn a_platform_answers_later_from_any_thread() {
        let states = ask(&Prompting, true, false).await.map_err(|e| e.message);
        assert_eq!(states, Ok((Permission::Blocked, Permission::Denied)));
        assert_eq!(
            permissions_json(true, false, (Permission::Blocked, Permission::Denied)),
            json!({"audio": "blocked", "video": null})
        );
        assert!(lock(&PENDING).is_empty(), "the request is forgotten once answered");
    }

    #[tokio::test]
    async fn the_methods_check_their_options() {
        assert!(!answers("connect") && answers(SET_SPEAKERPHONE_ON) && answers(REQUEST_PERMISSIONS));
        let missing = run(SET_SPEAKERPHONE_ON, json!({})).await;
        assert_eq!(missing.map_err(|e| e.message), Err("on is required".to_owned()));
        let wrong = run(REQUEST_PERMISSIONS, json!({"audio": 1})).await;
        assert_eq!(wrong.map_err(|e| e.message), Err("audio must be boolean".to_owned()));
    }
}
