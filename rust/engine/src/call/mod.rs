//! Free calls: 1:1 voice and video between users over webrtc-rs (PROTOCOL.md §3.4–§3.8, §3.15–§3.17, §4.4, §5).
//!
//! # State
//!
//! One call at a time ([`Calls`] holds at most one). A call is created by `startFreeCall` (caller, status 100
//! CONNECTING) or by an incoming 186 while idle (callee, status 180 RINGING: the engine answers 188/180 and fires
//! `onFreeCallStart`); a 186 while any call exists is answered 188/600 BUSY and fires nothing. Each call has a
//! *serial*, so an asynchronous step that finishes after its call ended notices and cleans up after itself.
//!
//! Media is created when the local user commits: the caller at `startFreeCall` (sources, peer connection, offer,
//! then 186 with the offer), the callee at `answerFreeCall` (sources, peer connection, the caller's offer applied,
//! answer created; then 188/200 and 187 type 1 with the answer, in that order). Until then a callee only keeps the
//! offer and buffers the caller's candidates. Local candidates are held until the offer or answer has been
//! written (so a peer never sees a candidate for a call it does not know yet), remote ones until a remote
//! description is set — see [`peer`].
//!
//! # Outcomes
//!
//! Terminal statuses (188 400/600/603/700/unknown, 199 anything but 100/180) clear the call and tear its media down;
//! so do `stopFreeCall`, `rejectFreeCall`, `notAnswerFreeCall`, `disconnect()`, `shutdown()` and a lost connection.
//! Teardown aborts the actor and media tasks, stops the sources, closes the peer connection and forgets the
//! streams; [`live_resources`] / [`Calls::call_resources`] count what is still held. Event texts are the
//! original's: `Free call status changed to <state>[ by me][, free call end]`.
//!
//! Engine choices where the original is silent or buggy (PROTOCOL.md Appendix A):
//!
//! * **Q12:** WebRTC failures are `{code: 'ERR_WEBRTC', message: 'Cannot get user media' | 'Cannot init
//!   connection'}`.
//! * **Q13:** `stopFreeCall` while `startFreeCall` is still acquiring media or building the offer is allowed (status
//!   100). The call is cleared at once; no 186 goes out and, since the peer never heard of the call, no 188/700
//!   either; the pending `startFreeCall` then *rejects* with `{ERR_UNEXPECTED_DATA, 'Free call stopped before it
//!   started'}` after releasing what it had built. `stopFreeCall` resolves `null`.
//! * **Q16:** `toggleAudioState`/`toggleVideoState` without options toggle.
//! * **Q17:** if `answerFreeCall` fails locally (media or connection), the engine sends 188/700 so the caller stops
//!   ringing at once instead of at the server's ring timeout.
//! * A failure after a call method settled (the remote description is refused, the media connection fails) ends
//!   the call as a hang-up: 188/700 to the peer, teardown, `onFreeCallStatusChanged` 700.
//! * Losing the connection ends the call (the server ends it for the peer, OQ-5): teardown, and
//!   `onFreeCallStatusChanged` 700 unless the loss was `disconnect()`. Except an answered free call while
//!   auto-reconnect runs: it waits (bounded) for the engine to be authenticated again and then restarts ICE, as it
//!   does after `networkChanged()` — see [`peer`] and its `restart` module. A restart is invisible to the
//!   application: no status or delegate changes. `stopFreeCall` while such a call waits for the connection ends it
//!   here and resolves; its 188/700 goes out once the engine is authenticated again.
//!
//! # Streams
//!
//! Video calls fire `onLocalStreamArrived` once the camera is open and the connection built, and
//! `onRemoteStreamArrived` when the first remote track arrives, each with `{stream: {id}}`. The id names an entry of
//! the engine's stream registry: [`Calls::attach_video_sink`] attaches a renderer (the C++ frame registry, a test's
//! [`crate::media::synthetic::VideoStats`]) to the frames of that stream. Remote audio goes to
//! [`MediaDevices::audio_output`] and to sinks attached with [`Calls::attach_audio_sink`].

pub mod peer;
pub mod pstn;
pub mod resources;
pub mod streams;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use azstack_protocol::bodies::calls::{
    CallData, CalloutStop, FreeCallData, FreeCallDataFromPeer, FreeCallStart as FreeCallStartBody,
    FreeCallStartFromPeer, FreeCallStatus, FreeCallStatusByMe, FreeCallStatusFromPeer, IceCandidate,
    SessionDescription,
};
use azstack_protocol::constants::call;
use azstack_protocol::errors::{ApiError, ErrorCode};
use azstack_protocol::{Envelope, Service};
use serde::Serialize;
use serde_json::Value;

use self::peer::{CallMedia, CallRef, Cmd, Sources};
pub use self::pstn::{CallinOptions, CallinStart, StartCalloutOptions};
use self::resources::Counters;
pub use self::resources::{LiveResources, live_resources};
pub(crate) use self::streams::StreamSinks;
use crate::core::{Core, area_handle};
use crate::events::Event;
use crate::media::synthetic::SyntheticDevices;
use crate::media::{AudioSink, MediaDevices, VideoSink};
pub use crate::model::{CallStatus, FreeCallStart, StreamArrived, StreamRef};
use crate::validate::{self, Kind, Rule};

