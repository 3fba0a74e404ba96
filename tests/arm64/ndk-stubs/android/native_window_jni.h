// Stand-in for the Android NDK's <android/native_window_jni.h> (only the NDK ships it; see tests/arm64/README.md).
#pragma once

#include <android/native_window.h>
#include <jni.h>

#ifdef __cplusplus
extern "C" {
#endif

ANativeWindow* ANativeWindow_fromSurface(JNIEnv* env, jobject surface);

#ifdef __cplusplus
}
#endif
