package com.azstack.reactnative.calls

import android.app.Activity
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.os.Bundle

/**
 * The ringing notification's buttons. NOT COMPILED HERE (see [AZStackCalls]).
 *
 * Answer is an activity, not a receiver: Android 12+ lets a notification action open an activity only directly (no
 * "trampoline" through a receiver). It answers, then opens the app — whose JavaScript starts, connects and calls
 * `registerForCallNotifications`, which hands the waiting answer to the SDK — and finishes.
 */
class CallAnswerActivity : Activity() {
  override fun onCreate(savedInstanceState: Bundle?) {
    super.onCreate(savedInstanceState)
    intent.getStringExtra(IncomingCalls.EXTRA_KEY)?.let { IncomingCalls.answered(applicationContext, it) }
    packageManager.getLaunchIntentForPackage(packageName)?.let {
      startActivity(it.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK or Intent.FLAG_ACTIVITY_REORDER_TO_FRONT))
    }
    finish()
  }
}

/** Decline. */
class CallActionReceiver : BroadcastReceiver() {
  override fun onReceive(context: Context, intent: Intent) {
    intent.getStringExtra(IncomingCalls.EXTRA_KEY)?.let { IncomingCalls.endedByUser(context.applicationContext, it) }
  }
}
