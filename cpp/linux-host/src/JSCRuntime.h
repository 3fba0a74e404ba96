// The host's JavaScriptCore runtime: React Native's own JSCRuntime (ReactCommon/jsc) over a context this host creates,
// so that the host can also use JSC's C API on it (the unhandled-rejection tracker).
#pragma once

#include <JavaScriptCore/JavaScript.h>
#include <jsi/jsi.h>

#include <memory>

namespace azstack::host {

// A JSCRuntime over a fresh global context.
std::unique_ptr<facebook::jsi::Runtime> makeJSCRuntime();

// The JSC context under a runtime made by makeJSCRuntime().
JSGlobalContextRef contextOf(facebook::jsi::Runtime& runtime);

}  // namespace azstack::host
