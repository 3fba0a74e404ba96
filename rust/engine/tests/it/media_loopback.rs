//! The media pipeline without a server: two webrtc-rs peer connections on 127.0.0.1 exchange SDP and candidates
//! directly; a synthetic source → H.264/Opus encoder → RTP (sample track) → depacketiser → decoder → inspectable
//! sink, with the frame counter read back from decoded frames.
#![cfg(feature = "codecs")]

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use azstack_engine::media::rtp::{self, SinkSet, TrackOut};
use azstack_engine::media::synthetic::{AudioStats, TestPattern, Tone, VideoStats};
use azstack_engine::media::{AudioSink, VideoSink, codec};
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::media_engine::{MIME_TYPE_H264, MIME_TYPE_OPUS, MediaEngine};
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use tokio::sync::mpsc;
use webrtc::media_stream::Track;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCIceCandidateInit, RTCPeerConnectionIceEvent,
    RTCPeerConnectionState,
};

const DEADLINE: Duration = Duration::from_secs(15);

enum Ev {
    Candidate(RTCIceCandidateInit),
    Connected,
    Track(Arc<dyn TrackRemote>),
}

struct Handler(mpsc::UnboundedSender<Ev>);

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        if let Ok(init) = event.candidate.to_json() {
            let _ = self.0.send(Ev::Candidate(init));
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        if state == RTCPeerConnectionState::Connected {
            let _ = self.0.send(Ev::Connected);
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let _ = self.0.send(Ev::Track(track));
    }
}

fn h264() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_H264.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f".to_owned(),
        rtcp_feedback: vec![],
    }
}

fn opus() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    }
}

async fn peer() -> (Arc<dyn PeerConnection>, mpsc::UnboundedReceiver<Ev>) {
    let mut media = MediaEngine::default();
    media.register_codec(RTCRtpCodecParameters { rtp_codec: h264(), payload_type: 102 }, RtpCodecKind::Video).unwrap();
    media.register_codec(RTCRtpCodecParameters { rtp_codec: opus(), payload_type: 111 }, RtpCodecKind::Audio).unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    let pc = PeerConnectionBuilder::new()
        .with_media_engine(media)
        .with_handler(Arc::new(Handler(tx)))
        .with_udp_addrs(vec!["127.0.0.1:0".to_owned()])
        .build()
        .await
        .expect("peer connection");
    (Arc::new(pc), rx)
}

fn track(kind: RtpCodecKind, codec: RTCRtpCodec) -> Arc<TrackLocalStaticSample> {
    let id = if kind == RtpCodecKind::Video { "video" } else { "audio" };
    Arc::new(
        TrackLocalStaticSample::new(
            Instant::now(),
            MediaStreamTrack::new(
                "loopback".to_owned(),
                id.to_owned(),
                id.to_owned(),
                kind,
                vec![RTCRtpEncodingParameters {
                    rtp_coding_parameters: RTCRtpCodingParameters { ssrc: Some(rand::random()), ..Default::default() },
                    codec,
                    ..Default::default()
                }],
            ),
        )
        .expect("track"),
    )
}

