// AndroidMedia: the PlatformMedia of Android (cpp/PlatformMedia.h), over the Kotlin object
// com.azstack.reactnative.media.AZStackMedia (Camera2, AudioRecord, AudioTrack).
//
// Engine → platform: the engine calls start/stop on its own threads; each call attaches the thread to the JVM for its
// duration and calls the matching static Kotlin method, which opens or closes the device asynchronously.
// Platform → engine: the Kotlin capture and playback threads call the natives registered here, which hand camera
// frames (converted to upright I420), microphone PCM and playout PCM to MediaBridge.
#pragma once

#include <jni.h>

namespace azstack::android {

// Registers AZStackMedia's natives, caches its static methods and installs the PlatformMedia (JNI_OnLoad).
bool installAndroidMedia(JNIEnv* env);

}  // namespace azstack::android
