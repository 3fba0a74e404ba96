#include "EventLoop.h"

#include <algorithm>
#include <cmath>
#include <future>
#include <stdexcept>

namespace azstack::host {

// --- TaskQueue ---------------------------------------------------------------------------------------------------------

void TaskQueue::post(Task&& task) noexcept {
  std::unique_lock<std::mutex> lock(mutex_);
  if (closed_) {
    lock.unlock();
    Task dropped = std::move(task);  // destroyed outside the lock
    return;
  }
  tasks_.push_back(std::move(task));
  lock.unlock();
  ready_.notify_one();
}

std::deque<Task> TaskQueue::takeAll() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(tasks_, {});
}

bool TaskQueue::waitUntil(Clock::time_point until) {
  std::unique_lock<std::mutex> lock(mutex_);
  ready_.wait_until(lock, until, [this] { return !tasks_.empty(); });
  return !tasks_.empty();
}

void TaskQueue::close() {
  std::deque<Task> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    dropped.swap(tasks_);
  }
}

// --- HostCallInvoker ---------------------------------------------------------------------------------------------------

void HostCallInvoker::invokeAsync(facebook::react::CallFunc&& func) noexcept {
  queue_->post(std::move(func));
}

void HostCallInvoker::invokeSync(facebook::react::CallFunc&& func) {
  if (std::this_thread::get_id() == jsThread_) {
    func(*runtime_);
    return;
  }
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  queue_->post([func = std::move(func), done](jsi::Runtime& rt) {
    try {
      func(rt);
      done->set_value();
    } catch (...) {
      done->set_exception(std::current_exception());
      throw;
    }
  });
  finished.get();  // a dropped task (closed queue) breaks the promise: std::future_error
}

// --- Timers ------------------------------------------------------------------------------------------------------------

double Timers::add(jsi::Function callback, std::vector<jsi::Value> args, double delayMs, bool repeat) {
  if (!(delayMs > 0)) {
    delayMs = 0;  // NaN and negatives
  }
  delayMs = std::min(delayMs, 2147483647.0);
  if (repeat) {
    delayMs = std::max(delayMs, 1.0);
  }
  auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(delayMs));
  std::uint64_t id = nextId_++;
  auto key = std::make_pair(Clock::now() + interval, nextSeq_++);
  timers_.emplace(id, Timer{std::make_shared<jsi::Function>(std::move(callback)),
                            std::make_shared<std::vector<jsi::Value>>(std::move(args)), interval, repeat, key});
  due_.emplace(key, id);
  return static_cast<double>(id);
}

void Timers::clear(double id) {
  if (!(id >= 1) || std::floor(id) != id) {
    return;
  }
  auto it = timers_.find(static_cast<std::uint64_t>(id));
  if (it == timers_.end()) {
    return;
  }
  due_.erase(it->second.key);
  timers_.erase(it);
}

std::optional<Clock::time_point> Timers::nextDue() const {
  if (due_.empty()) {
    return std::nullopt;
  }
  return due_.begin()->first.first;
}

bool Timers::runOneDue(jsi::Runtime& rt, Clock::time_point now) {
  if (due_.empty() || due_.begin()->first.first > now) {
    return false;
  }
  std::uint64_t id = due_.begin()->second;
  due_.erase(due_.begin());
  auto it = timers_.find(id);
  if (it == timers_.end()) {
    return false;
  }
  // Keep the callback alive on our side: it may clear its own timer while it runs.
  std::shared_ptr<jsi::Function> callback = it->second.callback;
  std::shared_ptr<std::vector<jsi::Value>> args = it->second.args;
  if (it->second.repeat) {
    it->second.key = std::make_pair(now + it->second.interval, nextSeq_++);
    due_.emplace(it->second.key, id);
  } else {
    timers_.erase(it);
  }
  const jsi::Value* argv = args->data();
  callback->call(rt, argv, args->size());
  return true;
}

void Timers::clearAll() {
  due_.clear();
  timers_.clear();
}

}  // namespace azstack::host
