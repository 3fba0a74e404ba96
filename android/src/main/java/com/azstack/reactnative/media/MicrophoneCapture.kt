package com.azstack.reactnative.media

import android.Manifest
import android.annotation.SuppressLint
import android.content.Context
import android.content.pm.PackageManager
import android.media.AudioFormat
import android.media.AudioRecord
import android.media.MediaRecorder
import android.media.audiofx.AcousticEchoCanceler
import android.media.audiofx.NoiseSuppressor
import android.util.Log

/**
 * The microphone of a call: AudioRecord with the VOICE_COMMUNICATION source (the platform's echo canceller and noise
 * suppressor, also requested explicitly where available), 16-bit mono at 48 kHz, read in 10 ms blocks on a thread of
 * its own ("azstack-mic") and pushed to the engine through [AZStackMedia.nativePushMicrophone].
 */
internal class MicrophoneCapture private constructor(private val record: AudioRecord) {
  @Volatile private var running = true
  private val echoCanceler = AcousticEchoCanceler.create(record.audioSessionId)?.apply { setEnabled(true) }
  private val noiseSuppressor = NoiseSuppressor.create(record.audioSessionId)?.apply { setEnabled(true) }
  private val thread = Thread(::run, "azstack-mic")

  private fun run() {
    val block = ShortArray(AZStackMedia.SAMPLE_RATE / 100)
    while (running) {
      val read = record.read(block, 0, block.size)
      if (read > 0) {
        AZStackMedia.nativePushMicrophone(block, read)
      } else if (read < 0) {
        Log.w(TAG, "AudioRecord.read failed: $read")
        break
      }
    }
  }

  /** Stops recording and waits for the thread (at most one 10 ms read). */
  fun stop() {
    running = false
    thread.join() // the current read returns once 10 ms have been recorded
    try {
      record.stop()
    } catch (e: IllegalStateException) {
      // already stopped
    }
    echoCanceler?.release()
    noiseSuppressor?.release()
    record.release()
  }

  companion object {
    private const val TAG = "AZStackMicrophone"

    /** Starts recording; null when there is no permission or the device refuses the format. */
    @SuppressLint("MissingPermission") // checked first
    fun start(context: Context): MicrophoneCapture? {
      if (context.checkSelfPermission(Manifest.permission.RECORD_AUDIO) != PackageManager.PERMISSION_GRANTED) {
        return null
      }
      val minimum =
          AudioRecord.getMinBufferSize(
              AZStackMedia.SAMPLE_RATE, AudioFormat.CHANNEL_IN_MONO, AudioFormat.ENCODING_PCM_16BIT)
      if (minimum <= 0) return null
      val record =
          try {
            AudioRecord(
                MediaRecorder.AudioSource.VOICE_COMMUNICATION,
                AZStackMedia.SAMPLE_RATE,
                AudioFormat.CHANNEL_IN_MONO,
                AudioFormat.ENCODING_PCM_16BIT,
                maxOf(minimum, AZStackMedia.SAMPLE_RATE / 10 * 2), // at least 100 ms
            )
          } catch (e: Exception) {
            Log.w(TAG, "cannot create AudioRecord", e)
            return null
          }
      if (record.state != AudioRecord.STATE_INITIALIZED) {
        record.release()
        return null
      }
      return try {
        record.startRecording()
        MicrophoneCapture(record).also { it.thread.start() }
      } catch (e: Exception) {
        Log.w(TAG, "cannot start recording", e)
        record.release()
        null
      }
    }
  }
}