/// Forwards `from`'s candidates to `to` (whose remote description is set) and reports connected / remote tracks.
fn pump(
    mut events: mpsc::UnboundedReceiver<Ev>,
    to: Arc<dyn PeerConnection>,
    connected: mpsc::UnboundedSender<()>,
    tracks: mpsc::UnboundedSender<Arc<dyn TrackRemote>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(ev) = events.recv().await {
            match ev {
                Ev::Candidate(c) => {
                    let _ = to.add_ice_candidate(c).await;
                }
                Ev::Connected => {
                    let _ = connected.send(());
                }
                Ev::Track(t) => {
                    let _ = tracks.send(t);
                }
            }
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pattern_to_h264_to_rtp_to_decoder_to_sink_keeps_the_counter() {
    let (a, a_events) = peer().await;
    let (b, b_events) = peer().await;
    let video = track(RtpCodecKind::Video, h264());
    let audio = track(RtpCodecKind::Audio, opus());
    let video_sender = a.add_track(Arc::clone(&video) as Arc<dyn TrackLocal>).await.expect("video");
    let audio_sender = a.add_track(Arc::clone(&audio) as Arc<dyn TrackLocal>).await.expect("audio");

    let offer = a.create_offer(None).await.expect("offer");
    a.set_local_description(offer.clone()).await.expect("local offer");
    b.set_remote_description(offer).await.expect("remote offer");
    let answer = b.create_answer(None).await.expect("answer");
    b.set_local_description(answer.clone()).await.expect("local answer");
    a.set_remote_description(answer).await.expect("remote answer");
    // Both descriptions are set before any candidate is handed over (they wait in the event channels meanwhile), so
    // no candidate can arrive before the description it belongs to.
    let (connected_tx, mut connected) = mpsc::unbounded_channel();
    let (tracks_tx, mut tracks) = mpsc::unbounded_channel();
    let pumps = [
        pump(a_events, Arc::clone(&b), connected_tx.clone(), tracks_tx.clone()),
        pump(b_events, Arc::clone(&a), connected_tx, tracks_tx),
    ];
    for _ in 0..2 {
        tokio::time::timeout(DEADLINE, connected.recv()).await.expect("connected").expect("channel");
    }

    let pattern = Arc::new(TestPattern::new(320, 240, 30));
    let preview: Arc<SinkSet<dyn VideoSink>> = Arc::default();
    let local = VideoStats::new();
    preview.add(local.clone());
    let pt = |s: &Arc<dyn webrtc::rtp_transceiver::RtpSender>| {
        let s = Arc::clone(s);
        async move { s.get_parameters().await.expect("parameters").rtp_parameters.codecs[0].payload_type }
    };
    let video_out =
        TrackOut { track: Arc::clone(&video), ssrc: video.ssrcs().await[0], payload_type: pt(&video_sender).await };
    let audio_out =
        TrackOut { track: Arc::clone(&audio), ssrc: audio.ssrcs().await[0], payload_type: pt(&audio_sender).await };
    let send_video = tokio::spawn(rtp::send_video(
        video_out,
        pattern.clone(),
        Arc::new(AtomicBool::new(true)),
        preview,
        codec::video_encoder(30, 30).expect("encoder"),
    ));
    let send_audio = tokio::spawn(rtp::send_audio(
        audio_out,
        Arc::new(Tone::new(440.0, 0.3)),
        Arc::new(AtomicBool::new(true)),
        codec::audio_encoder().expect("encoder"),
    ));

    let seen = VideoStats::new();
    let heard = AudioStats::new();
    let mut receivers = Vec::new();
    for _ in 0..2 {
        let t = tokio::time::timeout(DEADLINE, tracks.recv()).await.expect("remote track").expect("channel");
        if t.kind().await == RtpCodecKind::Video {
            let sinks: Arc<SinkSet<dyn VideoSink>> = Arc::default();
            sinks.add(seen.clone());
            receivers.push(tokio::spawn(rtp::receive_video(t, sinks, codec::video_decoder().ok())));
        } else {
            let sinks: Arc<SinkSet<dyn AudioSink>> = Arc::default();
            sinks.add(heard.clone());
            receivers.push(tokio::spawn(rtp::receive_audio(t, sinks, codec::audio_decoder().ok())));
        }
    }

    let got = seen.wait_for(DEADLINE, |s| s.counted_frames >= 30).await;
    let s = got.unwrap_or_else(|s| panic!("too few decoded frames with a counter: {s:?}"));
    assert_eq!((s.width, s.height, s.black_frames), (320, 240, 0));
    let produced = pattern.frames_produced();
    let last = s.last_counter.expect("counter");
    assert!(last < produced && produced - last < 30, "decoded {last}, produced {produced}");
    assert!(local.snapshot().frames >= s.frames, "the preview sees every captured frame");
    let loud = heard.wait_for(DEADLINE, |s| s.loud_chunks >= 25).await;
    assert!(loud.is_ok(), "{loud:?}");

    for task in [send_video, send_audio] {
        task.abort();
    }
    a.close().await.expect("close a");
    b.close().await.expect("close b");
    for r in receivers {
        tokio::time::timeout(DEADLINE, r).await.expect("receive loop ends with its track").expect("task");
    }
    for p in pumps {
        p.abort();
    }
}
