//! Linux media: synthetic sources and inspectable sinks, for tests, the demo and benchmarks.
//!
//! * [`TestPattern`] draws a moving bar over a gradient and writes its frame counter into the top of the image as
//!   three rows of 16 black/white blocks: bits 0–15, bits 16–31, and bits 0–15 inverted as a check. The blocks are
//!   large (a sixteenth of the width), so the counter survives H.264 and [`read_counter`] recovers it from a
//!   decoded frame; a black frame (video off) reads as `None`. The front and back "cameras" tint the picture
//!   differently.
//! * [`Tone`] is a sine generator (20 ms chunks, 48 kHz mono).
//! * [`VideoStats`] and [`AudioStats`] are sinks that count what arrives (frames, size, frame rate, black frames,
//!   the last counter read back; audio chunks and level) and keep the last frame for a PNG snapshot. Tests wait on
//!   them with [`VideoStats::wait_for`] / [`AudioStats::wait_for`], which return as soon as a condition holds.
//! * [`SyntheticDevices`] is the [`MediaDevices`] that opens them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{
    AUDIO_CHUNK, AUDIO_RATE, AudioSink, AudioSource, MediaDevices, MediaError, VideoFrame, VideoSink, VideoSource,
    i420_len,
};

const WHITE: u8 = 235;
const BLACK: u8 = 16;
const BITS_PER_ROW: u32 = 16;

/// The block grid of the counter for a frame size: `(block width, block height)`.
fn code_block(width: u32, height: u32) -> (u32, u32) {
    let bw = (width / BITS_PER_ROW) & !1;
    let bh = ((height / 16).max(8)) & !1;
    (bw.max(2), bh.max(2))
}

/// A moving test pattern that carries its frame counter (see the module docs).
pub struct TestPattern {
    width: u32,
    height: u32,
    interval: Duration,
    next: AtomicU32,
    back: AtomicBool,
    stopped: AtomicBool,
}

