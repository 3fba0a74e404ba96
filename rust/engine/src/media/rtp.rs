//! The media loops between sources/sinks and webrtc-rs tracks.
//!
//! Sending: every `frame_interval` the video loop takes a frame from the source (a black one instead while video
//! is off), hands it to the local preview sinks, encodes it on the blocking pool and writes the access unit to a
//! [`TrackLocalStaticSample`], which packetises it (H.264 RTP, RFC 6184) and sends it. The audio loop does the same
//! every 20 ms with Opus (encoded silence while audio is off).
//!
//! Receiving: the loop reads RTP packets from a remote track. Video packets are depacketised and gathered by RTP
//! timestamp until the marker bit closes the access unit (a frame with a sequence gap is dropped; the sender's
//! periodic keyframes resynchronise the decoder), decoded on the blocking pool and pushed to the stream's sinks.
//! Audio packets are Opus frames: decoded and pushed to the audio sinks.
//!
//! The loops end when their track ends; the call aborts them at teardown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rtc::media::Sample;
use rtc::rtp;
use rtc::rtp::codec::h264::H264Packet;
use rtc::rtp::packetizer::Depacketizer;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use super::codec::{AudioDecoder, AudioEncoder, VideoDecoder, VideoEncoder};
use super::{AUDIO_CHUNK, AUDIO_CHUNK_DURATION, AudioSink, AudioSource, VideoFrame, VideoSink, VideoSource};

/// A set of sinks frames are pushed to; sinks can be attached and detached while media flows.
pub struct SinkSet<T: ?Sized> {
    sinks: Mutex<Vec<Arc<T>>>,
}

impl<T: ?Sized> Default for SinkSet<T> {
    fn default() -> Self {
        SinkSet { sinks: Mutex::new(Vec::new()) }
    }
}

impl<T: ?Sized> SinkSet<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Arc<T>>> {
        self.sinks.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn add(&self, sink: Arc<T>) {
        self.lock().push(sink);
    }

