// libazstack.so's entry point, run once when AZStackPackage loads the library (before JavaScript runs).
//
//  1. Registers the C++ TurboModule NativeAZStack in React Native's global C++ module map, where the TurboModule
//     manager looks for pure C++ modules (ReactCommon/CxxTurboModuleUtils.h). JavaScript's
//     TurboModuleRegistry.getEnforcing('NativeAZStack') then gets it on the JS thread, with the JS CallInvoker.
//  2. Registers the natives of the video view's renderer and of the media devices, and installs the PlatformMedia.
//  3. Registers NetworkMonitor's native: the default network changed, so every engine checks its connection.
//  4. Registers TlsTrust's native: hands the JVM and the app's Context to the engine's TLS (the device's trust store).
//  5. Registers the natives of the system call UI (calls that ring a sleeping phone) and installs the PlatformCalls.
#include <android/log.h>
#include <jni.h>

#include <ReactCommon/CxxTurboModuleUtils.h>

#include <memory>
#include <string>
#include <utility>

#include "AndroidCalls.h"
#include "AndroidMedia.h"
#include "JniSupport.h"
#include "NativeAZStack.h"
#include "VideoRenderer.h"
#include "azstack-ffi/src/lib.rs.h"
#include "azstack_ffi.h"

namespace {

void nativeNetworkChanged(JNIEnv* /*env*/, jclass /*cls*/) { azstack::ffi::network_changed(); }

bool registerNetworkMonitor(JNIEnv* env) {
  static const JNINativeMethod methods[] = {
      {"nativeNetworkChanged", "()V", reinterpret_cast<void*>(nativeNetworkChanged)},
  };
  return azstack::android::registerNatives(env, "com/azstack/reactnative/NetworkMonitor", methods, 1);
}

jboolean nativeInitTls(JNIEnv* env, jclass /*cls*/, jobject context) {
  return azstack_init_android_tls(env, context) ? JNI_TRUE : JNI_FALSE;
}

bool registerTlsTrust(JNIEnv* env) {
  static const JNINativeMethod methods[] = {
      {"nativeInit", "(Landroid/content/Context;)Z", reinterpret_cast<void*>(nativeInitTls)},
  };
  return azstack::android::registerNatives(env, "com/azstack/reactnative/TlsTrust", methods, 1);
}

}  // namespace

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM* vm, void* /*reserved*/) {
  JNIEnv* env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) {
    return JNI_ERR;
  }
  azstack::android::setJavaVM(vm);

  facebook::react::registerCxxModuleToGlobalModuleMap(
      std::string(azstack::NativeAZStack::kModuleName),
      [](std::shared_ptr<facebook::react::CallInvoker> jsInvoker) -> std::shared_ptr<facebook::react::TurboModule> {
        return std::make_shared<azstack::NativeAZStack>(std::move(jsInvoker));
      });

  if (!azstack::android::VideoRenderer::registerNatives(env) || !azstack::android::installAndroidMedia(env) ||
      !registerNetworkMonitor(env) || !registerTlsTrust(env) || !azstack::android::installAndroidCalls(env)) {
    __android_log_print(ANDROID_LOG_ERROR, "AZStack", "libazstack: registering natives failed");
    return JNI_ERR;
  }
  return JNI_VERSION_1_6;
}
