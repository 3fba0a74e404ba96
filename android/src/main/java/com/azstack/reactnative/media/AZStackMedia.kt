package com.azstack.reactnative.media

import android.app.Application
import android.content.Context
import android.media.AudioManager
import java.nio.ByteBuffer

/**
 * The phone's camera, microphone and speaker as the engine uses them (the Android side of cpp/PlatformMedia.h).
 *
 * The engine calls the `start*`/`stop*` methods from C++ (android/src/main/jni/AndroidMedia.cpp) on its own threads
 * when a call opens or closes its devices; they return at once and the devices run on threads of their own, pushing
 * captured frames and samples into the engine and pulling the audio to play through the `native*` functions. Nothing
 * here touches JavaScript. Camera and microphone permissions are requested before a call (the app's own code or
 * `AZStackCore.requestMediaPermissions`, see [MediaPermissions]); without them the start methods return false and the
 * call method fails with "Cannot get user media". The route and audio focus are [AudioSession]'s.
 */
object AZStackMedia {
  /** The engine's audio format: 16-bit mono PCM at 48 kHz. */
  const val SAMPLE_RATE = 48_000

  @Volatile private var appContext: Context? = null
  private val lock = Any()
  private var camera: CameraCapture? = null
  private var microphone: MicrophoneCapture? = null
  private var playout: AudioPlayout? = null
  private var savedAudioMode: Int? = null

  /** Called once at process start (AZStackInitProvider). */
  fun init(context: Context) {
    appContext = context.applicationContext
    (context.applicationContext as? Application)?.let { MediaPermissions.track(it) }
  }

  /** The application context, once [init] ran. */
  fun context(): Context? = appContext

  // --- called by the engine (C++), on engine threads ------------------------------------------------------------

  @JvmStatic
  fun startCamera(front: Boolean): Boolean =
      synchronized(lock) {
        val context = appContext ?: return false
        camera?.stop()
        camera = CameraCapture.start(context, front)
        camera != null
      }

  /** Returns the new facing: true for the back camera. */
  @JvmStatic
  fun switchCamera(): Boolean = synchronized(lock) { camera?.switchFacing() ?: false }

  @JvmStatic
  fun stopCamera() {
    synchronized(lock) {
      camera?.stop()
      camera = null
    }
  }

  @JvmStatic
  fun startMicrophone(): Boolean =
      synchronized(lock) {
        val context = appContext ?: return false
        microphone?.stop()
        enterCallAudioMode(context)
        microphone = MicrophoneCapture.start(context)
        if (microphone == null) leaveCallAudioModeIfIdle(context)
        microphone != null
      }

  @JvmStatic
  fun stopMicrophone() {
    synchronized(lock) {
      microphone?.stop()
      microphone = null
      appContext?.let { leaveCallAudioModeIfIdle(it) }
    }
  }

  @JvmStatic
  fun startPlayout(): Boolean =
      synchronized(lock) {
        val context = appContext ?: return false
        playout?.stop()
        enterCallAudioMode(context)
        playout = AudioPlayout.start()
        if (playout == null) leaveCallAudioModeIfIdle(context)
        playout != null
      }

  @JvmStatic
  fun stopPlayout() {
    synchronized(lock) {
      playout?.stop()
      playout = null
      appContext?.let { leaveCallAudioModeIfIdle(it) }
    }
  }

  /** Plays the call on the loudspeaker or the earpiece (the engine's audio session decides when). */
  @JvmStatic
  fun setSpeakerphoneOn(on: Boolean) {
    appContext?.let { AudioSession.setSpeakerphoneOn(it, on) }
  }

  /** `requestMediaPermissions`: answers with [nativeAnswerPermissions] ([MediaPermissions]). */
  @JvmStatic
  fun requestPermissions(audio: Boolean, video: Boolean, request: Long) {
    MediaPermissions.request(audio, video, request)
  }

  // Voice-call audio routing (and the platform's echo canceller) needs MODE_IN_COMMUNICATION while a call has audio,
  // and the call holds audio focus meanwhile (AudioSession); the app's previous mode comes back when both directions
  // have stopped.
  private fun enterCallAudioMode(context: Context) {
    if (savedAudioMode != null) return
    val audio = context.getSystemService(Context.AUDIO_SERVICE) as AudioManager
    savedAudioMode = audio.mode
    audio.mode = AudioManager.MODE_IN_COMMUNICATION
    AudioSession.start(context)
  }

  private fun leaveCallAudioModeIfIdle(context: Context) {
    val previous = savedAudioMode ?: return
    if (microphone != null || playout != null) return
    AudioSession.stop(context)
    (context.getSystemService(Context.AUDIO_SERVICE) as AudioManager).mode = previous
    savedAudioMode = null
  }

  // --- into the engine (registered by libazstack.so) --------------------------------------------------------------

  /** Camera thread: one YUV_420_888 image; C++ rotates it upright by [rotation] degrees and converts it to I420. */
  @JvmStatic
  external fun nativePushCameraFrame(
      y: ByteBuffer,
      yRowStride: Int,
      u: ByteBuffer,
      v: ByteBuffer,
      uvRowStride: Int,
      uvPixelStride: Int,
      width: Int,
      height: Int,
      rotation: Int,
      timestampNs: Long,
  )

  /** Recording thread: the first [count] samples of [pcm]. */
  @JvmStatic external fun nativePushMicrophone(pcm: ShortArray, count: Int)

  /** Playback thread: fills [pcm] with the next samples (silence where the engine has none). */
  @JvmStatic external fun nativePullPlayout(pcm: ShortArray): Int

  /** The answer to [requestPermissions]' [request]: 0 granted, 1 denied, 2 blocked, per device. */
  @JvmStatic external fun nativeAnswerPermissions(request: Long, audio: Int, video: Int)

  /** Audio focus lost (true) or regained (false): the engine pauses or resumes the call's audio. */
  @JvmStatic external fun nativeAudioInterrupted(interrupted: Boolean)
}
