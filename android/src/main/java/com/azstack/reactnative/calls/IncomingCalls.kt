package com.azstack.reactnative.calls

import android.Manifest
import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.ComponentName
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.os.Build
import android.os.Bundle
import android.os.Handler
import android.os.Looper
import android.telecom.DisconnectCause
import android.telecom.PhoneAccount
import android.telecom.PhoneAccountHandle
import android.telecom.TelecomManager
import android.util.Log
import com.azstack.reactnative.media.AZStackMedia

/**
 * The system calls this device shows, by key `"<from>:<callId>"`. NOT COMPILED HERE (see [AZStackCalls]).
 *
 * Android 8+: each call is a self-managed `ConnectionService` call ([CallConnectionService]), so the system knows a
 * VoIP call rings or is up (audio focus, Bluetooth, car, the phone app's own calls); Telecom asks the connection to show
 * its incoming UI, which is the notification below. Before Android 8 the notification alone. The notification rings
 * with a full-screen intent (the app's launch activity: over the lock screen) and has Answer (opens the app through
 * [CallAnswerActivity]) and Decline ([CallActionReceiver]) actions.
 *
 * What the user does goes to the SDK ([AZStackCalls.answered]/[AZStackCalls.ended]); the SDK ends calls with [end].
 * While a call is answered, [CallForegroundService] runs (type phoneCall|microphone|camera: Android 14+ cuts the
 * microphone and camera of a backgrounded app otherwise). Two safety nets act without JavaScript, for a push that
 * woke a process whose JavaScript never started: a cancel push (188) ends a ringing call, and a call rings at most
 * [RING_LIMIT_MS].
 */
internal object IncomingCalls {
  private const val TAG = "AZStackCalls"
  private const val CHANNEL = "azstack-incoming-calls"
  const val EXTRA_KEY = "com.azstack.reactnative.calls.KEY"
  const val EXTRA_NAME = "com.azstack.reactnative.calls.NAME"
  private const val RING_LIMIT_MS = 60_000L

  private class Call(val key: String, val name: String) {
    var connection: CallConnectionService.CallConnection? = null
    var answered = false
  }

  private val lock = Any()
  private val calls = HashMap<String, Call>()
  private val main = Handler(Looper.getMainLooper())

  fun context(): Context? = AZStackMedia.context()

  /** `registerForCallNotifications`: the notification channel and, on Android 8+, the self-managed phone account. */
  fun enable(context: Context) {
    val notifications = context.getSystemService(NotificationManager::class.java)
    if (Build.VERSION.SDK_INT >= 26) {
      notifications.createNotificationChannel(
          NotificationChannel(CHANNEL, "Incoming calls", NotificationManager.IMPORTANCE_HIGH))
      val account =
          PhoneAccount.builder(accountHandle(context), context.applicationInfo.loadLabel(context.packageManager))
              .setCapabilities(PhoneAccount.CAPABILITY_SELF_MANAGED or PhoneAccount.CAPABILITY_VIDEO_CALLING)
              .build()
      context.getSystemService(TelecomManager::class.java).registerPhoneAccount(account)
    }
  }

  fun accountHandle(context: Context) =
      PhoneAccountHandle(ComponentName(context, CallConnectionService::class.java), "azstack")

  /** A call push: rings in the system UI (a repeat of a known key is ignored). */
  fun ring(context: Context, key: String, name: String) {
    synchronized(lock) {
      if (calls.containsKey(key)) return
      calls[key] = Call(key, name)
    }
    enable(context)
    var viaTelecom = false
    if (Build.VERSION.SDK_INT >= 26) {
      val extras = Bundle().apply {
        putParcelable(TelecomManager.EXTRA_PHONE_ACCOUNT_HANDLE, accountHandle(context))
        putParcelable(TelecomManager.EXTRA_INCOMING_CALL_ADDRESS, Uri.fromParts("azstack", key, null))
        putBundle(TelecomManager.EXTRA_INCOMING_CALL_EXTRAS, Bundle().apply {
          putString(EXTRA_KEY, key)
          putString(EXTRA_NAME, name)
        })
      }
      try {
        context.getSystemService(TelecomManager::class.java).addNewIncomingCall(accountHandle(context), extras)
        viaTelecom = true // Telecom calls CallConnection.onShowIncomingCallUi, which shows the notification
      } catch (error: SecurityException) {
        Log.w(TAG, "Telecom refused the call (MANAGE_OWN_CALLS?); ringing with a notification only", error)
      }
    }
    if (!viaTelecom) showRinging(context, key, name)
    main.postDelayed({ if (isRinging(key)) end(key, REASON_UNANSWERED) }, RING_LIMIT_MS)
  }

  /** Telecom created the connection of `key`. */
  fun attach(key: String, connection: CallConnectionService.CallConnection): Boolean =
      synchronized(lock) { calls[key]?.also { it.connection = connection } != null }

