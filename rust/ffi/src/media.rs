//! Media across the bridge.
//!
//! * **Renderers.** The C++ frame registry (`cpp/FrameRegistry.cpp`) attaches a [`bridge::FrameSink`] per native view
//!   to a stream id with [`attach_frame_sink`]; the engine's process-wide stream registry delivers that stream's
//!   frames to it, also when the view attached before the stream existed. [`detach_frame_sink`] is a hard stop: it
//!   returns only after a frame being delivered to that sink has been delivered, and the sink is never called again,
//!   which is what lets a view free its drawing surface right after detaching.
//! * **What the Linux host inspects** (`host.videoStats`, `host.snapshot`, `host.audioStats`, `host.callResources`):
//!   the audio each engine heard (its synthetic speaker), a frame's test-pattern counter and camera tint, a frame as
//!   PNG, and the call resources alive in the process.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Instant;

use azstack_engine::call::streams;
use azstack_engine::media::synthetic::{AudioStats, read_camera_back, read_counter};
use azstack_engine::media::{VideoFrame, VideoSink};
use serde_json::json;

use crate::bridge;
use crate::lock;

// SAFETY: the C++ frame sinks are written to be called from any thread, one frame at a time (cpp/FrameRegistry.cpp);
// the wrapper below never calls one concurrently with itself.
unsafe impl Send for bridge::FrameSink {}
unsafe impl Sync for bridge::FrameSink {}

/// The origin of `timestamp_us`: frames carry microseconds since the first frame the bridge saw.
static EPOCH: LazyLock<Instant> = LazyLock::new(Instant::now);

/// A C++ sink as the engine's [`VideoSink`]. The slot's lock is held while C++ draws, so emptying the slot waits for
/// a frame in flight (the hard stop of [`detach_frame_sink`]).
struct CxxFrameSink {
    slot: Mutex<Option<cxx::SharedPtr<bridge::FrameSink>>>,
}

impl VideoSink for CxxFrameSink {
    fn on_frame(&self, frame: &VideoFrame) {
        let slot = lock(&self.slot);
        if let Some(sink) = slot.as_ref().and_then(|s| s.as_ref()) {
            let at = frame.timestamp.saturating_duration_since(*EPOCH);
            sink.on_frame(frame.width, frame.height, frame.data(), i64::try_from(at.as_micros()).unwrap_or(i64::MAX));
        }
    }
}

struct Attachment {
    stream_id: String,
    sink: Arc<CxxFrameSink>,
}

static ATTACHMENTS: LazyLock<Mutex<HashMap<u64, Attachment>>> = LazyLock::new(Mutex::default);
static NEXT_ATTACHMENT: AtomicU64 = AtomicU64::new(1);

/// Delivers the frames of stream `stream_id` to `sink`, now or once the stream exists. Returns the attachment's id
/// (> 0) for [`detach_frame_sink`]; 0 for a null sink.
pub fn attach_frame_sink(stream_id: &str, sink: cxx::SharedPtr<bridge::FrameSink>) -> u64 {
    if sink.is_null() {
        return 0;
    }
    let id = NEXT_ATTACHMENT.fetch_add(1, Ordering::Relaxed);
    let wrapper = Arc::new(CxxFrameSink { slot: Mutex::new(Some(sink)) });
    lock(&ATTACHMENTS).insert(id, Attachment { stream_id: stream_id.to_owned(), sink: Arc::clone(&wrapper) });
    streams::attach_video_sink(stream_id, wrapper);
    id
}

/// Ends attachment `id`: when this returns, its sink is not being called and never will be again. Returns whether
/// the attachment existed. Must not be called from inside the sink's `on_frame`.
pub fn detach_frame_sink(id: u64) -> bool {
    let Some(attachment) = lock(&ATTACHMENTS).remove(&id) else { return false };
    let as_sink: Arc<dyn VideoSink> = attachment.sink.clone();
    streams::detach_video_sink(&attachment.stream_id, &as_sink);
    let released = lock(&attachment.sink.slot).take();
    drop(released); // outside the lock: it may be the last owner of the C++ object
    true
}

/// How many renderers are attached (tests check that views release theirs).
pub fn frame_sinks_attached() -> usize {
    lock(&ATTACHMENTS).len()
}

/// What engine `audio` heard as JSON: `{packetsReceived, level, loudPackets, silentPackets}` (a packet is one 20 ms
/// Opus frame; `level` is the RMS of the last one, 0–1).
pub fn audio_stats_json(audio: &AudioStats) -> String {
    let s = audio.snapshot();
    json!({
        "packetsReceived": s.chunks,
        "level": s.level,
        "loudPackets": s.loud_chunks,
        "silentPackets": s.silent_chunks,
    })
    .to_string()
}

/// Reads the synthetic test pattern in a packed I420 frame: `{"counter": n|null, "black": bool, "cameraType":
/// "user"|"environment"|null}`; `null` when the buffer does not match the size.
pub fn inspect_frame(width: u32, height: u32, i420: &[u8]) -> String {
    let Ok(frame) = VideoFrame::new(width, height, i420.to_vec()) else { return "null".to_owned() };
    let camera = read_camera_back(&frame).map(|back| if back { "environment" } else { "user" });
    json!({"counter": read_counter(&frame), "black": frame.is_black(), "cameraType": camera}).to_string()
}

/// A packed I420 frame as a PNG file's bytes.
pub fn frame_png(width: u32, height: u32, i420: &[u8]) -> Result<Vec<u8>, String> {
    VideoFrame::new(width, height, i420.to_vec()).map(|f| f.to_png()).map_err(|e| e.to_string())
}

/// The call resources alive in this process (every engine) as JSON: `{peerConnections, tracks, tasks,
/// frameSinks}`.
pub fn call_resources() -> String {
    let live = azstack_engine::call::live_resources();
    json!({
        "peerConnections": live.peer_connections,
        "tracks": live.tracks,
        "tasks": live.tasks,
        "frameSinks": frame_sinks_attached(),
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use azstack_engine::media::synthetic::TestPattern;

    #[test]
    fn frames_are_inspected_and_encoded() {
        let frame = TestPattern::new(64, 48, 30).render(77);
        let seen: serde_json::Value = serde_json::from_str(&inspect_frame(64, 48, frame.data())).unwrap_or_default();
        assert_eq!(seen, json!({"counter": 77, "black": false, "cameraType": "user"}));
        assert_eq!(inspect_frame(64, 48, &[0; 10]), "null");
        let png = frame_png(64, 48, frame.data()).unwrap_or_default();
        assert_eq!(&png[1..4], b"PNG");
        assert!(frame_png(63, 48, frame.data()).is_err());
    }
}
