// CallUiProbe: a stand-in for the phone's system call UI (CallKit, Android's ConnectionService), which the host
// cannot have. It implements cpp/PlatformCalls.h as the phone glue does and reports through the same
// SystemCallBridge functions, so everything from there on — azstack-ffi's queue of actions, the TurboModule's event,
// AZStackCore's call-notification state machine (js/callNotifications.ts), the engine, the server — is the real path.
//
//   host.installCallUi({deviceToken, devicePlatformOS, applicationBundleId})
//                                   → installs it (what the iOS/Android glue does when the library loads);
//                                     `registerForCallNotifications` is answered with these values
//   host.callPushReceived(payload)  → a call push arrived and is shown ringing (ios: reportNewIncomingCall), then
//                                     SystemCallBridge::callPushReceived(payload as JSON)
//   host.callAnswered(key)          → the user answered in the system UI (CXAnswerCallAction, Connection.onAnswer)
//   host.callEnded(key)             → the user declined or hung up there (CXEndCallAction, onReject/onDisconnect)
//   host.systemCalls()              → {[key]: {state: 'ringing' | 'answered' | 'ended', reason}}: what the system UI
//                                     shows; `reason` is the SDK's CallEndReason name when the SDK ended it, `'user'`
//                                     when the user did, else null
//
// A key is "<from>:<callId>" of the push, as on the phones.
#pragma once

#include <jsi/jsi.h>

#include <memory>

namespace azstack::host {

namespace jsi = facebook::jsi;

class StandInCallUi;

class CallUiProbe {
 public:
  // Defines the functions above on the `host` object.
  void install(jsi::Runtime& rt, jsi::Object& host);

 private:
  std::shared_ptr<StandInCallUi> ui_;
};

}  // namespace azstack::host
