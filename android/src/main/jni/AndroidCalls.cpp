#include "AndroidCalls.h"

#include <cstdint>
#include <memory>
#include <string>

#include "JniSupport.h"
#include "PlatformCalls.h"

namespace azstack::android {

namespace {

constexpr const char* kClass = "com/azstack/reactnative/calls/AZStackCalls";

// The Kotlin side's static methods, looked up once on the loading thread (engine threads cannot FindClass our classes).
struct KotlinCalls {
  jclass cls = nullptr;  // global reference
  jmethodID registerForCalls = nullptr;
  jmethodID endCall = nullptr;
};

class AndroidCalls final : public PlatformCalls {
 public:
  explicit AndroidCalls(KotlinCalls kotlin) : k_(kotlin) {}

  void registerForCalls(std::uint64_t request) override {
    ScopedJniEnv env;
    if (env) {
      env.get()->CallStaticVoidMethod(k_.cls, k_.registerForCalls, static_cast<jlong>(request));
      if (!clearException(env.get(), "registerForCalls")) {
        return;  // Kotlin answers
      }
    }
    SystemCallBridge::answerRegistration(request, "", 0, "", "the Android call UI could not be reached");
  }

  void endCall(const std::string& key, CallEndReason reason) override {
    ScopedJniEnv env;
    if (!env) {
      return;
    }
    jstring k = env.get()->NewStringUTF(key.c_str());
    if (!k) {
      clearException(env.get(), "endCall");
      return;
    }
    env.get()->CallStaticVoidMethod(k_.cls, k_.endCall, k, static_cast<jint>(reason));
    clearException(env.get(), "endCall");
    env.get()->DeleteLocalRef(k);
  }

 private:
  const KotlinCalls k_;
};

// --- natives (static methods of AZStackCalls), any thread -----------------------------------------------------------

void nativeCallPushReceived(JNIEnv* env, jclass, jstring notificationJson) {
  SystemCallBridge::callPushReceived(toStdString(env, notificationJson));
}

void nativeCallAnswered(JNIEnv* env, jclass, jstring key) { SystemCallBridge::callAnswered(toStdString(env, key)); }

void nativeCallEnded(JNIEnv* env, jclass, jstring key) { SystemCallBridge::callEnded(toStdString(env, key)); }

void nativeAnswerRegistration(JNIEnv* env, jclass, jlong request, jstring token, jint platformOS, jstring bundleId,
                              jstring error) {
  SystemCallBridge::answerRegistration(static_cast<std::uint64_t>(request), toStdString(env, token), platformOS,
                                       toStdString(env, bundleId), toStdString(env, error));
}

}  // namespace

bool installAndroidCalls(JNIEnv* env) {
  static const JNINativeMethod methods[] = {
      {"nativeCallPushReceived", "(Ljava/lang/String;)V", reinterpret_cast<void*>(nativeCallPushReceived)},
      {"nativeCallAnswered", "(Ljava/lang/String;)V", reinterpret_cast<void*>(nativeCallAnswered)},
      {"nativeCallEnded", "(Ljava/lang/String;)V", reinterpret_cast<void*>(nativeCallEnded)},
      {"nativeAnswerRegistration", "(JLjava/lang/String;ILjava/lang/String;Ljava/lang/String;)V",
       reinterpret_cast<void*>(nativeAnswerRegistration)},
  };
  if (!registerNatives(env, kClass, methods, static_cast<int>(sizeof(methods) / sizeof(methods[0])))) {
    return false;
  }
  jclass local = env->FindClass(kClass);
  if (!local) {
    clearException(env, kClass);
    return false;
  }
  KotlinCalls k;
  k.registerForCalls = staticMethod(env, local, "registerForCalls", "(J)V");
  k.endCall = staticMethod(env, local, "endCall", "(Ljava/lang/String;I)V");
  const bool complete = k.registerForCalls && k.endCall;
  k.cls = keepClass(env, local, complete);  // kept for the life of the process
  if (!k.cls) {
    return false;
  }
  SystemCallBridge::install(std::make_shared<AndroidCalls>(k));
  return true;
}

}  // namespace azstack::android
