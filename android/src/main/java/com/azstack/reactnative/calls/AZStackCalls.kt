package com.azstack.reactnative.calls

import android.content.Context
import android.util.Log
import com.azstack.reactnative.AZStackNative
import org.json.JSONObject

/**
 * Calls that ring a sleeping phone on Android: the entry points of the app's Firebase service and the Android side of
 * cpp/PlatformCalls.h. NOT COMPILED on the machines this package is developed on (no Android SDK there); the README's
 * "Calls that ring a sleeping phone" says how to verify it.
 *
 * The package does not depend on Firebase (an app without it builds unchanged): the app's own
 * `FirebaseMessagingService` forwards to [onMessageReceived] and [onNewToken] (README, and the example's
 * `CallPushService`). A call push (PROTOCOL.md §10.3: FCM data message, `pushPacketType` 186 free call, 602 call-in,
 * 188 cancel) is shown at once by [IncomingCalls] — a self-managed `ConnectionService` call with a full-screen-intent
 * notification, or the notification alone before Android 8 — and handed to the SDK, whose state machine
 * (js/callNotifications.ts) decides what the user's answer or decline means once JavaScript runs. Answering opens the
 * app, which starts its JavaScript, connects and calls `registerForCallNotifications`; the actions taken before wait
 * in azstack-ffi.
 */
object AZStackCalls {
  private const val TAG = "AZStackCalls"
  private const val PLATFORM_ANDROID = 1
  private val CALL_PUSHES = setOf("186", "188", "602")

  /**
   * From the app's `FirebaseMessagingService.onMessageReceived(message)` with `message.data`. Returns whether it was a
   * call push (handled here); other pushes (messages) are the app's.
   */
  @JvmStatic
  fun onMessageReceived(context: Context, data: Map<String, String>): Boolean {
    val type = data["pushPacketType"] ?: return false
    if (type !in CALL_PUSHES) return false
    AZStackNative.load()
    val from = data["from"].orEmpty()
    val key = "$from:${data["callId"].orEmpty()}"
    if (type == "188") {
      IncomingCalls.cancelled(context, key) // also when no JavaScript runs to end it
    } else {
      IncomingCalls.ring(context, key, data["title"]?.takeIf { it.isNotEmpty() } ?: from)
    }
    nativeCallPushReceived(JSONObject(data).toString())
    return true
  }

  /** From the app's `FirebaseMessagingService.onNewToken(token)`: remembered for `registerForCallNotifications`. */
  @JvmStatic
  fun onNewToken(context: Context, token: String) {
    prefs(context).edit().putString("token", token).apply()
  }

  // --- called by the SDK (C++, android/src/main/jni/AndroidCalls.cpp), on engine threads --------------------------

  /** Turns the system call UI on and answers with the FCM token (remembered, or asked of Firebase). */
  @JvmStatic
  fun registerForCalls(request: Long) {
    val context = IncomingCalls.context()
    if (context == null) {
      nativeAnswerRegistration(request, "", PLATFORM_ANDROID, "", "no application context yet")
      return
    }
    IncomingCalls.enable(context)
    val answer = { token: String?, error: String? ->
      if (token != null) onNewToken(context, token)
      nativeAnswerRegistration(
          request, token.orEmpty(), PLATFORM_ANDROID, context.packageName, if (token == null) error ?: "no FCM token" else "")
    }
    try {
      FcmToken.fetch(answer)
    } catch (missing: LinkageError) { // firebase-messaging is not in the app
      val remembered = prefs(context).getString("token", null)
      answer(remembered, "Firebase Cloud Messaging is not in the app (see the README)")
    }
  }

  /** Ends the system call `key`; `reason` is cpp/PlatformCalls.h's CallEndReason. */
  @JvmStatic
  fun endCall(key: String, reason: Int) {
    IncomingCalls.end(key, reason)
  }

  // --- what the system UI reports (IncomingCalls) ------------------------------------------------------------------

  internal fun answered(key: String) = guarded { nativeCallAnswered(key) }

  internal fun ended(key: String) = guarded { nativeCallEnded(key) }

  private fun guarded(body: () -> Unit) {
    AZStackNative.load() // a process woken by the push, whose JavaScript has not started yet
    try {
      body()
    } catch (error: UnsatisfiedLinkError) {
      Log.e(TAG, "libazstack.so is not loaded", error)
    }
  }

  private fun prefs(context: Context) = context.getSharedPreferences("azstack-calls", Context.MODE_PRIVATE)

  @JvmStatic private external fun nativeCallPushReceived(notificationJson: String)

  @JvmStatic private external fun nativeCallAnswered(key: String)

  @JvmStatic private external fun nativeCallEnded(key: String)

  @JvmStatic
  private external fun nativeAnswerRegistration(
      request: Long,
      token: String,
      platformOS: Int,
      bundleId: String,
      error: String,
  )
}
