//! One call's media: the webrtc-rs peer connection, its tracks, the signalling actor and the media loops.
//!
//! [`CallMedia::build`] makes the peer connection (ICE servers from svc 162, bundle policy balanced, Opus and —
//! for video calls — H.264 only, default interceptors: NACK, RTCP reports), adds the local tracks and spawns the
//! *actor*: one task that applies, in order, what happens to the call's signalling — remote descriptions, remote
//! candidates (buffered until a remote description is set, on both sides: PROTOCOL.md §5.2 engine rule), local
//! candidates (buffered until the offer or answer has been written, then trickled as 187 type 2), connection state
//! changes (media loops start once connected; a failed connection ends the call) and remote tracks (a receive loop
//! each; the first one of a video call fires `onRemoteStreamArrived`).
//!
//! Phone calls (callout, call-in) do not trickle: their SDP goes to the server once, with every local candidate
//! appended (PROTOCOL.md §5.4). For them ([`CallRef::trickle`] false) the actor collects the local candidates
//! instead of sending them, and [`CallMedia::gathered_candidates`] hands them over once ICE gathering completes.
//!
//! Once a free call is answered, the actor also restarts ICE when the network changes or the connection to the
//! server comes back, and when the media connection is lost: see [`restart`].
//!
//! [`CallMedia::close`] aborts every task, stops the sources, closes the peer connection (its sockets and driver)
//! and forgets the streams; the resource guards of [`super::resources`] are released on the way.

mod restart;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use azstack_protocol::Service;
use azstack_protocol::bodies::calls::{CallData, FreeCallData, IceCandidate, SessionDescription};
use azstack_protocol::constants::call;
use azstack_protocol::media::opus;
use rtc::ice::mdns::MulticastDnsMode;
use rtc::interceptor::Registry;
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::interceptor_registry::register_default_interceptors;
use rtc::peer_connection::configuration::media_engine::{MIME_TYPE_H264, MediaEngine};
use rtc::rtp_transceiver::rtp_sender::{
    RTCPFeedback, RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use tokio::sync::mpsc;
use webrtc::media_stream::Track as _;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCBundlePolicy, RTCConfigurationBuilder,
    RTCIceCandidateInit, RTCIceGatheringState, RTCIceServer, RTCPeerConnectionIceEvent, RTCPeerConnectionState,
    RTCSessionDescription, SettingEngineBuilder,
};
use webrtc::rtp_transceiver::RtpSender;

use super::resources::{Counters, Held, Kind, spawn_counted};
use super::{Calls, WeakCalls};
use super::{StreamArrived, StreamSinks};
use crate::events::Event;
use crate::media::rtp::{self, TrackOut};
use crate::media::{AudioSource, VideoSource, codec};

/// Frames between forced keyframes (one a second at 30 fps) so a receiver that lost packets recovers.
const KEYFRAME_INTERVAL: u32 = 30;

/// The capture devices of one call.
pub(crate) struct Sources {
    pub audio: Arc<dyn AudioSource>,
    pub video: Option<Arc<dyn VideoSource>>,
}

/// What the actor is told.
pub(crate) enum Cmd {
    RemoteDescription(SessionDescription),
    /// The callee applied the offer itself (`answerFreeCall`): remote candidates may be added from now on.
    RemoteApplied,
    RemoteCandidate(IceCandidate),
    LocalCandidate(RTCPeerConnectionIceEvent),
    /// The offer (186) or answer (187 type 1) is written: trickle local candidates from now on.
    SignallingReady,
    State(RTCPeerConnectionState),
    Track(Arc<dyn TrackRemote>),
    /// ICE gathering completed (every local candidate has been reported).
    GatheringComplete,
    /// The device's network changed (`networkChanged()`): restart ICE.
    NetworkChanged,
    /// The engine's connection to the server dropped; the call waits for it (bounded).
    SignallingLost,
    /// The engine is authenticated again after a drop: restart ICE (or resend the restart in flight).
    SignallingBack,
    /// A timer of [`restart`] fired.
    Timer(restart::Timer),
}