impl TestPattern {
    /// A pattern of `width`×`height` (rounded down to even, at least 32×16) at `fps` frames per second.
    pub fn new(width: u32, height: u32, fps: u32) -> TestPattern {
        TestPattern {
            width: width.max(32) & !1,
            height: height.max(16) & !1,
            interval: Duration::from_secs_f64(1.0 / f64::from(fps.clamp(1, 120))),
            next: AtomicU32::new(0),
            back: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
        }
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Frames handed out so far (the counter of the next frame).
    pub fn frames_produced(&self) -> u32 {
        self.next.load(Ordering::Relaxed)
    }

    /// Whether the "back camera" is selected.
    pub fn is_back(&self) -> bool {
        self.back.load(Ordering::Relaxed)
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    /// Draws frame number `counter`.
    pub fn render(&self, counter: u32) -> VideoFrame {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut data = vec![0u8; i420_len(self.width, self.height)];
        let (luma, chroma) = data.split_at_mut(w * h);
        let (u, v) = chroma.split_at_mut((w / 2) * (h / 2));
        // Background: a horizontal gradient with a bright bar moving 8 px per frame.
        let bar = (counter as usize * 8) % w;
        let bar_width = (w / 16).max(4);
        for row in 0..h {
            for col in 0..w {
                let in_bar = col >= bar && col < bar + bar_width;
                luma[row * w + col] = if in_bar { 200 } else { 48 + (col * 120 / w) as u8 };
            }
        }
        let (cu, cv) = if self.is_back() { (90, 90) } else { (160, 110) };
        u.fill(cu);
        v.fill(cv);
        // The counter: three rows of 16 blocks.
        let (bw, bh) = code_block(self.width, self.height);
        let rows = [counter & 0xffff, counter >> 16, !counter & 0xffff];
        for (r, bits) in rows.iter().enumerate() {
            for bit in 0..BITS_PER_ROW {
                let value = if bits >> bit & 1 == 1 { WHITE } else { BLACK };
                let (x0, y0) = ((bit * bw) as usize, (r as u32 * bh) as usize);
                for row in y0..(y0 + bh as usize).min(h) {
                    let start = row * w + x0;
                    let end = (start + bw as usize).min(row * w + w);
                    luma[start..end].fill(value);
                }
                // Neutral chroma under the code so colour bleeding cannot shift the luma threshold.
                for row in y0 / 2..((y0 + bh as usize) / 2).min(h / 2) {
                    let start = row * (w / 2) + x0 / 2;
                    let end = (start + bw as usize / 2).min(row * (w / 2) + w / 2);
                    u[start..end].fill(128);
                    v[start..end].fill(128);
                }
            }
        }
        VideoFrame { width: self.width, height: self.height, data: data.into(), timestamp: Instant::now() }
    }
}

impl VideoSource for TestPattern {
    fn frame_interval(&self) -> Duration {
        self.interval
    }

    fn next_frame(&self) -> Option<VideoFrame> {
        if self.is_stopped() {
            return None;
        }
        let counter = self.next.fetch_add(1, Ordering::Relaxed);
        Some(self.render(counter))
    }

    fn switch_camera(&self) -> bool {
        !self.back.fetch_xor(true, Ordering::Relaxed)
    }

    fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }
}

/// Reads the counter [`TestPattern`] wrote into a frame (after any lossy coding), or `None` when the frame does
/// not carry one (a black frame, another source, a size too small to tell).
pub fn read_counter(frame: &VideoFrame) -> Option<u32> {
    let (w, h) = (frame.width as usize, frame.height as usize);
    let (bw, bh) = code_block(frame.width, frame.height);
    if (3 * bh) as usize > h || (BITS_PER_ROW * bw) as usize > w {
        return None;
    }
    let y = frame.y();
    let mut rows = [0u32; 3];
    for (r, bits) in rows.iter_mut().enumerate() {
        for bit in 0..BITS_PER_ROW {
            // Average the middle half of the block.
            let (x0, y0) = ((bit * bw + bw / 4) as usize, (r as u32 * bh + bh / 4) as usize);
            let (x1, y1) = (x0 + (bw / 2).max(1) as usize, y0 + (bh / 2).max(1) as usize);
            let mut sum = 0u64;
            for row in y0..y1 {
                sum += y[row * w + x0..row * w + x1].iter().map(|&v| u64::from(v)).sum::<u64>();
            }
            let mean = sum / ((x1 - x0) * (y1 - y0)) as u64;
            if mean > u64::from(WHITE + BLACK) / 2 {
                *bits |= 1 << bit;
            }
        }
    }
    (rows[2] == !rows[0] & 0xffff).then_some(rows[0] | rows[1] << 16)
}

/// Which "camera" of a [`TestPattern`] drew a frame, from its tint: `Some(true)` for the back one, `Some(false)` for
/// the front one, `None` for a black frame or another source. Reads the bottom quarter of the U plane (the counter
/// sits at the top).
pub fn read_camera_back(frame: &VideoFrame) -> Option<bool> {
    if frame.is_black() {
        return None;
    }
    let u = frame.u();
    let tail = &u[u.len() - u.len() / 4..];
    if tail.is_empty() {
        return None;
    }
    let mean = tail.iter().map(|&v| u64::from(v)).sum::<u64>() / tail.len() as u64;
    match mean {
        70..=110 => Some(true),
        140..=180 => Some(false),
        _ => None,
    }
}

/// A sine tone source.
pub struct Tone {
    step: f64,
    amplitude: f64,
    phase: Mutex<f64>,
    stopped: AtomicBool,
}

impl Tone {
    /// A tone of `hz` at `amplitude` (0–1 of full scale).
    pub fn new(hz: f64, amplitude: f64) -> Tone {
        Tone {
            step: std::f64::consts::TAU * hz / f64::from(AUDIO_RATE),
            amplitude: amplitude.clamp(0.0, 1.0) * f64::from(i16::MAX),
            phase: Mutex::new(0.0),
            stopped: AtomicBool::new(false),
        }
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }
}

impl AudioSource for Tone {
    fn next_chunk(&self) -> Option<Vec<i16>> {
        if self.is_stopped() {
            return None;
        }
        let mut phase = self.phase.lock().unwrap_or_else(|p| p.into_inner());
        let chunk = (0..AUDIO_CHUNK)
            .map(|_| {
                let s = (phase.sin() * self.amplitude) as i16;
                *phase = (*phase + self.step) % std::f64::consts::TAU;
                s
            })
            .collect();
        Some(chunk)
    }

    fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }
}

/// Root-mean-square level of PCM, 0–1 of full scale.
pub fn level(pcm: &[i16]) -> f64 {
    if pcm.is_empty() {
        return 0.0;
    }
    let sum: f64 = pcm.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / pcm.len() as f64).sqrt() / f64::from(i16::MAX)
}

/// What a [`VideoStats`] sink has seen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VideoSnapshot {
    pub frames: u64,
    pub width: u32,
    pub height: u32,
    /// Frames per second over the last second.
    pub fps: f64,
    pub black_frames: u64,
    /// Frames whose [`read_counter`] succeeded.
    pub counted_frames: u64,
    pub last_counter: Option<u32>,
    /// Whether the last frame was black.
    pub last_black: bool,
}

#[derive(Default)]
struct VideoState {
    snap: VideoSnapshot,
    recent: VecDeque<Instant>,
    last: Option<VideoFrame>,
}

/// A video sink that counts and keeps what it receives.
pub struct VideoStats {
    state: Mutex<VideoState>,
    changed: tokio::sync::watch::Sender<u64>,
}

impl Default for VideoStats {
    fn default() -> Self {
        VideoStats { state: Mutex::default(), changed: tokio::sync::watch::channel(0).0 }
    }
}

impl VideoStats {
    pub fn new() -> Arc<VideoStats> {
        Arc::new(VideoStats::default())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VideoState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn snapshot(&self) -> VideoSnapshot {
        self.lock().snap.clone()
    }

    /// The last frame received (for a PNG snapshot: [`VideoFrame::to_png`]).
    pub fn last_frame(&self) -> Option<VideoFrame> {
        self.lock().last.clone()
    }

    /// Waits until `pred` holds for the snapshot, at most `within`. Returns the snapshot that satisfied it, or the
    /// last one seen when the time ran out.
    pub async fn wait_for(
        &self,
        within: Duration,
        pred: impl Fn(&VideoSnapshot) -> bool,
    ) -> Result<VideoSnapshot, VideoSnapshot> {
        wait(&self.changed, within, || self.snapshot(), pred).await
    }
}

impl VideoSink for VideoStats {
    fn on_frame(&self, frame: &VideoFrame) {
        let now = Instant::now();
        let counter = read_counter(frame);
        let black = frame.is_black();
        {
            let mut s = self.lock();
            s.snap.frames += 1;
            s.snap.width = frame.width;
            s.snap.height = frame.height;
            s.snap.last_black = black;
            if black {
                s.snap.black_frames += 1;
            }
            if let Some(c) = counter {
                s.snap.counted_frames += 1;
                s.snap.last_counter = Some(c);
            }
            s.recent.push_back(now);
            while s.recent.front().is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1)) {
                s.recent.pop_front();
            }
            s.snap.fps = s.recent.len() as f64;
            s.last = Some(frame.clone());
        }
        self.changed.send_modify(|n| *n += 1);
    }
}

/// What an [`AudioStats`] sink has heard.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AudioSnapshot {
    /// Decoded chunks (one per received packet).
    pub chunks: u64,
    /// RMS level of the last chunk, 0–1.
    pub level: f64,
    /// Chunks with a level under 0.01.
    pub silent_chunks: u64,
    /// Chunks with a level of 0.01 or more.
    pub loud_chunks: u64,
}

/// An audio sink that counts what it receives and measures its level.
pub struct AudioStats {
    state: Mutex<AudioSnapshot>,
    changed: tokio::sync::watch::Sender<u64>,
}

