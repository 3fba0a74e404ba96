//! A WebRTC app for the media tests and the bench: a webrtc-rs peer connection (the gateway's own
//! [`WebrtcLeg`], audio only, Opus) that plays a sine tone into the call and measures what it hears with a
//! [`ToneMeter`]. It encodes and decodes at 8 kHz like the gateway (the tones are narrowband, and the bench runs
//! many peers), so what it sends is narrowband Opus. It signals like the engine does: a non-trickle offer or answer with its candidates inline.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rtc::media::Sample;
use webrtc::media_stream::track_remote::TrackRemoteEvent;

use super::tone_meter::ToneMeter;
use crate::media::PACKET;
use crate::media::opus_codec::{self, RATE};
use crate::media::webrtc_leg::{LegEvent, WebrtcLeg};
use crate::testing::tone::sine_from;

const GATHERING: Duration = Duration::from_secs(5);

pub struct AppPeer {
    leg: Arc<WebrtcLeg>,
    send_hz: f64,
    /// What the peer hears.
    pub heard: Arc<ToneMeter>,
    /// Whether the tone is playing (silence otherwise).
    pub playing: Arc<AtomicBool>,
    /// When the first frame of the tone went out (since the last [`AppPeer::play`]).
    tone_sent: Arc<Mutex<Option<Instant>>>,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl AppPeer {
    /// A peer on `ip` that will send `send_hz` and listens for `listen_hz` against `other_hz`.
    pub async fn new(ip: IpAddr, send_hz: f64, listen_hz: f64, other_hz: f64) -> AppPeer {
        let (leg, mut events) = WebrtcLeg::open(ip).await.expect("a WebRTC peer");
        let heard = Arc::new(ToneMeter::new(RATE, listen_hz, other_hz));
        let meter = heard.clone();
        let receive = tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                let LegEvent::Track(track) = event else { continue };
                let meter = meter.clone();
                tokio::spawn(async move {
                    let Ok(mut decoder) = opus_codec::Decoder::new() else { return };
                    let mut pcm = Vec::new();
                    while let Some(event) = track.poll().await {
                        let TrackRemoteEvent::OnRtpPacket(packet) = event else { continue };
                        pcm.clear();
                        if decoder.decode(&packet.payload, &mut pcm).is_ok() {
                            meter.feed(&pcm);
                        }
                    }
                });
            }
        });
        AppPeer {
            leg: Arc::new(leg),
            send_hz,
            heard,
            playing: Arc::new(AtomicBool::new(true)),
            tone_sent: Arc::new(Mutex::new(None)),
            tasks: Mutex::new(vec![receive]),
        }
    }

    /// The offer with its candidates (svc 501 / what the engine sends).
    pub async fn offer(&self) -> String {
        self.leg.offer(GATHERING).await.expect("an offer")
    }

    /// Answers `offer` (svc 505's) with candidates, for 506 200.
    pub async fn answer(&self, offer: &str) -> String {
        self.leg.answer_offer(offer, GATHERING).await.expect("an answer")
    }

    /// Applies the answer of 503 200.
    pub async fn accept_answer(&self, answer: &str) {
        self.leg.accept_answer(answer).await.expect("the answer applies");
    }

    /// Starts sending 20 ms Opus frames: the tone while [`AppPeer::playing`], silence otherwise.
    pub async fn start_sending(&self) {
        let (track, ssrc, payload_type) = self.leg.output().await;
        let playing = self.playing.clone();
        let tone_sent = self.tone_sent.clone();
        let send_hz = self.send_hz;
        let task = tokio::spawn(async move {
            let Ok(mut encoder) = opus_codec::Encoder::new() else { return };
            let mut ticker = tokio::time::interval(Duration::from_millis(20));
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let mut position = 0u64;
            loop {
                ticker.tick().await;
                let tone = playing.load(Ordering::Relaxed);
                let frame = if tone { sine_from(send_hz, RATE, position, PACKET, 8000.0) } else { vec![0; PACKET] };
                position += PACKET as u64;
                let Ok(data) = encoder.encode(&frame) else { continue };
                let sample = Sample {
                    data: Bytes::copy_from_slice(data),
                    duration: Duration::from_millis(20),
                    ..Sample::new(Instant::now())
                };
                let _ = track.sample_writer(ssrc, payload_type).write_sample(&sample).await;
                if tone && let Ok(mut sent) = tone_sent.lock() {
                    sent.get_or_insert_with(Instant::now);
                }
            }
        });
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.push(task);
        }
    }

    /// Switches the tone on or off; switching it on restarts [`AppPeer::tone_sent`].
    pub fn play(&self, on: bool) {
        if on && let Ok(mut sent) = self.tone_sent.lock() {
            *sent = None;
        }
        self.playing.store(on, Ordering::Relaxed);
    }

    /// When the first tone frame went out since it was last switched on.
    pub fn tone_sent(&self) -> Option<Instant> {
        self.tone_sent.lock().ok().and_then(|s| *s)
    }

    /// Stops sending and closes the peer connection.
    pub async fn close(&self) {
        let tasks = self.tasks.lock().map(|mut t| std::mem::take(&mut *t)).unwrap_or_default();
        for task in tasks {
            task.abort();
        }
        self.leg.close().await;
    }
}
