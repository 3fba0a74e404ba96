//! The bridge task of one answered gateway call: audio between the server's WebRTC leg (Opus) and the carrier's
//! RTP (G.711), both ways and all at 8 kHz, in one tokio task that owns the call's RTP socket, the codecs and the
//! app's remote track.
//!
//! * **Carrier → app**, paced by a 20 ms ticker: RTP from the carrier's SDP address with its G.711 payload type
//!   (anything else is ignored and counted) goes into the [`JitterBuffer`] (a packet that starts its priming also
//!   realigns the ticker, so the playout delay is exactly the configured one); each tick takes 160 samples from it
//!   (silence for a missing packet or while idle), encodes them as one Opus frame and writes it to the leg's local
//!   track (webrtc-rs packetises, encrypts and sends it).
//! * **App → carrier**, paced by the app's packets: each Opus RTP packet of the app's track is decoded (up to
//!   three lost frames in a row are concealed by Opus, longer gaps advance the RTP timestamp) to 8 kHz, and every
//!   full 160 samples leave as one G.711 RTP packet (own SSRC, sequence and timestamp, 20 ms) to
//!   the carrier's address from the call's RTP socket.
//! * **Recording** (with `[sip.recording]`): each tick's carrier frame and the app's decoded audio go to a
//!   [`Recorder`], which writes both to a WAV file without ever making the bridge wait.
//! * **The end**: the call task stops the bridge ([`Bridge::stop`]: the task is aborted, which drops the RTP socket,
//!   the track and the recorder; the recording is completed and the peer connection closed). The bridge itself
//!   reports, once, when the carrier sent no RTP for the inactivity limit or the WebRTC connection failed; the call
//!   then hangs up.
//!
//! Not done: RFC 4733 telephone-events (DTMF) are neither offered nor passed (a carrier's payload type 101 is
//! ignored like any other unexpected payload); no RTCP is sent to or read from the carrier.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rtc::media::Sample;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use super::g711::Law;
use super::jitter::{JitterBuffer, Playout};
use super::opus_codec;
use super::recorder::Recorder;
use super::rtp;
use super::webrtc_leg::{LegEvent, WebrtcLeg};
use super::{MediaError, PACKET};

/// Carrier frames concealed by Opus PLC at most in one gap.
const MAX_CONCEALED: u16 = 3;

/// How a bridge is tuned (from `[sip]`).
#[derive(Debug, Clone, Copy)]
pub struct BridgeSettings {
    /// Playout delay of the carrier's audio, in 20 ms packets.
    pub jitter_packets: u32,
    /// A call whose carrier sent no RTP for this long is reported dead (`None`: never).
    pub inactivity: Option<Duration>,
}

/// Why a bridge ended on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BridgeEnd {
    CarrierSilent,
    AppFailed,
}

/// Where the carrier's media is and which law it uses.
#[derive(Debug, Clone, Copy)]
pub struct CarrierEnd {
    pub address: SocketAddr,
    pub law: Law,
}

impl CarrierEnd {
    /// `bytes` from `from` as the carrier's audio: RTP from its SDP address with its G.711 payload type, or `None`.
    pub fn accept<'a>(&self, bytes: &'a [u8], from: SocketAddr) -> Option<rtp::Packet<'a>> {
        let packet = rtp::parse(bytes)?;
        (from == self.address && packet.header.payload_type == self.law.payload_type()).then_some(packet)
    }
}

/// A running bridge; [`Bridge::stop`] releases everything.
pub struct Bridge {
    task: tokio::task::JoinHandle<()>,
    leg: Arc<WebrtcLeg>,
    /// The recording's writer, when the call is recorded.
    recording: Option<tokio::task::JoinHandle<()>>,
}

impl Bridge {
    /// Starts the bridge task, recording the call to `recording` when given. `on_end` is called at most once,
    /// from the task, when it ends on its own.
    pub fn start(
        leg: Arc<WebrtcLeg>,
        events: mpsc::UnboundedReceiver<LegEvent>,
        socket: UdpSocket,
        carrier: CarrierEnd,
        settings: BridgeSettings,
        recording: Option<PathBuf>,
        on_end: Box<dyn FnOnce(BridgeEnd) + Send>,
    ) -> Bridge {
        let (recorder, recording) = recording.map(Recorder::start).unzip();
        let task = tokio::spawn(run(leg.clone(), events, socket, carrier, settings, recorder, on_end));
        Bridge { task, leg, recording }
    }

    /// Ends the task (dropping the RTP socket, the remote track and the recorder), waits until the recording is
    /// complete and closes the peer connection.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
        if let Some(writer) = self.recording {
            let _ = writer.await;
        }
        self.leg.close().await;
    }
}

/// Carrier → app state.
struct ToApp {
    law: Law,
    jitter: JitterBuffer,
    samples: Vec<i16>,
    encoder: opus_codec::Encoder,
}

/// Where the app's audio is written: the leg's track, its SSRC and the negotiated payload type.
struct AppTrack {
    track: Arc<TrackLocalStaticSample>,
    ssrc: u32,
    payload_type: u8,
}

