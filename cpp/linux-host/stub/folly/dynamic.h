// A stand-in for folly/dynamic.h on the Linux host, where folly is not installed. React Native's bridging headers
// include it for their folly::dynamic conversions; NativeAZStack's API never uses folly::dynamic, so an empty
// declaration is enough.
#pragma once

namespace folly {
struct dynamic {};
}  // namespace folly
