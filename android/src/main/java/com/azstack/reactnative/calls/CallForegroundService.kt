package com.azstack.reactnative.calls

import android.Manifest
import android.app.Notification
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.Service
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.content.pm.ServiceInfo
import android.os.Build
import android.os.IBinder
import android.util.Log

/**
 * Keeps an answered call alive in the background: a foreground service of type phoneCall|microphone|camera (each type
 * only when allowed: camera and microphone need their runtime permission, or Android 14+ refuses the start). Android
 * 14+ cuts the microphone and camera of a backgrounded app without one. Started when a call is answered in the system
 * UI, stopped when no answered call is left. NOT COMPILED HERE (see [AZStackCalls]).
 */
class CallForegroundService : Service() {
  override fun onBind(intent: Intent?): IBinder? = null

  override fun onStartCommand(intent: Intent?, flags: Int, startId: Int): Int {
    val notifications = getSystemService(NotificationManager::class.java)
    @Suppress("DEPRECATION")
    val builder =
        if (Build.VERSION.SDK_INT >= 26) {
          notifications.createNotificationChannel(
              NotificationChannel(CHANNEL, "Calls in progress", NotificationManager.IMPORTANCE_LOW))
          Notification.Builder(this, CHANNEL)
        } else {
          Notification.Builder(this)
        }
    val notification =
        builder
            .setSmallIcon(applicationInfo.icon)
            .setContentTitle(applicationInfo.loadLabel(packageManager))
            .setContentText("Call in progress")
            .setCategory(Notification.CATEGORY_CALL)
            .setOngoing(true)
            .build()
    try {
      if (Build.VERSION.SDK_INT >= 30) startForeground(ID, notification, types()) else startForeground(ID, notification)
    } catch (refused: RuntimeException) { // SecurityException, ForegroundServiceStartNotAllowedException
      Log.w("AZStackCalls", "the call's foreground service could not start", refused)
      stopSelf()
    }
    return START_NOT_STICKY
  }

  private fun types(): Int {
    var types = ServiceInfo.FOREGROUND_SERVICE_TYPE_PHONE_CALL
    if (granted(Manifest.permission.RECORD_AUDIO)) types = types or ServiceInfo.FOREGROUND_SERVICE_TYPE_MICROPHONE
    if (granted(Manifest.permission.CAMERA)) types = types or ServiceInfo.FOREGROUND_SERVICE_TYPE_CAMERA
    return types
  }

  private fun granted(permission: String) = checkSelfPermission(permission) == PackageManager.PERMISSION_GRANTED

  companion object {
    private const val ID = 0x415b
    private const val CHANNEL = "azstack-calls-in-progress"

    fun start(context: Context) {
      val intent = Intent(context, CallForegroundService::class.java)
      try {
        if (Build.VERSION.SDK_INT >= 26) context.startForegroundService(intent) else context.startService(intent)
      } catch (refused: RuntimeException) {
        Log.w("AZStackCalls", "the call's foreground service could not start", refused)
      }
    }

    fun stop(context: Context) {
      context.stopService(Intent(context, CallForegroundService::class.java))
    }
  }
}
