// The Linux host's event loop pieces: the task queue that is the JS thread's CallInvoker, and JS timers.
#pragma once

#include <ReactCommon/CallInvoker.h>
#include <jsi/jsi.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace azstack::host {

namespace jsi = facebook::jsi;
using Clock = std::chrono::steady_clock;
using Task = facebook::react::CallFunc;

// A thread-safe FIFO of tasks for the JS thread. Shared (shared_ptr) by the loop and the CallInvoker, so a Rust
// thread may still post after the loop is gone: once closed, posted tasks are dropped at once.
class TaskQueue {
 public:
  // Any thread. Tasks run in the order they were posted.
  void post(Task&& task) noexcept;
  // JS thread: every queued task, in order.
  std::deque<Task> takeAll();
  // JS thread: blocks until a task is queued or `until`. Returns whether a task is queued.
  bool waitUntil(Clock::time_point until);
  // Drops the queued tasks and refuses new ones (the runtime is about to go). Call on the JS thread.
  void close();

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Task> tasks_;
  bool closed_ = false;
};

// React Native's CallInvoker over the task queue.
class HostCallInvoker final : public facebook::react::CallInvoker {
 public:
  HostCallInvoker(std::shared_ptr<TaskQueue> queue, jsi::Runtime& runtime)
      : queue_(std::move(queue)), runtime_(&runtime), jsThread_(std::this_thread::get_id()) {}

  using CallInvoker::invokeAsync;
  using CallInvoker::invokeSync;
  void invokeAsync(facebook::react::CallFunc&& func) noexcept override;
  // On the JS thread: runs `func` at once. Elsewhere: posts it and waits until it ran (throws if it never will).
  void invokeSync(facebook::react::CallFunc&& func) override;

 private:
  std::shared_ptr<TaskQueue> queue_;
  jsi::Runtime* runtime_;
  std::thread::id jsThread_;
};

// setTimeout / setInterval. JS thread only.
class Timers {
 public:
  // Returns the timer's id (> 0). `delayMs` below 0 or NaN counts as 0; an interval repeats at least 1 ms apart.
  double add(jsi::Function callback, std::vector<jsi::Value> args, double delayMs, bool repeat);
  void clear(double id);
  bool empty() const { return timers_.empty(); }
  size_t size() const { return timers_.size(); }
  std::optional<Clock::time_point> nextDue() const;
  // Runs the earliest timer if it is due at `now`. Returns whether one ran. A callback that throws propagates (an
  // interval stays scheduled, as in browsers).
  bool runOneDue(jsi::Runtime& rt, Clock::time_point now);
  // Releases every timer's JS values (before the runtime goes).
  void clearAll();

 private:
  struct Timer {
    std::shared_ptr<jsi::Function> callback;
    std::shared_ptr<std::vector<jsi::Value>> args;
    Clock::duration interval;
    bool repeat;
    std::pair<Clock::time_point, std::uint64_t> key;
  };
  std::unordered_map<std::uint64_t, Timer> timers_;
  std::map<std::pair<Clock::time_point, std::uint64_t>, std::uint64_t> due_;  // (due, seq) → id
  std::uint64_t nextId_ = 1;
  std::uint64_t nextSeq_ = 1;
};

}  // namespace azstack::host
