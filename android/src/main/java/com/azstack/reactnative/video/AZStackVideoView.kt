package com.azstack.reactnative.video

import android.content.Context
import android.graphics.Matrix
import android.graphics.SurfaceTexture
import android.view.Surface
import android.view.TextureView
import android.widget.FrameLayout

/**
 * `<AZStackVideoView streamURL objectFit mirror>`: draws the video of one call stream.
 *
 * The frames never pass through JavaScript. The view owns a [VideoRenderer] while it is attached to a window: the
 * renderer registers with the engine's frame registry under [streamURL] (the stream's id), receives frames on engine
 * threads and draws them on its own thread into the Surface of a [TextureView] child, at the frame's size. The
 * TextureView's transform then fits that image into the view (cover or contain) and mirrors it; that happens here, on
 * the UI thread, whenever the view, the frame size or a prop changes.
 *
 * Lifecycle: onAttachedToWindow creates the renderer and attaches it to the stream; the TextureView's surface is handed
 * to it when available and taken back (synchronously) before it is destroyed; onDetachedFromWindow releases the
 * renderer, which detaches it from the stream and stops its thread. A detached view holds no native resources.
 *
 * The TextureView is a child rather than the view itself because React Native sets backgrounds and borders on its
 * views, which a TextureView refuses.
 */
class AZStackVideoView(context: Context) : FrameLayout(context), TextureView.SurfaceTextureListener {
  enum class ObjectFit {
    COVER,
    CONTAIN,
  }

  private val texture = TextureView(context)
  private var streamURL = ""
  private var objectFit = ObjectFit.COVER
  private var mirror = false
  private var renderer: VideoRenderer? = null  // non-null while attached to a window
  private var surface: Surface? = null  // non-null while the TextureView has a SurfaceTexture
  private var frameWidth = 0
  private var frameHeight = 0

  init {
    texture.surfaceTextureListener = this
    texture.isOpaque = false  // the view's own background shows until the first frame
    addView(texture, LayoutParams(LayoutParams.MATCH_PARENT, LayoutParams.MATCH_PARENT))
  }

  fun setStreamURL(value: String) {
    if (value == streamURL) return
    streamURL = value
    frameWidth = 0
    frameHeight = 0
    renderer?.setStream(value)
  }

  fun setObjectFit(value: ObjectFit) {
    objectFit = value
    updateTransform()
  }

  fun setMirror(value: Boolean) {
    mirror = value
    updateTransform()
  }

  // --- lifecycle ----------------------------------------------------------------------------------------------------

  override fun onAttachedToWindow() {
    super.onAttachedToWindow()
    val created = VideoRenderer { width, height -> post { onFrameSize(width, height) } }
    renderer = created
    surface?.let { created.setSurface(it) }
    created.setStream(streamURL)
  }

  override fun onDetachedFromWindow() {
    renderer?.release()
    renderer = null
    super.onDetachedFromWindow()
  }

  override fun onSurfaceTextureAvailable(surfaceTexture: SurfaceTexture, width: Int, height: Int) {
    val created = Surface(surfaceTexture)
    surface = created
    renderer?.setSurface(created)
    updateTransform()
  }

  override fun onSurfaceTextureSizeChanged(surfaceTexture: SurfaceTexture, width: Int, height: Int) {
    updateTransform()
  }

  override fun onSurfaceTextureDestroyed(surfaceTexture: SurfaceTexture): Boolean {
    renderer?.setSurface(null)  // returns once the render thread no longer draws into it
    surface?.release()
    surface = null
    return true  // the TextureView releases the SurfaceTexture
  }

  override fun onSurfaceTextureUpdated(surfaceTexture: SurfaceTexture) = Unit

  // Fabric positions this view with layout() and never measures it, so the child is sized here.
  override fun onLayout(changed: Boolean, left: Int, top: Int, right: Int, bottom: Int) {
    val width = right - left
    val height = bottom - top
    texture.measure(
        MeasureSpec.makeMeasureSpec(width, MeasureSpec.EXACTLY),
        MeasureSpec.makeMeasureSpec(height, MeasureSpec.EXACTLY),
    )
    texture.layout(0, 0, width, height)
    updateTransform()
  }

  // --- fitting ------------------------------------------------------------------------------------------------------

  private fun onFrameSize(width: Int, height: Int) {
    frameWidth = width
    frameHeight = height
    updateTransform()
  }

  /**
   * The frame is drawn at its own size and the TextureView stretches it to the view; this transform undoes the stretch
   * for `contain`, crops for `cover` (the overflow is clipped to the view), and mirrors around the centre.
   */
  private fun updateTransform() {
    val viewWidth = texture.width.toFloat()
    val viewHeight = texture.height.toFloat()
    if (viewWidth <= 0f || viewHeight <= 0f) return
    var scaleX = 1f
    var scaleY = 1f
    if (frameWidth > 0 && frameHeight > 0) {
      val frameAspect = frameWidth.toFloat() / frameHeight
      val viewAspect = viewWidth / viewHeight
      val fitWidth = (objectFit == ObjectFit.CONTAIN) == (frameAspect > viewAspect)
      if (fitWidth) scaleY = viewAspect / frameAspect else scaleX = frameAspect / viewAspect
    }
    if (mirror) scaleX = -scaleX
    val matrix = Matrix()
    matrix.setScale(scaleX, scaleY, viewWidth / 2f, viewHeight / 2f)
    texture.setTransform(matrix)
  }
}
