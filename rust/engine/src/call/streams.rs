//! The process-wide stream registry: where renderers meet the streams of calls, by stream id.
//!
//! A call registers its streams (the local camera preview of a video call, the remote stream) when its media is
//! built and forgets them at teardown; the media loops push frames and audio to the sinks of those entries. Renderers
//! attach by id — `stream.toURL()` in JavaScript — through [`attach_video_sink`]. A renderer may attach *before* the
//! stream exists (a native view mounted ahead of `onRemoteStreamArrived`): the entry is created empty and the call
//! finds the renderer there when it registers the stream. That is why the registry is process-wide rather than per
//! engine: the view does not know which engine will produce its stream, and stream ids carry a process-wide call
//! serial, so they never collide or come back.
//!
//! Teardown clears an entry's sinks with the stream: a view still attached to an ended call's stream simply stops
//! receiving frames. An entry nobody registered is removed when its last sink detaches.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use crate::media::rtp::SinkSet;
use crate::media::{AudioSink, VideoSink};

/// The sinks of one stream.
#[derive(Default)]
pub(crate) struct StreamSinks {
    pub video: Arc<SinkSet<dyn VideoSink>>,
    pub audio: Arc<SinkSet<dyn AudioSink>>,
    /// Whether a call has registered the stream (rather than only a renderer waiting for it).
    registered: AtomicBool,
}

impl StreamSinks {
    fn is_unused(&self) -> bool {
        !self.registered.load(Ordering::SeqCst) && self.video.is_empty() && self.audio.is_empty()
    }
}

static STREAMS: LazyLock<Mutex<HashMap<String, Arc<StreamSinks>>>> = LazyLock::new(Mutex::default);

fn streams() -> MutexGuard<'static, HashMap<String, Arc<StreamSinks>>> {
    STREAMS.lock().unwrap_or_else(|p| p.into_inner())
}

/// A call's stream comes into existence; renderers already waiting for it are kept.
pub(crate) fn register(id: &str) -> Arc<StreamSinks> {
    let entry = Arc::clone(streams().entry(id.to_owned()).or_default());
    entry.registered.store(true, Ordering::SeqCst);
    entry
}

/// A call's stream ends: its sinks are dropped and the entry removed.
pub(crate) fn forget(id: &str) {
    let entry = streams().remove(id);
    if let Some(entry) = entry {
        entry.video.clear();
        entry.audio.clear();
    }
}

/// Whether a call has stream `id` now.
pub fn exists(id: &str) -> bool {
    streams().get(id).is_some_and(|s| s.registered.load(Ordering::SeqCst))
}

/// Delivers the video of stream `id` to `sink`, now or as soon as the stream exists, until it is detached or the
/// stream ends. Returns whether the stream exists now.
pub fn attach_video_sink(id: &str, sink: Arc<dyn VideoSink>) -> bool {
    let entry = Arc::clone(streams().entry(id.to_owned()).or_default());
    entry.video.add(sink);
    entry.registered.load(Ordering::SeqCst)
}

/// Stops delivering to `sink`. Returns whether it was attached. A frame being delivered at this moment may still
/// reach it (the media loop took the sink list before); callers that need a hard stop wrap their sink (see the
/// C++ frame registry in azstack-ffi).
pub fn detach_video_sink(id: &str, sink: &Arc<dyn VideoSink>) -> bool {
    let mut all = streams();
    let Some(entry) = all.get(id).cloned() else { return false };
    let removed = entry.video.remove(sink);
    if entry.is_unused() {
        all.remove(id);
    }
    removed
}

/// Plays the audio of stream `id` into `sink` as well (besides the devices' audio output). Returns whether the
/// stream exists now.
pub fn attach_audio_sink(id: &str, sink: Arc<dyn AudioSink>) -> bool {
    let entry = Arc::clone(streams().entry(id.to_owned()).or_default());
    entry.audio.add(sink);
    entry.registered.load(Ordering::SeqCst)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::VideoFrame;
    use crate::media::synthetic::VideoStats;

    #[test]
    fn a_renderer_can_wait_for_its_stream() {
        let stats = VideoStats::new();
        let sink: Arc<dyn VideoSink> = stats.clone();
        assert!(!attach_video_sink("test-early", Arc::clone(&sink)));
        assert!(!exists("test-early"));
        let entry = register("test-early");
        assert!(exists("test-early"));
        for s in entry.video.current() {
            s.on_frame(&VideoFrame::black(16, 16));
        }
        assert_eq!(stats.snapshot().frames, 1);
        forget("test-early");
        assert!(!exists("test-early"));
        assert!(!detach_video_sink("test-early", &sink), "the stream's end detached it");
    }

    #[test]
    fn an_unregistered_entry_goes_with_its_last_sink() {
        let sink: Arc<dyn VideoSink> = VideoStats::new();
        attach_video_sink("test-never", Arc::clone(&sink));
        assert!(streams().contains_key("test-never"));
        assert!(detach_video_sink("test-never", &sink));
        assert!(!streams().contains_key("test-never"));
        assert!(!detach_video_sink("test-never", &sink));
    }
}
