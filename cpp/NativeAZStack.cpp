#include "NativeAZStack.h"

#include <react/bridging/LongLivedObject.h>

#include <cmath>
#include <exception>
#include <iterator>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include "azstack-ffi/src/lib.rs.h"
#include "azstack_ffi.h"

namespace azstack {

using facebook::react::CallInvoker;
using facebook::react::LongLivedObject;
using facebook::react::LongLivedObjectCollection;

namespace {

// A JS number as an engine handle: a positive integer below 2^53, else 0 (which no engine has).
std::uint64_t toHandle(double value) {
  if (!(value >= 1 && value <= 9007199254740991.0) || std::floor(value) != value) {
    return 0;
  }
  return static_cast<std::uint64_t>(value);
}

rust::Str toStr(jsi::Runtime& rt, const std::string& text, const char* what) {
  try {
    return rust::Str(text);
  } catch (const std::invalid_argument&) {
    throw jsi::JSError(rt, std::string("NativeAZStack: ") + what + " is not valid UTF-8");
  }
}

}  // namespace

// --- the JS values of one runtime -------------------------------------------------------------------------------------

struct NativeAZStack::JsState : LongLivedObject {
  struct Pending {
    jsi::Function resolve;
    jsi::Function reject;
  };

  explicit JsState(jsi::Runtime& rt)
      : LongLivedObject(rt),
        promiseConstructor(rt.global().getPropertyAsFunction(rt, "Promise")),
        // One executor for every Promise: the constructor calls it synchronously, so it parks (resolve, reject) in
        // `executorSlot` and `call` takes them from there. Cheaper than a new host function per call.
        executor(jsi::Function::createFromHostFunction(
            rt, jsi::PropNameID::forAscii(rt, "azstackCall"), 2,
            [this](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args, size_t count) -> jsi::Value {
              if (count < 2) {
                throw jsi::JSError(rt, "NativeAZStack: Promise executor called without resolve and reject");
              }
              executorSlot.emplace(Pending{args[0].asObject(rt).asFunction(rt), args[1].asObject(rt).asFunction(rt)});
              return jsi::Value::undefined();
            })) {}

  jsi::Function promiseConstructor;
  jsi::Function executor;
  // The microtask that hands a turn's calls to the engines (see `call`), and whether it is queued.
  std::optional<jsi::Function> flush;
  bool flushQueued = false;
  std::optional<Pending> executorSlot;
  std::unordered_map<std::uint64_t, Pending> pending;  // calls in flight, by call id
  std::uint64_t nextCallId = 1;
  std::optional<jsi::Function> eventHandler;
};

NativeAZStack::JsState& NativeAZStack::jsState(jsi::Runtime& rt) {
  if (auto state = jsState_.lock()) {
    return *state;  // the collection keeps it alive for as long as the runtime
  }
  auto state = std::make_shared<JsState>(rt);
  LongLivedObjectCollection::get(rt).add(state);
  jsState_ = state;
  inbox_ = std::make_shared<Inbox>(jsInvoker_, jsState_);
  state->flush.emplace(jsi::Function::createFromHostFunction(
      rt, jsi::PropNameID::forAscii(rt, "azstackFlush"), 0,
      [weak = std::weak_ptr<JsState>(state)](jsi::Runtime&, const jsi::Value&, const jsi::Value*,
                                             size_t) -> jsi::Value {
        if (auto locked = weak.lock()) {
          locked->flushQueued = false;
        }
        ffi::flush_calls();
        return jsi::Value::undefined();
      }));
  return *state;
}

// --- Rust → C++ → JS thread ---------------------------------------------------------------------------------------------

// What Rust threads hand to the JS thread — call completions and engine events, in the order they happened — and the
// one CallInvoker task that delivers them. Items posted while that task is pending join it: one hop to the JS thread
// per batch, not per item, and a single queue keeps events and completions in order (an event emitted before a call
// completed reaches the handler before the call's Promise settles).
class Inbox final : public std::enable_shared_from_this<Inbox> {
 public:
  struct Item {
    bool isEvent;
    bool ok;             // completions: resolve (the envelope) or reject (a bridge failure)
    std::uint64_t id;    // completions: the call id; events: the engine handle
    std::string text;    // completions: the envelope or the failure; events: the delegate name
    std::string errorJson;
    std::string resultJson;
  };

