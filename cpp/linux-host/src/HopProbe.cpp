#include "HopProbe.h"

#include <utility>

#include "HostFunction.h"

namespace azstack::host {

HopProbe::~HopProbe() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_one();
  if (worker_.joinable()) {
    worker_.join();
  }
}

void HopProbe::install(jsi::Runtime& rt, jsi::Object& host) {
  host.setProperty(rt, "hop", hostFunction(rt, "hop", 0, [this](jsi::Runtime& rt, const jsi::Value&, const jsi::Value*,
                                                                 size_t) { return hop(rt); }));
}

jsi::Value HopProbe::hop(jsi::Runtime& rt) {
  if (!*alive_) {
    throw jsi::JSError(rt, "host.hop: the host is shutting down");
  }
  if (!promiseConstructor_) {
    promiseConstructor_.emplace(rt.global().getPropertyAsFunction(rt, "Promise"));
    executor_.emplace(jsi::Function::createFromHostFunction(
        rt, jsi::PropNameID::forAscii(rt, "hop"), 2,
        [this](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args, size_t count) -> jsi::Value {
          if (count >= 1) {
            executorSlot_.emplace(args[0].asObject(rt).asFunction(rt));
          }
          return jsi::Value::undefined();
        }));
    worker_ = std::thread([this] { work(); });
  }
  executorSlot_.reset();
  jsi::Value promise = promiseConstructor_->callAsConstructor(rt, *executor_);
  if (!executorSlot_) {
    throw jsi::JSError(rt, "host.hop: the Promise executor did not run");
  }
  std::uint64_t id = nextId_++;
  resolvers_.emplace(id, std::move(*executorSlot_));
  executorSlot_.reset();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(id);
  }
  ready_.notify_one();
  return promise;
}

// The worker: takes each hop and sends it back to the JS thread.
void HopProbe::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) {
      return;
    }
    std::uint64_t id = queue_.front();
    queue_.pop_front();
    lock.unlock();
    invoker_->invokeAsync([this, alive = alive_, id](jsi::Runtime& rt) {
      if (!*alive) {
        return;
      }
      auto it = resolvers_.find(id);
      if (it == resolvers_.end()) {
        return;
      }
      jsi::Function resolve = std::move(it->second);
      resolvers_.erase(it);
      resolve.call(rt);
    });
    lock.lock();
  }
}

void HopProbe::stop() {
  *alive_ = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_one();
  if (worker_.joinable()) {
    worker_.join();
  }
  resolvers_.clear();
  executorSlot_.reset();
  executor_.reset();
  promiseConstructor_.reset();
}

}  // namespace azstack::host
