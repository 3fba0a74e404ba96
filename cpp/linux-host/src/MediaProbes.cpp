#include "MediaProbes.h"

#include <LatestFrame.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <mutex>

#include "HostFunction.h"
#include "PlatformMedia.h"
#include "azstack-ffi/src/lib.rs.h"

namespace azstack::host {

// Counts frames and keeps the newest (engine threads write, the JS thread reads).
class VideoProbe final : public VideoFrameSink {
 public:
  void onFrame(const I420FrameView& frame) override {
    latest_.onFrame(frame);
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mutex_);
    frames_++;
    width_ = frame.width;
    height_ = frame.height;
    recent_.push_back(now);
    prune(now);
  }

  struct Counts {
    double frames = 0;
    int width = 0;
    int height = 0;
    double fps = 0;
  };

  Counts counts() {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(mutex_);
    prune(now);
    return Counts{static_cast<double>(frames_), width_, height_, static_cast<double>(recent_.size())};
  }

  // The newest frame (JS thread only); empty before the first one.
  const I420Buffer& newest() {
    latest_.takeNext(newest_);
    return newest_;
  }

 private:
  // Keeps the last second of frame times (the fps window). Called with mutex_ held.
  void prune(std::chrono::steady_clock::time_point now) {
    while (!recent_.empty() && now - recent_.front() > std::chrono::seconds(1)) {
      recent_.pop_front();
    }
  }

  LatestFrame latest_;
  I420Buffer newest_;
  std::mutex mutex_;
  unsigned long long frames_ = 0;
  int width_ = 0;
  int height_ = 0;
  std::deque<std::chrono::steady_clock::time_point> recent_;
};

namespace {

jsi::Value fromJson(jsi::Runtime& rt, const std::string& json) {
  return jsi::Value::createFromJsonUtf8(rt, reinterpret_cast<const std::uint8_t*>(json.data()), json.size());
}

rust::Slice<const std::uint8_t> planes(const I420Buffer& frame) {
  return rust::Slice<const std::uint8_t>(frame.data.data(), frame.data.size());
}

// {counter, black, cameraType} of a frame, as a JS object (null fields when there is no frame).
jsi::Object inspect(jsi::Runtime& rt, const I420Buffer& frame) {
  if (frame.width <= 0 || frame.data.empty()) {
    jsi::Object none(rt);
    none.setProperty(rt, "counter", jsi::Value::null());
    none.setProperty(rt, "black", jsi::Value::null());
    none.setProperty(rt, "cameraType", jsi::Value::null());
    return none;
  }
  std::string json(ffi::inspect_frame(frame.width, frame.height, planes(frame)));
  jsi::Value value = fromJson(rt, json);
  return value.isObject() ? value.getObject(rt) : jsi::Object(rt);
}

std::string urlArgument(jsi::Runtime& rt, const jsi::Value* args, size_t count, const char* usage) {
  if (count < 1 || !args[0].isString()) {
    throw jsi::JSError(rt, usage);
  }
  return args[0].getString(rt).utf8(rt);
}

}  // namespace

MediaProbes::~MediaProbes() { detachAll(); }

VideoProbe& MediaProbes::probe(const std::string& url) {
  auto it = probes_.find(url);
  if (it == probes_.end()) {
    auto probe = std::make_shared<VideoProbe>();
    FrameRegistry::attach(url, probe);
    it = probes_.emplace(url, std::move(probe)).first;
  }
  return *it->second;
}

void MediaProbes::detachAll() {
  for (auto& [url, probe] : probes_) {
    FrameRegistry::detach(url, probe);
  }
  probes_.clear();
}

void MediaProbes::install(jsi::Runtime& rt, jsi::Object& host) {
  host.setProperty(
      rt, "videoStats",
      hostFunction(rt, "videoStats", 1, [this](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args, size_t n) {
        std::string url = urlArgument(rt, args, n, "host.videoStats(streamURL): streamURL must be a string");
        VideoProbe& p = probe(url);
        VideoProbe::Counts c = p.counts();
        jsi::Object stats = inspect(rt, p.newest());
        stats.setProperty(rt, "frames", c.frames);
        stats.setProperty(rt, "width", c.width);
        stats.setProperty(rt, "height", c.height);
        stats.setProperty(rt, "fps", c.fps);
        return jsi::Value(rt, stats);
      }));
  host.setProperty(
      rt, "snapshot",
      hostFunction(rt, "snapshot", 2, [this](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args, size_t n) {
        const char* usage = "host.snapshot(streamURL, path): both must be strings";
        std::string url = urlArgument(rt, args, n, usage);
        if (n < 2 || !args[1].isString()) {
          throw jsi::JSError(rt, usage);
        }
        std::string path = args[1].getString(rt).utf8(rt);
        const I420Buffer& frame = probe(url).newest();
        if (frame.width <= 0 || frame.data.empty()) {
          throw jsi::JSError(rt, "host.snapshot: no frame of " + url + " yet");
        }
        rust::Vec<std::uint8_t> png;
        try {
          png = ffi::frame_png(frame.width, frame.height, planes(frame));
        } catch (const rust::Error& e) {
          throw jsi::JSError(rt, std::string("host.snapshot: ") + e.what());
        }
        FILE* file = std::fopen(path.c_str(), "wb");
        bool written = file && std::fwrite(png.data(), 1, png.size(), file) == png.size();
        if (file && std::fclose(file) != 0) {
          written = false;
        }
        if (!written) {
          throw jsi::JSError(rt, "host.snapshot: cannot write " + path);
        }
        jsi::Object described = inspect(rt, frame);
        described.setProperty(rt, "width", frame.width);
        described.setProperty(rt, "height", frame.height);
        return jsi::Value(rt, described);
      }));
  host.setProperty(
      rt, "audioStats",
      hostFunction(rt, "audioStats", 1, [](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args, size_t n) {
        // An AZStackCore instance (its engine handle) or the handle itself.
        jsi::Value handle = n >= 1 && args[0].isObject() ? args[0].getObject(rt).getProperty(rt, "handle")
                            : n >= 1                     ? jsi::Value(rt, args[0])
                                                         : jsi::Value::undefined();
        if (!handle.isNumber() || handle.getNumber() < 1) {
          throw jsi::JSError(rt, "host.audioStats(core): core must be an AZStackCore instance");
        }
        std::string json(ffi::audio_stats(static_cast<std::uint64_t>(handle.getNumber())));
        return fromJson(rt, json);
      }));
  host.setProperty(rt, "callResources",
                   hostFunction(rt, "callResources", 0, [](jsi::Runtime& rt, const jsi::Value&, const jsi::Value*,
                                                           size_t) {
                     std::string json(ffi::call_resources());
                     return fromJson(rt, json);
                   }));
  host.setProperty(rt, "audioRoute",
                   hostFunction(rt, "audioRoute", 0, [](jsi::Runtime& rt, const jsi::Value&, const jsi::Value*,
                                                        size_t) {
                     return jsi::String::createFromUtf8(rt, std::string(ffi::audio_route()));
                   }));
  host.setProperty(
      rt, "interruptAudio",
      hostFunction(rt, "interruptAudio", 1, [](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args, size_t n) {
        if (n < 1 || !args[0].isBool()) {
          throw jsi::JSError(rt, "host.interruptAudio(interrupted): interrupted must be a boolean");
        }
        MediaBridge::audioInterrupted(args[0].getBool());  // the call Android's and iOS's audio-session glue makes
        return jsi::Value::undefined();
      }));
}

}  // namespace azstack::host