/// `toggleAudioState` result.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AudioState {
    pub audio_state: i64,
}

/// `toggleVideoState` result.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoState {
    pub video_state: i64,
}

/// `switchCameraType` result: `'user'` or `'environment'`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CameraType {
    pub camera_type: String,
}

/// What the engine knows about the current call (diagnostics and tests).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallInfo {
    pub call_id: i64,
    pub media_type: i64,
    pub is_caller: bool,
    pub status: i64,
    pub peer_user_id: i64,
    pub has_media: bool,
}

/// `startFreeCall` options.
#[derive(Clone, Debug, PartialEq)]
pub struct StartFreeCallOptions {
    pub media_type: i64,
    pub to_user_id: i64,
}

impl StartFreeCallOptions {
    /// Validates `{mediaType, toUserId}` with the original's rules and texts.
    pub fn from_json(params: &Value) -> Result<StartFreeCallOptions, ApiError> {
        let o = validate::options(params, "Missing free call data")?;
        Rule::field(o, "mediaType")
            .required()
            .one_of(&[call::CALL_MEDIA_TYPE_AUDIO, call::CALL_MEDIA_TYPE_VIDEO])
            .kind(Kind::Number)
            .check()?;
        Rule::field(o, "toUserId").required().not_equal(0).kind(Kind::Number).check()?;
        Ok(StartFreeCallOptions { media_type: validate::int(o, "mediaType"), to_user_id: validate::int(o, "toUserId") })
    }
}

/// The optional `state` of `toggleAudioState`/`toggleVideoState` (`0` off, `1` on, absent: toggle). Options that
/// are not an object (none at all, Q16) mean toggle.
pub fn state_from_json(params: &Value) -> Result<Option<i64>, ApiError> {
    if !params.is_object() {
        return Ok(None);
    }
    Rule::field(params, "state").one_of(&[0, 1]).kind(Kind::Number).check()?;
    Ok(validate::opt_int(params, "state"))
}

fn webrtc_error(message: &str) -> ApiError {
    ApiError::new(ErrorCode::Webrtc, message)
}

/// The event text of a status (`by_me`: 199), the status reported (unknown codes become 0) and whether it ends
/// the call.
pub fn status_text(status: i64, by_me: bool) -> (i64, String, bool) {
    let (reported, state, terminal) = match status {
        call::CALL_STATUS_FREE_CALL_CONNECTING => (status, "connecting", false),
        call::CALL_STATUS_FREE_CALL_RINGING => (status, "ringing", false),
        call::CALL_STATUS_FREE_CALL_ANSWERED => (status, "answered", by_me),
        call::CALL_STATUS_FREE_CALL_BUSY => (status, "busy", true),
        call::CALL_STATUS_FREE_CALL_REJECTED => (status, "rejected", true),
        call::CALL_STATUS_FREE_CALL_STOP => (status, "stop", true),
        call::CALL_STATUS_FREE_CALL_NOT_ANSWERED => (status, "not answered", true),
        _ => (call::CALL_STATUS_FREE_CALL_UNKNOWN, "unknown", true),
    };
    let by = if by_me { " by me" } else { "" };
    let end = if terminal { ", free call end" } else { "" };
    (reported, format!("Free call status changed to {state}{by}{end}"), terminal)
}

fn status_event(status: i64, by_me: bool) -> (Event, bool) {
    let (status, message, terminal) = status_text(status, by_me);
    let s = CallStatus { status, message };
    (if by_me { Event::FreeCallStatusChangedByMe(s) } else { Event::FreeCallStatusChanged(s) }, terminal)
}

/// The event of a call that ended here without a word from the other side (a failure, a lost connection): STOP
/// on the delegate of the call's kind.
fn stop_event(call: &Call) -> Event {
    match call.kind {
        CallKind::Free => status_event(call::CALL_STATUS_FREE_CALL_STOP, false).0,
        CallKind::Callout(_) => pstn::callout_event(call::CALL_STATUS_CALLOUT_STATUS_STOP).0,
        CallKind::Callin(_) => pstn::callin_event(call::CALL_STATUS_CALLIN_STATUS_STOP, false).0,
    }
}

/// What the current call is; the methods of one kind refuse a call of another.
enum CallKind {
    Free,
    Callout(pstn::Callout),
    Callin(pstn::Callin),
}

struct Call {
    kind: CallKind,
    serial: u64,
    call_id: i64,
    media_type: i64,
    is_caller: bool,
    status: i64,
    peer: i64,
    /// Callee: the caller's offer, until answered.
    offer: Option<SessionDescription>,
    /// Remote candidates that arrived before the media existed.
    remote_candidates: Vec<IceCandidate>,
    media: Option<Arc<CallMedia>>,
    /// Whether the peer knows the call (the caller's 186 is written; always true for a callee).
    signalled: bool,
    audio_on: bool,
    video_on: bool,
    camera_back: bool,
}

