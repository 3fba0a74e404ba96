//! Media: what a call sends and what it receives, independent of signalling.
//!
//! * **Frames.** Video travels as [`VideoFrame`]s in I420 (planar Y, then U and V at half resolution; even width
//!   and height), audio as 20 ms chunks of mono PCM at 48 kHz ([`AUDIO_CHUNK`] samples of `i16`).
//! * **Sources and sinks** are traits, so each platform plugs in its own: a [`VideoSource`] is asked for a frame at
//!   its own frame rate (a camera returns its latest capture), an [`AudioSource`] for the next 20 ms; a
//!   [`VideoSink`] receives decoded frames (a native view, the C++ frame registry), an [`AudioSink`] decoded PCM (the
//!   speaker). [`MediaDevices`] is the engine's `getUserMedia`: it opens the sources of a call and names the audio
//!   output. On Linux [`synthetic`] supplies a moving test pattern whose frames carry their own counter, a tone
//!   generator, and sinks that count and keep what they received.
//! * **Codecs** ([`codec`]): Opus for audio and H.264 (OpenH264) for video, behind the `codecs` cargo feature (both
//!   bundle C). Without it the pure-Rust core still builds (the mobile check); calls then signal and connect but
//!   their tracks carry nothing.
//! * **RTP** ([`rtp`]): the send loops (source → encoder → webrtc-rs sample track, which packetises) and the
//!   receive loops (remote track → depacketiser → decoder → sinks).
//! * **PNG** ([`png`]): a dependency-free encoder for snapshots of a frame.
//!
//! Muting is done at the source end of the send loop: a disabled audio track sends encoded silence, a disabled
//! video track sends black frames, so the peer sees the change without renegotiation (as a disabled
//! `MediaStreamTrack` behaves in browsers).

pub mod codec;
pub mod png;
pub mod rtp;
pub mod synthetic;

use std::sync::Arc;
use std::time::{Duration, Instant};

/// Audio sample rate of every source, sink and codec.
pub const AUDIO_RATE: u32 = 48_000;
/// Samples in one 20 ms audio chunk at [`AUDIO_RATE`], mono.
pub const AUDIO_CHUNK: usize = 960;
/// Duration of one audio chunk.
pub const AUDIO_CHUNK_DURATION: Duration = Duration::from_millis(20);

/// Why media could not be opened, encoded or decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("no such device: {0}")]
    NoDevice(String),
    #[error("codec unavailable: {0}")]
    NoCodec(String),
    #[error("codec error: {0}")]
    Codec(String),
    #[error("bad frame: {0}")]
    BadFrame(String),
}

/// One video frame in I420. Cheap to clone (the pixels are shared).
#[derive(Clone)]
pub struct VideoFrame {
    pub width: u32,
    pub height: u32,
    data: Arc<[u8]>,
    /// When the frame was captured (sources) or decoded (sinks).
    pub timestamp: Instant,
}

impl std::fmt::Debug for VideoFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoFrame").field("width", &self.width).field("height", &self.height).finish()
    }
}

/// Bytes of an I420 image of `width`×`height`.
pub fn i420_len(width: u32, height: u32) -> usize {
    let (w, h) = (width as usize, height as usize);
    w * h + 2 * (w / 2) * (h / 2)
}

impl VideoFrame {
    /// A frame from I420 bytes; the dimensions must be even and non-zero and the buffer exactly their size.
    pub fn new(width: u32, height: u32, data: impl Into<Arc<[u8]>>) -> Result<VideoFrame, MediaError> {
        let data = data.into();
        if width == 0 || height == 0 || !width.is_multiple_of(2) || !height.is_multiple_of(2) {
            return Err(MediaError::BadFrame(format!("{width}x{height} is not an even, non-empty size")));
        }
        if data.len() != i420_len(width, height) {
            return Err(MediaError::BadFrame(format!(
                "{} bytes for {width}x{height} (expected {})",
                data.len(),
                i420_len(width, height)
            )));
        }
        Ok(VideoFrame { width, height, data, timestamp: Instant::now() })
    }

    /// A black frame (luma 16, neutral chroma).
    pub fn black(width: u32, height: u32) -> VideoFrame {
        let (w, h) = (width.max(2) & !1, height.max(2) & !1);
        let luma = (w * h) as usize;
        let mut data = vec![128u8; i420_len(w, h)];
        data[..luma].fill(16);
        VideoFrame { width: w, height: h, data: data.into(), timestamp: Instant::now() }
    }

