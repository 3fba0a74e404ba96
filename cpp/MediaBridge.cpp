// MediaBridge over azstack-ffi: the platform's devices (PlatformMedia.h) as the engine's, and captured media into the
// engine. The rings, the latest-frame slot and the real-time rules live on the Rust side (rust/ffi/src/platform.rs);
// this file only adapts types and keeps exceptions out of engine threads.
#include <cstdio>
#include <exception>
#include <utility>

#include "PlatformMedia.h"
#include "azstack-ffi/src/lib.rs.h"

namespace azstack {
namespace {

// The installed PlatformMedia as the bridge's PlatformDevices.
class InstalledPlatform final : public ffi::PlatformDevices {
 public:
  explicit InstalledPlatform(std::shared_ptr<PlatformMedia> media) : media_(std::move(media)) {}

  bool start_camera(bool front) const override { return guarded("startCamera", [&] { return media_->startCamera(front); }); }
  bool switch_camera() const override { return guarded("switchCamera", [&] { return media_->switchCamera(); }); }
  void stop_camera() const override { guarded("stopCamera", [&] { return (media_->stopCamera(), true); }); }
  bool start_microphone() const override { return guarded("startMicrophone", [&] { return media_->startMicrophone(); }); }
  void stop_microphone() const override { guarded("stopMicrophone", [&] { return (media_->stopMicrophone(), true); }); }
  bool start_playout() const override { return guarded("startPlayout", [&] { return media_->startPlayout(); }); }
  void stop_playout() const override { guarded("stopPlayout", [&] { return (media_->stopPlayout(), true); }); }
  void set_speakerphone(bool on) const override {
    guarded("setSpeakerphoneOn", [&] { return (media_->setSpeakerphoneOn(on), true); });
  }
  void request_permissions(bool audio, bool video, std::uint64_t request) const override {
    if (!guarded("requestPermissions", [&] { return (media_->requestPermissions(audio, video, request), true); })) {
      MediaBridge::answerPermissions(request, Permission::Blocked, Permission::Blocked);  // it threw: no answer comes
    }
  }

 private:
  // A throwing device method counts as a failed one.
  template <typename F>
  static bool guarded(const char* what, F&& body) noexcept {
    try {
      return body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "azstack: PlatformMedia::%s threw: %s\n", what, e.what());
    } catch (...) {
      std::fprintf(stderr, "azstack: PlatformMedia::%s threw\n", what);
    }
    return false;
  }

  std::shared_ptr<PlatformMedia> media_;
};

// Bytes a plane of `rows` rows of `cols` bytes spans with `stride`.
std::size_t planeBytes(int stride, int cols, int rows) {
  if (rows <= 0 || cols <= 0 || stride < cols) {
    return 0;
  }
  return static_cast<std::size_t>(stride) * static_cast<std::size_t>(rows - 1) + static_cast<std::size_t>(cols);
}

}  // namespace

void MediaBridge::install(std::shared_ptr<PlatformMedia> media) {
  if (media) {
    ffi::install_platform_media(std::make_shared<InstalledPlatform>(std::move(media)));
  }
}

void MediaBridge::pushCameraFrame(const I420FrameView& f) {
  if (f.width <= 0 || f.height <= 0 || !f.y || !f.u || !f.v) {
    return;
  }
  const int cw = f.width / 2;
  const int ch = f.height / 2;
  const std::size_t y = planeBytes(f.strideY, f.width, f.height);
  const std::size_t u = planeBytes(f.strideU, cw, ch);
  const std::size_t v = planeBytes(f.strideV, cw, ch);
  if (y == 0 || u == 0 || v == 0) {
    return;
  }
  ffi::push_camera_frame(static_cast<std::uint32_t>(f.width), static_cast<std::uint32_t>(f.height),
                         rust::Slice<const std::uint8_t>(f.y, y), static_cast<std::uint32_t>(f.strideY),
                         rust::Slice<const std::uint8_t>(f.u, u), static_cast<std::uint32_t>(f.strideU),
                         rust::Slice<const std::uint8_t>(f.v, v), static_cast<std::uint32_t>(f.strideV));
}

void MediaBridge::pushMicrophone(const std::int16_t* samples, std::size_t count) {
  if (samples && count > 0) {
    ffi::push_microphone(rust::Slice<const std::int16_t>(samples, count));
  }
}

std::size_t MediaBridge::pullPlayout(std::int16_t* out, std::size_t count) {
  if (!out || count == 0) {
    return 0;
  }
  return ffi::pull_playout(rust::Slice<std::int16_t>(out, count));
}

void MediaBridge::answerPermissions(std::uint64_t request, Permission audio, Permission video) {
  ffi::answer_permissions(request, static_cast<std::uint8_t>(audio), static_cast<std::uint8_t>(video));
}

void MediaBridge::audioInterrupted(bool interrupted) {
  ffi::audio_interrupted(interrupted);
}

}  // namespace azstack
