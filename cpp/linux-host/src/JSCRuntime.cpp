// React Native's JSCRuntime.cpp is compiled here, as part of this translation unit, so that the host can reach the
// JSCRuntime class (defined only in that file) without patching it: it needs the JSGlobalContextRef underneath.
#include "JSCRuntime.h"

#include <jsc/JSCRuntime.cpp>  // NOLINT(bugprone-suspicious-include)

namespace azstack::host {

std::unique_ptr<facebook::jsi::Runtime> makeJSCRuntime() {
  JSGlobalContextRef ctx = JSGlobalContextCreateInGroup(nullptr, nullptr);
  auto runtime = std::make_unique<facebook::jsc::JSCRuntime>(ctx);  // retains ctx
  JSGlobalContextRelease(ctx);
  return runtime;
}

JSGlobalContextRef contextOf(facebook::jsi::Runtime& runtime) {
  return static_cast<facebook::jsc::JSCRuntime&>(runtime).getContext();
}

}  // namespace azstack::host
