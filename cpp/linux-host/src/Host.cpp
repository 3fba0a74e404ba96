#include "Host.h"

#include <JavaScriptCore/JavaScript.h>
#include <ReactCommon/TurboModuleBinding.h>
#include <react/bridging/LongLivedObject.h>

#include <NativeAZStack.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <unistd.h>
#include <fstream>
#include <stdexcept>
#include <utility>

#include "HostFunction.h"
#include "JSCRuntime.h"
#include "Prelude.h"

// Exported by libjavascriptcoregtk-4.1 but declared only in WebKit's private JSContextRefPrivate.h: `function` is
// called with (promise, reason) at a microtask checkpoint for every rejected Promise that still has no handler.
extern "C" void JSGlobalContextSetUnhandledRejectionCallback(JSGlobalContextRef ctx, JSObjectRef function,
                                                             JSValueRef* exception);

namespace azstack::host {

namespace {

Host* currentHost = nullptr;  // the one host of this process, for JSC's C callbacks

std::string toStdString(JSContextRef ctx, JSValueRef value) {
  JSStringRef str = JSValueToStringCopy(ctx, value, nullptr);
  if (!str) {
    return "<unprintable value>";
  }
  size_t size = JSStringGetMaximumUTF8CStringSize(str);
  std::string out(size, '\0');
  size_t written = JSStringGetUTF8CString(str, out.data(), size);
  JSStringRelease(str);
  out.resize(written > 0 ? written - 1 : 0);
  return out;
}

// String(value), plus the stack for errors; JSON for plain objects.
std::string describe(JSContextRef ctx, JSValueRef value) {
  std::string text = toStdString(ctx, value);
  if (!JSValueIsObject(ctx, value)) {
    return text;
  }
  JSObjectRef object = JSValueToObject(ctx, value, nullptr);
  JSStringRef stackName = JSStringCreateWithUTF8CString("stack");
  JSValueRef stack = object ? JSObjectGetProperty(ctx, object, stackName, nullptr) : nullptr;
  JSStringRelease(stackName);
  if (stack && JSValueIsString(ctx, stack)) {
    std::string frames = toStdString(ctx, stack);
    return frames.empty() ? text : text + "\n" + frames;
  }
  if (text == "[object Object]") {
    if (JSStringRef json = JSValueCreateJSONString(ctx, value, 0, nullptr)) {
      text = toStdString(ctx, JSValueMakeString(ctx, json));
      JSStringRelease(json);
    }
  }
  return text;
}

JSValueRef unhandledRejection(JSContextRef ctx, JSObjectRef, JSObjectRef, size_t argc, const JSValueRef argv[],
                              JSValueRef*) {
  if (currentHost) {
    currentHost->onUnhandledRejection(argc >= 2 ? describe(ctx, argv[1]) : std::string("undefined"));
  }
  return JSValueMakeUndefined(ctx);
}

std::vector<std::string> threadNames() {
  std::vector<std::string> names;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] == '.') {
        continue;
      }
      std::ifstream comm(std::string("/proc/self/task/") + entry->d_name + "/comm");
      std::string name;
      std::getline(comm, name);
      names.push_back(name);
    }
    closedir(dir);
  }
  return names;
}

// Open sockets of this process (/proc/self/fd/* that link to `socket:[…]`): tests compare them before and after.
int openSockets() {
  int count = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (dirent* entry = readdir(dir)) {
      char target[64] = {0};
      std::string path = std::string("/proc/self/fd/") + entry->d_name;
      ssize_t n = readlink(path.c_str(), target, sizeof(target) - 1);
      if (n > 7 && std::string(target, 7) == "socket:") {
        count++;
      }
    }
    closedir(dir);
  }
  return count;
}

}  // namespace

Host::Host(double timeoutSeconds, bool production)
    : start_(Clock::now()),
      deadline_(start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeoutSeconds))),
      production_(production),
      queue_(std::make_shared<TaskQueue>()),
      runtime_(makeJSCRuntime()),
      invoker_(std::make_shared<HostCallInvoker>(queue_, *runtime_)),
      hops_(invoker_) {
  currentHost = this;
  JSGlobalContextRef ctx = contextOf(*runtime_);
  JSStringRef name = JSStringCreateWithUTF8CString("unhandledRejection");
  JSObjectRef tracker = JSObjectMakeFunctionWithCallback(ctx, name, unhandledRejection);
  JSStringRelease(name);
  JSValueRef exception = nullptr;
  JSGlobalContextSetUnhandledRejectionCallback(ctx, tracker, &exception);
  if (exception) {
    throw std::runtime_error("JavaScriptCore refused the unhandled-rejection tracker");
  }
  installGlobals();
  installTurboModules();
}

Host::~Host() {
  teardown();
  if (currentHost == this) {
    currentHost = nullptr;
  }
}