impl AppTrack {
    async fn write(&self, frame: &[u8]) {
        let sample = Sample {
            data: Bytes::copy_from_slice(frame),
            duration: Duration::from_millis(20),
            ..Sample::new(Instant::now().into_std())
        };
        if let Err(error) = self.track.sample_writer(self.ssrc, self.payload_type).write_sample(&sample).await {
            tracing::trace!(%error, "an Opus frame for the app was not written");
        }
    }
}

impl ToApp {
    /// The next 20 ms for the app, encoded; `recorder` gets the same 20 ms.
    fn next_frame(&mut self, recorder: Option<&mut Recorder>) -> Result<&[u8], MediaError> {
        while self.samples.len() < PACKET {
            match self.jitter.pop() {
                Playout::Audio(payload) => self.law.decode(&payload, &mut self.samples),
                Playout::Missing => self.samples.resize(self.samples.len() + PACKET, 0),
                Playout::Idle => break,
            }
        }
        self.samples.resize(self.samples.len().max(PACKET), 0);
        if let Some(recorder) = recorder {
            recorder.tick(&self.samples[..PACKET]);
        }
        let frame = self.encoder.encode(&self.samples[..PACKET]);
        self.samples.drain(..PACKET);
        frame
    }
}

/// App → carrier state.
struct ToCarrier {
    law: Law,
    payload_type: u8,
    decoder: opus_codec::Decoder,
    samples: Vec<i16>,
    stream: rtp::Stream,
    last_sequence: Option<u16>,
}

impl ToCarrier {
    /// One Opus RTP packet of the app; returns the G.711 RTP packets it completes. `recorder` gets their audio.
    fn on_packet(
        &mut self,
        sequence: u16,
        payload_type: u8,
        payload: &[u8],
        mut recorder: Option<&mut Recorder>,
    ) -> Vec<Vec<u8>> {
        if payload_type != self.payload_type || payload.is_empty() {
            return Vec::new();
        }
        if let Some(last) = self.last_sequence {
            let ahead = sequence.wrapping_sub(last) as i16;
            if ahead <= 0 {
                return Vec::new(); // late or repeated
            }
            let lost = ahead.unsigned_abs() - 1;
            for _ in 0..lost.min(MAX_CONCEALED) {
                let _ = self.decoder.conceal(&mut self.samples);
            }
            if lost > MAX_CONCEALED {
                self.stream.skip(u32::from(lost - MAX_CONCEALED) * PACKET as u32);
            }
        }
        self.last_sequence = Some(sequence);
        if let Err(error) = self.decoder.decode(payload, &mut self.samples) {
            tracing::debug!(%error, "an Opus packet of the app was not decoded");
        }
        let mut out = Vec::new();
        while self.samples.len() >= PACKET {
            let mut bytes = Vec::with_capacity(PACKET);
            if let Some(recorder) = recorder.as_deref_mut() {
                recorder.app(&self.samples[..PACKET]);
            }
            self.law.encode(&self.samples[..PACKET], &mut bytes);
            self.samples.drain(..PACKET);
            out.push(self.stream.packet(&bytes, PACKET as u32));
        }
        out
    }
}

async fn next_remote(track: Option<&Arc<dyn TrackRemote>>) -> Option<TrackRemoteEvent> {
    match track {
        Some(track) => track.poll().await,
        None => std::future::pending().await,
    }
}

