// VideoRenderer: the native half of one AZStackVideoView (Kotlin: com.azstack.reactnative.video.VideoRenderer).
//
// Lifecycle (driven by the view on the UI thread):
//   create        — the view is attached to a window; starts the render thread
//   setStream(id) — attaches to FrameRegistry under `id` (detaching the previous id first); "" attaches nothing
//   setWindow(w)  — the TextureView's surface appeared (w) or is going away (null); returns once the render thread
//                   no longer touches the previous window
//   release       — the view is detached from its window: detaches from the registry, stops the thread, releases the
//                   window and the Java peer. Nothing runs afterwards.
//
// Threads. Frames are copied in on engine threads (LatestFrame) and drawn on this renderer's own thread
// ("azstack-video"): I420 → RGBX into the ANativeWindow's buffer, whose geometry is the frame's size. Scaling to the
// view (cover/contain) and mirroring are the TextureView's transform, which the Kotlin side sets from the frame size
// this thread reports through `onFrameSize`.
#pragma once

#include <android/native_window.h>
#include <jni.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "LatestFrame.h"

namespace azstack::android {

class VideoRenderer {
 public:
  // `peer` is a global reference to the Kotlin VideoRenderer; the renderer owns it.
  VideoRenderer(jobject peer, jmethodID onFrameSize);
  ~VideoRenderer();
  VideoRenderer(const VideoRenderer&) = delete;
  VideoRenderer& operator=(const VideoRenderer&) = delete;

  void setStream(const std::string& streamId);
  void setWindow(ANativeWindow* window);  // takes over one reference of `window` (null: no window)
  void release(JNIEnv* env);

  // Registers the Kotlin class's native methods (JNI_OnLoad).
  static bool registerNatives(JNIEnv* env);

 private:
  void run();
  void draw(const I420Buffer& frame);

  const std::shared_ptr<LatestFrame> frames_ = std::make_shared<LatestFrame>();
  std::string streamId_;  // UI thread only

  std::mutex windowMutex_;  // held by the render thread while it draws
  ANativeWindow* window_ = nullptr;
  int geometryWidth_ = 0;  // the window's buffer size, 0 until set for the current window
  int geometryHeight_ = 0;

  jobject peer_;
  jmethodID onFrameSize_;
  int reportedWidth_ = 0;  // render thread only
  int reportedHeight_ = 0;
  bool released_ = false;  // UI thread only

  std::thread thread_;  // last: starts running once everything above is initialised
};

}  // namespace azstack::android
