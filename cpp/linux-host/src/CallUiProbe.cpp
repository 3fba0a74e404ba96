#include "CallUiProbe.h"

#include <map>
#include <mutex>
#include <string>

#include "HostFunction.h"
#include "PlatformCalls.h"

namespace azstack::host {

namespace {

const char* reasonName(CallEndReason reason) {
  switch (reason) {
    case CallEndReason::RemoteEnded:
      return "remoteEnded";
    case CallEndReason::Unanswered:
      return "unanswered";
    case CallEndReason::AnsweredElsewhere:
      return "answeredElsewhere";
    case CallEndReason::DeclinedElsewhere:
      return "declinedElsewhere";
    case CallEndReason::Failed:
      return "failed";
    case CallEndReason::LocalEnded:
      return "localEnded";
  }
  return "unknown";
}

std::string stringArg(jsi::Runtime& rt, const jsi::Value* args, size_t n, const char* what) {
  if (n < 1 || !args[0].isString()) {
    throw jsi::JSError(rt, std::string(what) + ": the call key must be a string");
  }
  return args[0].getString(rt).utf8(rt);
}

}  // namespace

// What the system UI shows, per call key. endCall comes on engine threads, the rest on the JS thread.
class StandInCallUi final : public PlatformCalls {
 public:
  StandInCallUi(std::string token, int platformOS, std::string bundleId)
      : token_(std::move(token)), platformOS_(platformOS), bundleId_(std::move(bundleId)) {}

  void registerForCalls(std::uint64_t request) override {
    SystemCallBridge::answerRegistration(request, token_, platformOS_, bundleId_, "");
  }

  void endCall(const std::string& key, CallEndReason reason) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = calls_.find(key);
    if (found != calls_.end() && found->second.state != "ended") {
      found->second = {"ended", reasonName(reason)};
    }
  }

  void set(const std::string& key, const char* state, const char* reason) {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_[key] = {state, reason ? reason : ""};
  }

  jsi::Object snapshot(jsi::Runtime& rt) {
    std::lock_guard<std::mutex> lock(mutex_);
    jsi::Object all(rt);
    for (const auto& [key, call] : calls_) {
      jsi::Object entry(rt);
      entry.setProperty(rt, "state", jsi::String::createFromUtf8(rt, call.state));
      entry.setProperty(rt, "reason", call.reason.empty() ? jsi::Value::null()
                                                          : jsi::Value(jsi::String::createFromUtf8(rt, call.reason)));
      all.setProperty(rt, key.c_str(), entry);
    }
    return all;
  }

 private:
  struct Call {
    std::string state;
    std::string reason;
  };

  const std::string token_;
  const int platformOS_;
  const std::string bundleId_;
  std::mutex mutex_;
  std::map<std::string, Call> calls_;
};

void CallUiProbe::install(jsi::Runtime& rt, jsi::Object& host) {
  host.setProperty(
      rt, "installCallUi",
      hostFunction(rt, "installCallUi", 1, [this](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args, size_t n) {
        if (n < 1 || !args[0].isObject()) {
          throw jsi::JSError(rt, "host.installCallUi({deviceToken, devicePlatformOS, applicationBundleId})");
        }
        jsi::Object options = args[0].getObject(rt);
        const auto text = [&](const char* name) {
          jsi::Value v = options.getProperty(rt, name);
          return v.isString() ? v.getString(rt).utf8(rt) : std::string();
        };
        jsi::Value platform = options.getProperty(rt, "devicePlatformOS");
        ui_ = std::make_shared<StandInCallUi>(text("deviceToken"), platform.isNumber() ? platform.asNumber() : 0,
                                              text("applicationBundleId"));
        SystemCallBridge::install(ui_);
        return jsi::Value::undefined();
      }));
  host.setProperty(
      rt, "callPushReceived",
      hostFunction(rt, "callPushReceived", 1,
                   [this](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args, size_t n) {
                     if (!ui_ || n < 1 || !args[0].isObject()) {
                       throw jsi::JSError(rt, "host.callPushReceived(payload): installCallUi first; payload: an object");
                     }
                     jsi::Object payload = args[0].getObject(rt);
                     jsi::Value type = payload.getProperty(rt, "pushPacketType");
                     if (type.isString() && type.getString(rt).utf8(rt) != "188") {
                       const auto field = [&](const char* name) {
                         jsi::Value v = payload.getProperty(rt, name);
                         return v.isString() ? v.getString(rt).utf8(rt) : std::string();
                       };
                       ui_->set(field("from") + ":" + field("callId"), "ringing", nullptr);
                     }
                     jsi::Function stringify =
                         rt.global().getPropertyAsObject(rt, "JSON").getPropertyAsFunction(rt, "stringify");
                     SystemCallBridge::callPushReceived(stringify.call(rt, args[0]).getString(rt).utf8(rt));
                     return jsi::Value::undefined();
                   }));
  host.setProperty(rt, "callAnswered",
                   hostFunction(rt, "callAnswered", 1,
                                [this](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args, size_t n) {
                                  const std::string key = stringArg(rt, args, n, "host.callAnswered");
                                  if (ui_) {
                                    ui_->set(key, "answered", nullptr);
                                  }
                                  SystemCallBridge::callAnswered(key);
                                  return jsi::Value::undefined();
                                }));
  host.setProperty(rt, "callEnded",
                   hostFunction(rt, "callEnded", 1,
                                [this](jsi::Runtime& rt, const jsi::Value&, const jsi::Value* args, size_t n) {
                                  const std::string key = stringArg(rt, args, n, "host.callEnded");
                                  if (ui_) {
                                    ui_->set(key, "ended", "user");
                                  }
                                  SystemCallBridge::callEnded(key);
                                  return jsi::Value::undefined();
                                }));
  host.setProperty(rt, "systemCalls",
                   hostFunction(rt, "systemCalls", 0, [this](jsi::Runtime& rt, const jsi::Value&, const jsi::Value*,
                                                             size_t) -> jsi::Value {
                     if (!ui_) {
                       return jsi::Object(rt);
                     }
                     return ui_->snapshot(rt);
                   }));
}

}  // namespace azstack::host
