// The Linux JSI host: one JavaScriptCore runtime on this thread (the JS thread), an event loop, the globals React
// Native code expects in bridgeless mode, and the NativeAZStack TurboModule installed through React Native's own
// TurboModuleBinding.
#pragma once

#include <jsi/jsi.h>

#include <memory>
#include <optional>
#include <string>

#include "CallUiProbe.h"
#include "EventLoop.h"
#include "HopProbe.h"
#include "MediaProbes.h"
#include "Processes.h"

namespace azstack {
class NativeAZStack;
}

namespace azstack::host {

class Host {
 public:
  explicit Host(double timeoutSeconds, bool production);
  ~Host();

  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // Evaluates `source` and runs the loop until host.exit(code), a failure, idleness or the timeout. Returns the exit
  // code: host.exit's code, 0 when the loop ran dry, 1 after an uncaught error or unhandled rejection, 124 on timeout.
  // Tears the runtime down before it returns.
  int run(const std::string& source, const std::string& sourceURL);

  // Called by JSC's unhandled-rejection tracker (a microtask checkpoint found a rejected Promise without handler).
  void onUnhandledRejection(const std::string& description);

 private:
  void installGlobals();
  void installTurboModules();
  void loop();
  // Runs `body`, turning an escaping error into a failure. Returns whether the host should keep going.
  template <typename F>
  bool guarded(const char* where, F&& body);
  void fail(const std::string& message);
  bool stopping() const { return exitCode_.has_value() || failed_; }
  void teardown();

  Clock::time_point start_;
  Clock::time_point deadline_;
  bool production_;
  std::shared_ptr<TaskQueue> queue_;
  std::unique_ptr<jsi::Runtime> runtime_;
  std::shared_ptr<HostCallInvoker> invoker_;
  HopProbe hops_;
  Timers timers_;
  std::shared_ptr<NativeAZStack> module_;
  MediaProbes probes_;
  CallUiProbe callUi_;
  Processes processes_;
  std::optional<int> exitCode_;
  bool failed_ = false;
  bool timedOut_ = false;
  bool tornDown_ = false;
};

}  // namespace azstack::host