async fn run(
    leg: Arc<WebrtcLeg>,
    mut events: mpsc::UnboundedReceiver<LegEvent>,
    socket: UdpSocket,
    carrier: CarrierEnd,
    settings: BridgeSettings,
    mut recorder: Option<Recorder>,
    on_end: Box<dyn FnOnce(BridgeEnd) + Send>,
) {
    let (track, ssrc, payload_type) = leg.output().await;
    let codecs = opus_codec::Encoder::new().and_then(|e| Ok((e, opus_codec::Decoder::new()?)));
    let (encoder, decoder) = match codecs {
        Ok(c) => c,
        Err(error) => {
            tracing::error!(%error, "no Opus codec: the call has no audio");
            return;
        }
    };
    let mut to_app = ToApp {
        law: carrier.law,
        jitter: JitterBuffer::new(settings.jitter_packets, 16),
        samples: Vec::new(),
        encoder,
    };
    let app_track = AppTrack { track, ssrc, payload_type };
    let mut to_carrier = ToCarrier {
        law: carrier.law,
        payload_type,
        decoder,
        samples: Vec::new(),
        stream: rtp::Stream::new(carrier.law.payload_type()),
        last_sequence: None,
    };
    let mut remote: Option<Arc<dyn TrackRemote>> = None;
    let mut events_open = true;
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    // A tick delayed by a busy runtime is made up at once: skipping it would play the carrier's audio slower than
    // it arrives and the delay would grow.
    ticker.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut buf = vec![0u8; 2048];
    let mut last_from_carrier = Instant::now();
    let mut ignored = 0u64;
    let end = loop {
        tokio::select! {
            _ = ticker.tick() => {
                if settings.inactivity.is_some_and(|limit| last_from_carrier.elapsed() >= limit) {
                    break Some(BridgeEnd::CarrierSilent);
                }
                match to_app.next_frame(recorder.as_mut()) {
                    Ok(frame) => app_track.write(frame).await,
                    Err(error) => tracing::debug!(%error, "a frame for the app was not encoded"),
                }
            }
            got = socket.recv_from(&mut buf) => match got {
                Ok((n, from)) => {
                    match buf.get(..n).and_then(|bytes| carrier.accept(bytes, from)) {
                        Some(p) => {
                            if to_app.jitter.push(p.header.sequence, p.payload) {
                                // Playout starts a whole number of ticks after this arrival, not after a
                                // tick that happens to fall up to 20 ms later.
                                ticker.reset();
                            }
                            last_from_carrier = Instant::now();
                        }
                        _ => {
                            ignored += 1;
                            if ignored.is_power_of_two() {
                                tracing::debug!(%from, ignored, "RTP from an unexpected source or of another payload type ignored");
                            }
                        }
                    }
                }
                // An ICMP error from an earlier send surfaces here; the socket stays usable.
                Err(error) => tracing::trace!(%error, "RTP receive error"),
            },
            event = events.recv(), if events_open => match event {
                Some(LegEvent::Track(track)) => remote = Some(track),
                Some(LegEvent::Failed) => break Some(BridgeEnd::AppFailed),
                None => events_open = false,
            },
            event = next_remote(remote.as_ref()) => match event {
                Some(TrackRemoteEvent::OnRtpPacket(packet)) => {
                    let header = &packet.header;
                    for bytes in to_carrier.on_packet(header.sequence_number, header.payload_type, &packet.payload, recorder.as_mut()) {
                        if let Err(error) = socket.send_to(&bytes, carrier.address).await {
                            tracing::trace!(%error, "RTP send to the carrier failed");
                        }
                    }
                }
                Some(TrackRemoteEvent::OnEnded) | None => remote = None,
                Some(_) => {}
            },
        }
    };
    let stats = to_app.jitter.stats();
    tracing::info!(?end, ?stats, ignored, "bridge ended");
    if let Some(end) = end {
        on_end(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::tone::{goertzel, sine_from};

    #[test]
    fn only_the_carriers_g711_rtp_is_accepted() {
        let carrier = CarrierEnd { address: "10.0.0.1:4000".parse().unwrap(), law: Law::A };
        let mut ours = rtp::Stream::new(8);
        let mut other_type = rtp::Stream::new(101);
        let good = ours.packet(&[0xD5; 160], 160);
        assert!(carrier.accept(&good, carrier.address).is_some());
        assert!(carrier.accept(&good, "10.0.0.1:4001".parse().unwrap()).is_none(), "another port");
        assert!(carrier.accept(&good, "10.0.0.2:4000".parse().unwrap()).is_none(), "another host");
        assert!(carrier.accept(&other_type.packet(&[1, 2, 3, 4], 160), carrier.address).is_none(), "telephone-event");
        assert!(carrier.accept(&[0x80, 8, 0], carrier.address).is_none(), "truncated");
    }

    #[test]
    fn the_app_to_carrier_path_makes_20ms_g711_packets_and_conceals_gaps() {
        let mut path = ToCarrier {
            law: Law::Mu,
            payload_type: 111,
            decoder: opus_codec::Decoder::new().unwrap(),
            samples: Vec::new(),
            stream: rtp::Stream::new(0),
            last_sequence: None,
        };
        let mut encoder = opus_codec::Encoder::new().unwrap();
        let mut decoded = Vec::new();
        let mut timestamps = Vec::new();
        for i in 0..50u16 {
            let frame = sine_from(1000.0, 8000, u64::from(i) * PACKET as u64, PACKET, 8000.0);
            let opus = encoder.encode(&frame).unwrap().to_vec();
            if i == 20 {
                continue; // lost
            }
            assert!(path.on_packet(i, 96, &opus, None).is_empty(), "another payload type is ignored");
            for packet in path.on_packet(i, 111, &opus, None) {
                let p = rtp::parse(&packet).unwrap();
                assert_eq!((p.header.payload_type, p.payload.len()), (0, 160));
                timestamps.push(p.header.timestamp);
                Law::Mu.decode(p.payload, &mut decoded);
            }
            assert!(path.on_packet(i, 111, &opus, None).is_empty(), "a repeated packet is dropped");
        }
        assert_eq!(timestamps.len(), 50, "the lost frame is concealed");
        assert!(timestamps.windows(2).all(|w| w[1].wrapping_sub(w[0]) == 160));
        let settled = &decoded[8000 / 5..];
        let on = goertzel(settled, 8000, 1000.0);
        assert!(on > 100.0 * goertzel(settled, 8000, 2000.0));
    }
}
