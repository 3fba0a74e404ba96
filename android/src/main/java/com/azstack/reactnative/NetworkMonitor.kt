package com.azstack.reactnative

import android.content.Context
import android.net.ConnectivityManager
import android.net.Network
import android.util.Log

/**
 * Tells the engines when the device's default network changes (Wi-Fi ↔ cellular, a network lost or back), so that
 * each checks its connection at once instead of noticing a dead one after `livenessTimeout` — the native side of
 * `AZStackCore.networkChanged()`, for every engine of the process. Started once by [AZStackInitProvider].
 */
internal object NetworkMonitor {
  private const val TAG = "AZStack"
  private var started = false

  private val callback =
      object : ConnectivityManager.NetworkCallback() {
        override fun onAvailable(network: Network) = changed()

        override fun onLost(network: Network) = changed()
      }

  @Synchronized
  fun start(context: Context) {
    if (started) return
    val connectivity = context.getSystemService(ConnectivityManager::class.java) ?: return
    try {
      connectivity.registerDefaultNetworkCallback(callback)
      started = true
    } catch (e: RuntimeException) { // SecurityException without ACCESS_NETWORK_STATE, or too many callbacks
      Log.w(TAG, "NetworkMonitor: cannot watch the default network: $e")
    }
  }

  private fun changed() {
    try {
      nativeNetworkChanged()
    } catch (e: UnsatisfiedLinkError) { // the native library is not loaded yet: no engine exists either
    }
  }

  @JvmStatic private external fun nativeNetworkChanged()
}