impl Call {
    fn reference(&self) -> CallRef {
        CallRef {
            serial: self.serial,
            call_id: self.call_id,
            peer: self.peer,
            media_type: self.media_type,
            trickle: self.is_free(),
            caller: self.is_caller,
        }
    }

    fn is_free(&self) -> bool {
        matches!(self.kind, CallKind::Free)
    }

    /// A phone call (callout or call-in): audio only, no peer user, known to the server from the start; the
    /// callee holds the server's `offer` until it answers.
    fn phone(kind: CallKind, serial: u64, call_id: i64, status: i64, offer: Option<SessionDescription>) -> Call {
        Call {
            is_caller: matches!(kind, CallKind::Callout(_)),
            kind,
            serial,
            call_id,
            media_type: call::CALL_MEDIA_TYPE_AUDIO,
            status,
            peer: 0,
            offer,
            remote_candidates: Vec::new(),
            media: None,
            signalled: true,
            audio_on: true,
            video_on: false,
            camera_back: false,
        }
    }
}

/// The engine's call state (one per [`Engine`]).
pub(crate) struct CallState {
    current: Mutex<Option<Call>>,
    devices: Mutex<Arc<dyn MediaDevices>>,
    udp_addrs: Mutex<Vec<String>>,
    /// The ids of this engine's streams in the process-wide registry ([`streams`]).
    stream_ids: Mutex<BTreeSet<String>>,
    pub(crate) counters: Arc<Counters>,
    /// The hang-up (188/700) of a call the user stopped while the connection was down: sent once authenticated again.
    pending_stop: Mutex<Option<FreeCallStatus>>,
}

/// Call serials are process-wide, so stream ids (which carry them) are unique across engines.
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);

fn next_serial() -> u64 {
    NEXT_SERIAL.fetch_add(1, Ordering::Relaxed)
}

impl Default for CallState {
    fn default() -> Self {
        CallState {
            current: Mutex::new(None),
            devices: Mutex::new(Arc::new(SyntheticDevices::default())),
            udp_addrs: Mutex::new(vec!["0.0.0.0:0".to_owned()]),
            stream_ids: Mutex::default(),
            counters: Arc::default(),
            pending_stop: Mutex::default(),
        }
    }
}

impl CallState {
    fn lock(&self) -> MutexGuard<'_, Option<Call>> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn devices(&self) -> Arc<dyn MediaDevices> {
        Arc::clone(&self.devices.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn stream_ids(&self) -> MutexGuard<'_, BTreeSet<String>> {
        self.stream_ids.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn register_stream(&self, id: &str) -> Arc<StreamSinks> {
        self.stream_ids().insert(id.to_owned());
        streams::register(id)
    }

    pub(crate) fn forget_stream(&self, id: &str) {
        self.stream_ids().remove(id);
        streams::forget(id);
    }

    pub(crate) fn is_current(&self, serial: u64) -> bool {
        self.lock().as_ref().is_some_and(|c| c.serial == serial)
    }

    /// Removes the call `serial` if it is the current one.
    fn take(&self, serial: u64) -> Option<Call> {
        let mut current = self.lock();
        if current.as_ref().is_some_and(|c| c.serial == serial) { current.take() } else { None }
    }
}

/// Releases a call's media in the background (from a context that cannot wait).
fn teardown_later(engine: &Calls, call: Call) {
    if let Some(media) = call.media {
        let engine = engine.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(async move { media.close(&engine).await });
            }
            Err(_) => tracing::warn!("a call ended outside a runtime; its media is released when dropped"),
        }
    }
}

async fn teardown(engine: &Calls, call: Call) {
    if let Some(media) = call.media {
        media.close(engine).await;
    }
}

area_handle! {
    /// Free calls and phone calls: `engine.call_state()`. Holds the one current call and the media devices.
    Calls { calls: Arc<CallState> }
}

/// A handle that does not keep the engine alive (a call's background tasks hold one).
#[derive(Clone)]
pub(crate) struct WeakCalls {
    core: std::sync::Weak<Core>,
    calls: std::sync::Weak<CallState>,
}

impl WeakCalls {
    pub(crate) fn upgrade(&self) -> Option<Calls> {
        Some(Calls { core: self.core.upgrade()?, calls: self.calls.upgrade()? })
    }
}

impl Calls {
    pub(crate) fn new(core: Arc<Core>) -> Calls {
        Calls { core, calls: Arc::default() }
    }

    fn call_state(&self) -> &CallState {
        &self.calls
    }

    pub(crate) fn downgrade(&self) -> WeakCalls {
        WeakCalls { core: Arc::downgrade(&self.core), calls: Arc::downgrade(&self.calls) }
    }

    /// Replaces the capture devices and audio output used by calls started or answered from now on.
    pub fn set_media_devices(&self, devices: Arc<dyn MediaDevices>) {
        *self.call_state().devices.lock().unwrap_or_else(|p| p.into_inner()) = devices;
    }

    /// The local UDP addresses peer connections bind (default `0.0.0.0:0`: every interface, any port). Tests on one
    /// machine use `127.0.0.1:0`.
    pub fn set_call_udp_addrs(&self, addrs: Vec<String>) {
        *self.call_state().udp_addrs.lock().unwrap_or_else(|p| p.into_inner()) = addrs;
    }

