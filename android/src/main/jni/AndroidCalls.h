// AndroidCalls: the PlatformCalls of Android (cpp/PlatformCalls.h), over the Kotlin object
// com.azstack.reactnative.calls.AZStackCalls (FCM token, self-managed ConnectionService, notification).
//
// SDK → platform: registerForCalls and endCall are called on engine threads; each attaches the thread to the JVM for
// its duration and calls the matching static Kotlin method. Platform → SDK: the natives registered here hand a call
// push, the user's answer or decline, and the FCM token to SystemCallBridge.
#pragma once

#include <jni.h>

namespace azstack::android {

// Registers AZStackCalls' natives, caches its static methods and installs the PlatformCalls (JNI_OnLoad).
bool installAndroidCalls(JNIEnv* env);

}  // namespace azstack::android
