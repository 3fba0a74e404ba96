//! The phone's camera, microphone and speaker as the engine's [`MediaDevices`].
//!
//! The C++ side (`cpp/MediaBridge.cpp`, declared in `cpp/PlatformMedia.h`) installs the platform's `PlatformMedia`
//! once when the native library loads ([`install_platform_media`]); engines created afterwards open their devices
//! through it. Captured media comes in through three functions the platform calls on its own threads:
//!
//! * [`push_camera_frame`] (camera thread): the newest upright I420 frame. The engine keeps only the latest; the
//!   call's send loop takes it at its frame rate, so a fast camera is thinned and a slow one repeats nothing.
//! * [`push_microphone`] and [`pull_playout`] (on iOS, Core Audio's real-time I/O thread): 48 kHz mono PCM through a
//!   wait-free single-producer/single-consumer ring each way ([`rtrb`]). The real-time side never blocks, locks or
//!   allocates: it reaches its ring end with `try_lock` (uncontended except while a call opens or closes its
//!   devices, when a buffer is dropped) and copies samples in or out. Playout is kept short: when more than
//!   [`PLAYOUT_MAX`] samples are queued (a burst after a network stall) the oldest are skipped, bounding the delay.
//!
//! Without an installed platform (the Linux host, tests) engines use the synthetic devices instead.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, RwLock};
use std::time::Duration;

use azstack_engine::media::{
    AUDIO_CHUNK, AudioSink, AudioSource, MediaDevices, MediaError, VideoFrame, VideoSource, i420_len,
};
use rtrb::{Consumer, Producer, RingBuffer};

use crate::lock;

/// What the engine asks of the platform's devices (`PlatformMedia` in C++; a fake in tests).
pub trait Platform: Send + Sync + 'static {
    fn start_camera(&self, front: bool) -> bool;
    fn switch_camera(&self) -> bool;
    fn stop_camera(&self);
    fn start_microphone(&self) -> bool;
    fn stop_microphone(&self);
    fn start_playout(&self) -> bool;
    fn stop_playout(&self);
    /// Routes the call's audio to the loudspeaker (`true`) or the earpiece ([`crate::audio_session`] decides).
    fn set_speakerphone(&self, _on: bool) {}
    /// Asks the user for the microphone and/or camera; the answer comes later, tagged with `request` (the audio
    /// session's `answer_permissions`). Returns false when there is nothing to ask (devices that need no permission):
    /// both count as granted then.
    fn request_permissions(&self, _audio: bool, _video: bool, _request: u64) -> bool {
        false
    }
}

// SAFETY: the C++ PlatformDevices (cpp/MediaBridge.cpp) forwards to a PlatformMedia, whose methods are called on
// engine threads by contract (cpp/PlatformMedia.h).
unsafe impl Send for crate::bridge::PlatformDevices {}
unsafe impl Sync for crate::bridge::PlatformDevices {}

/// The installed C++ `PlatformMedia`.
pub struct CxxPlatform(pub cxx::SharedPtr<crate::bridge::PlatformDevices>);

impl Platform for CxxPlatform {
    fn start_camera(&self, front: bool) -> bool {
        self.0.as_ref().is_some_and(|p| p.start_camera(front))
    }
    fn switch_camera(&self) -> bool {
        self.0.as_ref().is_some_and(|p| p.switch_camera())
    }
    fn stop_camera(&self) {
        if let Some(p) = self.0.as_ref() {
            p.stop_camera();
        }
    }
    fn start_microphone(&self) -> bool {
        self.0.as_ref().is_some_and(|p| p.start_microphone())
    }
    fn stop_microphone(&self) {
        if let Some(p) = self.0.as_ref() {
            p.stop_microphone();
        }
    }
    fn start_playout(&self) -> bool {
        self.0.as_ref().is_some_and(|p| p.start_playout())
    }
    fn stop_playout(&self) {
        if let Some(p) = self.0.as_ref() {
            p.stop_playout();
        }
    }
    fn set_speakerphone(&self, on: bool) {
        if let Some(p) = self.0.as_ref() {
            p.set_speakerphone(on);
        }
    }
    fn request_permissions(&self, audio: bool, video: bool, request: u64) -> bool {
        self.0.as_ref().map(|p| p.request_permissions(audio, video, request)).is_some()
    }
}

/// Microphone ring: one second.
const MIC_CAPACITY: usize = 48_000;
/// Playout ring: one second; at most [`PLAYOUT_MAX`] of it is played late.
const PLAYOUT_CAPACITY: usize = 48_000;
/// The most audio queued for playout before the oldest is skipped (120 ms).
pub const PLAYOUT_MAX: usize = 5_760;