  Inbox(std::shared_ptr<CallInvoker> invoker, std::weak_ptr<NativeAZStack::JsState> state)
      : invoker_(std::move(invoker)), state_(std::move(state)) {}

  // Any thread.
  void post(Item&& item) noexcept {
    try {
      std::unique_lock<std::mutex> lock(mutex_);
      items_.push_back(std::move(item));
      if (scheduled_) {
        return;
      }
      scheduled_ = true;
      lock.unlock();
      schedule();
    } catch (const std::exception&) {
      // Out of memory: nothing can be delivered any more (a Promise stays pending).
    }
  }

 private:
  void schedule() {
    invoker_->invokeAsync([self = shared_from_this()](jsi::Runtime& rt) { self->drain(rt); });
  }

  // JS thread: delivers everything posted so far. If a delivery throws (an event handler), the items after it stay
  // first in line for the next task, and the error propagates to the invoker as it did when each item was a task.
  void drain(jsi::Runtime& rt) {
    std::vector<Item> items;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      items.swap(items_);
      scheduled_ = false;
    }
    size_t i = 0;
    try {
      for (; i < items.size(); i++) {
        deliver(rt, items[i]);
      }
    } catch (...) {
      bool reschedule = false;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        items_.insert(items_.begin(), std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(i) + 1),
                      std::make_move_iterator(items.end()));
        reschedule = !items_.empty() && !scheduled_;
        scheduled_ = scheduled_ || reschedule;
      }
      if (reschedule) {
        schedule();
      }
      throw;
    }
  }

  void deliver(jsi::Runtime& rt, Item& item) {
    auto state = state_.lock();
    if (!state) {
      return;  // the runtime is being torn down
    }
    if (item.isEvent) {
      if (!state->eventHandler) {
        return;
      }
      // A handle of its own: the handler may replace itself (setEventHandler) while it runs.
      jsi::Function handler = jsi::Value(rt, *state->eventHandler).asObject(rt).asFunction(rt);
      state.reset();
      handler.call(rt, jsi::Value(static_cast<double>(item.id)), jsi::String::createFromUtf8(rt, item.text),
                   jsi::String::createFromUtf8(rt, item.errorJson), jsi::String::createFromUtf8(rt, item.resultJson));
      return;
    }
    auto it = state->pending.find(item.id);
    if (it == state->pending.end()) {
      return;
    }
    NativeAZStack::JsState::Pending pending = std::move(it->second);
    state->pending.erase(it);
    state.reset();
    if (item.ok) {
      pending.resolve.call(rt, jsi::String::createFromUtf8(rt, item.text));
    } else {
      pending.reject.call(rt, jsi::JSError(rt, item.text).value());
    }
  }

  std::shared_ptr<CallInvoker> invoker_;
  std::weak_ptr<NativeAZStack::JsState> state_;
  std::mutex mutex_;
  std::vector<Item> items_;
  bool scheduled_ = false;
};

namespace {

class CallCompletion final : public ffi::Completion {
 public:
  CallCompletion(std::shared_ptr<Inbox> inbox, std::uint64_t callId) : inbox_(std::move(inbox)), callId_(callId) {}

  // Rust dropped the call without completing it (its runtime stopped): the Promise still settles.
  ~CallCompletion() override {
    if (!settled_) {
      post(false, "NativeAZStack: the engine stopped before the call completed");
    }
  }

  CallCompletion(const CallCompletion&) = delete;
  CallCompletion& operator=(const CallCompletion&) = delete;

  void complete(bool ok, rust::Str text) override {
    if (settled_) {
      return;
    }
    settled_ = true;
    post(ok, std::string(text));
  }

 private:
  void post(bool ok, std::string text) noexcept {
    inbox_->post(Inbox::Item{false, ok, callId_, std::move(text), {}, {}});
  }

  std::shared_ptr<Inbox> inbox_;
  std::uint64_t callId_;
  bool settled_ = false;
};

}  // namespace

class EventForwarder final : public ffi::EventSink {
 public:
  explicit EventForwarder(std::shared_ptr<Inbox> inbox) : inbox_(std::move(inbox)) {}

