package com.azstack.reactnative.media

import android.content.Context
import android.media.AudioAttributes
import android.media.AudioDeviceInfo
import android.media.AudioFocusRequest
import android.media.AudioManager
import android.os.Build

/**
 * The call's audio session on Android: the output route and audio focus (the Android side of the audio session in
 * rust/ffi/src/audio_session.rs, which decides the route; this object applies it).
 *
 * Route. [setSpeakerphoneOn] picks the built-in loudspeaker or the earpiece for the communication stream:
 * `AudioManager.setCommunicationDevice` on API 31 and later, `isSpeakerphoneOn` before. The engine asks for it when a
 * call's audio starts (speaker for a video call, earpiece for an audio call) and when the app calls
 * `setSpeakerphoneOn`; a wired or Bluetooth headset the user connected keeps its own routing when the earpiece is asked
 * for, because the earpiece then is simply the default communication device.
 *
 * Focus. While a call has audio ([start] … [stop], called by [AZStackMedia] with MODE_IN_COMMUNICATION) the session
 * holds AUDIOFOCUS_GAIN_TRANSIENT for voice communication. Losing it (a phone call, an assistant, another VoIP app)
 * pauses the call's audio — the engine sends silence and plays nothing, see `MediaBridge::audioInterrupted` — and
 * regaining it resumes; JavaScript hears of both through `onAudioInterrupted` / `onAudioResumed`.
 */
internal object AudioSession {
  private val lock = Any()
  private var focus: AudioFocusRequest? = null
  private var legacyListener: AudioManager.OnAudioFocusChangeListener? = null
  private var interrupted = false

  private val attributes: AudioAttributes =
      AudioAttributes.Builder()
          .setUsage(AudioAttributes.USAGE_VOICE_COMMUNICATION)
          .setContentType(AudioAttributes.CONTENT_TYPE_SPEECH)
          .build()

  private val onFocusChange =
      AudioManager.OnAudioFocusChangeListener { change ->
        when (change) {
          AudioManager.AUDIOFOCUS_LOSS,
          AudioManager.AUDIOFOCUS_LOSS_TRANSIENT,
          AudioManager.AUDIOFOCUS_LOSS_TRANSIENT_CAN_DUCK -> report(true)
          AudioManager.AUDIOFOCUS_GAIN -> report(false)
        }
      }

  /** A call's audio starts: takes audio focus for voice communication. */
  fun start(context: Context) {
    synchronized(lock) {
      if (focus != null || legacyListener != null) return
      val audio = audioManager(context)
      if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.O) {
        val request =
            AudioFocusRequest.Builder(AudioManager.AUDIOFOCUS_GAIN_TRANSIENT)
                .setAudioAttributes(attributes)
                .setOnAudioFocusChangeListener(onFocusChange)
                .build()
        focus = request
        audio.requestAudioFocus(request)
      } else {
        legacyListener = onFocusChange
        requestLegacy(audio)
      }
    }
  }

  /** The call's audio stopped: gives focus back and forgets the route. */
  fun stop(context: Context) {
    synchronized(lock) {
      val audio = audioManager(context)
      val request = focus
      if (request != null && Build.VERSION.SDK_INT >= Build.VERSION_CODES.O) {
        audio.abandonAudioFocusRequest(request)
      }
      legacyListener?.let { abandonLegacy(audio, it) }
      focus = null
      legacyListener = null
      if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
        audio.clearCommunicationDevice()
      } else {
        setSpeakerphoneLegacy(audio, false)
      }
    }
    report(false)
  }

  /** Plays the call on the loudspeaker ([on]) or the earpiece. */
  fun setSpeakerphoneOn(context: Context, on: Boolean) {
    val audio = audioManager(context)
    if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.S) {
      val wanted = if (on) AudioDeviceInfo.TYPE_BUILTIN_SPEAKER else AudioDeviceInfo.TYPE_BUILTIN_EARPIECE
      val device = audio.availableCommunicationDevices.firstOrNull { it.type == wanted }
      if (device != null) audio.setCommunicationDevice(device) else audio.clearCommunicationDevice()
    } else {
      setSpeakerphoneLegacy(audio, on)
    }
  }

  @Suppress("DEPRECATION")
  private fun setSpeakerphoneLegacy(audio: AudioManager, on: Boolean) {
    audio.isSpeakerphoneOn = on
  }

  @Suppress("DEPRECATION")
  private fun requestLegacy(audio: AudioManager) {
    audio.requestAudioFocus(onFocusChange, AudioManager.STREAM_VOICE_CALL, AudioManager.AUDIOFOCUS_GAIN_TRANSIENT)
  }

  @Suppress("DEPRECATION")
  private fun abandonLegacy(audio: AudioManager, listener: AudioManager.OnAudioFocusChangeListener) {
    audio.abandonAudioFocus(listener)
  }

  private fun report(nowInterrupted: Boolean) {
    synchronized(lock) {
      if (interrupted == nowInterrupted) return
      interrupted = nowInterrupted
    }
    AZStackMedia.nativeAudioInterrupted(nowInterrupted)
  }

  private fun audioManager(context: Context) = context.getSystemService(Context.AUDIO_SERVICE) as AudioManager
}