void Host::fail(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
  failed_ = true;
}

void Host::onUnhandledRejection(const std::string& description) {
  fail("Unhandled promise rejection: " + description);
}

template <typename F>
bool Host::guarded(const char* where, F&& body) {
  try {
    body();
  } catch (const jsi::JSError& e) {
    std::string stack = e.getStack();
    fail(std::string("Uncaught error ") + where + ": " + e.getMessage() + (stack.empty() ? "" : "\n" + stack));
  } catch (const std::exception& e) {
    fail(std::string("Uncaught native exception ") + where + ": " + e.what());
  }
  return !stopping();
}

void Host::installGlobals() {
  jsi::Runtime& rt = *runtime_;
  jsi::Object global = rt.global();
  global.setProperty(rt, "global", rt.global());
  global.setProperty(rt, "RN$Bridgeless", true);
  global.setProperty(rt, "__DEV__", !production_);

  global.setProperty(rt, "__hostPrint",
                     hostFunction(rt, "__hostPrint", 2,
                                  [](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args, size_t count) {
                                    if (count >= 2) {
                                      std::string text = args[1].toString(rt).utf8(rt);
                                      bool error = args[0].isNumber() && args[0].getNumber() == 2;
                                      if (error) {
                                        std::fflush(stdout);
                                      }
                                      FILE* stream = error ? stderr : stdout;
                                      std::fwrite(text.data(), 1, text.size(), stream);
                                      std::fputc('\n', stream);
                                      // Like Node: each line reaches a pipe or file when it is written, so a
                                      // supervising process can react to it (stdio block-buffers otherwise).
                                      std::fflush(stream);
                                    }
                                    return jsi::Value::undefined();
                                  }));

  auto timer = [this](bool repeat) {
    return [this, repeat](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args, size_t count) -> jsi::Value {
      if (count < 1 || !args[0].isObject() || !args[0].getObject(rt).isFunction(rt)) {
        throw jsi::JSError(rt, repeat ? "setInterval: the callback must be a function"
                                      : "setTimeout: the callback must be a function");
      }
      double delay = count >= 2 && args[1].isNumber() ? args[1].getNumber() : 0;
      std::vector<jsi::Value> extra;
      for (size_t i = 2; i < count; i++) {
        extra.emplace_back(rt, args[i]);
      }
      return timers_.add(args[0].getObject(rt).getFunction(rt), std::move(extra), delay, repeat);
    };
  };
  auto clear = [this](jsi::Runtime&, const jsi::Value&, const jsi::Value* args, size_t count) {
    if (count >= 1 && args[0].isNumber()) {
      timers_.clear(args[0].getNumber());
    }
    return jsi::Value::undefined();
  };
  global.setProperty(rt, "setTimeout", hostFunction(rt, "setTimeout", 2, timer(false)));
  global.setProperty(rt, "setInterval", hostFunction(rt, "setInterval", 2, timer(true)));
  global.setProperty(rt, "clearTimeout", hostFunction(rt, "clearTimeout", 1, clear));
  global.setProperty(rt, "clearInterval", hostFunction(rt, "clearInterval", 1, clear));

  jsi::Object performance(rt);
  performance.setProperty(rt, "now", hostFunction(rt, "now", 0, [this](jsi::Runtime&, const jsi::Value&,
                                                                         const jsi::Value*, size_t) {
                            return std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
                          }));
  global.setProperty(rt, "performance", performance);

  jsi::Object host(rt);
  host.setProperty(rt, "env",
                   hostFunction(rt, "env", 1,
                                [](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args, size_t count) {
                                  if (count < 1 || !args[0].isString()) {
                                    throw jsi::JSError(rt, "host.env(name): name must be a string");
                                  }
                                  const char* value = std::getenv(args[0].getString(rt).utf8(rt).c_str());
                                  return value ? jsi::Value(jsi::String::createFromUtf8(rt, value))
                                               : jsi::Value::undefined();
                                }));
  host.setProperty(rt, "exit",
                   hostFunction(rt, "exit", 1,
                                [this](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args, size_t count) {
                                  double code = count >= 1 && args[0].isNumber() ? args[0].getNumber() : 0;
                                  if (!(code >= 0 && code <= 255) || std::floor(code) != code) {
                                    throw jsi::JSError(rt, "host.exit(code): code must be an integer in 0..255");
                                  }
                                  if (!exitCode_) {
                                    exitCode_ = static_cast<int>(code);
                                  }
                                  return jsi::Value::undefined();
                                }));
  // The names of this process's threads (/proc/self/task/*/comm): tests count them to find leaks.
  host.setProperty(rt, "threads",
                   hostFunction(rt, "threads", 0, [](jsi::Runtime& rt, const jsi::Value&, const jsi::Value*, size_t) {
                     std::vector<std::string> names = threadNames();
                     jsi::Array array(rt, names.size());
                     for (size_t i = 0; i < names.size(); i++) {
                       array.setValueAtIndex(rt, i, jsi::String::createFromUtf8(rt, names[i]));
                     }
                     return array;
                   }));
  host.setProperty(rt, "openSockets", hostFunction(rt, "openSockets", 0, [](jsi::Runtime&, const jsi::Value&,
                                                                          const jsi::Value*, size_t) {
                     return jsi::Value(openSockets());
                   }));
  host.setProperty(rt, "gc", hostFunction(rt, "gc", 0, [](jsi::Runtime& rt, const jsi::Value&, const jsi::Value*,
                                                          size_t) {
                     JSGarbageCollect(contextOf(rt));
                     return jsi::Value::undefined();
                   }));
  probes_.install(rt, host);
  callUi_.install(rt, host);
  hops_.install(rt, host);
  processes_.install(rt, host);
  global.setProperty(rt, "host", host);

  rt.evaluateJavaScript(std::make_shared<jsi::StringBuffer>(kPrelude), "azstack-host-prelude.js");
}

