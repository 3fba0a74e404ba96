// FrameRegistry over azstack-ffi: each attached view sink becomes an ffi::FrameSink that the engine's stream registry
// feeds. See FrameRegistry.h for the contract and rust/ffi/src/media.rs for the Rust half.
#include "FrameRegistry.h"

#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <utility>

#include "azstack-ffi/src/lib.rs.h"

namespace azstack {
namespace {

// Adapts a view's VideoFrameSink to the bridge's packed-I420 callback.
class BridgedSink final : public ffi::FrameSink {
 public:
  explicit BridgedSink(std::shared_ptr<VideoFrameSink> sink) : sink_(std::move(sink)) {}

  void on_frame(std::uint32_t width, std::uint32_t height, rust::Slice<const std::uint8_t> i420,
                std::int64_t timestampUs) const override {
    const std::size_t luma = static_cast<std::size_t>(width) * height;
    const std::size_t chroma = static_cast<std::size_t>(width / 2) * (height / 2);
    if (width == 0 || height == 0 || i420.size() < luma + 2 * chroma) {
      return;
    }
    I420FrameView view;
    view.width = static_cast<int>(width);
    view.height = static_cast<int>(height);
    view.y = i420.data();
    view.strideY = static_cast<int>(width);
    view.u = view.y + luma;
    view.strideU = static_cast<int>(width / 2);
    view.v = view.u + chroma;
    view.strideV = static_cast<int>(width / 2);
    view.timestampUs = timestampUs;
    try {
      sink_->onFrame(view);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "azstack: a video sink threw: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "azstack: a video sink threw\n");
    }
  }

 private:
  std::shared_ptr<VideoFrameSink> sink_;
};

struct Registry {
  std::mutex mutex;
  // (stream id, sink) → the bridge's attachment id
  std::map<std::pair<std::string, const VideoFrameSink*>, std::uint64_t> attachments;
};

Registry& registry() {
  static Registry* instance = new Registry();  // never destroyed: views may detach during static destruction
  return *instance;
}

}  // namespace

void FrameRegistry::attach(const std::string& streamId, std::shared_ptr<VideoFrameSink> sink) {
  if (!sink) {
    return;
  }
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto key = std::make_pair(streamId, static_cast<const VideoFrameSink*>(sink.get()));
  if (r.attachments.count(key) != 0) {
    return;  // already attached to this stream
  }
  const std::uint64_t id = ffi::attach_frame_sink(streamId, std::make_shared<BridgedSink>(std::move(sink)));
  if (id != 0) {
    r.attachments.emplace(std::move(key), id);
  }
}

void FrameRegistry::detach(const std::string& streamId, const std::shared_ptr<VideoFrameSink>& sink) {
  std::uint64_t id = 0;
  {
    auto& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.attachments.find(std::make_pair(streamId, static_cast<const VideoFrameSink*>(sink.get())));
    if (it == r.attachments.end()) {
      return;
    }
    id = it->second;
    r.attachments.erase(it);
  }
  // Outside the registry's lock: this waits for a frame being delivered to the sink.
  ffi::detach_frame_sink(id);
}

}  // namespace azstack
