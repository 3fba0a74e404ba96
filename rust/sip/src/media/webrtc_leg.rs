//! The server's WebRTC leg of a gateway call: one webrtc-rs peer connection, audio only, Opus as
//! `azstack_protocol::media::opus` defines it for both ends (48000/2, payload type 111), RTCP sender and receiver reports as its only interceptors, no ICE servers (the server is reachable at its
//! advertised address: host candidates only), non-trickle: the description handed out is the one after ICE
//! gathering completed, with its `a=candidate` lines. Its one UDP socket binds the advertised address, or — behind
//! a 1:1 NAT (a cloud host's private address mapped to a public one) — a local address, its candidates then
//! rewritten to name the public one. (webrtc-rs 0.21.1 has a NAT 1:1 setting, `with_nat_1to1_ips`, but stores it
//! without using it.)
//!
//! webrtc-rs's default interceptors would add NACK (which nothing negotiates for audio, so its generator and
//! responder only look each packet's stream up and pass it on) and transport-wide congestion control feedback (the
//! transport-cc header extension on every app packet and a feedback packet ten times a second, for a bandwidth
//! estimate an audio stream at a fixed bitrate has no use for); the leg leaves both out, so each packet crosses
//! fewer interceptors and the connection carries fewer RTCP packets.
//!
//! For a callout the leg takes the app's offer at once ([`WebrtcLeg::accept_offer`]) and answers it when the
//! carrier answers ([`WebrtcLeg::answer`]); for a call-in it makes the offer
//! ([`WebrtcLeg::offer`]) and later applies the app's answer ([`WebrtcLeg::accept_answer`]). The leg's events —
//! the app's audio track, a failed connection — go to the channel returned by [`WebrtcLeg::open`], read by the
//! bridge task.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use azstack_protocol::media::opus;
use rtc::interceptor::Registry;
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::interceptor_registry::configure_rtcp_reports;
use rtc::peer_connection::configuration::media_engine::MediaEngine;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use tokio::sync::{mpsc, watch};
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder, RTCIceGatheringState,
    RTCPeerConnectionIceEvent, RTCPeerConnectionState, RTCSessionDescription,
};
use webrtc::rtp_transceiver::RtpSender;

use super::MediaError;

/// The payload type the leg registers Opus with (the engine's, from the same constant).
pub const OPUS_PAYLOAD_TYPE: u8 = opus::PAYLOAD_TYPE;

/// What the leg tells the bridge.
pub enum LegEvent {
    /// The app's audio arrived.
    Track(Arc<dyn TrackRemote>),
    /// The connection failed (ICE or DTLS): no media will flow.
    Failed,
}