    pub fn data(&self) -> &[u8] {
        &self.data
    }

    pub fn y(&self) -> &[u8] {
        &self.data[..(self.width * self.height) as usize]
    }

    pub fn u(&self) -> &[u8] {
        let luma = (self.width * self.height) as usize;
        let chroma = ((self.width / 2) * (self.height / 2)) as usize;
        &self.data[luma..luma + chroma]
    }

    pub fn v(&self) -> &[u8] {
        let luma = (self.width * self.height) as usize;
        let chroma = ((self.width / 2) * (self.height / 2)) as usize;
        &self.data[luma + chroma..]
    }

    /// Mean luma, 0–255 (a black frame is about 16).
    pub fn mean_luma(&self) -> f64 {
        let y = self.y();
        if y.is_empty() {
            return 0.0;
        }
        y.iter().map(|&v| f64::from(v)).sum::<f64>() / y.len() as f64
    }

    /// Whether the frame is (nearly) black: what a peer receives while the sender's video is off.
    pub fn is_black(&self) -> bool {
        self.mean_luma() < 24.0
    }

    /// The pixels as packed RGB (BT.601, limited range).
    pub fn to_rgb(&self) -> Vec<u8> {
        let (w, h) = (self.width as usize, self.height as usize);
        let (y, u, v) = (self.y(), self.u(), self.v());
        let mut rgb = Vec::with_capacity(w * h * 3);
        for row in 0..h {
            for col in 0..w {
                let c = f32::from(y[row * w + col]) - 16.0;
                let ci = (row / 2) * (w / 2) + col / 2;
                let d = f32::from(u[ci]) - 128.0;
                let e = f32::from(v[ci]) - 128.0;
                let px = |x: f32| x.round().clamp(0.0, 255.0) as u8;
                rgb.push(px(1.164 * c + 1.596 * e));
                rgb.push(px(1.164 * c - 0.392 * d - 0.813 * e));
                rgb.push(px(1.164 * c + 2.017 * d));
            }
        }
        rgb
    }

    /// A PNG image of the frame (see [`png`]).
    pub fn to_png(&self) -> Vec<u8> {
        png::encode_rgb(self.width, self.height, &self.to_rgb())
    }
}

/// Produces video frames (a camera, the test pattern).
pub trait VideoSource: Send + Sync + 'static {
    /// How often the send loop asks for a frame.
    fn frame_interval(&self) -> Duration {
        Duration::from_micros(33_333)
    }

    /// The next frame to send; `None` when there is nothing new (the loop skips that tick).
    fn next_frame(&self) -> Option<VideoFrame>;

    /// Switches between the front and the back camera (`switchCameraType`). Returns the new facing:
    /// `true` for the back camera. Sources without a second camera keep their image and report the flip anyway.
    fn switch_camera(&self) -> bool;

    /// Releases the device (called once when the call ends).
    fn stop(&self) {}
}

/// Produces audio: 20 ms chunks of mono 48 kHz PCM.
pub trait AudioSource: Send + Sync + 'static {
    /// The next [`AUDIO_CHUNK`] samples, or `None` when the device has nothing (silence is sent).
    fn next_chunk(&self) -> Option<Vec<i16>>;

    /// Releases the device (called once when the call ends).
    fn stop(&self) {}
}

/// Receives decoded (or, for the local preview, captured) video frames. Called on an engine thread; must not
/// block for long.
pub trait VideoSink: Send + Sync + 'static {
    fn on_frame(&self, frame: &VideoFrame);
}

/// Receives decoded audio: 20 ms chunks of mono 48 kHz PCM.
pub trait AudioSink: Send + Sync + 'static {
    fn on_audio(&self, pcm: &[i16]);
}

/// The engine's `getUserMedia`: opens the capture devices of a call and names the audio output. Platforms supply
/// camera, microphone and speaker; Linux uses [`synthetic::SyntheticDevices`].
pub trait MediaDevices: Send + Sync + 'static {
    /// The microphone. An error makes the call method fail with `Cannot get user media`.
    fn open_audio(&self) -> Result<Arc<dyn AudioSource>, MediaError>;

    /// The camera (video calls only), front-facing first. An error fails the call method as above.
    fn open_video(&self) -> Result<Arc<dyn VideoSource>, MediaError>;

    /// Where received audio is played; `None` discards it (it is still decoded and counted).
    fn audio_output(&self) -> Option<Arc<dyn AudioSink>> {
        None
    }
}
