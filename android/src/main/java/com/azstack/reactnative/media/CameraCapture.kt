package com.azstack.reactnative.media

import android.Manifest
import android.annotation.SuppressLint
import android.content.Context
import android.content.pm.PackageManager
import android.graphics.ImageFormat
import android.hardware.camera2.CameraCaptureSession
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraDevice
import android.hardware.camera2.CameraManager
import android.hardware.camera2.CaptureRequest
import android.hardware.display.DisplayManager
import android.media.ImageReader
import android.os.Handler
import android.os.HandlerThread
import android.util.Log
import android.util.Range
import android.util.Size
import android.view.Display
import android.view.Surface
import kotlin.math.abs

/**
 * The camera of a video call: Camera2 into an ImageReader (YUV_420_888) on a thread of its own ("azstack-camera").
 * Each image goes to the engine through [AZStackMedia.nativePushCameraFrame] together with the rotation that makes it
 * upright for the current display orientation; the C++ side rotates and converts it to I420 and the engine keeps the
 * newest. All camera state lives on the camera thread; [switchFacing] and [stop] post to it.
 */
internal class CameraCapture
private constructor(
    private val context: Context,
    private val manager: CameraManager,
    private var front: Boolean,
) {
  private val thread = HandlerThread("azstack-camera").apply { start() }
  private val handler = Handler(thread.looper)
  private var device: CameraDevice? = null
  private var session: CameraCaptureSession? = null
  private var reader: ImageReader? = null
  private var sensorOrientation = 0
  private var stopped = false

  /** Switches between the front and the back camera; returns the new facing (true: back). */
  fun switchFacing(): Boolean {
    if (cameraId(manager, !front) == null) return !front // one camera: keep it
    front = !front
    val facing = front
    handler.post {
      close()
      open(facing)
    }
    return !facing
  }

  fun stop() {
    handler.post {
      stopped = true
      close()
      thread.quitSafely()
    }
  }

  // --- camera thread -------------------------------------------------------------------------------------------------

  @SuppressLint("MissingPermission") // checked in start()
  private fun open(front: Boolean) {
    if (stopped) return
    val id = cameraId(manager, front) ?: return
    try {
      val characteristics = manager.getCameraCharacteristics(id)
      sensorOrientation = characteristics.get(CameraCharacteristics.SENSOR_ORIENTATION) ?: 0
      val size = captureSize(characteristics)
      val imageReader = ImageReader.newInstance(size.width, size.height, ImageFormat.YUV_420_888, 3)
      imageReader.setOnImageAvailableListener({ deliver(it, front) }, handler)
      reader = imageReader
      manager.openCamera(
          id,
          object : CameraDevice.StateCallback() {
            override fun onOpened(camera: CameraDevice) {
              if (stopped || reader !== imageReader) {
                camera.close()
                return
              }
              device = camera
              startSession(camera, imageReader)
            }

            override fun onDisconnected(camera: CameraDevice) = camera.close()

            override fun onError(camera: CameraDevice, error: Int) {
              Log.w(TAG, "camera $id error $error")
              camera.close()
            }
          },
          handler,
      )
    } catch (e: Exception) { // CameraAccessException, SecurityException, IllegalArgumentException
      Log.w(TAG, "cannot open camera $id", e)
    }
  }

  // The camera can be closed under us at any point (another app, the user): its calls then throw, which must not
  // escape the camera thread.
  @Suppress("DEPRECATION") // createCaptureSession(SessionConfiguration) needs API 28; minSdk is 24
  private fun startSession(camera: CameraDevice, imageReader: ImageReader) {
    val callback =
        object : CameraCaptureSession.StateCallback() {
          override fun onConfigured(configured: CameraCaptureSession) {
            if (device !== camera) {
              configured.close()
              return
            }
            session = configured
            try {
              val request =
                  camera.createCaptureRequest(CameraDevice.TEMPLATE_RECORD).apply {
                    addTarget(imageReader.surface)
                    set(CaptureRequest.CONTROL_AE_TARGET_FPS_RANGE, Range(FPS, FPS))
                  }
              configured.setRepeatingRequest(request.build(), null, handler)
            } catch (e: Exception) {
              Log.w(TAG, "cannot start capturing", e)
            }
          }

          override fun onConfigureFailed(failed: CameraCaptureSession) {
            Log.w(TAG, "camera session configuration failed")
          }
        }
    try {
      camera.createCaptureSession(listOf(imageReader.surface), callback, handler)
    } catch (e: Exception) {
      Log.w(TAG, "cannot create the capture session", e)
    }
  }

  private fun deliver(imageReader: ImageReader, front: Boolean) {
    val image =
        try {
          imageReader.acquireLatestImage()
        } catch (e: IllegalStateException) {
          null // the reader was closed (camera switched or stopped) after this callback was posted
        } ?: return
    try {
      val planes = image.planes
      AZStackMedia.nativePushCameraFrame(
          planes[0].buffer,
          planes[0].rowStride,
          planes[1].buffer,
          planes[2].buffer,
          planes[1].rowStride,
          planes[1].pixelStride,
          image.width,
          image.height,
          uprightRotation(front),
          image.timestamp,
      )
    } finally {
      image.close()
    }
  }

  /** Clockwise rotation that makes the sensor image upright on the current display (CameraCharacteristics docs). */
  private fun uprightRotation(front: Boolean): Int {
    val displays = context.getSystemService(Context.DISPLAY_SERVICE) as DisplayManager
    val degrees =
        when (displays.getDisplay(Display.DEFAULT_DISPLAY)?.rotation) {
          Surface.ROTATION_90 -> 90
          Surface.ROTATION_180 -> 180
          Surface.ROTATION_270 -> 270
          else -> 0
        }
    return if (front) (sensorOrientation + degrees) % 360 else (sensorOrientation - degrees + 360) % 360
  }

  private fun close() {
    session?.close()
    session = null
    device?.close()
    device = null
    reader?.close()
    reader = null
  }

  companion object {
    private const val TAG = "AZStackCamera"
    private const val FPS = 30
    private const val TARGET_WIDTH = 1280
    private const val TARGET_HEIGHT = 720

    /** Opens the camera facing [front] (asynchronously); null when there is none or no permission. */
    fun start(context: Context, front: Boolean): CameraCapture? {
      if (context.checkSelfPermission(Manifest.permission.CAMERA) != PackageManager.PERMISSION_GRANTED) return null
      val manager = context.getSystemService(Context.CAMERA_SERVICE) as CameraManager
      val facing = if (cameraId(manager, front) != null) front else !front // a phone with one camera
      if (cameraId(manager, facing) == null) return null
      return CameraCapture(context, manager, facing).also { capture -> capture.handler.post { capture.open(facing) } }
    }

    private fun cameraId(manager: CameraManager, front: Boolean): String? {
      val wanted = if (front) CameraCharacteristics.LENS_FACING_FRONT else CameraCharacteristics.LENS_FACING_BACK
      return try {
        manager.cameraIdList.firstOrNull {
          manager.getCameraCharacteristics(it).get(CameraCharacteristics.LENS_FACING) == wanted
        }
      } catch (e: Exception) {
        null
      }
    }

    /** The YUV size closest to 1280×720 (by pixel count) with even sides. */
    private fun captureSize(characteristics: CameraCharacteristics): Size {
      val sizes =
          characteristics
              .get(CameraCharacteristics.SCALER_STREAM_CONFIGURATION_MAP)
              ?.getOutputSizes(ImageFormat.YUV_420_888)
              ?.filter { it.width % 2 == 0 && it.height % 2 == 0 }
              .orEmpty()
      return sizes.minByOrNull { abs(it.width * it.height - TARGET_WIDTH * TARGET_HEIGHT) }
          ?: Size(TARGET_WIDTH, TARGET_HEIGHT)
    }
  }
}
