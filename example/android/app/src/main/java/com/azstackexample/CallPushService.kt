package com.azstackexample

import com.azstack.reactnative.calls.AZStackCalls
import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage

/**
 * The app's Firebase service: call pushes go to the package (it rings them in the system UI even when the app is
 * killed), and the token to `registerForCallNotifications`. Message pushes are FCM notification messages, which
 * Android shows by itself while the app is in the background. Needs the app's `google-services.json` and the
 * google-services Gradle plugin (see the README, "Calls that ring a sleeping phone"). Not compiled here.
 */
class CallPushService : FirebaseMessagingService() {
  override fun onMessageReceived(message: RemoteMessage) {
    AZStackCalls.onMessageReceived(applicationContext, message.data)
  }

  override fun onNewToken(token: String) {
    AZStackCalls.onNewToken(applicationContext, token)
  }
}