struct Ring {
    producer: Mutex<Producer<i16>>,
    consumer: Mutex<Consumer<i16>>,
}

impl Ring {
    fn new(capacity: usize) -> Ring {
        let (producer, consumer) = RingBuffer::new(capacity);
        Ring { producer: Mutex::new(producer), consumer: Mutex::new(consumer) }
    }

    /// Consumer side: forgets what is queued.
    fn drain(&self) {
        let mut consumer = lock(&self.consumer);
        let queued = consumer.slots();
        skip(&mut consumer, queued);
    }
}

/// Producer side, never blocking: copies what fits. Returns the samples written.
fn write_available(ring: &Ring, samples: &[i16]) -> usize {
    let Ok(mut producer) = ring.producer.try_lock() else { return 0 };
    write_into(&mut producer, samples)
}

/// Producer side: copies what fits of `samples` into the ring. Returns the samples written.
fn write_into(producer: &mut Producer<i16>, samples: &[i16]) -> usize {
    let n = samples.len().min(producer.slots());
    let Ok(mut chunk) = producer.write_chunk(n) else { return 0 };
    let (first, second) = chunk.as_mut_slices();
    first.copy_from_slice(&samples[..first.len()]);
    second.copy_from_slice(&samples[first.len()..n]);
    chunk.commit_all();
    n
}

/// Consumer side: drops the `n` oldest samples (at most what is queued).
fn skip(consumer: &mut Consumer<i16>, n: usize) {
    if let Ok(chunk) = consumer.read_chunk(n.min(consumer.slots())) {
        chunk.commit_all();
    }
}

/// Consumer side: fills `out` from the ring, at most `out.len()`. Returns the samples read.
fn read_into(consumer: &mut Consumer<i16>, out: &mut [i16]) -> usize {
    let n = out.len().min(consumer.slots());
    let Ok(chunk) = consumer.read_chunk(n) else { return 0 };
    let (first, second) = chunk.as_slices();
    out[..first.len()].copy_from_slice(first);
    out[first.len()..n].copy_from_slice(second);
    chunk.commit_all();
    n
}

struct Shared {
    platform: RwLock<Option<Arc<dyn Platform>>>,
    camera: Mutex<Option<VideoFrame>>,
    /// Whether `camera` holds a frame the send loop has not taken.
    camera_fresh: AtomicBool,
    mic: Ring,
    playout: Ring,
}

static SHARED: LazyLock<Shared> = LazyLock::new(|| Shared {
    platform: RwLock::new(None),
    camera: Mutex::new(None),
    camera_fresh: AtomicBool::new(false),
    mic: Ring::new(MIC_CAPACITY),
    playout: Ring::new(PLAYOUT_CAPACITY),
});

/// Installs the platform's devices (replacing earlier ones).
pub fn install(platform: Arc<dyn Platform>) {
    *SHARED.platform.write().unwrap_or_else(|p| p.into_inner()) = Some(platform);
}

/// The installed platform, if any.
pub fn installed() -> Option<Arc<dyn Platform>> {
    SHARED.platform.read().unwrap_or_else(|p| p.into_inner()).clone()
}

/// The installed platform's devices, if any.
pub fn devices() -> Option<Arc<dyn MediaDevices>> {
    Some(Arc::new(PlatformDevices { platform: installed()? }))
}

/// Camera thread: the newest frame (planar I420 with strides). Frames of odd or empty size are ignored.
#[allow(clippy::too_many_arguments)] // the planes of one frame, as the C++ header passes them
pub fn push_camera_frame(
    width: u32,
    height: u32,
    y: &[u8],
    stride_y: u32,
    u: &[u8],
    stride_u: u32,
    v: &[u8],
    stride_v: u32,
) {
    let (w, h) = (width as usize, height as usize);
    let (cw, ch) = (w / 2, h / 2);
    let fits = |plane: &[u8], stride: u32, cols: usize, rows: usize| {
        let stride = stride as usize;
        rows == 0 || (stride >= cols && plane.len() >= stride * (rows - 1) + cols)
    };
    if w == 0 || h == 0 || w % 2 == 1 || h % 2 == 1 {
        return;
    }
    if !fits(y, stride_y, w, h) || !fits(u, stride_u, cw, ch) || !fits(v, stride_v, cw, ch) {
        return;
    }
    let mut data = Vec::with_capacity(i420_len(width, height));
    for (plane, stride, cols, rows) in [(y, stride_y, w, h), (u, stride_u, cw, ch), (v, stride_v, cw, ch)] {
        for row in 0..rows {
            let start = row * stride as usize;
            data.extend_from_slice(&plane[start..start + cols]);
        }
    }
    if let Ok(frame) = VideoFrame::new(width, height, data) {
        *lock(&SHARED.camera) = Some(frame);
        SHARED.camera_fresh.store(true, Ordering::Release);
    }
}

