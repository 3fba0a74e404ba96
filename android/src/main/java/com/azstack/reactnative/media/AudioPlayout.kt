package com.azstack.reactnative.media

import android.media.AudioAttributes
import android.media.AudioFormat
import android.media.AudioTrack
import android.util.Log

/**
 * The call's audio output: an AudioTrack with voice-communication attributes (earpiece/speaker routing of a call),
 * 16-bit mono at 48 kHz, fed on a thread of its own ("azstack-playout") with 10 ms blocks pulled from the engine through
 * [AZStackMedia.nativePullPlayout]. The blocking write paces the loop in real time; when the engine has nothing the
 * block is silence.
 */
internal class AudioPlayout private constructor(private val track: AudioTrack) {
  @Volatile private var running = true
  private val thread = Thread(::run, "azstack-playout")

  private fun run() {
    val block = ShortArray(AZStackMedia.SAMPLE_RATE / 100)
    while (running) {
      AZStackMedia.nativePullPlayout(block)
      val written = track.write(block, 0, block.size)
      if (written < 0) {
        Log.w(TAG, "AudioTrack.write failed: $written")
        break
      }
    }
  }

  /** Stops playing and waits for the thread (at most one 10 ms block). */
  fun stop() {
    running = false
    thread.join() // the current write returns once 10 ms have been played
    try {
      track.pause()
      track.flush()
    } catch (e: IllegalStateException) {
      // already stopped
    }
    track.release()
  }

  companion object {
    private const val TAG = "AZStackPlayout"

    fun start(): AudioPlayout? {
      val minimum =
          AudioTrack.getMinBufferSize(
              AZStackMedia.SAMPLE_RATE, AudioFormat.CHANNEL_OUT_MONO, AudioFormat.ENCODING_PCM_16BIT)
      if (minimum <= 0) return null
      return try {
        val track =
            AudioTrack.Builder()
                .setAudioAttributes(
                    AudioAttributes.Builder()
                        .setUsage(AudioAttributes.USAGE_VOICE_COMMUNICATION)
                        .setContentType(AudioAttributes.CONTENT_TYPE_SPEECH)
                        .build())
                .setAudioFormat(
                    AudioFormat.Builder()
                        .setSampleRate(AZStackMedia.SAMPLE_RATE)
                        .setChannelMask(AudioFormat.CHANNEL_OUT_MONO)
                        .setEncoding(AudioFormat.ENCODING_PCM_16BIT)
                        .build())
                .setTransferMode(AudioTrack.MODE_STREAM)
                .setBufferSizeInBytes(maxOf(minimum, AZStackMedia.SAMPLE_RATE / 25 * 2)) // at least 40 ms
                .build()
        track.play()
        AudioPlayout(track).also { it.thread.start() }
      } catch (e: Exception) {
        Log.w(TAG, "cannot start AudioTrack", e)
        null
      }
    }
  }
}
