#include "VideoRenderer.h"

#include <android/native_window_jni.h>
#include <pthread.h>

#include <cstdint>
#include <utility>

#include "FrameRegistry.h"
#include "JniSupport.h"
#include "Yuv.h"

namespace azstack::android {

VideoRenderer::VideoRenderer(jobject peer, jmethodID onFrameSize)
    : peer_(peer), onFrameSize_(onFrameSize), thread_([this] { run(); }) {}

VideoRenderer::~VideoRenderer() {
  // `release` normally ran already (it needs the caller's JNIEnv for the peer); this only guards the thread.
  if (!released_) {
    setStream("");
    frames_->close();
    if (thread_.joinable()) {
      thread_.join();
    }
    setWindow(nullptr);
  }
}

void VideoRenderer::setStream(const std::string& streamId) {
  if (streamId == streamId_) {
    return;
  }
  if (!streamId_.empty()) {
    FrameRegistry::detach(streamId_, frames_);  // no onFrame for the old stream after this returns
  }
  frames_->clear();
  streamId_ = streamId;
  if (!streamId_.empty()) {
    FrameRegistry::attach(streamId_, frames_);
  }
}

void VideoRenderer::setWindow(ANativeWindow* window) {
  ANativeWindow* previous = nullptr;
  {
    std::lock_guard<std::mutex> lock(windowMutex_);  // waits for a draw in progress
    previous = std::exchange(window_, window);
    geometryWidth_ = 0;
    geometryHeight_ = 0;
  }
  if (previous) {
    ANativeWindow_release(previous);
  }
}

void VideoRenderer::release(JNIEnv* env) {
  if (released_) {
    return;
  }
  setStream("");
  frames_->close();
  if (thread_.joinable()) {
    thread_.join();
  }
  setWindow(nullptr);
  env->DeleteGlobalRef(peer_);
  peer_ = nullptr;
  released_ = true;
}

void VideoRenderer::run() {
  pthread_setname_np(pthread_self(), "azstack-video");
  ScopedJniEnv env;  // for onFrameSize; attached for the thread's lifetime
  I420Buffer frame;
  while (frames_->waitNext(frame)) {
    draw(frame);
    if (env && (frame.width != reportedWidth_ || frame.height != reportedHeight_)) {
      reportedWidth_ = frame.width;
      reportedHeight_ = frame.height;
      env.get()->CallVoidMethod(peer_, onFrameSize_, frame.width, frame.height);
      clearException(env.get(), "VideoRenderer.onFrameSize");
    }
  }
}

void VideoRenderer::draw(const I420Buffer& frame) {
  std::lock_guard<std::mutex> lock(windowMutex_);
  if (!window_) {
    return;  // no surface yet (or any more): the frame is dropped
  }
  if (frame.width != geometryWidth_ || frame.height != geometryHeight_) {
    if (ANativeWindow_setBuffersGeometry(window_, frame.width, frame.height, WINDOW_FORMAT_RGBX_8888) != 0) {
      return;
    }
    geometryWidth_ = frame.width;
    geometryHeight_ = frame.height;
  }
  ANativeWindow_Buffer buffer;
  if (ANativeWindow_lock(window_, &buffer, nullptr) != 0) {
    return;
  }
  if (buffer.width >= frame.width && buffer.height >= frame.height) {
    i420ToRgbx(frame, static_cast<std::uint8_t*>(buffer.bits), buffer.stride);
  }
  ANativeWindow_unlockAndPost(window_);
}

// --- JNI: com.azstack.reactnative.video.VideoRenderer -------------------------------------------------------------------

namespace {

VideoRenderer* fromHandle(jlong handle) {
  return reinterpret_cast<VideoRenderer*>(static_cast<intptr_t>(handle));
}

jlong nativeCreate(JNIEnv* env, jobject thiz) {
  jclass cls = env->GetObjectClass(thiz);
  jmethodID onFrameSize = env->GetMethodID(cls, "onFrameSize", "(II)V");
  env->DeleteLocalRef(cls);
  if (!onFrameSize) {
    clearException(env, "VideoRenderer.onFrameSize lookup");
    return 0;
  }
  auto* renderer = new VideoRenderer(env->NewGlobalRef(thiz), onFrameSize);
  return static_cast<jlong>(reinterpret_cast<intptr_t>(renderer));
}

void nativeSetStream(JNIEnv* env, jobject /*thiz*/, jlong handle, jstring streamId) {
  if (auto* renderer = fromHandle(handle)) {
    renderer->setStream(toStdString(env, streamId));
  }
}

void nativeSetSurface(JNIEnv* env, jobject /*thiz*/, jlong handle, jobject surface) {
  if (auto* renderer = fromHandle(handle)) {
    renderer->setWindow(surface ? ANativeWindow_fromSurface(env, surface) : nullptr);
  }
}

void nativeRelease(JNIEnv* env, jobject /*thiz*/, jlong handle) {
  if (auto* renderer = fromHandle(handle)) {
    renderer->release(env);
    delete renderer;
  }
}

}  // namespace

bool VideoRenderer::registerNatives(JNIEnv* env) {
  static const JNINativeMethod methods[] = {
      {"nativeCreate", "()J", reinterpret_cast<void*>(nativeCreate)},
      {"nativeSetStream", "(JLjava/lang/String;)V", reinterpret_cast<void*>(nativeSetStream)},
      {"nativeSetSurface", "(JLandroid/view/Surface;)V", reinterpret_cast<void*>(nativeSetSurface)},
      {"nativeRelease", "(J)V", reinterpret_cast<void*>(nativeRelease)},
  };
  return azstack::android::registerNatives(env, "com/azstack/reactnative/video/VideoRenderer", methods,
                                          static_cast<int>(sizeof(methods) / sizeof(methods[0])));
}

}  // namespace azstack::android
