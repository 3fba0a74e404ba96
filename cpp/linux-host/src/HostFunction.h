// hostFunction: a named JS function backed by C++, for the globals the host defines (Host.cpp, MediaProbes.cpp).
#pragma once

#include <jsi/jsi.h>

#include <utility>

namespace azstack::host {

inline facebook::jsi::Function hostFunction(facebook::jsi::Runtime& rt, const char* name, unsigned params,
                                            facebook::jsi::HostFunctionType body) {
  return facebook::jsi::Function::createFromHostFunction(rt, facebook::jsi::PropNameID::forAscii(rt, name), params,
                                                         std::move(body));
}

}  // namespace azstack::host
