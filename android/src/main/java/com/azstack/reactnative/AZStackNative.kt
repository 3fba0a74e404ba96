package com.azstack.reactnative

import android.util.Log
import com.azstack.reactnative.media.AZStackMedia
import com.facebook.soloader.SoLoader

/**
 * Loads libazstack.so once per process (the C++ TurboModule, the engine and the JNI glue), then lets the engine's TLS
 * use the device's trust store ([TlsTrust]).
 *
 * A library missing for the device's ABI (an x86 emulator and a build without that ABI) must not crash the app at
 * start, where the package is constructed: the failure is logged, the module stays unregistered, and JavaScript
 * gets an explanatory error when it imports the package.
 */
internal object AZStackNative {
  @Volatile private var loaded = false

  @Synchronized
  fun load() {
    if (loaded) return
    try {
      SoLoader.loadLibrary("azstack")
      loaded = true
      AZStackMedia.context()?.let { TlsTrust.init(it) } // AZStackInitProvider ran at process start
    } catch (error: UnsatisfiedLinkError) {
      Log.e("azstack", "libazstack.so could not be loaded for this device's ABI; NativeAZStack is unavailable", error)
    }
  }
}
