//! Counts 20 ms frames in which one tone dominates another (Goertzel), for the media tests and the bench: "the
//! far end hears 440 Hz" means enough frames where 440 Hz is loud and ten times stronger than the other tone.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::testing::tone::{goertzel, rms};

pub struct ToneMeter {
    rate: u32,
    listen_hz: f64,
    other_hz: f64,
    frames: AtomicU64,
    tone_frames: AtomicU64,
    first_tone: Mutex<Option<Instant>>,
    changed: Notify,
}

impl ToneMeter {
    /// A meter for `listen_hz` against `other_hz` on audio at `rate` Hz.
    pub fn new(rate: u32, listen_hz: f64, other_hz: f64) -> ToneMeter {
        ToneMeter {
            rate,
            listen_hz,
            other_hz,
            frames: AtomicU64::new(0),
            tone_frames: AtomicU64::new(0),
            first_tone: Mutex::new(None),
            changed: Notify::new(),
        }
    }

    /// Takes one frame of audio.
    pub fn feed(&self, frame: &[i16]) {
        self.frames.fetch_add(1, Ordering::Relaxed);
        let on = goertzel(frame, self.rate, self.listen_hz);
        let other = goertzel(frame, self.rate, self.other_hz);
        if rms(frame) > 300.0 && on > 10.0 * other {
            self.tone_frames.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut first) = self.first_tone.lock() {
                first.get_or_insert_with(Instant::now);
            }
        }
        self.changed.notify_waiters();
    }

    pub fn frames(&self) -> u64 {
        self.frames.load(Ordering::Relaxed)
    }

    /// Frames in which the tone dominated.
    pub fn tone_frames(&self) -> u64 {
        self.tone_frames.load(Ordering::Relaxed)
    }

    /// When the tone was first heard (since the last [`ToneMeter::reset`]).
    pub fn first_tone(&self) -> Option<Instant> {
        self.first_tone.lock().ok().and_then(|f| *f)
    }

    pub fn reset(&self) {
        self.tone_frames.store(0, Ordering::Relaxed);
        if let Ok(mut first) = self.first_tone.lock() {
            *first = None;
        }
    }

    /// Waits until the tone was heard in `frames` frames, or `within` passed; returns whether it was.
    pub async fn wait_for(&self, frames: u64, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let changed = self.changed.notified();
            if self.tone_frames() >= frames {
                return true;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return self.tone_frames() >= frames;
            }
        }
    }
}