impl Default for AudioStats {
    fn default() -> Self {
        AudioStats { state: Mutex::default(), changed: tokio::sync::watch::channel(0).0 }
    }
}

impl AudioStats {
    pub fn new() -> Arc<AudioStats> {
        Arc::new(AudioStats::default())
    }

    pub fn snapshot(&self) -> AudioSnapshot {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// As [`VideoStats::wait_for`].
    pub async fn wait_for(
        &self,
        within: Duration,
        pred: impl Fn(&AudioSnapshot) -> bool,
    ) -> Result<AudioSnapshot, AudioSnapshot> {
        wait(&self.changed, within, || self.snapshot(), pred).await
    }
}

impl AudioSink for AudioStats {
    fn on_audio(&self, pcm: &[i16]) {
        let l = level(pcm);
        {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            s.chunks += 1;
            s.level = l;
            if l < 0.01 {
                s.silent_chunks += 1;
            } else {
                s.loud_chunks += 1;
            }
        }
        self.changed.send_modify(|n| *n += 1);
    }
}

async fn wait<S>(
    changed: &tokio::sync::watch::Sender<u64>,
    within: Duration,
    snapshot: impl Fn() -> S,
    pred: impl Fn(&S) -> bool,
) -> Result<S, S> {
    let mut rx = changed.subscribe();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        rx.borrow_and_update();
        let snap = snapshot();
        if pred(&snap) {
            return Ok(snap);
        }
        match tokio::time::timeout_at(deadline, rx.changed()).await {
            Ok(Ok(())) => {}
            _ => {
                let snap = snapshot();
                return if pred(&snap) { Ok(snap) } else { Err(snap) };
            }
        }
    }
}

/// [`MediaDevices`] of synthetic sources: a [`TestPattern`] camera and a [`Tone`] microphone, and an optional
/// audio output. Keeps the sources it opened so tests can look at them.
pub struct SyntheticDevices {
    width: u32,
    height: u32,
    fps: u32,
    tone_hz: f64,
    output: Option<Arc<dyn AudioSink>>,
    fail: bool,
    opened_video: Mutex<Vec<Arc<TestPattern>>>,
    opened_audio: Mutex<Vec<Arc<Tone>>>,
}

impl Default for SyntheticDevices {
    /// 640×480 at 30 fps and a 440 Hz tone.
    fn default() -> Self {
        SyntheticDevices::new(640, 480, 30)
    }
}

impl SyntheticDevices {
    pub fn new(width: u32, height: u32, fps: u32) -> SyntheticDevices {
        SyntheticDevices {
            width,
            height,
            fps,
            tone_hz: 440.0,
            output: None,
            fail: false,
            opened_video: Mutex::default(),
            opened_audio: Mutex::default(),
        }
    }

    /// Plays received audio into `sink`.
    pub fn with_audio_output(mut self, sink: Arc<dyn AudioSink>) -> Self {
        self.output = Some(sink);
        self
    }

    /// Devices that cannot be opened (as a denied camera permission): calls fail with `Cannot get user media`.
    pub fn unavailable() -> Self {
        SyntheticDevices { fail: true, ..SyntheticDevices::default() }
    }

