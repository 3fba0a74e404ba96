//! The carrier's media end for the media tests and the bench: a UDP socket on 127.0.0.1 (its port goes into the
//! SIPp scenario's SDP) that sends a G.711 sine tone in 20 ms RTP packets and measures the tone it receives with
//! a [`ToneMeter`]. It sends to the address the gateway's RTP comes from (symmetric RTP), so it starts once the
//! first packet arrived.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;

use super::tone_meter::ToneMeter;
use crate::media::g711::Law;
use crate::media::{PACKET, rtp};
use crate::testing::tone::sine_from;

pub struct RtpCarrier {
    /// Where the carrier's RTP comes from and goes to (for its SDP).
    pub address: SocketAddr,
    /// What the carrier hears.
    pub heard: Arc<ToneMeter>,
    /// Whether the tone is playing (silence otherwise).
    pub playing: Arc<AtomicBool>,
    received: Arc<AtomicU64>,
    tone_sent: Arc<Mutex<Option<Instant>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RtpCarrier {
    /// Binds 127.0.0.1:0 and starts: sends `send_hz` with `law`, listens for `listen_hz` against `other_hz`.
    pub async fn start(law: Law, send_hz: f64, listen_hz: f64, other_hz: f64) -> RtpCarrier {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("a UDP port");
        let address = socket.local_addr().expect("its address");
        let heard = Arc::new(ToneMeter::new(8000, listen_hz, other_hz));
        let playing = Arc::new(AtomicBool::new(true));
        let received = Arc::new(AtomicU64::new(0));
        let tone_sent = Arc::new(Mutex::new(None));
        let (meter, on, count, sent_at) = (heard.clone(), playing.clone(), received.clone(), tone_sent.clone());
        let task = tokio::spawn(async move {
            let mut stream = rtp::Stream::new(law.payload_type());
            let mut peer: Option<SocketAddr> = None;
            let mut ticker = tokio::time::interval(Duration::from_millis(20));
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            let mut position = 0u64;
            let mut buf = vec![0u8; 2048];
            loop {
                tokio::select! {
                    _ = ticker.tick() => {
                        let Some(to) = peer else { continue };
                        let tone = on.load(Ordering::Relaxed);
                        let pcm = if tone {
                            sine_from(send_hz, 8000, position, PACKET, 8000.0)
                        } else {
                            vec![0; PACKET]
                        };
                        position += PACKET as u64;
                        let mut payload = Vec::new();
                        law.encode(&pcm, &mut payload);
                        let _ = socket.send_to(&stream.packet(&payload, PACKET as u32), to).await;
                        if tone && let Ok(mut sent) = sent_at.lock()
                        {
                            sent.get_or_insert_with(Instant::now);
                        }
                    }
                    got = socket.recv_from(&mut buf) => {
                        let Ok((n, from)) = got else { continue };
                        let Some(packet) = rtp::parse(&buf[..n]) else { continue };
                        if packet.header.payload_type != law.payload_type() {
                            continue;
                        }
                        peer.get_or_insert(from);
                        count.fetch_add(1, Ordering::Relaxed);
                        let mut pcm = Vec::new();
                        law.decode(packet.payload, &mut pcm);
                        meter.feed(&pcm);
                    }
                }
            }
        });
        RtpCarrier { address, heard, playing, received, tone_sent, task }
    }

    /// Switches the tone on or off; switching it on restarts [`RtpCarrier::tone_sent`].
    pub fn play(&self, on: bool) {
        if on && let Ok(mut sent) = self.tone_sent.lock() {
            *sent = None;
        }
        self.playing.store(on, Ordering::Relaxed);
    }

    /// When the first tone packet went out since it was last switched on.
    pub fn tone_sent(&self) -> Option<Instant> {
        self.tone_sent.lock().ok().and_then(|s| *s)
    }

    /// RTP packets received from the gateway so far.
    pub fn packets_received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
}

impl Drop for RtpCarrier {
    fn drop(&mut self) {
        self.task.abort();
    }
}
