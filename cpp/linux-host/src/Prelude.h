#pragma once

namespace azstack::host {

// JavaScript evaluated before the bundle: console (over the native __hostPrint), queueMicrotask if the engine lacks
// it, setImmediate/clearImmediate.
extern const char* const kPrelude;

}  // namespace azstack::host
