#include "JniSupport.h"

#include <android/log.h>

#include <atomic>

namespace azstack::android {

namespace {
std::atomic<JavaVM*> gVm{nullptr};
constexpr const char* kTag = "AZStack";
}  // namespace

void setJavaVM(JavaVM* vm) {
  gVm.store(vm, std::memory_order_release);
}

JavaVM* javaVM() {
  return gVm.load(std::memory_order_acquire);
}

ScopedJniEnv::ScopedJniEnv() {
  JavaVM* vm = javaVM();
  if (!vm) {
    return;
  }
  void* env = nullptr;
  jint state = vm->GetEnv(&env, JNI_VERSION_1_6);
  if (state == JNI_OK) {
    env_ = static_cast<JNIEnv*>(env);
    return;
  }
  if (state == JNI_EDETACHED) {
    JavaVMAttachArgs args{JNI_VERSION_1_6, "azstack-native", nullptr};
    if (vm->AttachCurrentThread(&env_, &args) == JNI_OK) {
      attached_ = true;
    } else {
      env_ = nullptr;
    }
  }
}

ScopedJniEnv::~ScopedJniEnv() {
  if (attached_) {
    javaVM()->DetachCurrentThread();
  }
}

bool clearException(JNIEnv* env, const char* where) {
  if (!env->ExceptionCheck()) {
    return false;
  }
  __android_log_print(ANDROID_LOG_ERROR, kTag, "Java exception in %s", where);
  env->ExceptionDescribe();
  env->ExceptionClear();
  return true;
}

jmethodID staticMethod(JNIEnv* env, jclass cls, const char* name, const char* signature) {
  jmethodID method = env->GetStaticMethodID(cls, name, signature);
  if (!method) {
    clearException(env, name);
  }
  return method;
}

jclass keepClass(JNIEnv* env, jclass local, bool keep) {
  jclass global = keep ? static_cast<jclass>(env->NewGlobalRef(local)) : nullptr;
  env->DeleteLocalRef(local);
  return global;
}

bool registerNatives(JNIEnv* env, const char* className, const JNINativeMethod* methods, int count) {
  jclass cls = env->FindClass(className);
  if (!cls) {
    clearException(env, className);
    return false;
  }
  bool ok = env->RegisterNatives(cls, methods, count) == JNI_OK;
  if (!ok) {
    clearException(env, className);
  }
  env->DeleteLocalRef(cls);
  return ok;
}

std::string toStdString(JNIEnv* env, jstring value) {
  if (!value) {
    return {};
  }
  const char* chars = env->GetStringUTFChars(value, nullptr);
  if (!chars) {
    return {};
  }
  std::string result(chars);
  env->ReleaseStringUTFChars(value, chars);
  return result;
}

}  // namespace azstack::android
