// LatestFrame: a VideoFrameSink that keeps only the newest frame, for a view's drawing thread.
//
// Header-only, platform-neutral; used by the Android and iOS video views. The engine thread copies each frame in
// (`onFrame`, a memcpy of the planes into a reused buffer) and wakes the drawer; the drawer takes the newest frame out
// (`waitNext` on a thread of its own, or `takeNext` from a callback). Frames the drawer had no time for are dropped,
// never queued, so a slow view never holds up the engine or shows old video.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "FrameRegistry.h"

namespace azstack {

// A tightly packed I420 image owned by the drawer.
struct I420Buffer {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> data;

  int chromaWidth() const { return (width + 1) / 2; }
  int chromaHeight() const { return (height + 1) / 2; }
  const std::uint8_t* y() const { return data.data(); }
  const std::uint8_t* u() const { return y() + static_cast<std::size_t>(width) * height; }
  const std::uint8_t* v() const { return u() + static_cast<std::size_t>(chromaWidth()) * chromaHeight(); }
  int strideY() const { return width; }
  int strideUV() const { return chromaWidth(); }
};

class LatestFrame final : public VideoFrameSink {
 public:
  // `onNewFrame`, if given, runs on the engine thread after each frame is stored (to schedule a drawer that has no
  // thread of its own); it must not block and must not call back into this object.
  explicit LatestFrame(std::function<void()> onNewFrame = {}) : onNewFrame_(std::move(onNewFrame)) {}

  // Engine thread.
  void onFrame(const I420FrameView& frame) override {
    if (frame.width <= 0 || frame.height <= 0 || !frame.y || !frame.u || !frame.v) {
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (closed_) {
        return;
      }
      copyInto(frame, pending_);
      hasPending_ = true;
    }
    ready_.notify_one();
    if (onNewFrame_) {
      onNewFrame_();
    }
  }

  // Drawing thread: waits for a frame newer than the last one taken and swaps it into `out` (whose storage is reused
  // for the next one). Returns false, without waiting, once `close` has been called.
  bool waitNext(I420Buffer& out) {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [this] { return hasPending_ || closed_; });
    if (closed_) {
      return false;
    }
    std::swap(out, pending_);
    hasPending_ = false;
    return true;
  }

  // Like `waitNext` without waiting: false when there is no new frame.
  bool takeNext(I420Buffer& out) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!hasPending_ || closed_) {
      return false;
    }
    std::swap(out, pending_);
    hasPending_ = false;
    return true;
  }

  // Forgets a frame not taken yet (the view switched streams).
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    hasPending_ = false;
  }

  // Wakes `waitNext` for good; later frames are ignored.
  void close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

 private:
  static void copyPlane(const std::uint8_t* src, int srcStride, std::uint8_t* dst, int width, int height) {
    for (int row = 0; row < height; ++row) {
      std::memcpy(dst + static_cast<std::size_t>(row) * width, src + static_cast<std::ptrdiff_t>(row) * srcStride,
                  static_cast<std::size_t>(width));
    }
  }

  static void copyInto(const I420FrameView& frame, I420Buffer& buffer) {
    buffer.width = frame.width;
    buffer.height = frame.height;
    const int cw = buffer.chromaWidth();
    const int ch = buffer.chromaHeight();
    buffer.data.resize(static_cast<std::size_t>(frame.width) * frame.height + 2 * static_cast<std::size_t>(cw) * ch);
    auto* y = buffer.data.data();
    auto* u = y + static_cast<std::size_t>(frame.width) * frame.height;
    auto* v = u + static_cast<std::size_t>(cw) * ch;
    copyPlane(frame.y, frame.strideY, y, frame.width, frame.height);
    copyPlane(frame.u, frame.strideU, u, cw, ch);
    copyPlane(frame.v, frame.strideV, v, cw, ch);
  }

  const std::function<void()> onNewFrame_;
  std::mutex mutex_;
  std::condition_variable ready_;
  I420Buffer pending_;
  bool hasPending_ = false;
  bool closed_ = false;
};

}  // namespace azstack
