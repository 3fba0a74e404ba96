// FrameRegistry: where native video views meet the engine's video streams, by stream id.
//
// Platform-neutral. Declared here for the views (android/, ios/); implemented on the engine side (the C++ layer over
// azstack-ffi), which delivers every decoded remote frame and every captured local frame of a stream to the sinks
// attached to that stream's id. `streamId` is what `stream.toURL()` returns in JavaScript (the `streamURL` prop).
//
// Lifecycle. A view attaches its sink when it is on screen (Android: onAttachedToWindow, iOS: didMoveToWindow with a
// window) and detaches it when it leaves the screen or its `streamURL` changes. Attaching does not require the stream to
// exist: a view may mount before `onRemoteStreamArrived`, or outlive the call; frames flow whenever the engine has a
// stream with that id, and stop when the call ends.
//
// Threads. `onFrame` runs on an engine thread and must not block: copy the frame (or its newest version) and signal
// the view's own drawing thread (see LatestFrame.h). Nothing here touches JavaScript.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace azstack {

// One I420 frame (planar Y, then U and V at half width and half height), borrowed for the duration of `onFrame`.
struct I420FrameView {
  int width = 0;  // pixels; even
  int height = 0;
  const std::uint8_t* y = nullptr;
  int strideY = 0;  // bytes per row
  const std::uint8_t* u = nullptr;
  int strideU = 0;
  const std::uint8_t* v = nullptr;
  int strideV = 0;
  std::int64_t timestampUs = 0;  // capture (local) or decode (remote) time, monotonic microseconds
};

// Receives the frames of one stream. Implemented by the views.
class VideoFrameSink {
 public:
  virtual ~VideoFrameSink() = default;
  // Engine thread. The planes are valid only until this returns.
  virtual void onFrame(const I420FrameView& frame) = 0;
};

// Implemented by the engine side. All functions are thread-safe.
class FrameRegistry {
 public:
  // Starts delivering the frames of stream `streamId` to `sink`, now or once the stream exists. A sink is attached to
  // at most one stream at a time; a stream may have several sinks (the same preview shown twice).
  static void attach(const std::string& streamId, std::shared_ptr<VideoFrameSink> sink);

  // Stops delivering to `sink`. Returns only after any `onFrame` call on `sink` has returned; `sink` is never called
  // again afterwards, so its owner may release what `onFrame` uses. Detaching a sink that is not attached does
  // nothing. Must not be called from inside `onFrame`.
  static void detach(const std::string& streamId, const std::shared_ptr<VideoFrameSink>& sink);
};

}  // namespace azstack
