package com.azstack.reactnative.calls

import com.google.firebase.messaging.FirebaseMessaging

/**
 * The FCM registration token. The only file that touches Firebase: firebase-messaging is a `compileOnly` dependency
 * of the package, so this class fails to link (a [LinkageError], caught by [AZStackCalls.registerForCalls]) in an app
 * without it, and nothing else does. NOT COMPILED HERE (see [AZStackCalls]).
 */
internal object FcmToken {
  fun fetch(answer: (token: String?, error: String?) -> Unit) {
    try {
      FirebaseMessaging.getInstance().token.addOnCompleteListener { task ->
        if (task.isSuccessful) answer(task.result, null)
        else answer(null, "FCM gave no token: ${task.exception?.message}")
      }
    } catch (notConfigured: IllegalStateException) { // no google-services.json: no default FirebaseApp
      answer(null, "Firebase is not configured: ${notConfigured.message}")
    }
  }
}
