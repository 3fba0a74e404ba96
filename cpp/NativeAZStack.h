// NativeAZStack: the C++ TurboModule between the JavaScript package and the Rust engine (azstack-ffi).
//
// Shared by Android, iOS and the Linux JSI host; nothing here is platform specific. It implements the spec that
// @react-native/codegen generates from js/specs/NativeAZStack.ts (AZStackSpecJSI.h).
//
// Threads. The module's methods run on the JS thread. `call` only queues the call in Rust and, once per turn of the
// JS event loop (a microtask), wakes the engines' calls thread for everything queued in that turn. Rust completes
// calls and reports events on its own threads; those callbacks only copy their strings into the module's inbox, which
// posts one CallInvoker task per batch, and that task touches JS values on the JS thread. Every JS value the module
// keeps (the Promise constructor, pending calls' resolve/reject, the flush microtask, the event handler) lives in one
// LongLivedObject registered in the runtime's LongLivedObjectCollection, so clearing that collection before the
// runtime is destroyed releases them all; tasks and Rust hold only weak references to it.
#pragma once

#include <AZStackSpecJSI.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>

namespace azstack {

namespace jsi = facebook::jsi;

class EventForwarder;
class Inbox;

class NativeAZStack : public facebook::react::NativeAZStackCxxSpec<NativeAZStack> {
 public:
  explicit NativeAZStack(std::shared_ptr<facebook::react::CallInvoker> jsInvoker);
  ~NativeAZStack() override;

  NativeAZStack(const NativeAZStack&) = delete;
  NativeAZStack& operator=(const NativeAZStack&) = delete;

  // --- the spec (JS thread) ---
  double create(jsi::Runtime& rt, std::string configJson);
  jsi::Value call(jsi::Runtime& rt, double handle, std::string method, std::string paramsJson);
  void setEventHandler(jsi::Runtime& rt, jsi::Function handler);
  void destroy(jsi::Runtime& rt, double handle);
  double echo(jsi::Runtime& rt, double value);

  // --- for hosts (JS thread) ---
  // Whether the module still expects work: an engine that is not destroyed, or a call that has not settled. An event
  // loop that exits when idle (the Linux host) keeps running while this is true.
  bool hasPendingWork() const;
  // Destroys every engine this module created and detaches its event sink. Idempotent; the destructor calls it. Safe
  // on any thread (touches no JS value).
  void invalidate() noexcept;

  struct JsState;  // the JS values the module keeps (a LongLivedObject)

 private:
  JsState& jsState(jsi::Runtime& rt);

  std::weak_ptr<JsState> jsState_;
  std::shared_ptr<Inbox> inbox_;  // completions and events on their way to the JS thread
  std::shared_ptr<EventForwarder> sink_;
  std::unordered_set<std::uint64_t> handles_;
};

// For an app's C++ TurboModule provider: returns the module when `name` is "NativeAZStack", else null.
std::shared_ptr<facebook::react::TurboModule> azstackModuleProvider(
    const std::string& name, const std::shared_ptr<facebook::react::CallInvoker>& jsInvoker);

}  // namespace azstack