    /// The cameras opened so far, oldest first.
    pub fn opened_video(&self) -> Vec<Arc<TestPattern>> {
        self.opened_video.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The microphones opened so far, oldest first.
    pub fn opened_audio(&self) -> Vec<Arc<Tone>> {
        self.opened_audio.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl MediaDevices for SyntheticDevices {
    fn open_audio(&self) -> Result<Arc<dyn AudioSource>, MediaError> {
        if self.fail {
            return Err(MediaError::NoDevice("microphone unavailable".into()));
        }
        let tone = Arc::new(Tone::new(self.tone_hz, 0.3));
        self.opened_audio.lock().unwrap_or_else(|p| p.into_inner()).push(Arc::clone(&tone));
        Ok(tone)
    }

    fn open_video(&self) -> Result<Arc<dyn VideoSource>, MediaError> {
        if self.fail {
            return Err(MediaError::NoDevice("camera unavailable".into()));
        }
        let pattern = Arc::new(TestPattern::new(self.width, self.height, self.fps));
        self.opened_video.lock().unwrap_or_else(|p| p.into_inner()).push(Arc::clone(&pattern));
        Ok(pattern)
    }

    fn audio_output(&self) -> Option<Arc<dyn AudioSink>> {
        self.output.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counter_reads_back_from_a_clean_frame() {
        for (w, h) in [(640, 480), (320, 240), (160, 120), (1280, 720)] {
            let p = TestPattern::new(w, h, 30);
            for c in [0, 1, 2, 0xffff, 0x1_0000, 123_456_789, u32::MAX] {
                assert_eq!(read_counter(&p.render(c)), Some(c), "{w}x{h} counter {c}");
            }
        }
        assert_eq!(read_counter(&VideoFrame::black(640, 480)), None);
        assert!(VideoFrame::black(640, 480).is_black());
        assert!(!TestPattern::new(640, 480, 30).render(5).is_black());
    }

    #[test]
    fn the_pattern_counts_moves_and_switches_camera() {
        let p = TestPattern::new(320, 240, 30);
        let a = p.next_frame().map(|f| read_counter(&f));
        let b = p.next_frame().map(|f| read_counter(&f));
        assert_eq!((a, b), (Some(Some(0)), Some(Some(1))));
        assert_ne!(p.render(1).y()[200 * 320..201 * 320], p.render(2).y()[200 * 320..201 * 320]);
        let last = p.render(0).u().len() - 1;
        let front_u = p.render(0).u()[last];
        assert_eq!(read_camera_back(&p.render(0)), Some(false));
        assert!(p.switch_camera());
        assert!(p.is_back());
        assert_ne!(p.render(0).u()[last], front_u);
        assert_eq!(read_camera_back(&p.render(0)), Some(true));
        assert_eq!(read_camera_back(&VideoFrame::black(320, 240)), None);
        assert!(!p.switch_camera());
        p.stop();
        assert!(p.next_frame().is_none());
    }

    #[test]
    fn the_tone_is_loud_and_continuous() {
        let t = Tone::new(440.0, 0.3);
        let a = t.next_chunk().unwrap_or_default();
        assert_eq!(a.len(), AUDIO_CHUNK);
        assert!((level(&a) - 0.3 / 2f64.sqrt()).abs() < 0.02, "{}", level(&a));
        assert_eq!(level(&[0; 960]), 0.0);
    }

    #[test]
    fn frames_convert_to_png() {
        let frame = TestPattern::new(64, 32, 30).render(3);
        let png = frame.to_png();
        assert_eq!(&png[..4], b"\x89PNG");
        assert!(png.len() > 64 * 32 * 3);
        let rgb = VideoFrame::black(4, 4).to_rgb();
        assert!(rgb.iter().all(|&c| c == 0), "{rgb:?}");
    }

    #[tokio::test]
    async fn sinks_count_and_wake_waiters() {
        let stats = VideoStats::new();
        let s2 = Arc::clone(&stats);
        let p = TestPattern::new(320, 240, 30);
        let f = p.render(41);
        tokio::spawn(async move {
            s2.on_frame(&f);
            s2.on_frame(&VideoFrame::black(320, 240));
        });
        let snap = stats.wait_for(Duration::from_secs(5), |s| s.frames == 2).await;
        let snap = snap.unwrap_or_else(|s| panic!("{s:?}"));
        assert_eq!((snap.width, snap.height, snap.black_frames, snap.last_counter), (320, 240, 1, Some(41)));
        assert!(snap.last_black);
        assert!(stats.wait_for(Duration::from_millis(10), |s| s.frames == 3).await.is_err());

        let audio = AudioStats::new();
        audio.on_audio(&[0; 960]);
        audio.on_audio(&Tone::new(440.0, 0.5).next_chunk().unwrap_or_default());
        let a = audio.snapshot();
        assert_eq!((a.chunks, a.silent_chunks, a.loud_chunks), (2, 1, 1));
    }
}