  void on_event(std::uint64_t handle, rust::Str name, rust::Str errorJson, rust::Str resultJson) const override {
    inbox_->post(Inbox::Item{true, true, handle, std::string(name), std::string(errorJson), std::string(resultJson)});
  }

 private:
  std::shared_ptr<Inbox> inbox_;
};

// --- the module ---------------------------------------------------------------------------------------------------------

NativeAZStack::NativeAZStack(std::shared_ptr<CallInvoker> jsInvoker) : NativeAZStackCxxSpec(std::move(jsInvoker)) {
  // Start the engines' runtime now rather than inside the first `create` (throws rust::Error if it cannot start).
  ffi::init();
}

NativeAZStack::~NativeAZStack() {
  invalidate();
}

void NativeAZStack::invalidate() noexcept {
  for (std::uint64_t handle : handles_) {
    ffi::destroy(handle);
  }
  handles_.clear();
  if (sink_) {
    ffi::clear_event_sink(*sink_);
    sink_.reset();
  }
}

double NativeAZStack::create(jsi::Runtime& rt, std::string configJson) {
  rust::Str config = toStr(rt, configJson, "the options");
  std::uint64_t handle = 0;
  try {
    handle = ffi::create(config);
  } catch (const rust::Error& e) {
    throw jsi::JSError(rt, std::string("NativeAZStack.create: ") + e.what());
  }
  handles_.insert(handle);
  return static_cast<double>(handle);
}

jsi::Value NativeAZStack::call(jsi::Runtime& rt, double handle, std::string method, std::string paramsJson) {
  rust::Str methodStr = toStr(rt, method, "the method name");
  rust::Str params = toStr(rt, paramsJson, "the options");

  JsState& state = jsState(rt);
  state.executorSlot.reset();
  jsi::Value promise = state.promiseConstructor.callAsConstructor(rt, state.executor);
  if (!state.executorSlot) {
    throw jsi::JSError(rt, "NativeAZStack: the Promise executor did not run");
  }
  std::uint64_t callId = state.nextCallId++;
  state.pending.emplace(callId, std::move(*state.executorSlot));
  state.executorSlot.reset();

  // Queued, not started: the engines get this turn's calls together when the flush microtask runs, right after the
  // JavaScript that made them — so issuing a call costs no thread wake-up, and a burst of calls costs one. A runtime
  // without microtasks gets each call handed over at once. Completes on the calls' thread (or at once, on this
  // thread, if the handle is unknown): either way through the inbox.
  ffi::call(toHandle(handle), methodStr, params, std::make_unique<CallCompletion>(inbox_, callId));
  if (!state.flushQueued) {
    try {
      rt.queueMicrotask(*state.flush);
      state.flushQueued = true;
    } catch (const std::exception&) {
      ffi::flush_calls();
    }
  }
  return promise;
}

void NativeAZStack::setEventHandler(jsi::Runtime& rt, jsi::Function handler) {
  JsState& state = jsState(rt);
  state.eventHandler.emplace(std::move(handler));
  if (!sink_) {
    sink_ = std::make_shared<EventForwarder>(inbox_);
    ffi::set_event_sink(sink_);
  }
}

void NativeAZStack::destroy(jsi::Runtime& /*rt*/, double handle) {
  std::uint64_t h = toHandle(handle);
  if (handles_.erase(h) > 0) {
    ffi::destroy(h);
  }
}

double NativeAZStack::echo(jsi::Runtime& /*rt*/, double value) {
  return ffi::echo(value);  // the whole synchronous path: JS → C++ → Rust → back
}

bool NativeAZStack::hasPendingWork() const {
  if (!handles_.empty()) {
    return true;
  }
  auto state = jsState_.lock();
  return state && !state->pending.empty();
}

std::shared_ptr<facebook::react::TurboModule> azstackModuleProvider(const std::string& name,
                                                                    const std::shared_ptr<CallInvoker>& jsInvoker) {
  if (name == NativeAZStack::kModuleName) {
    return std::make_shared<NativeAZStack>(jsInvoker);
  }
  return nullptr;
}

}  // namespace azstack