/// Who the call is with and how it is identified, for the actor's packets and reports.
#[derive(Clone, Copy)]
pub(crate) struct CallRef {
    pub serial: u64,
    pub call_id: i64,
    pub peer: i64,
    pub media_type: i64,
    /// Free calls trickle local candidates as 187; phone calls collect them for their one SDP.
    pub trickle: bool,
    /// This side started the call (the impolite peer when ICE restarts cross).
    pub caller: bool,
}

pub(crate) struct CallMedia {
    pub pc: Arc<dyn PeerConnection>,
    pub sources: Sources,
    pub audio_enabled: Arc<AtomicBool>,
    pub video_enabled: Arc<AtomicBool>,
    /// The local stream (video calls): its id and preview sinks.
    pub local_stream: Option<(String, Arc<StreamSinks>)>,
    pub remote_stream: (String, Arc<StreamSinks>),
    audio_track: Arc<TrackLocalStaticSample>,
    audio_sender: Arc<dyn RtpSender>,
    video: Option<(Arc<TrackLocalStaticSample>, Arc<dyn RtpSender>)>,
    cmds: mpsc::UnboundedSender<Cmd>,
    /// Local candidate lines (`candidate:...`) of a call that does not trickle.
    gathered: Mutex<Vec<String>>,
    gathering_done: tokio::sync::watch::Sender<bool>,
    tasks: Mutex<Vec<tokio::task::AbortHandle>>,
    held: Mutex<Vec<Held>>,
    closed: AtomicBool,
    /// ICE restarts completed (an offer and its answer applied), for diagnostics and tests.
    pub ice_restarts: AtomicU64,
}

struct Handler {
    cmds: mpsc::UnboundedSender<Cmd>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        let _ = self.cmds.send(Cmd::LocalCandidate(event));
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        let _ = self.cmds.send(Cmd::State(state));
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let _ = self.cmds.send(Cmd::Track(track));
    }

    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        if state == RTCIceGatheringState::Complete {
            let _ = self.cmds.send(Cmd::GatheringComplete);
        }
    }
}

fn opus_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: opus::MIME_TYPE.to_owned(),
        clock_rate: opus::CLOCK_RATE,
        channels: opus::SDP_CHANNELS,
        sdp_fmtp_line: opus::FMTP.to_owned(),
        rtcp_feedback: vec![],
    }
}

fn h264_codec() -> RTCRtpCodec {
    let feedback = |typ: &str, parameter: &str| RTCPFeedback { typ: typ.to_owned(), parameter: parameter.to_owned() };
    RTCRtpCodec {
        mime_type: MIME_TYPE_H264.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f".to_owned(),
        rtcp_feedback: vec![feedback("nack", ""), feedback("nack", "pli"), feedback("ccm", "fir")],
    }
}

/// The ICE servers of svc 162 as webrtc-rs wants them; entries whose URL does not parse are skipped (logged).
fn ice_servers(engine: &Calls) -> Vec<RTCIceServer> {
    engine
        .ice_servers()
        .into_iter()
        .flat_map(|s| {
            let urls: Vec<String> = s
                .url
                .split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .filter(|u| {
                    let ok = rtc::ice::url::Url::parse_url(u).is_ok();
                    if !ok {
                        tracing::warn!(url = u, "skipped an ICE server whose URL does not parse");
                    }
                    ok
                })
                .map(str::to_owned)
                .collect();
            (!urls.is_empty()).then_some(RTCIceServer { urls, username: s.username, credential: s.password })
        })
        .collect()
}

fn local_track(
    stream_id: &str,
    kind: RtpCodecKind,
    codec: RTCRtpCodec,
) -> webrtc::error::Result<TrackLocalStaticSample> {
    let name = if kind == RtpCodecKind::Video { "video" } else { "audio" };
    TrackLocalStaticSample::new(
        Instant::now(),
        MediaStreamTrack::new(
            stream_id.to_owned(),
            format!("{stream_id}-{name}"),
            name.to_owned(),
            kind,
            vec![RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters {
                    ssrc: Some(rand::random::<u32>()),
                    ..Default::default()
                },
                codec,
                ..Default::default()
            }],
        ),
    )
}