/// Recording thread (real-time on iOS): recorded samples; what does not fit in the ring is dropped.
pub fn push_microphone(samples: &[i16]) {
    write_available(&SHARED.mic, samples);
}

/// Playback thread (real-time on iOS): fills `out` with what to play, silence where there is nothing. Returns the
/// samples that were real audio.
pub fn pull_playout(out: &mut [i16]) -> usize {
    let Ok(mut consumer) = SHARED.playout.consumer.try_lock() else {
        out.fill(0);
        return 0;
    };
    let queued = consumer.slots();
    if queued > PLAYOUT_MAX {
        // Late audio: skip to the newest PLAYOUT_MAX samples.
        skip(&mut consumer, queued - PLAYOUT_MAX);
    }
    let real = read_into(&mut consumer, out);
    out[real..].fill(0);
    real
}

/// The engine's [`MediaDevices`] over an installed [`Platform`].
struct PlatformDevices {
    platform: Arc<dyn Platform>,
}

impl MediaDevices for PlatformDevices {
    fn open_audio(&self) -> Result<Arc<dyn AudioSource>, MediaError> {
        SHARED.mic.drain();
        if !self.platform.start_microphone() {
            return Err(MediaError::NoDevice("the microphone cannot be opened".into()));
        }
        Ok(Arc::new(Microphone { platform: Arc::clone(&self.platform), stopped: AtomicBool::new(false) }))
    }

    fn open_video(&self) -> Result<Arc<dyn VideoSource>, MediaError> {
        *lock(&SHARED.camera) = None;
        SHARED.camera_fresh.store(false, Ordering::Release);
        if !self.platform.start_camera(true) {
            return Err(MediaError::NoDevice("the camera cannot be opened".into()));
        }
        Ok(Arc::new(Camera { platform: Arc::clone(&self.platform), stopped: AtomicBool::new(false) }))
    }

    fn audio_output(&self) -> Option<Arc<dyn AudioSink>> {
        SHARED.playout.drain();
        if !self.platform.start_playout() {
            eprintln!("azstack-ffi: the audio output cannot be opened; the call is silent here");
            return None;
        }
        Some(Arc::new(Speaker { platform: Arc::clone(&self.platform) }))
    }
}

struct Camera {
    platform: Arc<dyn Platform>,
    stopped: AtomicBool,
}

impl VideoSource for Camera {
    fn frame_interval(&self) -> Duration {
        Duration::from_micros(33_333)
    }

    fn next_frame(&self) -> Option<VideoFrame> {
        if self.stopped.load(Ordering::Acquire) || !SHARED.camera_fresh.swap(false, Ordering::AcqRel) {
            return None;
        }
        lock(&SHARED.camera).clone()
    }

    fn switch_camera(&self) -> bool {
        self.platform.switch_camera()
    }

    fn stop(&self) {
        if !self.stopped.swap(true, Ordering::AcqRel) {
            self.platform.stop_camera();
        }
    }
}

struct Microphone {
    platform: Arc<dyn Platform>,
    stopped: AtomicBool,
}

impl AudioSource for Microphone {
    fn next_chunk(&self) -> Option<Vec<i16>> {
        if self.stopped.load(Ordering::Acquire) {
            return None;
        }
        let mut consumer = lock(&SHARED.mic.consumer);
        if consumer.slots() < AUDIO_CHUNK {
            return None; // the device is late or silent: the send loop sends silence
        }
        let mut chunk = vec![0; AUDIO_CHUNK];
        read_into(&mut consumer, &mut chunk);
        Some(chunk)
    }

    fn stop(&self) {
        if !self.stopped.swap(true, Ordering::AcqRel) {
            self.platform.stop_microphone();
        }
    }
}

/// Received audio into the playout ring; closing the call's streams drops it, which stops the playout.
struct Speaker {
    platform: Arc<dyn Platform>,
}

