package com.azstack.reactnative.calls

import android.content.Context
import android.net.Uri
import android.os.Build
import android.telecom.Connection
import android.telecom.ConnectionRequest
import android.telecom.ConnectionService
import android.telecom.PhoneAccountHandle
import android.telecom.TelecomManager
import android.util.Log
import android.annotation.TargetApi

/**
 * The package's self-managed `ConnectionService` (Android 8+): Telecom creates a [CallConnection] for each call
 * [IncomingCalls.ring] adds, and the connection turns Telecom's callbacks into [IncomingCalls]' answer and end.
 * NOT COMPILED HERE (see [AZStackCalls]).
 */
@TargetApi(Build.VERSION_CODES.O)
class CallConnectionService : ConnectionService() {
  override fun onCreateIncomingConnection(account: PhoneAccountHandle?, request: ConnectionRequest): Connection {
    val extras = request.extras?.getBundle(TelecomManager.EXTRA_INCOMING_CALL_EXTRAS) ?: request.extras
    val key = extras?.getString(IncomingCalls.EXTRA_KEY).orEmpty()
    val connection = CallConnection(applicationContext, key)
    connection.connectionProperties = Connection.PROPERTY_SELF_MANAGED
    connection.audioModeIsVoip = true
    connection.setAddress(Uri.fromParts("azstack", key, null), TelecomManager.PRESENTATION_ALLOWED)
    connection.setCallerDisplayName(IncomingCalls.nameOf(key), TelecomManager.PRESENTATION_ALLOWED)
    connection.setRinging()
    if (!IncomingCalls.attach(key, connection)) { // ended before Telecom got here
      connection.setDisconnected(android.telecom.DisconnectCause(android.telecom.DisconnectCause.CANCELED))
      connection.destroy()
    }
    return connection
  }

  override fun onCreateIncomingConnectionFailed(account: PhoneAccountHandle?, request: ConnectionRequest?) {
    // Telecom refused (another call is up, a limit): ring with the notification alone.
    val extras = request?.extras?.getBundle(TelecomManager.EXTRA_INCOMING_CALL_EXTRAS) ?: request?.extras
    val key = extras?.getString(IncomingCalls.EXTRA_KEY) ?: return
    Log.w("AZStackCalls", "Telecom could not create the incoming connection; notification only")
    IncomingCalls.showRinging(applicationContext, key, IncomingCalls.nameOf(key))
  }

  /** One system call. */
  class CallConnection(private val context: Context, private val key: String) : Connection() {
    override fun onShowIncomingCallUi() = IncomingCalls.showRinging(context, key, IncomingCalls.nameOf(key))

    override fun onAnswer() = IncomingCalls.answered(context, key)

    override fun onAnswer(videoState: Int) = onAnswer()

    override fun onReject() = IncomingCalls.endedByUser(context, key)

    override fun onDisconnect() = IncomingCalls.endedByUser(context, key)

    override fun onAbort() = IncomingCalls.endedByUser(context, key)
  }
}