    /// Attaches a renderer to the video of stream `stream_id` (from `onLocalStreamArrived` /
    /// `onRemoteStreamArrived`), now or once the stream exists; see [`streams::attach_video_sink`]. Returns whether
    /// the stream exists now.
    pub fn attach_video_sink(&self, stream_id: &str, sink: Arc<dyn VideoSink>) -> bool {
        streams::attach_video_sink(stream_id, sink)
    }

    /// Detaches a renderer attached with [`Calls::attach_video_sink`]. Returns whether it was attached.
    pub fn detach_video_sink(&self, stream_id: &str, sink: &Arc<dyn VideoSink>) -> bool {
        streams::detach_video_sink(stream_id, sink)
    }

    /// Attaches a player to the audio of a remote stream (besides the devices' audio output).
    pub fn attach_audio_sink(&self, stream_id: &str, sink: Arc<dyn AudioSink>) -> bool {
        streams::attach_audio_sink(stream_id, sink)
    }

    /// The ids of this engine's streams (local and remote).
    pub fn stream_ids(&self) -> Vec<String> {
        self.call_state().stream_ids().iter().cloned().collect()
    }

    /// The current call, if any.
    pub fn current_call(&self) -> Option<CallInfo> {
        self.call_state().lock().as_ref().map(|c| CallInfo {
            call_id: c.call_id,
            media_type: c.media_type,
            is_caller: c.is_caller,
            status: c.status,
            peer_user_id: c.peer,
            has_media: c.media.is_some(),
        })
    }

    /// Call resources this engine holds now.
    pub fn call_resources(&self) -> LiveResources {
        self.call_state().counters.snapshot()
    }

    /// Waits until this engine holds no call resources, at most `within`; what is left otherwise.
    pub async fn wait_call_resources_released(&self, within: Duration) -> Result<(), LiveResources> {
        self.call_state().counters.wait_zero(within).await
    }

    fn open_sources(&self, media_type: i64) -> Result<Sources, ApiError> {
        let devices = self.call_state().devices();
        let media_error = |e: crate::media::MediaError| {
            tracing::warn!(error = %e, "could not open the capture devices");
            webrtc_error("Cannot get user media")
        };
        let audio = devices.open_audio().map_err(media_error)?;
        let video = if media_type == call::CALL_MEDIA_TYPE_VIDEO {
            match devices.open_video() {
                Ok(v) => Some(v),
                Err(e) => {
                    audio.stop();
                    return Err(media_error(e));
                }
            }
        } else {
            None
        };
        Ok(Sources { audio, video })
    }

    async fn build_media(&self, call: CallRef, sources: Sources) -> Result<Arc<CallMedia>, ApiError> {
        let addrs = self.call_state().udp_addrs.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let (audio, video) = (Arc::clone(&sources.audio), sources.video.clone());
        CallMedia::build(self, call, sources, addrs).await.map_err(|e| {
            tracing::warn!(error = e, "could not build the peer connection");
            audio.stop();
            if let Some(v) = video {
                v.stop();
            }
            webrtc_error("Cannot init connection")
        })
    }

    fn announce_local_stream(&self, media: &CallMedia) {
        if let Some((id, _)) = &media.local_stream {
            self.emit(Event::LocalStreamArrived(StreamArrived::new(id)));
        }
    }

    /// `startFreeCall({mediaType, toUserId})` (§3.4): resolves once 186 with the offer is written.
    pub async fn start_free_call(&self, options: StartFreeCallOptions) -> Result<(), ApiError> {
        const SEND_FAIL: &str = "Cannot send start free call data, start free call fail";
        let serial = next_serial();
        let call_id = self.next_id();
        let reference = {
            let mut current = self.call_state().lock();
            if current.is_some() {
                return Err(ApiError::unexpected("Cannot start free call when currently on call"));
            }
            if !self.is_connected() {
                return Err(ApiError::new(ErrorCode::SocketNotConnected, SEND_FAIL));
            }
            let call = Call {
                kind: CallKind::Free,
                serial,
                call_id,
                media_type: options.media_type,
                is_caller: true,
                status: call::CALL_STATUS_FREE_CALL_CONNECTING,
                peer: options.to_user_id,
                offer: None,
                remote_candidates: Vec::new(),
                media: None,
                signalled: false,
                audio_on: true,
                video_on: options.media_type == call::CALL_MEDIA_TYPE_VIDEO,
                camera_back: false,
            };
            let reference = call.reference();
            *current = Some(call);
            reference
        };
        let cancelled = || ApiError::unexpected("Free call stopped before it started");
        let fail = |error: ApiError| {
            self.call_state().take(serial);
            error
        };
        let sources = self.open_sources(options.media_type).map_err(fail)?;
        let media = self.build_media(reference, sources).await.map_err(fail)?;
        if !self.call_state().is_current(serial) {
            media.close(self).await;
            return Err(cancelled());
        }
        self.announce_local_stream(&media);
        let offer = match media.offer().await {
            Ok(offer) => offer,
            Err(e) => {
                tracing::warn!(error = e, "could not create the offer");
                self.call_state().take(serial);
                media.close(self).await;
                return Err(webrtc_error("Cannot init connection"));
            }
        };
        let body = FreeCallStartBody { call_id, media_type: options.media_type, to: options.to_user_id, sdp: offer };
        let sent = {
            let mut current = self.call_state().lock();
            match current.as_mut() {
                Some(call) if call.serial == serial => match self.send(Service::FREE_CALL_START, &body, SEND_FAIL) {
                    Ok(()) => {
                        call.media = Some(Arc::clone(&media));
                        call.signalled = true;
                        media.send(Cmd::SignallingReady);
                        Ok(())
                    }
                    Err(e) => {
                        current.take();
                        Err(e)
                    }
                },
                _ => Err(cancelled()),
            }
        };
        if sent.is_err() {
            media.close(self).await;
        }
        sent
    }