impl AudioSink for Speaker {
    fn on_audio(&self, pcm: &[i16]) {
        write_into(&mut lock(&SHARED.playout.producer), pcm);
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        self.platform.stop_playout();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[derive(Default)]
    struct FakePlatform {
        camera_on: AtomicBool,
        back: AtomicBool,
        mic_on: AtomicBool,
        playout_on: AtomicBool,
        stops: AtomicUsize,
    }

    impl Platform for FakePlatform {
        fn start_camera(&self, front: bool) -> bool {
            self.back.store(!front, Ordering::SeqCst);
            self.camera_on.store(true, Ordering::SeqCst);
            true
        }
        fn switch_camera(&self) -> bool {
            !self.back.fetch_xor(true, Ordering::SeqCst)
        }
        fn stop_camera(&self) {
            self.camera_on.store(false, Ordering::SeqCst);
            self.stops.fetch_add(1, Ordering::SeqCst);
        }
        fn start_microphone(&self) -> bool {
            self.mic_on.store(true, Ordering::SeqCst);
            true
        }
        fn stop_microphone(&self) {
            self.mic_on.store(false, Ordering::SeqCst);
            self.stops.fetch_add(1, Ordering::SeqCst);
        }
        fn start_playout(&self) -> bool {
            self.playout_on.store(true, Ordering::SeqCst);
            true
        }
        fn stop_playout(&self) {
            self.playout_on.store(false, Ordering::SeqCst);
            self.stops.fetch_add(1, Ordering::SeqCst);
        }
    }

    // One test: the rings and the camera slot are process-wide.
    #[test]
    fn the_platform_feeds_the_engine_and_plays_what_it_receives() {
        let fake = Arc::new(FakePlatform::default());
        install(fake.clone());
        let devices = devices().unwrap_or_else(|| panic!("installed"));

        // Camera: strided planes in, the newest packed frame out, once.
        let camera = devices.open_video().unwrap_or_else(|e| panic!("{e}"));
        assert!(fake.camera_on.load(Ordering::SeqCst));
        assert!(camera.next_frame().is_none(), "no frame before the first capture");
        let (y, u, v) = (vec![100u8; 8 * 4], vec![90u8; 6 * 2], vec![200u8; 6 * 2]); // width 4, strides 8 and 6
        push_camera_frame(4, 4, &y, 8, &u, 6, &v, 6);
        push_camera_frame(3, 4, &y, 8, &u, 6, &v, 6); // odd width: ignored
        push_camera_frame(4, 4, &y[..10], 8, &u, 6, &v, 6); // short plane: ignored
        let frame = camera.next_frame().unwrap_or_else(|| panic!("a frame"));
        assert_eq!((frame.width, frame.height), (4, 4));
        assert_eq!((frame.y(), frame.u(), frame.v()), (&[100u8; 16][..], &[90u8; 4][..], &[200u8; 4][..]));
        assert!(camera.next_frame().is_none(), "a frame is sent once");
        assert!(camera.switch_camera());
        assert!(!camera.switch_camera());

        // Microphone: 20 ms chunks once enough is recorded.
        let mic = devices.open_audio().unwrap_or_else(|e| panic!("{e}"));
        push_microphone(&[7; 500]);
        assert!(mic.next_chunk().is_none(), "half a chunk is not a chunk");
        push_microphone(&[7; 500]);
        assert_eq!(mic.next_chunk(), Some(vec![7; AUDIO_CHUNK]));
        push_microphone(&vec![1; MIC_CAPACITY + 100]); // more than fits: the rest is dropped, nothing blocks

        // Playout: what arrives is played, silence after it, and late audio is skipped down to PLAYOUT_MAX.
        let speaker = devices.audio_output().unwrap_or_else(|| panic!("a speaker"));
        assert!(fake.playout_on.load(Ordering::SeqCst));
        speaker.on_audio(&[5; 960]);
        let mut out = [9i16; 1000];
        assert_eq!(pull_playout(&mut out), 960);
        assert!(out[..960].iter().all(|&s| s == 5) && out[960..].iter().all(|&s| s == 0));
        for _ in 0..20 {
            speaker.on_audio(&[3; 960]);
        }
        let mut late = vec![0i16; PLAYOUT_CAPACITY];
        assert_eq!(pull_playout(&mut late), PLAYOUT_MAX);

        // Closing: every device is stopped once.
        camera.stop();
        camera.stop();
        mic.stop();
        drop(speaker);
        assert_eq!(fake.stops.load(Ordering::SeqCst), 3);
        assert!(!fake.camera_on.load(Ordering::SeqCst) && !fake.mic_on.load(Ordering::SeqCst));
        assert!(!fake.playout_on.load(Ordering::SeqCst));
        assert!(camera.next_frame().is_none() && mic.next_chunk().is_none());
    }
}