struct Handler {
    events: mpsc::UnboundedSender<LegEvent>,
    gathering: watch::Sender<RTCIceGatheringState>,
    candidates: Arc<Mutex<Vec<String>>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        if let Ok(init) = event.candidate.to_json()
            && let Ok(mut list) = self.candidates.lock()
        {
            list.push(init.candidate);
        }
    }

    async fn on_ice_gathering_state_change(&self, state: RTCIceGatheringState) {
        let _ = self.gathering.send(state);
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        if state == RTCPeerConnectionState::Failed {
            let _ = self.events.send(LegEvent::Failed);
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let _ = self.events.send(LegEvent::Track(track));
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

fn webrtc_error(e: impl std::fmt::Display) -> MediaError {
    MediaError::Webrtc(e.to_string())
}

/// The server's peer connection of one call.
pub struct WebrtcLeg {
    pc: Arc<dyn PeerConnection>,
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<dyn RtpSender>,
    ssrc: u32,
    gathering: watch::Receiver<RTCIceGatheringState>,
    candidates: Arc<Mutex<Vec<String>>>,
    /// (bound, public) behind a 1:1 NAT.
    nat: Option<(IpAddr, IpAddr)>,
}

impl WebrtcLeg {
    /// Builds the peer connection, its UDP socket on `ip` (port 0) and its audio track.
    pub async fn open(ip: IpAddr) -> Result<(WebrtcLeg, mpsc::UnboundedReceiver<LegEvent>), MediaError> {
        WebrtcLeg::open_behind_nat(ip, None).await
    }

    /// Like [`WebrtcLeg::open`]; with `public: Some(address)` the socket binds `ip` but the host candidate
    /// announces `address` (a 1:1 NAT in front of `ip`).
    pub async fn open_behind_nat(
        ip: IpAddr,
        public: Option<IpAddr>,
    ) -> Result<(WebrtcLeg, mpsc::UnboundedReceiver<LegEvent>), MediaError> {
        let mut media_engine = MediaEngine::default();
        let params = RTCRtpCodecParameters { rtp_codec: opus_codec(), payload_type: OPUS_PAYLOAD_TYPE };
        media_engine.register_codec(params, RtpCodecKind::Audio).map_err(webrtc_error)?;
        let registry = configure_rtcp_reports(Registry::new());
        let (events, rx) = mpsc::unbounded_channel();
        let (gathering_tx, gathering) = watch::channel(RTCIceGatheringState::New);
        let candidates = Arc::new(Mutex::new(Vec::new()));
        let handler = Handler { events, gathering: gathering_tx, candidates: candidates.clone() };
        let pc = PeerConnectionBuilder::new()
            .with_configuration(RTCConfigurationBuilder::new().build())
            .with_media_engine(media_engine)
            .with_interceptor_registry(registry)
            .with_handler(Arc::new(handler))
            .with_udp_addrs(vec![SocketAddr::new(ip, 0)])
            .build()
            .await
            .map_err(webrtc_error)?;
        let pc: Arc<dyn PeerConnection> = Arc::new(pc);
        let ssrc = rand::random::<u32>();
        let stream_id = format!("azstack-gateway-{ssrc:08x}");
        let track = MediaStreamTrack::new(
            stream_id.clone(),
            format!("{stream_id}-audio"),
            "audio".to_owned(),
            RtpCodecKind::Audio,
            vec![RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters { ssrc: Some(ssrc), ..Default::default() },
                codec: opus_codec(),
                ..Default::default()
            }],
        );
        let added = async {
            let track = Arc::new(TrackLocalStaticSample::new(Instant::now(), track)?);
            let sender = pc.add_track(track.clone() as Arc<dyn TrackLocal>).await?;
            webrtc::error::Result::Ok((track, sender))
        };
        let (track, sender) = match added.await {
            Ok(t) => t,
            Err(e) => {
                let _ = pc.close().await;
                return Err(webrtc_error(e));
            }
        };
        let nat = public.filter(|p| *p != ip).map(|p| (ip, p));
        Ok((WebrtcLeg { pc, track, sender, ssrc, gathering, candidates, nat }, rx))
    }

    /// Callout, at 501: applies the app's offer (SDP with its candidates inline). ICE does not start yet.
    pub async fn accept_offer(&self, offer: &str) -> Result<(), MediaError> {
        let offer = RTCSessionDescription::offer(offer.to_owned()).map_err(webrtc_error)?;
        self.pc.set_remote_description(offer).await.map_err(webrtc_error)
    }

    /// Callout, when the carrier answered: makes the answer to the offer applied by [`WebrtcLeg::accept_offer`]
    /// and returns it with the server's candidates once gathering completed (or `within` passed). ICE starts
    /// here, so its checks never time out while the carrier rings.
    pub async fn answer(&self, within: Duration) -> Result<String, MediaError> {
        let answer = self.pc.create_answer(None).await.map_err(webrtc_error)?;
        self.pc.set_local_description(answer).await.map_err(webrtc_error)?;
        self.gathered_description(within).await
    }

    /// [`WebrtcLeg::accept_offer`] then [`WebrtcLeg::answer`].
    pub async fn answer_offer(&self, offer: &str, within: Duration) -> Result<String, MediaError> {
        self.accept_offer(offer).await?;
        self.answer(within).await
    }

    /// Call-in: makes the offer and returns it with the server's candidates once gathering completed.
    pub async fn offer(&self, within: Duration) -> Result<String, MediaError> {
        let offer = self.pc.create_offer(None).await.map_err(webrtc_error)?;
        self.pc.set_local_description(offer).await.map_err(webrtc_error)?;
        self.gathered_description(within).await
    }

    /// Call-in: applies the app's answer (SDP with its candidates inline).
    pub async fn accept_answer(&self, answer: &str) -> Result<(), MediaError> {
        let answer = RTCSessionDescription::answer(answer.to_owned()).map_err(webrtc_error)?;
        self.pc.set_remote_description(answer).await.map_err(webrtc_error)
    }

    async fn gathered_description(&self, within: Duration) -> Result<String, MediaError> {
        let mut gathering = self.gathering.clone();
        let complete = gathering.wait_for(|s| *s == RTCIceGatheringState::Complete);
        if tokio::time::timeout(within, complete).await.is_err() {
            tracing::warn!("ICE gathering did not complete in {within:?}; sending the candidates gathered so far");
        }
        let description = self.pc.local_description().await.ok_or(MediaError::NoDescription)?;
        let gathered = self.candidates.lock().map(|c| c.clone()).unwrap_or_default();
        let mut sdp = with_candidates(description.sdp, &gathered);
        if let Some((bound, public)) = self.nat {
            sdp = announce(&sdp, bound, public);
        }
        if !sdp.contains("a=candidate:") {
            return Err(MediaError::NoCandidate);
        }
        Ok(sdp)
    }

    /// The local audio track, its SSRC and the negotiated Opus payload type (after the offer/answer).
    pub async fn output(&self) -> (Arc<TrackLocalStaticSample>, u32, u8) {
        let payload_type = match self.sender.get_parameters().await {
            Ok(p) => p.rtp_parameters.codecs.first().map_or(OPUS_PAYLOAD_TYPE, |c| c.payload_type),
            Err(_) => OPUS_PAYLOAD_TYPE,
        };
        (self.track.clone(), self.ssrc, payload_type)
    }

    /// Closes the peer connection: its socket, driver and tracks. Idempotent.
    pub async fn close(&self) {
        if let Err(error) = self.pc.close().await {
            tracing::debug!(%error, "closing the gateway's peer connection");
        }
    }
}

/// `sdp` as is when it already lists candidates, else with `candidates` (`candidate:…` strings) appended as
/// `a=` lines at its end, i.e. in its last (only) media section.
pub fn with_candidates(mut sdp: String, candidates: &[String]) -> String {
    if sdp.contains("a=candidate:") {
        return sdp;
    }
    if !sdp.is_empty() && !sdp.ends_with('\n') {
        sdp.push_str("\r\n");
    }
    for candidate in candidates {
        let line = candidate.strip_prefix("a=").unwrap_or(candidate);
        sdp.push_str("a=");
        sdp.push_str(line);
        sdp.push_str("\r\n");
    }
    sdp
}

/// `sdp` with `bound` replaced by `public` as the address of its `a=candidate` lines.
fn announce(sdp: &str, bound: IpAddr, public: IpAddr) -> String {
    let (from, to) = (format!(" {bound} "), format!(" {public} "));
    let mut out = String::with_capacity(sdp.len());
    for line in sdp.split_inclusive('\n') {
        if line.starts_with("a=candidate:") {
            out.push_str(&line.replacen(&from, &to, 1));
        } else {
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_appended_only_when_missing() {
        let c = vec!["candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host".to_owned()];
        let sdp = with_candidates("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111".into(), &c);
        assert!(sdp.ends_with("\r\na=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\n"), "{sdp}");
        let kept = with_candidates(sdp.clone(), &["candidate:2 1 udp 1 127.0.0.1 6000 typ host".to_owned()]);
        assert_eq!(kept, sdp);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn offer_and_answer_between_two_legs() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let (a, _a_events) = WebrtcLeg::open(ip).await.unwrap();
        let (b, _b_events) = WebrtcLeg::open(ip).await.unwrap();
        let offer = a.offer(Duration::from_secs(5)).await.unwrap();
        assert!(offer.contains("a=candidate:") && offer.contains("127.0.0.1"), "{offer}");
        assert!(offer.contains("opus/48000/2"), "{offer}");
        let answer = b.answer_offer(&offer, Duration::from_secs(5)).await.unwrap();
        assert!(answer.contains("a=candidate:") && answer.contains("a=fingerprint:"), "{answer}");
        a.accept_answer(&answer).await.unwrap();
        assert_eq!(b.output().await.2, OPUS_PAYLOAD_TYPE);
        assert!(b.accept_offer("not sdp").await.is_err());
        a.close().await;
        b.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn behind_a_nat_the_public_address_is_announced() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let (leg, _events) = WebrtcLeg::open_behind_nat(local, Some("192.0.2.7".parse().unwrap())).await.unwrap();
        let offer = leg.offer(Duration::from_secs(5)).await.unwrap();
        let candidates: Vec<&str> = offer.lines().filter(|l| l.starts_with("a=candidate:")).collect();
        assert!(!candidates.is_empty(), "{offer}");
        assert!(candidates.iter().all(|c| c.contains(" 192.0.2.7 ") && !c.contains(" 127.0.0.1 ")), "{offer}");
        leg.close().await;
    }
}