    /// `stopFreeCall()` (§3.5).
    pub async fn stop_free_call(&self) -> Result<(), ApiError> {
        let call = {
            let mut current = self.call_state().lock();
            let Some(call) = current.as_ref().filter(|c| c.is_free()) else {
                return Err(ApiError::unexpected("Cannot stop free call when not currently on free call"));
            };
            if !matches!(
                call.status,
                call::CALL_STATUS_FREE_CALL_CONNECTING
                    | call::CALL_STATUS_FREE_CALL_RINGING
                    | call::CALL_STATUS_FREE_CALL_ANSWERED
            ) {
                return Err(ApiError::unexpected(
                    "Cannot stop free call when current status is not connecting or ringing or answered",
                ));
            }
            if call.signalled
                && let Err(e) = self.send_stop(call, "Cannot send stop free call data, stop free call fail")
            {
                if !Self::waits_for_connection(call) {
                    return Err(e);
                }
                // An answered call kept across a dropped connection ends here now; the peer hears of it once the
                // engine is connected again (or from the server when its grace period for this side ends).
                let stop =
                    FreeCallStatus { call_id: call.call_id, to: call.peer, status: call::CALL_STATUS_FREE_CALL_STOP };
                *self.call_state().pending_stop.lock().unwrap_or_else(|p| p.into_inner()) = Some(stop);
            }
            current.take()
        };
        if let Some(call) = call {
            teardown(self, call).await;
        }
        Ok(())
    }

    /// Checks the callee-side preconditions of answer/reject/not answer (`verb`: "answer", "reject",
    /// "not answer").
    fn check_incoming(call: Option<&Call>, verb: &str) -> Result<(), ApiError> {
        let Some(call) = call.filter(|c| c.is_free()) else {
            return Err(ApiError::unexpected(format!("Cannot {verb} free call when not currently on free call")));
        };
        if call.is_caller {
            return Err(ApiError::unexpected(format!("Cannot {verb} free call when is caller")));
        }
        if !matches!(call.status, call::CALL_STATUS_FREE_CALL_CONNECTING | call::CALL_STATUS_FREE_CALL_RINGING) {
            return Err(ApiError::unexpected(format!(
                "Cannot {verb} free call when current status is not connecting or ringing"
            )));
        }
        Ok(())
    }

    /// 188/`status` to the peer of the ringing call, then clears it (reject, not answer).
    async fn end_incoming(&self, verb: &str, status: i64, send_fail: &str) -> Result<(), ApiError> {
        let call = {
            let mut current = self.call_state().lock();
            Self::check_incoming(current.as_ref(), verb)?;
            if let Some(call) = current.as_ref() {
                let body = FreeCallStatus { call_id: call.call_id, to: call.peer, status };
                self.send(Service::FREE_CALL_STATUS_CHANGED, &body, send_fail)?;
            }
            current.take()
        };
        if let Some(call) = call {
            teardown(self, call).await;
        }
        Ok(())
    }

    /// `rejectFreeCall()` (§3.7): 188/603.
    pub async fn reject_free_call(&self) -> Result<(), ApiError> {
        self.end_incoming(
            "reject",
            call::CALL_STATUS_FREE_CALL_REJECTED,
            "Cannot send reject free call data, reject free call fail",
        )
        .await
    }

    /// `notAnswerFreeCall()` (§3.8): 188/400.
    pub async fn not_answer_free_call(&self) -> Result<(), ApiError> {
        self.end_incoming(
            "not answer",
            call::CALL_STATUS_FREE_CALL_NOT_ANSWERED,
            "Cannot send not answer free call data, not answer free call fail",
        )
        .await
    }

