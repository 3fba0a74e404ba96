package com.azstack.reactnative

import android.content.Context
import android.util.Log

/**
 * Lets the engine's `wss://` connections trust what the device trusts (rust/engine/src/tls.rs): the platform
 * certificate verifier of rustls-platform-verifier calls Android's trust manager through its small Kotlin component
 * (`rustls:rustls-platform-verifier`, added by this library's build.gradle) and needs the JVM and a Context first.
 * Without that component, or before [init], connections trust the Mozilla roots bundled in the engine.
 */
internal object TlsTrust {
  private const val VERIFIER_CLASS = "org.rustls.platformverifier.CertificateVerifier"

  /** Once, after libazstack.so is loaded and before the first connection. */
  fun init(context: Context) {
    val component = runCatching { Class.forName(VERIFIER_CLASS) }.isSuccess
    if (!component) {
      Log.w("azstack", "$VERIFIER_CLASS is missing: wss:// trusts the bundled roots, not the device's trust store")
      return
    }
    if (!nativeInit(context.applicationContext)) {
      Log.w("azstack", "the platform certificate verifier could not be initialised: wss:// trusts the bundled roots")
    }
  }

  @JvmStatic private external fun nativeInit(context: Context): Boolean
}