/// The API's SDP object as webrtc-rs's.
pub(crate) fn to_rtc_description(d: &SessionDescription) -> Option<RTCSessionDescription> {
    match d.sdp_type.as_str() {
        "offer" => RTCSessionDescription::offer(d.sdp.clone()).ok(),
        "answer" => RTCSessionDescription::answer(d.sdp.clone()).ok(),
        _ => None,
    }
}

fn from_rtc_description(d: &RTCSessionDescription) -> SessionDescription {
    SessionDescription { sdp_type: d.sdp_type.to_string(), sdp: d.sdp.clone() }
}

impl CallMedia {
    /// Builds the peer connection and tracks of a call and starts its actor. `Err` means `Cannot init connection`.
    pub(crate) async fn build(
        engine: &Calls,
        call: CallRef,
        sources: Sources,
        udp_addrs: Vec<String>,
    ) -> Result<Arc<CallMedia>, String> {
        let calls = engine.call_state();
        let counters = Arc::clone(&calls.counters);
        let video_call = call.media_type == call::CALL_MEDIA_TYPE_VIDEO;
        let mut media_engine = MediaEngine::default();
        let audio_params = RTCRtpCodecParameters { rtp_codec: opus_codec(), payload_type: opus::PAYLOAD_TYPE };
        media_engine.register_codec(audio_params, RtpCodecKind::Audio).map_err(|e| e.to_string())?;
        if video_call {
            let video_params = RTCRtpCodecParameters { rtp_codec: h264_codec(), payload_type: 102 };
            media_engine.register_codec(video_params, RtpCodecKind::Video).map_err(|e| e.to_string())?;
        }
        let registry = register_default_interceptors(Registry::new(), &mut media_engine).map_err(|e| e.to_string())?;
        let config = RTCConfigurationBuilder::new()
            .with_ice_servers(ice_servers(engine))
            .with_bundle_policy(RTCBundlePolicy::Balanced)
            .build();
        let (cmds, rx) = mpsc::unbounded_channel();
        // No mDNS: webrtc-rs's default (query-only) opens a multicast socket on port 5353 for every call, which fails the
        // call where multicast is not allowed (iOS without the multicast entitlement) and shows iOS's Local Network
        // prompt. Host candidates use IP addresses; `.local` candidates from browsers are dropped (STUN/TURN candidates
        // still connect such a peer).
        // An ICE restart rebinds the UDP sockets: after a network change the old ones may be bound to an address that
        // is gone, or sit behind a NAT mapping that no longer exists.
        let settings = SettingEngineBuilder::new()
            .with_multicast_dns_mode(MulticastDnsMode::Disabled)
            .with_discard_local_candidates_during_ice_restart(true)
            .build();
        let pc = PeerConnectionBuilder::new()
            .with_setting_engine(settings)
            .with_configuration(config)
            .with_media_engine(media_engine)
            .with_interceptor_registry(registry)
            .with_handler(Arc::new(Handler { cmds: cmds.clone() }))
            .with_udp_addrs(udp_addrs)
            .build()
            .await
            .map_err(|e| e.to_string())?;
        let pc: Arc<dyn PeerConnection> = Arc::new(pc);
        let mut held = vec![counters.hold(Kind::PeerConnection)];

        let serial_tag = format!("{}-{}", call.call_id, call.serial);
        let local_id = format!("azstack-local-{serial_tag}");
        let remote_id = format!("azstack-remote-{serial_tag}");
        let tracks = async {
            let audio_track = Arc::new(local_track(&local_id, RtpCodecKind::Audio, opus_codec())?);
            let audio_sender = pc.add_track(Arc::clone(&audio_track) as Arc<dyn TrackLocal>).await?;
            let video = if video_call {
                let track = Arc::new(local_track(&local_id, RtpCodecKind::Video, h264_codec())?);
                let sender = pc.add_track(Arc::clone(&track) as Arc<dyn TrackLocal>).await?;
                Some((track, sender))
            } else {
                None
            };
            webrtc::error::Result::Ok((audio_track, audio_sender, video))
        };
        let (audio_track, audio_sender, video) = match tracks.await {
            Ok(t) => t,
            Err(e) => {
                let _ = pc.close().await;
                return Err(e.to_string());
            }
        };
        held.push(counters.hold(Kind::Track));
        if video.is_some() {
            held.push(counters.hold(Kind::Track));
        }

        let local_stream = video_call.then(|| (local_id.clone(), calls.register_stream(&local_id)));
        let remote_sinks = calls.register_stream(&remote_id);
        if let Some(output) = calls.devices().audio_output() {
            remote_sinks.audio.add(output);
        }
        let media = Arc::new(CallMedia {
            pc,
            sources,
            audio_enabled: Arc::new(AtomicBool::new(true)),
            video_enabled: Arc::new(AtomicBool::new(true)),
            local_stream,
            remote_stream: (remote_id, remote_sinks),
            audio_track,
            audio_sender,
            video,
            cmds,
            gathered: Mutex::new(Vec::new()),
            gathering_done: tokio::sync::watch::Sender::new(false),
            tasks: Mutex::new(Vec::new()),
            held: Mutex::new(held),
            closed: AtomicBool::new(false),
            ice_restarts: AtomicU64::new(0),
        });
        let actor = Actor {
            engine: engine.downgrade(),
            media: Arc::downgrade(&media),
            counters: Arc::clone(&counters),
            call,
            ready: false,
            local_pending: Vec::new(),
            has_remote: false,
            remote_pending: Vec::new(),
            started: false,
            remote_announced: false,
            restarts: restart::Restarts::default(),
        };
        let handle = spawn_counted(&counters, actor.run(rx));
        media.keep_task(handle);
        Ok(media)
    }

