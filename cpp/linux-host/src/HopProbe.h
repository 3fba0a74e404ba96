// HopProbe: the floor of an asynchronous native call, for bench/jsi/overhead.js.
//
//   host.hop()   → a Promise, resolved (with undefined) on the JS thread after one hand-off to a worker thread and back
//
// It has only the parts every asynchronous call needs: a Promise made by native code, one hand-off from the JS thread
// to a waiting worker thread (a queue with a condition variable) and one back to the JS thread through the host's
// CallInvoker, whose task resolves the Promise. No engine, no JSON, no strings. The TurboModule's `call` takes the same
// two hand-offs plus its own work, so the bench prints both and the difference is what the module adds.
#pragma once

#include <ReactCommon/CallInvoker.h>
#include <jsi/jsi.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

namespace azstack::host {

namespace jsi = facebook::jsi;

class HopProbe {
 public:
  explicit HopProbe(std::shared_ptr<facebook::react::CallInvoker> invoker) : invoker_(std::move(invoker)) {}
  ~HopProbe();
  HopProbe(const HopProbe&) = delete;
  HopProbe& operator=(const HopProbe&) = delete;

  // Defines host.hop on the `host` object.
  void install(jsi::Runtime& rt, jsi::Object& host);
  // Whether a hop has not come back yet (keeps the host's loop running).
  bool pending() const { return !resolvers_.empty(); }
  // Stops the worker and releases the Promises' resolve functions (JS thread, before the runtime goes). Idempotent.
  void stop();

 private:
  jsi::Value hop(jsi::Runtime& rt);
  void work();

  std::shared_ptr<facebook::react::CallInvoker> invoker_;
  // JS thread only.
  std::optional<jsi::Function> promiseConstructor_;
  std::optional<jsi::Function> executor_;
  std::optional<jsi::Function> executorSlot_;
  std::unordered_map<std::uint64_t, jsi::Function> resolvers_;
  std::uint64_t nextId_ = 1;
  // Shared with the worker.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // read only on the JS thread
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::uint64_t> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace azstack::host
