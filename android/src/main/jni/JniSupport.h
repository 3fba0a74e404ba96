// Small JNI helpers for the Android glue: the process's JavaVM, a JNIEnv for any thread, exception checks.
#pragma once

#include <jni.h>

#include <string>

namespace azstack::android {

// Set once by JNI_OnLoad.
void setJavaVM(JavaVM* vm);
JavaVM* javaVM();

// A JNIEnv for the current thread for the lifetime of this object. Engine threads and the renderer thread are not
// Java threads: they are attached here and detached again at the end of the scope (only if this scope attached them).
class ScopedJniEnv {
 public:
  ScopedJniEnv();
  ~ScopedJniEnv();
  ScopedJniEnv(const ScopedJniEnv&) = delete;
  ScopedJniEnv& operator=(const ScopedJniEnv&) = delete;

  JNIEnv* get() const { return env_; }  // null if the thread could not be attached
  explicit operator bool() const { return env_ != nullptr; }

 private:
  JNIEnv* env_ = nullptr;
  bool attached_ = false;
};

// Logs and clears a pending Java exception; returns whether there was one.
bool clearException(JNIEnv* env, const char* where);

// Registers `count` native methods of `className`; aborts the load (returns false) if the class or a method is missing.
bool registerNatives(JNIEnv* env, const char* className, const JNINativeMethod* methods, int count);

// A static method of `cls`, or null (the pending exception logged and cleared) when it is missing.
jmethodID staticMethod(JNIEnv* env, jclass cls, const char* name, const char* signature);

// A global reference to `local` when `keep` (null otherwise); the local reference is deleted either way.
jclass keepClass(JNIEnv* env, jclass local, bool keep);

// A Java String as UTF-8 ("" for null).
std::string toStdString(JNIEnv* env, jstring value);

}  // namespace azstack::android