    pub(crate) fn keep_task(&self, handle: tokio::task::AbortHandle) {
        if self.closed.load(Ordering::SeqCst) {
            handle.abort();
            return;
        }
        self.tasks.lock().unwrap_or_else(|p| p.into_inner()).push(handle);
    }

    pub(crate) fn send(&self, cmd: Cmd) {
        let _ = self.cmds.send(cmd);
    }

    /// Caller: creates the offer and sets it as the local description.
    pub(crate) async fn offer(&self) -> Result<SessionDescription, String> {
        let offer = self.pc.create_offer(None).await.map_err(|e| e.to_string())?;
        self.pc.set_local_description(offer.clone()).await.map_err(|e| e.to_string())?;
        Ok(from_rtc_description(&offer))
    }

    /// Callee: applies the caller's offer, creates the answer and sets it as the local description.
    pub(crate) async fn answer(&self, offer: &SessionDescription) -> Result<SessionDescription, String> {
        let remote = to_rtc_description(offer).ok_or_else(|| "the offer is not an SDP offer".to_owned())?;
        self.pc.set_remote_description(remote).await.map_err(|e| e.to_string())?;
        let answer = self.pc.create_answer(None).await.map_err(|e| e.to_string())?;
        self.pc.set_local_description(answer.clone()).await.map_err(|e| e.to_string())?;
        self.send(Cmd::RemoteApplied);
        Ok(from_rtc_description(&answer))
    }

