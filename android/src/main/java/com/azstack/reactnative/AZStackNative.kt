package com.azstack.reactnative

import com.facebook.soloader.SoLoader

/** Loads libazstack.so once per process (the C++ TurboModule, the engine and the JNI glue). */
internal object AZStackNative {
  @Volatile private var loaded = false

  @Synchronized
  fun load() {
    if (!loaded) {
      SoLoader.loadLibrary("azstack")
      loaded = true
    }
  }
}