void Host::installTurboModules() {
  // Bridgeless (RN$Bridgeless is set): this defines the global `nativeModuleProxy`, which TurboModuleRegistry reads.
  facebook::react::TurboModuleBinding::install(
      *runtime_,
      [this](jsi::Runtime&, const std::string& name) -> std::shared_ptr<facebook::react::TurboModule> {
        if (name != NativeAZStack::kModuleName) {
          return nullptr;
        }
        if (!module_) {
          module_ = std::make_shared<NativeAZStack>(invoker_);
        }
        return module_;
      });
}

int Host::run(const std::string& source, const std::string& sourceURL) {
  guarded("in the script", [&] {
    runtime_->evaluateJavaScript(std::make_shared<jsi::StringBuffer>(source), sourceURL);
    runtime_->drainMicrotasks();
  });
  loop();
  int code = timedOut_ ? 124 : failed_ ? (exitCode_.value_or(0) != 0 ? *exitCode_ : 1) : exitCode_.value_or(0);
  teardown();
  return code;
}

void Host::loop() {
  while (!stopping()) {
    Clock::time_point now = Clock::now();
    if (now >= deadline_) {
      timedOut_ = true;
      std::fflush(stdout);
      std::fprintf(stderr, "azstack-jsi-host: timed out (%zu timer(s) left, native work pending: %s)\n",
                   timers_.size(), module_ && module_->hasPendingWork() ? "yes" : "no");
      break;
    }
    // Every task posted so far (completions, events), in order; then the timers that are due. After each, a microtask
    // checkpoint for the microtasks queued through JSI (Runtime::queueMicrotask), as React Native's RuntimeScheduler
    // does; JavaScriptCore runs its own Promise jobs when the task returns.
    std::deque<Task> tasks = queue_->takeAll();
    while (!tasks.empty() && !stopping()) {
      Task task = std::move(tasks.front());
      tasks.pop_front();
      guarded("in a native callback", [&] {
        task(*runtime_);
        runtime_->drainMicrotasks();
      });
    }
    tasks.clear();  // after a failure: the rest are dropped here, on the JS thread
    now = Clock::now();
    for (bool ran = true; ran && !stopping();) {
      ran = false;
      guarded("in a timer", [&] {
        ran = timers_.runOneDue(*runtime_, now);
        runtime_->drainMicrotasks();
      });
    }
    if (stopping()) {
      break;
    }
    bool busy = !timers_.empty() || hops_.pending() || (module_ && module_->hasPendingWork());
    std::optional<Clock::time_point> due = timers_.nextDue();
    Clock::time_point wakeAt = due && *due < deadline_ ? *due : deadline_;
    if (!queue_->waitUntil(busy ? wakeAt : Clock::now()) && !busy) {
      break;  // nothing queued, no timers, no engines, no calls in flight: done
    }
  }
}

void Host::teardown() {
  if (tornDown_) {
    return;
  }
  tornDown_ = true;
  // 1. No renderer of the host's is attached, no more engine events or completions: every engine is destroyed.
  probes_.detachAll();
  if (module_) {
    module_->invalidate();
  }
  // 2. Queued tasks and timers hold JS values (or weak references to them): drop them on this thread.
  hops_.stop();
  queue_->close();
  timers_.clearAll();
  // 3. JS values kept by native code (pending calls, the event handler, callbacks) go before the runtime.
  module_.reset();
  facebook::react::LongLivedObjectCollection::get(*runtime_).clear();
  // 4. The runtime; a debug JSCRuntime asserts here that no JS value outlived it.
  runtime_.reset();
}

}  // namespace azstack::host