    /// Removes `sink` (by identity); whether it was attached.
    pub fn remove(&self, sink: &Arc<T>) -> bool {
        let mut sinks = self.lock();
        let before = sinks.len();
        sinks.retain(|s| !Arc::ptr_eq(s, sink));
        sinks.len() != before
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sinks at this moment (so none is called under the lock).
    pub fn current(&self) -> Vec<Arc<T>> {
        self.lock().clone()
    }
}

/// Where an encoded track writes: the sample track, its SSRC and the negotiated payload type.
pub struct TrackOut {
    pub track: Arc<TrackLocalStaticSample>,
    pub ssrc: u32,
    pub payload_type: u8,
}

impl TrackOut {
    async fn write(&self, data: Vec<u8>, duration: Duration, captured: Instant) -> bool {
        let sample = Sample { data: Bytes::from(data), duration, ..Sample::new(captured) };
        match self.track.sample_writer(self.ssrc, self.payload_type).write_sample(&sample).await {
            Ok(()) => true,
            Err(e) => {
                tracing::debug!(error = %e, "could not write a media sample");
                false
            }
        }
    }
}

/// Sends video until aborted or the source stops for good.
pub async fn send_video(
    out: TrackOut,
    source: Arc<dyn VideoSource>,
    enabled: Arc<AtomicBool>,
    preview: Arc<SinkSet<dyn VideoSink>>,
    mut encoder: Box<dyn VideoEncoder>,
) {
    let interval = source.frame_interval();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut first = true;
    loop {
        ticker.tick().await;
        let Some(frame) = source.next_frame() else { continue };
        let captured = frame.timestamp;
        let frame = if enabled.load(Ordering::Relaxed) { frame } else { VideoFrame::black(frame.width, frame.height) };
        for sink in preview.current() {
            sink.on_frame(&frame);
        }
        let keyframe = std::mem::take(&mut first);
        let job = tokio::task::spawn_blocking(move || {
            let result = encoder.encode(&frame, keyframe);
            (encoder, result)
        });
        let Ok((returned, result)) = job.await else { return };
        encoder = returned;
        match result {
            Ok(au) if !au.is_empty() => {
                out.write(au, interval, captured).await;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "video frame not encoded"),
        }
    }
}

/// Sends audio until aborted.
pub async fn send_audio(
    out: TrackOut,
    source: Arc<dyn AudioSource>,
    enabled: Arc<AtomicBool>,
    mut encoder: Box<dyn AudioEncoder>,
) {
    let mut ticker = tokio::time::interval(AUDIO_CHUNK_DURATION);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let silence = vec![0i16; AUDIO_CHUNK];
    loop {
        ticker.tick().await;
        let now = Instant::now();
        let chunk = source.next_chunk();
        let pcm = match chunk {
            Some(pcm) if enabled.load(Ordering::Relaxed) => pcm,
            _ => silence.clone(),
        };
        match encoder.encode(&pcm) {
            Ok(packet) => {
                out.write(packet, AUDIO_CHUNK_DURATION, now).await;
            }
            Err(e) => tracing::warn!(error = %e, "audio chunk not encoded"),
        }
    }
}

/// Gathers H.264 RTP packets into access units.
#[derive(Default)]
pub struct AccessUnits {
    depacketizer: H264Packet,
    timestamp: Option<u32>,
    next_sequence: Option<u16>,
    data: Vec<u8>,
    broken: bool,
}

impl AccessUnits {
    /// Adds one packet; returns the access unit it completed, if any.
    pub fn push(&mut self, packet: &rtp::Packet) -> Option<Vec<u8>> {
        let header = &packet.header;
        if self.timestamp != Some(header.timestamp) {
            self.timestamp = Some(header.timestamp);
            self.depacketizer = H264Packet::default();
            self.data.clear();
            self.broken = false;
        } else if self.next_sequence != Some(header.sequence_number) {
            self.broken = true;
        }
        self.next_sequence = Some(header.sequence_number.wrapping_add(1));
        match self.depacketizer.depacketize(&packet.payload) {
            Ok(bytes) => self.data.extend_from_slice(&bytes),
            Err(_) => self.broken = true,
        }
        if !header.marker {
            return None;
        }
        self.timestamp = None;
        let unit = std::mem::take(&mut self.data);
        (!self.broken && !unit.is_empty()).then_some(unit)
    }
}

/// Receives video until the track ends.
pub async fn receive_video(
    track: Arc<dyn TrackRemote>,
    sinks: Arc<SinkSet<dyn VideoSink>>,
    mut decoder: Option<Box<dyn VideoDecoder>>,
) {
    let mut units = AccessUnits::default();
    while let Some(event) = track.poll().await {
        let TrackRemoteEvent::OnRtpPacket(packet) = event else {
            if matches!(event, TrackRemoteEvent::OnEnded) {
                break;
            }
            continue;
        };
        let Some(unit) = units.push(&packet) else { continue };
        let Some(mut dec) = decoder.take() else { continue };
        let job = tokio::task::spawn_blocking(move || {
            let result = dec.decode(&unit);
            (dec, result)
        });
        let Ok((returned, result)) = job.await else { return };
        decoder = Some(returned);
        match result {
            Ok(Some(frame)) => {
                for sink in sinks.current() {
                    sink.on_frame(&frame);
                }
            }
            Ok(None) => {}
            Err(e) => tracing::debug!(error = %e, "video access unit not decoded"),
        }
    }
}

/// Receives audio until the track ends.
pub async fn receive_audio(
    track: Arc<dyn TrackRemote>,
    sinks: Arc<SinkSet<dyn AudioSink>>,
    mut decoder: Option<Box<dyn AudioDecoder>>,
) {
    while let Some(event) = track.poll().await {
        match event {
            TrackRemoteEvent::OnRtpPacket(packet) => {
                let Some(dec) = decoder.as_mut() else { continue };
                if packet.payload.is_empty() {
                    continue;
                }
                match dec.decode(&packet.payload) {
                    Ok(pcm) => {
                        for sink in sinks.current() {
                            sink.on_audio(&pcm);
                        }
                    }
                    Err(e) => tracing::debug!(error = %e, "audio packet not decoded"),
                }
            }
            TrackRemoteEvent::OnEnded => break,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(seq: u16, ts: u32, marker: bool, payload: &[u8]) -> rtp::Packet {
        rtp::Packet {
            header: rtp::Header { sequence_number: seq, timestamp: ts, marker, ..Default::default() },
            payload: Bytes::copy_from_slice(payload),
        }
    }

    #[test]
    fn access_units_close_on_the_marker_and_drop_gaps() {
        let mut units = AccessUnits::default();
        // Two single-NAL packets of one frame.
        assert_eq!(units.push(&packet(1, 100, false, &[0x67, 1, 2])), None);
        let au = units.push(&packet(2, 100, true, &[0x65, 3, 4])).expect("unit");
        assert_eq!(au, vec![0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x65, 3, 4]);
        // A gap inside a frame drops it.
        assert_eq!(units.push(&packet(3, 200, false, &[0x41, 1, 2])), None);
        assert_eq!(units.push(&packet(5, 200, true, &[0x41, 3, 4])), None);
        // The next frame is whole again.
        assert!(units.push(&packet(6, 300, true, &[0x41, 5, 6])).is_some());
        // FU-A fragments.
        assert_eq!(units.push(&packet(7, 400, false, &[0x7c, 0x85, 9, 9])), None);
        let au = units.push(&packet(8, 400, true, &[0x7c, 0x45, 8])).expect("unit");
        assert_eq!(au, vec![0, 0, 0, 1, 0x65, 9, 9, 8]);
    }

    #[test]
    fn sink_sets_attach_and_detach() {
        let set: SinkSet<dyn AudioSink> = SinkSet::default();
        let a: Arc<dyn AudioSink> = crate::media::synthetic::AudioStats::new();
        let b: Arc<dyn AudioSink> = crate::media::synthetic::AudioStats::new();
        set.add(Arc::clone(&a));
        set.add(Arc::clone(&b));
        assert_eq!(set.len(), 2);
        assert!(set.remove(&a));
        assert!(!set.remove(&a));
        assert_eq!(set.len(), 1);
    }
}
