// The C++ half of the azstack-ffi bridge: the two callback interfaces Rust calls back into.
//
// Both are implemented by the TurboModule (cpp/NativeAZStack.cpp). Rust calls them from its own worker threads, so an
// implementation must not touch JavaScript values: it moves its data onto the JS thread (CallInvoker) instead.
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

}  // namespace azstack::ffi