    /// The local candidate lines (`candidate:...`) of a call that does not trickle, once ICE gathering completed
    /// or `within` passed (then those gathered so far: an unreachable STUN or TURN server must not hold the call).
    pub(crate) async fn gathered_candidates(&self, within: std::time::Duration) -> Vec<String> {
        let mut done = self.gathering_done.subscribe();
        if tokio::time::timeout(within, done.wait_for(|d| *d)).await.is_err() {
            tracing::info!("ICE gathering did not complete in {within:?}; sending the candidates gathered so far");
        }
        self.gathered.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Releases everything. Idempotent.
    pub(crate) async fn close(&self, engine: &Calls) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for task in tasks {
            task.abort();
        }
        self.sources.audio.stop();
        if let Some(v) = &self.sources.video {
            v.stop();
        }
        if let Err(e) = self.pc.close().await {
            tracing::debug!(error = %e, "closing the peer connection");
        }
        let calls = engine.call_state();
        if let Some((id, _)) = &self.local_stream {
            calls.forget_stream(id);
        }
        calls.forget_stream(&self.remote_stream.0);
        self.held.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// The per-call signalling actor (see the module docs).
struct Actor {
    engine: WeakCalls,
    media: Weak<CallMedia>,
    counters: Arc<Counters>,
    call: CallRef,
    ready: bool,
    local_pending: Vec<IceCandidate>,
    has_remote: bool,
    remote_pending: Vec<IceCandidate>,
    started: bool,
    remote_announced: bool,
    restarts: restart::Restarts,
}

async fn first_ssrc(track: &TrackLocalStaticSample) -> Option<u32> {
    track.ssrcs().await.first().copied()
}

fn candidate_init(c: &IceCandidate) -> RTCIceCandidateInit {
    RTCIceCandidateInit {
        candidate: c.sdp.clone(),
        sdp_mid: c.sdp_mid.clone(),
        sdp_mline_index: c.sdp_m_line_index.and_then(|i| u16::try_from(i).ok()),
        ..Default::default()
    }
}

impl Actor {
    fn engine(&self) -> Option<Calls> {
        self.engine.upgrade()
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Cmd>) {
        while let Some(cmd) = rx.recv().await {
            let Some(media) = self.media.upgrade() else { return };
            match cmd {
                Cmd::LocalCandidate(event) => {
                    let Ok(init) = event.candidate.to_json() else { continue };
                    let candidate = IceCandidate {
                        // Bundled: every candidate belongs to the first m-line.
                        sdp_mid: Some("0".to_owned()),
                        sdp_m_line_index: Some(0),
                        sdp: init.candidate,
                    };
                    if !self.call.trickle {
                        if !candidate.sdp.is_empty() {
                            media.gathered.lock().unwrap_or_else(|p| p.into_inner()).push(candidate.sdp);
                        }
                    } else if self.ready {
                        self.restarts.gathered(&candidate);
                        self.send_candidate(candidate);
                    } else {
                        self.local_pending.push(candidate);
                    }
                }
                Cmd::SignallingReady => {
                    self.ready = true;
                    for c in std::mem::take(&mut self.local_pending) {
                        self.send_candidate(c);
                    }
                }
                Cmd::RemoteDescription(description) if self.established() => {
                    self.on_renegotiation(&media, description).await;
                }
                Cmd::RemoteDescription(description) => {
                    let Some(remote) = to_rtc_description(&description) else { continue };
                    if let Err(e) = media.pc.set_remote_description(remote).await {
                        tracing::warn!(error = %e, "the remote description was refused; the call ends");
                        self.fail().await;
                        return;
                    }
                    self.has_remote = true;
                    for c in std::mem::take(&mut self.remote_pending) {
                        self.add_remote(&media, &c).await;
                    }
                }
                Cmd::RemoteApplied => {
                    self.has_remote = true;
                    for c in std::mem::take(&mut self.remote_pending) {
                        self.add_remote(&media, &c).await;
                    }
                }
                Cmd::RemoteCandidate(c) => {
                    if self.has_remote {
                        self.add_remote(&media, &c).await;
                    } else {
                        self.remote_pending.push(c);
                    }
                }
                Cmd::State(state) if self.established() => {
                    if state == RTCPeerConnectionState::Connected && !self.started {
                        self.started = true;
                        self.start_media(&media).await;
                    }
                    if self.on_media_state(&media, state).await.is_break() {
                        return;
                    }
                }
                Cmd::State(state) => match state {
                    RTCPeerConnectionState::Connected if !self.started => {
                        self.started = true;
                        self.start_media(&media).await;
                        self.restarts.connected = true;
                    }
                    RTCPeerConnectionState::Failed => {
                        tracing::info!(call_id = self.call.call_id, "the media connection failed; the call ends");
                        self.fail().await;
                        return;
                    }
                    _ => {}
                },
                Cmd::Track(track) => self.on_track(&media, track).await,
                Cmd::GatheringComplete => {
                    media.gathering_done.send_replace(true);
                }
                Cmd::NetworkChanged => self.restart(&media).await,
                Cmd::SignallingLost => self.on_signalling_lost(&media),
                Cmd::SignallingBack => self.on_signalling_back(&media).await,
                Cmd::Timer(timer) => {
                    if self.on_timer(&media, timer).await.is_break() {
                        return;
                    }
                }
            }
        }
    }

    fn send_candidate(&self, candidate: IceCandidate) {
        self.send_data(call::CALL_WEBRTC_DATA_TYPE_ICE_CANDIDATE, CallData::Candidate(candidate));
    }

    /// A 187 of this call to the peer; dropped (logged) while not connected.
    fn send_data(&self, data_type: i64, data: CallData) {
        let Some(engine) = self.engine() else { return };
        let body = FreeCallData { call_id: self.call.call_id, to: self.call.peer, data_type, data };
        if engine.send(Service::FREE_CALL_DATA, &body, "Cannot send free call data").is_err() {
            tracing::debug!(data_type, "free call data was not sent: not connected");
        }
    }

    async fn add_remote(&self, media: &CallMedia, c: &IceCandidate) {
        if let Err(e) = media.pc.add_ice_candidate(candidate_init(c)).await {
            tracing::debug!(error = %e, candidate = c.sdp, "a remote ICE candidate was refused");
        }
    }

    async fn fail(&self) {
        if let Some(engine) = self.engine() {
            engine.end_call_after_failure(self.call.serial).await;
        }
    }

    async fn payload_type(sender: &Arc<dyn RtpSender>, fallback: u8) -> u8 {
        match sender.get_parameters().await {
            Ok(p) => p.rtp_parameters.codecs.first().map(|c| c.payload_type).unwrap_or(fallback),
            Err(_) => fallback,
        }
    }

    async fn start_media(&self, media: &Arc<CallMedia>) {
        // Audio.
        if let (Some(ssrc), Ok(encoder)) = (first_ssrc(&media.audio_track).await, codec::audio_encoder()) {
            let out = TrackOut {
                track: Arc::clone(&media.audio_track),
                ssrc,
                payload_type: Self::payload_type(&media.audio_sender, opus::PAYLOAD_TYPE).await,
            };
            let task =
                rtp::send_audio(out, Arc::clone(&media.sources.audio), Arc::clone(&media.audio_enabled), encoder);
            media.keep_task(spawn_counted(&self.counters, task));
        } else {
            tracing::warn!(
                "no audio is sent: {}",
                codec::audio_encoder().err().map(|e| e.to_string()).unwrap_or_default()
            );
        }
        // Video.
        let (Some((track, sender)), Some(source)) = (&media.video, &media.sources.video) else { return };
        let fps = (1.0 / source.frame_interval().as_secs_f64()).round() as u32;
        match (first_ssrc(track).await, codec::video_encoder(fps, KEYFRAME_INTERVAL)) {
            (Some(ssrc), Ok(encoder)) => {
                let out =
                    TrackOut { track: Arc::clone(track), ssrc, payload_type: Self::payload_type(sender, 102).await };
                let preview = media.local_stream.as_ref().map(|(_, s)| Arc::clone(&s.video)).unwrap_or_default();
                let task = rtp::send_video(out, Arc::clone(source), Arc::clone(&media.video_enabled), preview, encoder);
                media.keep_task(spawn_counted(&self.counters, task));
            }
            (_, Err(e)) => tracing::warn!(error = %e, "no video is sent"),
            (None, _) => tracing::warn!("no video is sent: the track has no SSRC"),
        }
    }

    async fn on_track(&mut self, media: &Arc<CallMedia>, track: Arc<dyn TrackRemote>) {
        let held = self.counters.hold(Kind::Track);
        let sinks = Arc::clone(&media.remote_stream.1);
        let task = if track.kind().await == RtpCodecKind::Video {
            let sinks = Arc::clone(&sinks.video);
            let decoder = codec::video_decoder().ok();
            spawn_counted(&self.counters, async move {
                let _held = held;
                rtp::receive_video(track, sinks, decoder).await;
            })
        } else {
            let sinks = Arc::clone(&sinks.audio);
            let decoder = codec::audio_decoder().ok();
            spawn_counted(&self.counters, async move {
                let _held = held;
                rtp::receive_audio(track, sinks, decoder).await;
            })
        };
        media.keep_task(task);
        if self.call.media_type == call::CALL_MEDIA_TYPE_VIDEO && !self.remote_announced {
            self.remote_announced = true;
            if let Some(engine) = self.engine()
                && engine.call_state().is_current(self.call.serial)
            {
                engine.emit(Event::RemoteStreamArrived(StreamArrived::new(&media.remote_stream.0)));
            }
        }
    }
}