    /// `answerFreeCall()` (§3.6): opens the media, applies the offer, then writes 188/200 and the answer (187
    /// type 1), in that order.
    pub async fn answer_free_call(&self) -> Result<(), ApiError> {
        const SEND_FAIL: &str = "Cannot send answer free call data, answer free call fail";
        let (reference, offer) = {
            let mut current = self.call_state().lock();
            Self::check_incoming(current.as_ref(), "answer")?;
            let Some(call) = current.as_mut() else {
                return Err(ApiError::unexpected("Cannot answer free call when not currently on free call"));
            };
            // Claims the answer: a second answerFreeCall now fails the status check.
            call.status = call::CALL_STATUS_FREE_CALL_ANSWERED;
            (call.reference(), call.offer.clone())
        };
        let serial = reference.serial;
        let gone = || ApiError::unexpected("Cannot answer free call when not currently on free call");
        let sources = self.open_sources(reference.media_type).map_err(|e| self.abandon(serial, e))?;
        let media = self.build_media(reference, sources).await.map_err(|e| self.abandon(serial, e))?;
        if !self.call_state().is_current(serial) {
            media.close(self).await;
            return Err(gone());
        }
        self.announce_local_stream(&media);
        let answer = match offer {
            Some(offer) => media.answer(&offer).await,
            None => Err("no offer".to_owned()),
        };
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = e, "could not answer the offer");
                let error = self.abandon(serial, webrtc_error("Cannot init connection"));
                media.close(self).await;
                return Err(error);
            }
        };
        let result = {
            let mut current = self.call_state().lock();
            match current.as_mut() {
                Some(call) if call.serial == serial => {
                    let status = FreeCallStatus {
                        call_id: call.call_id,
                        to: call.peer,
                        status: call::CALL_STATUS_FREE_CALL_ANSWERED,
                    };
                    match self.send(Service::FREE_CALL_STATUS_CHANGED, &status, SEND_FAIL) {
                        Ok(()) => {
                            let data = FreeCallData {
                                call_id: call.call_id,
                                to: call.peer,
                                data_type: call::CALL_WEBRTC_DATA_TYPE_SESSION_DESCRIPTION,
                                data: CallData::Description(answer),
                            };
                            if self.send(Service::FREE_CALL_DATA, &data, SEND_FAIL).is_err() {
                                tracing::warn!("the answer SDP was not sent: not connected");
                            }
                            for c in call.remote_candidates.drain(..) {
                                media.send(Cmd::RemoteCandidate(c));
                            }
                            media.send(Cmd::SignallingReady);
                            call.offer = None;
                            call.media = Some(Arc::clone(&media));
                            Ok(())
                        }
                        Err(e) => {
                            current.take();
                            Err(e)
                        }
                    }
                }
                _ => Err(gone()),
            }
        };
        if result.is_err() {
            media.close(self).await;
        }
        result
    }

    /// Tells the other side that `call` ends here: 188/700 to the peer of a free call, 502 for a callout, 506 700
    /// for a call-in. `send_fail` is the method's text for `ERR_SOCKET_NOT_CONNECTED`.
    fn send_stop(&self, call: &Call, send_fail: &str) -> Result<(), ApiError> {
        match &call.kind {
            CallKind::Free => {
                let body =
                    FreeCallStatus { call_id: call.call_id, to: call.peer, status: call::CALL_STATUS_FREE_CALL_STOP };
                self.send(Service::FREE_CALL_STATUS_CHANGED, &body, send_fail)
            }
            CallKind::Callout(callout) => {
                let body = CalloutStop { call_id: call.call_id, to: callout.to.clone() };
                self.send(Service::CALLOUT_STOP_SEND, &body, send_fail)
            }
            CallKind::Callin(callin) => {
                let body =
                    Self::callin_status(call, callin, call::CALL_STATUS_CALLIN_STATUS_STOP, callin.stop_tags.clone());
                self.send(Service::CALLIN_STATUS_CHANGED, &body, send_fail)
            }
        }
    }

    /// Ends the call `serial` here, if it is still the current one, and tells the other side ([`Calls::send_stop`]);
    /// returns what ended it.
    fn end_here(&self, serial: u64) -> Option<Call> {
        let call = self.call_state().take(serial)?;
        if self.send_stop(&call, "").is_err() {
            tracing::debug!(call_id = call.call_id, "the hang-up was not sent: not connected");
        }
        Some(call)
    }

    /// A local failure while answering or setting up a call the other side already knows (Q17 for free calls): the
    /// call ends here, the other side is told, and `error` is what the method rejects with.
    fn abandon(&self, serial: u64, error: ApiError) -> ApiError {
        if let Some(call) = self.end_here(serial) {
            teardown_later(self, call);
        }
        error
    }

    /// A failure after the call settled (see the module docs): a hang-up.
    pub(crate) async fn end_call_after_failure(&self, serial: u64) {
        let Some(call) = self.end_here(serial) else { return };
        self.emit(stop_event(&call));
        teardown_later(self, call);
    }

    /// The connection closed (`lost`: not by `disconnect()`). Ends the call, except an answered free call when the
    /// engine reconnects by itself (`reconnecting`): that one waits for the connection (see [`peer`]'s restarts).
    pub(crate) fn end_call_on_connection_closed(&self, lost: bool, reconnecting: bool) {
        let call = {
            let mut current = self.call_state().lock();
            if let Some(call) = current.as_ref().filter(|c| lost && reconnecting && Self::waits_for_connection(c))
                && let Some(media) = &call.media
            {
                tracing::info!(call_id = call.call_id, "the connection dropped; the call waits for it");
                media.send(Cmd::SignallingLost);
                return;
            }
            current.take()
        };
        let Some(call) = call else { return };
        if lost {
            self.emit(stop_event(&call));
        }
        teardown_later(self, call);
    }

    /// An answered free call with media: the kind of call kept across a dropped connection.
    fn waits_for_connection(call: &Call) -> bool {
        call.is_free() && call.status == call::CALL_STATUS_FREE_CALL_ANSWERED && call.media.is_some()
    }

    /// Tells the media of an answered free call about `cmd` (a network change, the connection back).
    fn tell_answered_call(&self, cmd: Cmd) {
        let current = self.call_state().lock();
        if let Some(call) = current.as_ref().filter(|c| Self::waits_for_connection(c))
            && let Some(media) = &call.media
        {
            media.send(cmd);
        }
    }

    /// `networkChanged()`: an answered free call restarts ICE (see [`peer`]).
    pub(crate) fn on_network_changed(&self) {
        self.tell_answered_call(Cmd::NetworkChanged);
    }

    /// The engine authenticated again after its connection dropped: an answered free call restarts ICE.
    pub(crate) fn on_reauthenticated(&self) {
        let stop = self.call_state().pending_stop.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(stop) = stop
            && self.send(Service::FREE_CALL_STATUS_CHANGED, &stop, "").is_err()
        {
            tracing::debug!(call_id = stop.call_id, "the hang-up of a call stopped offline was not sent");
        }
        self.tell_answered_call(Cmd::SignallingBack);
    }

    /// The ICE username fragment of the current call's remote description, and how many ICE restarts the call
    /// completed (diagnostics: a restart changes the fragment).
    pub async fn ice_restart_info(&self) -> Option<(String, u64)> {
        let media = self.call_state().lock().as_ref().and_then(|c| c.media.clone())?;
        let remote = media.pc.current_remote_description().await?;
        let ufrag = remote.sdp.lines().find_map(|l| l.trim().strip_prefix("a=ice-ufrag:"))?.to_owned();
        Some((ufrag, media.ice_restarts.load(Ordering::Relaxed)))
    }

    /// Ends the call without telling anyone (engine shutdown).
    pub(crate) async fn end_call_on_shutdown(&self) {
        let call = self.call_state().lock().take();
        if let Some(call) = call {
            teardown(self, call).await;
        }
    }

    /// `toggleAudioState({state?})` (§3.15).
    pub fn toggle_audio_state(&self, state: Option<i64>) -> Result<AudioState, ApiError> {
        let mut current = self.call_state().lock();
        let Some(call) = current.as_mut() else {
            return Err(ApiError::unexpected("Cannot toggle audio state when not currently on call"));
        };
        let Some(media) = &call.media else {
            return Err(ApiError::unexpected("Cannot toggle audio state, local stream not found"));
        };
        call.audio_on = match state {
            Some(s) => s != call::CALL_WEBRTC_AUDIO_STATE_OFF,
            None => !call.audio_on,
        };
        media.audio_enabled.store(call.audio_on, Ordering::Relaxed);
        Ok(AudioState { audio_state: i64::from(call.audio_on) })
    }

    /// `toggleVideoState({state?})` (§3.16).
    pub fn toggle_video_state(&self, state: Option<i64>) -> Result<VideoState, ApiError> {
        let mut current = self.call_state().lock();
        let Some(call) = current.as_mut() else {
            return Err(ApiError::unexpected("Cannot toggle video state when not currently on call"));
        };
        let Some(media) = &call.media else {
            return Err(ApiError::unexpected("Cannot toggle video state, local stream not found"));
        };
        if call.media_type != call::CALL_MEDIA_TYPE_VIDEO {
            return Err(ApiError::unexpected("Cannot toggle video state, no video used"));
        }
        if media.sources.video.is_none() {
            return Err(ApiError::unexpected("Cannot toggle video state, no video stream found"));
        }
        call.video_on = match state {
            Some(s) => s != call::CALL_WEBRTC_VIDEO_STATE_OFF,
            None => !call.video_on,
        };
        media.video_enabled.store(call.video_on, Ordering::Relaxed);
        Ok(VideoState { video_state: i64::from(call.video_on) })
    }

    /// `switchCameraType()` (§3.17).
    pub fn switch_camera_type(&self) -> Result<CameraType, ApiError> {
        let mut current = self.call_state().lock();
        let Some(call) = current.as_mut() else {
            return Err(ApiError::unexpected("Cannot switch camera type when not currently on call"));
        };
        let Some(media) = &call.media else {
            return Err(ApiError::unexpected("Cannot switch camera type, local stream not found"));
        };
        if call.media_type != call::CALL_MEDIA_TYPE_VIDEO {
            return Err(ApiError::unexpected("Cannot switch camera type, no video used"));
        }
        let Some(source) = &media.sources.video else {
            return Err(ApiError::unexpected("Cannot toggle video state, no video stream found"));
        };
        source.switch_camera();
        call.camera_back = !call.camera_back;
        let camera =
            if call.camera_back { call::CALL_WEBRTC_CAMERA_TYPE_BACK } else { call::CALL_WEBRTC_CAMERA_TYPE_FRONT };
        Ok(CameraType { camera_type: camera.to_owned() })
    }

    /// Routes 186/187/188/199 (from [`crate::router`]).
    pub(crate) fn on_free_call_packet(&self, service: Service, envelope: &Envelope) {
        match service {
            Service::FREE_CALL_START => self.on_free_call_start(envelope),
            Service::FREE_CALL_DATA => self.on_free_call_data(envelope),
            Service::FREE_CALL_STATUS_CHANGED => {
                if let Some(p) = decode::<FreeCallStatusFromPeer>(envelope) {
                    self.on_status(p.call_id, p.status, false);
                }
            }
            Service::FREE_CALL_STATUS_CHANGED_BY_ME => {
                if let Some(p) = decode::<FreeCallStatusByMe>(envelope) {
                    self.on_status(p.call_id, p.status, true);
                }
            }
            _ => {}
        }
    }

    /// 186: ring when idle (188/180, `onFreeCallStart`), answer BUSY (188/600) otherwise.
    fn on_free_call_start(&self, envelope: &Envelope) {
        let Some(p) = decode::<FreeCallStartFromPeer>(envelope) else { return };
        let (from, start) = (p.from, p.body);
        if !matches!(start.media_type, call::CALL_MEDIA_TYPE_AUDIO | call::CALL_MEDIA_TYPE_VIDEO)
            || start.sdp.sdp_type != "offer"
        {
            tracing::warn!(
                media_type = start.media_type,
                "dropped a free call start that is not an audio or video offer"
            );
            return;
        }
        let reply = |status: i64| {
            let body = FreeCallStatus { call_id: start.call_id, to: from, status };
            if self.send(Service::FREE_CALL_STATUS_CHANGED, &body, "").is_err() {
                tracing::debug!(status, "could not answer a free call start: not connected");
            }
        };
        {
            let mut current = self.call_state().lock();
            if current.is_some() {
                reply(call::CALL_STATUS_FREE_CALL_BUSY);
                return;
            }
            *current = Some(Call {
                kind: CallKind::Free,
                serial: next_serial(),
                call_id: start.call_id,
                media_type: start.media_type,
                is_caller: false,
                status: call::CALL_STATUS_FREE_CALL_RINGING,
                peer: from,
                offer: Some(start.sdp),
                remote_candidates: Vec::new(),
                media: None,
                signalled: true,
                audio_on: true,
                video_on: start.media_type == call::CALL_MEDIA_TYPE_VIDEO,
                camera_back: false,
            });
            reply(call::CALL_STATUS_FREE_CALL_RINGING);
        }
        self.emit(Event::FreeCallStart(FreeCallStart {
            media_type: start.media_type,
            from_user_id: from,
            to_user_id: start.to,
        }));
    }

    /// 187: the answer SDP (type 1) or a candidate (type 2) of the current call.
    fn on_free_call_data(&self, envelope: &Envelope) {
        let Some(p) = decode::<FreeCallDataFromPeer>(envelope) else { return };
        let data = p.body;
        let mut current = self.call_state().lock();
        let Some(call) = current.as_mut().filter(|c| c.is_free() && c.call_id == data.call_id) else {
            tracing::debug!(call_id = data.call_id, "ignored free call data for another call");
            return;
        };
        match (data.data_type, data.data) {
            // The caller's answer, or (answered calls) an ICE restart offer or answer: the actor sorts them out.
            (call::CALL_WEBRTC_DATA_TYPE_SESSION_DESCRIPTION, CallData::Description(d)) => match &call.media {
                Some(media) => media.send(Cmd::RemoteDescription(d)),
                None => tracing::debug!("ignored a session description the callee does not expect"),
            },
            (call::CALL_WEBRTC_DATA_TYPE_ICE_CANDIDATE, CallData::Candidate(c)) => match &call.media {
                Some(media) => media.send(Cmd::RemoteCandidate(c)),
                None => call.remote_candidates.push(c),
            },
            (kind, _) => tracing::debug!(kind, "ignored free call data of an unexpected type or shape"),
        }
    }

    /// 188 (`by_me` false) and 199 (`by_me` true) for the current call.
    fn on_status(&self, call_id: i64, status: i64, by_me: bool) {
        let (event, ended) = {
            let mut current = self.call_state().lock();
            let Some(call) = current.as_mut().filter(|c| c.is_free() && c.call_id == call_id) else {
                tracing::debug!(call_id, status, "ignored a free call status for another call");
                return;
            };
            let (event, terminal) = status_event(status, by_me);
            if terminal {
                (event, current.take())
            } else {
                if !by_me {
                    call.status = status;
                }
                (event, None)
            }
        };
        self.emit(event);
        if let Some(call) = ended {
            teardown_later(self, call);
        }
    }
}

fn decode<T: serde::de::DeserializeOwned>(envelope: &Envelope) -> Option<T> {
    match envelope.decode::<T>() {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::warn!(service = envelope.service, error = %e, "dropped a malformed call packet");
            None
        }
    }
}

#[cfg(test)]
mod tests;
