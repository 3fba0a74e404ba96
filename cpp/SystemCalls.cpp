// SystemCallBridge over azstack-ffi (rust/ffi/src/call_ui.rs): the platform's call UI as the bridge's CallUi, and the
// system UI's actions as JSON text. This file only adapts types and keeps exceptions out of engine threads.
#include <cstdio>
#include <exception>
#include <string>
#include <utility>

#include "PlatformCalls.h"
#include "azstack-ffi/src/lib.rs.h"

namespace azstack {
namespace {

// The installed PlatformCalls as the bridge's CallUi.
class InstalledCalls final : public ffi::CallUi {
 public:
  explicit InstalledCalls(std::shared_ptr<PlatformCalls> calls) : calls_(std::move(calls)) {}

  void register_for_calls(std::uint64_t request) const override {
    if (!guarded("registerForCalls", [&] { calls_->registerForCalls(request); })) {
      SystemCallBridge::answerRegistration(request, "", 0, "", "the platform's call UI failed to register");
    }
  }
  void end_call(rust::Str key, std::uint8_t reason) const override {
    const std::string k(key);
    guarded("endCall", [&] { calls_->endCall(k, static_cast<CallEndReason>(reason)); });
  }

 private:
  template <typename F>
  static bool guarded(const char* what, F&& body) noexcept {
    try {
      body();
      return true;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "azstack: PlatformCalls::%s threw: %s\n", what, e.what());
    } catch (...) {
      std::fprintf(stderr, "azstack: PlatformCalls::%s threw\n", what);
    }
    return false;
  }

  std::shared_ptr<PlatformCalls> calls_;
};

// `text` as a JSON string literal.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void action(const char* name, const std::string& key) {
  ffi::system_call_action("{\"action\":\"" + std::string(name) + "\",\"key\":" + quoted(key) + "}");
}

}  // namespace

void SystemCallBridge::install(std::shared_ptr<PlatformCalls> calls) {
  if (calls) {
    ffi::install_call_ui(std::make_shared<InstalledCalls>(std::move(calls)));
  }
}

void SystemCallBridge::answerRegistration(std::uint64_t request, const std::string& deviceToken, int devicePlatformOS,
                                          const std::string& applicationBundleId, const std::string& error) {
  ffi::answer_call_registration(request, deviceToken, static_cast<std::uint8_t>(devicePlatformOS),
                                applicationBundleId, error);
}

void SystemCallBridge::callPushReceived(const std::string& notificationJson) {
  ffi::system_call_action("{\"action\":\"received\",\"notification\":" + notificationJson + "}");
}

void SystemCallBridge::callAnswered(const std::string& key) { action("answer", key); }

void SystemCallBridge::callEnded(const std::string& key) { action("end", key); }

}  // namespace azstack
