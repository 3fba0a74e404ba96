package com.azstack.reactnative.video

import android.view.Surface
import com.azstack.reactnative.AZStackNative

/**
 * The Kotlin half of a native renderer (android/src/main/jni/VideoRenderer.{h,cpp}): owns the C++ object that is
 * attached to a stream in the frame registry and draws its frames into a Surface on a thread of its own.
 *
 * Created when the view is attached to a window and released when it is detached; every method is called on the UI
 * thread. [onFrameSize] is the one call in the other direction: it comes from the render thread whenever the stream's
 * frame size changes, and only forwards it (the view posts it to the UI thread).
 */
class VideoRenderer(private val frameSizeChanged: (width: Int, height: Int) -> Unit) {
  private var handle: Long

  init {
    AZStackNative.load()
    handle = nativeCreate()
    check(handle != 0L) { "AZStackVideoView: the native renderer could not be created" }
  }

  /** Shows stream [streamId] ("" shows nothing). */
  fun setStream(streamId: String) {
    if (handle != 0L) nativeSetStream(handle, streamId)
  }

  /** Draws into [surface] from now on; null when the surface goes away (returns once drawing into it has stopped). */
  fun setSurface(surface: Surface?) {
    if (handle != 0L) nativeSetSurface(handle, surface)
  }

  /** Detaches from the stream, stops the render thread and frees the native object. Idempotent. */
  fun release() {
    if (handle != 0L) {
      nativeRelease(handle)
      handle = 0L
    }
  }

  /** Render thread (called from C++). */
  fun onFrameSize(width: Int, height: Int) {
    frameSizeChanged(width, height)
  }

  private external fun nativeCreate(): Long

  private external fun nativeSetStream(handle: Long, streamId: String)

  private external fun nativeSetSurface(handle: Long, surface: Surface?)

  private external fun nativeRelease(handle: Long)
}
