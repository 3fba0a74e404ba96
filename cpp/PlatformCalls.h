// PlatformCalls: the phone's system call UI (CallKit on iOS, a self-managed ConnectionService on Android) and its
// call-push token, as the SDK sees them. Platform-neutral. Two halves, like PlatformMedia.h:
//  * `PlatformCalls` is implemented by each platform (ios/AZStackCallKit.mm, android/…/calls/) and installed once with
//    `SystemCallBridge::install` when the native library loads. The SDK calls it when the app calls
//    `registerForCallNotifications` and when a system call must end (the caller hung up, nobody answered, another
//    device answered).
//  * `SystemCallBridge` is implemented on the engine side (cpp/SystemCalls.cpp over azstack-ffi's call_ui module): the
//    platform reports what happened in the system UI. What an action means for the call (answerFreeCall,
//    rejectFreeCall, stopFreeCall, wait for the offer) is decided in one place, AZStackCore's call-notification state
//    machine (js/callNotifications.ts); actions that come before any JavaScript runs (a cold start by the push) wait.
//
// A call is named by its key, "<from>:<callId>" of the push (PROTOCOL.md §10.3: `from` is the caller's user id).
//
// Threads. `PlatformCalls` methods are called on engine threads and return quickly. `SystemCallBridge` functions may
// be called on any thread. Nothing here touches JavaScript.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace azstack {

// Why the SDK ends a system call (CallKit's CXCallEndedReason, Android's DisconnectCause).
enum class CallEndReason : std::uint8_t {
  RemoteEnded = 0,        // the caller hung up or cancelled
  Unanswered = 1,         // nobody answered in time, or the call never reached this device
  AnsweredElsewhere = 2,  // another device of the user answered
  DeclinedElsewhere = 3,  // another device of the user declined
  Failed = 4,             // answering failed (no connection, the call was gone)
  LocalEnded = 5,         // the app ended it (its own hang-up button)
};

// Implemented by the platform.
class PlatformCalls {
 public:
  virtual ~PlatformCalls() = default;
  // Turns the system call UI on and asks for the call-push token (iOS: PushKit's VoIP token; Android: FCM's token).
  // Answers exactly once with `SystemCallBridge::answerRegistration(request, ...)`, on any thread, later or at once.
  virtual void registerForCalls(std::uint64_t request) = 0;
  // Ends the system call `key` (reports it ended, stops its ringing, leaves the foreground service when no call is
  // left). A key the platform does not know is ignored.
  virtual void endCall(const std::string& key, CallEndReason reason) = 0;
};

// Implemented by the engine side. All functions are thread-safe.
class SystemCallBridge {
 public:
  // Installs the platform's call UI (once, when the native library loads; a later call replaces it).
  static void install(std::shared_ptr<PlatformCalls> calls);

  // The answer to `PlatformCalls::registerForCalls(request)`: the token, the platform (1 Android, 2 iOS) and the
  // application id the server sends call pushes for (iOS: "<bundle id>.voip"; Android: the package name); or, with
  // `error` not empty, why there is none.
  static void answerRegistration(std::uint64_t request, const std::string& deviceToken, int devicePlatformOS,
                                 const std::string& applicationBundleId, const std::string& error);

  // A call push arrived and the platform has already shown it in the system UI (iOS must report a VoIP push to
  // CallKit before returning from PushKit's delegate). `notificationJson`: the push's keys as a JSON object of strings
  // (`pushPacketType`, `appId`, `callId`, `from`, `title`, ...).
  static void callPushReceived(const std::string& notificationJson);
  // The user answered the system call `key`.
  static void callAnswered(const std::string& key);
  // The user ended the system call `key`: declined it while it rang, or hung up once answered.
  static void callEnded(const std::string& key);
};

}  // namespace azstack