  fun nameOf(key: String): String = synchronized(lock) { calls[key]?.name ?: key }

  private fun isRinging(key: String) = synchronized(lock) { calls[key]?.answered == false }

  /** The user answered (the connection, the notification's Answer). */
  fun answered(context: Context, key: String) {
    val call = synchronized(lock) { calls[key]?.takeIf { !it.answered }?.also { it.answered = true } } ?: return
    call.connection?.setActive()
    cancelNotification(context, key)
    CallForegroundService.start(context)
    AZStackCalls.answered(key)
  }

  /** The user declined or hung up (the connection, the notification's Decline). */
  fun endedByUser(context: Context, key: String) {
    val call = synchronized(lock) { calls.remove(key) } ?: return
    call.connection?.let {
      it.setDisconnected(DisconnectCause(if (call.answered) DisconnectCause.LOCAL else DisconnectCause.REJECTED))
      it.destroy()
    }
    afterEnd(context, key)
    AZStackCalls.ended(key)
  }

  /** A cancel push (188): ends the call if it still rings. */
  fun cancelled(context: Context, key: String) {
    if (isRinging(key)) end(key, REASON_REMOTE_ENDED)
  }

  /** The SDK ends the call (cpp/PlatformCalls.h's CallEndReason). */
  fun end(key: String, reason: Int) {
    val call = synchronized(lock) { calls.remove(key) } ?: return
    call.connection?.let {
      it.setDisconnected(DisconnectCause(disconnectCode(reason)))
      it.destroy()
    }
    context()?.let { afterEnd(it, key) }
  }

  private fun afterEnd(context: Context, key: String) {
    cancelNotification(context, key)
    val anyAnswered = synchronized(lock) { calls.values.any { it.answered } }
    if (!anyAnswered) CallForegroundService.stop(context)
  }

  /** The ringing notification: full-screen intent, Answer and Decline. */
  fun showRinging(context: Context, key: String, name: String) {
    val notifications = context.getSystemService(NotificationManager::class.java)
    if (Build.VERSION.SDK_INT >= 33 &&
        context.checkSelfPermission(Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED) {
      Log.w(TAG, "POST_NOTIFICATIONS is not granted: the incoming call cannot be shown")
    }
    val flags = PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE
    val launch = context.packageManager.getLaunchIntentForPackage(context.packageName)
    val fullScreen = launch?.let { PendingIntent.getActivity(context, key.hashCode(), it, flags) }
    val answer = PendingIntent.getActivity(
        context, key.hashCode() + 1,
        Intent(context, CallAnswerActivity::class.java).putExtra(EXTRA_KEY, key), flags)
    val decline = PendingIntent.getBroadcast(
        context, key.hashCode() + 2,
        Intent(context, CallActionReceiver::class.java).putExtra(EXTRA_KEY, key), flags)
    @Suppress("DEPRECATION")
    val builder = if (Build.VERSION.SDK_INT >= 26) Notification.Builder(context, CHANNEL) else Notification.Builder(context)
    builder
        .setSmallIcon(context.applicationInfo.icon)
        .setContentTitle(name)
        .setContentText("Incoming call")
        .setCategory(Notification.CATEGORY_CALL)
        .setOngoing(true)
        .setFullScreenIntent(fullScreen, true)
    if (Build.VERSION.SDK_INT >= 31) {
      val person = android.app.Person.Builder().setName(name).setImportant(true).build()
      builder.setStyle(Notification.CallStyle.forIncomingCall(person, decline, answer))
    } else {
      @Suppress("DEPRECATION")
      builder.setPriority(Notification.PRIORITY_MAX)
          .addAction(Notification.Action.Builder(null, "Decline", decline).build())
          .addAction(Notification.Action.Builder(null, "Answer", answer).build())
    }
    try {
      notifications.notify(key, NOTIFICATION_ID, builder.build())
    } catch (denied: SecurityException) {
      Log.w(TAG, "the incoming call notification was refused", denied)
    }
  }

  private fun cancelNotification(context: Context, key: String) {
    context.getSystemService(NotificationManager::class.java).cancel(key, NOTIFICATION_ID)
  }

  private const val NOTIFICATION_ID = 0x415a
  // cpp/PlatformCalls.h's CallEndReason.
  private const val REASON_REMOTE_ENDED = 0
  private const val REASON_UNANSWERED = 1

  private fun disconnectCode(reason: Int) =
      when (reason) {
        REASON_REMOTE_ENDED -> DisconnectCause.REMOTE
        REASON_UNANSWERED -> DisconnectCause.MISSED
        2 -> DisconnectCause.ANSWERED_ELSEWHERE
        3 -> DisconnectCause.REJECTED
        4 -> DisconnectCause.ERROR
        else -> DisconnectCause.LOCAL
      }
}
