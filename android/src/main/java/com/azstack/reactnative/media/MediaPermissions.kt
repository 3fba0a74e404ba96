package com.azstack.reactnative.media

import android.Manifest
import android.app.Activity
import android.app.Application
import android.content.pm.PackageManager
import android.os.Bundle
import android.os.Handler
import android.os.Looper
import androidx.core.content.ContextCompat
import com.facebook.react.modules.core.PermissionAwareActivity
import java.lang.ref.WeakReference

/**
 * `AZStackCore.requestMediaPermissions` on Android: RECORD_AUDIO and CAMERA through the runtime permission dialog of
 * the Activity in the foreground (React Native's activities are [PermissionAwareActivity]s, which deliver the result
 * back to the listener given here).
 *
 * Each permission is answered as `granted` (0), `denied` (1: refused, the dialog may be shown again) or `blocked` (2:
 * refused with "don't ask again", or refused twice on Android 11+; only the app's settings page changes it — told
 * apart by `shouldShowRequestPermissionRationale` after the refusal). Permissions already granted are answered at
 * once without a dialog; without a [PermissionAwareActivity] in the foreground the current states are answered
 * without one (a refused permission as `denied`).
 */
internal object MediaPermissions {
  private const val REQUEST_CODE = 0xA25
  private val main = Handler(Looper.getMainLooper())
  @Volatile private var resumed: WeakReference<Activity>? = null

  /** Follows the foreground Activity (registered once, from AZStackMedia.init). */
  fun track(application: Application) {
    application.registerActivityLifecycleCallbacks(
        object : Application.ActivityLifecycleCallbacks {
          override fun onActivityResumed(activity: Activity) {
            resumed = WeakReference(activity)
          }

          override fun onActivityPaused(activity: Activity) {
            if (resumed?.get() === activity) resumed = null
          }

          override fun onActivityCreated(activity: Activity, state: Bundle?) {}

          override fun onActivityStarted(activity: Activity) {}

          override fun onActivityStopped(activity: Activity) {}

          override fun onActivitySaveInstanceState(activity: Activity, state: Bundle) {}

          override fun onActivityDestroyed(activity: Activity) {}
        })
  }

  /** Asks for the microphone ([audio]) and/or camera ([video]); answers [request] through the engine, once. */
  fun request(audio: Boolean, video: Boolean, request: Long) {
    main.post { ask(audio, video, request) }
  }

  private fun ask(audio: Boolean, video: Boolean, request: Long) {
    val context = AZStackMedia.context()
    val activity = resumed?.get()
    val wanted = buildList {
      if (audio) add(Manifest.permission.RECORD_AUDIO)
      if (video) add(Manifest.permission.CAMERA)
    }
    fun granted(permission: String) =
        context != null && ContextCompat.checkSelfPermission(context, permission) == PackageManager.PERMISSION_GRANTED
    fun state(permission: String): Int =
        when {
          granted(permission) -> 0
          activity != null && !activity.shouldShowRequestPermissionRationale(permission) -> 2
          else -> 1
        }
    fun answer() =
        AZStackMedia.nativeAnswerPermissions(
            request, state(Manifest.permission.RECORD_AUDIO), state(Manifest.permission.CAMERA))

    val missing = wanted.filterNot(::granted)
    val asker = activity as? PermissionAwareActivity
    if (missing.isEmpty() || asker == null) {
      AZStackMedia.nativeAnswerPermissions(
          request,
          if (granted(Manifest.permission.RECORD_AUDIO)) 0 else 1,
          if (granted(Manifest.permission.CAMERA)) 0 else 1)
      return
    }
    asker.requestPermissions(missing.toTypedArray(), REQUEST_CODE) { code, _, _ ->
      if (code != REQUEST_CODE) return@requestPermissions false
      answer()
      true
    }
  }
}
