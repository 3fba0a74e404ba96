#include "NativeAZStack.h"

#include <react/bridging/LongLivedObject.h>

#include <cmath>
#include <exception>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>

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
  return *state;
}

// --- Rust → C++ callbacks (any thread) ----------------------------------------------------------------------------------

namespace {

// Settles a call on the JS thread.
void settle(jsi::Runtime& rt, const std::weak_ptr<NativeAZStack::JsState>& weakState, std::uint64_t callId, bool ok,
            const std::string& text) {
  auto state = weakState.lock();
  if (!state) {
    return;  // the runtime is being torn down
  }
  auto it = state->pending.find(callId);
  if (it == state->pending.end()) {
    return;
  }
  NativeAZStack::JsState::Pending pending = std::move(it->second);
  state->pending.erase(it);
  if (ok) {
    pending.resolve.call(rt, jsi::String::createFromUtf8(rt, text));
  } else {
    pending.reject.call(rt, jsi::JSError(rt, text).value());
  }
}

class CallCompletion final : public ffi::Completion {
 public:
  CallCompletion(std::shared_ptr<CallInvoker> invoker, std::weak_ptr<NativeAZStack::JsState> state,
                 std::uint64_t callId)
      : invoker_(std::move(invoker)), state_(std::move(state)), callId_(callId) {}

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
    try {
      invoker_->invokeAsync([state = state_, callId = callId_, ok, text = std::move(text)](jsi::Runtime& rt) {
        settle(rt, state, callId, ok, text);
      });
    } catch (const std::exception&) {
      // Out of memory while copying: nothing can be settled any more (the Promise stays pending).
    }
  }

  std::shared_ptr<CallInvoker> invoker_;
  std::weak_ptr<NativeAZStack::JsState> state_;
  std::uint64_t callId_;
  bool settled_ = false;
};

}  // namespace

class EventForwarder final : public ffi::EventSink {
 public:
  EventForwarder(std::shared_ptr<CallInvoker> invoker, std::weak_ptr<NativeAZStack::JsState> state)
      : invoker_(std::move(invoker)), state_(std::move(state)) {}

  void on_event(std::uint64_t handle, rust::Str name, rust::Str errorJson, rust::Str resultJson) const override {
    invoker_->invokeAsync([state = state_, handle, name = std::string(name), errorJson = std::string(errorJson),
                           resultJson = std::string(resultJson)](jsi::Runtime& rt) {
      auto locked = state.lock();
      if (!locked || !locked->eventHandler) {
        return;
      }
      // A handle of its own: the handler may replace itself (setEventHandler) while it runs.
      jsi::Function handler = jsi::Value(rt, *locked->eventHandler).asObject(rt).asFunction(rt);
      locked.reset();
      handler.call(rt, jsi::Value(static_cast<double>(handle)), jsi::String::createFromUtf8(rt, name),
                   jsi::String::createFromUtf8(rt, errorJson), jsi::String::createFromUtf8(rt, resultJson));
    });
  }

 private:
  std::shared_ptr<CallInvoker> invoker_;
  std::weak_ptr<NativeAZStack::JsState> state_;
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

  // Completes on a Rust thread (or at once, on this thread, if the handle is unknown): either way via the invoker.
  ffi::call(toHandle(handle), methodStr, params, std::make_unique<CallCompletion>(jsInvoker_, jsState_, callId));
  return promise;
}

void NativeAZStack::setEventHandler(jsi::Runtime& rt, jsi::Function handler) {
  JsState& state = jsState(rt);
  state.eventHandler.emplace(std::move(handler));
  if (!sink_) {
    sink_ = std::make_shared<EventForwarder>(jsInvoker_, jsState_);
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
