// The C++ half of the azstack-ffi bridge: the callback interfaces Rust calls back into.
//
// `Completion` and `EventSink` are implemented by the TurboModule (cpp/NativeAZStack.cpp), `FrameSink` by the frame
// registry (cpp/FrameRegistry.cpp), `PlatformDevices` by the media bridge (cpp/MediaBridge.cpp), `CallUi` by the system-call bridge (cpp/SystemCalls.cpp). Rust calls them from its own worker threads, so an implementation must not touch
// JavaScript values: it moves its data onto the JS thread (CallInvoker) instead.
#pragma once

#include <cstdint>

#include "rust/cxx.h"

namespace azstack::ffi {

// The continuation of one `call`. Rust owns it once `call` returns and completes it at most once, from any thread.
// If Rust drops it without completing it (the runtime was shut down), its destructor runs instead, so an
// implementation can still settle its Promise there.
class Completion {
 public:
  virtual ~Completion() = default;
  // ok == true: `text` is the `{"error": ..., "result": ...}` envelope (the call resolves with it).
  // ok == false: the bridge itself failed (unknown handle, malformed params JSON); `text` says why (the call rejects).
  virtual void complete(bool ok, rust::Str text) = 0;
};

// Receives every engine event: the engine's handle, the delegate name and its (error, result) arguments as JSON.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_event(std::uint64_t handle, rust::Str name, rust::Str error_json, rust::Str result_json) const = 0;
};

// Receives the frames of one stream (see cpp/FrameRegistry.h): a packed I420 image (Y, then U and V at half width and
// half height) borrowed for the duration of the call. Called on an engine thread, never concurrently with itself and
// never again once `detach_frame_sink` has returned. Must not throw.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void on_frame(std::uint32_t width, std::uint32_t height, rust::Slice<const std::uint8_t> i420,
                        std::int64_t timestamp_us) const = 0;
};

// The platform's devices as the engine calls them (cpp/MediaBridge.cpp adapts a PlatformMedia). Called on engine
// threads; must not throw.
class PlatformDevices {
 public:
  virtual ~PlatformDevices() = default;
  virtual bool start_camera(bool front) const = 0;
  virtual bool switch_camera() const = 0;
  virtual void stop_camera() const = 0;
  virtual bool start_microphone() const = 0;
  virtual void stop_microphone() const = 0;
  virtual bool start_playout() const = 0;
  virtual void stop_playout() const = 0;
  virtual void set_speakerphone(bool on) const = 0;
  virtual void request_permissions(bool audio, bool video, std::uint64_t request) const = 0;
};

// The platform's system call UI as the SDK calls it (cpp/SystemCalls.cpp adapts a PlatformCalls). Called on engine
// threads; must not throw.
class CallUi {
 public:
  virtual ~CallUi() = default;
  virtual void register_for_calls(std::uint64_t request) const = 0;
  virtual void end_call(rust::Str key, std::uint8_t reason) const = 0;
};

}  // namespace azstack::ffi

// Android only (defined in Android builds of azstack-ffi): gives the engine's TLS the JVM and the application Context, so that `wss://` trusts the device's trust
// store (rust/engine/src/tls.rs); false if that failed (the bundled roots are trusted then). From a JNI native method,
// once, before the first connection. Plain C (not cxx): it takes JNI's raw pointers.
extern "C" bool azstack_init_android_tls(void* jniEnv, void* context);
