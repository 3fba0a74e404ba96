#include "AndroidMedia.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "JniSupport.h"
#include "PlatformMedia.h"
#include "Yuv.h"

namespace azstack::android {

namespace {

constexpr const char* kClass = "com/azstack/reactnative/media/AZStackMedia";

// The Kotlin side's static methods, looked up once on the loading thread (engine threads cannot FindClass our classes:
// their class loader is the system one).
struct KotlinMedia {
  jclass cls = nullptr;  // global reference
  jmethodID startCamera = nullptr;
  jmethodID switchCamera = nullptr;
  jmethodID stopCamera = nullptr;
  jmethodID startMicrophone = nullptr;
  jmethodID stopMicrophone = nullptr;
  jmethodID startPlayout = nullptr;
  jmethodID stopPlayout = nullptr;
  jmethodID setSpeakerphoneOn = nullptr;
  jmethodID requestPermissions = nullptr;
};

class AndroidMedia final : public PlatformMedia {
 public:
  explicit AndroidMedia(KotlinMedia kotlin) : k_(kotlin) {}

  bool startCamera(bool front) override { return callBool(k_.startCamera, "startCamera", front ? JNI_TRUE : JNI_FALSE); }
  bool switchCamera() override { return callBool(k_.switchCamera, "switchCamera"); }
  void stopCamera() override { callVoid(k_.stopCamera, "stopCamera"); }
  bool startMicrophone() override { return callBool(k_.startMicrophone, "startMicrophone"); }
  void stopMicrophone() override { callVoid(k_.stopMicrophone, "stopMicrophone"); }
  bool startPlayout() override { return callBool(k_.startPlayout, "startPlayout"); }
  void stopPlayout() override { callVoid(k_.stopPlayout, "stopPlayout"); }
  void setSpeakerphoneOn(bool on) override {
    callVoid(k_.setSpeakerphoneOn, "setSpeakerphoneOn", on ? JNI_TRUE : JNI_FALSE);
  }
  void requestPermissions(bool audio, bool video, std::uint64_t request) override {
    // Kotlin answers through nativeAnswerPermissions; if the call itself failed, nothing will.
    if (!callVoid(k_.requestPermissions, "requestPermissions", audio ? JNI_TRUE : JNI_FALSE,
                  video ? JNI_TRUE : JNI_FALSE, static_cast<jlong>(request))) {
      MediaBridge::answerPermissions(request, Permission::Blocked, Permission::Blocked);
    }
  }

 private:
  template <typename... Args>
  bool callBool(jmethodID method, const char* name, Args... args) {
    ScopedJniEnv env;
    if (!env) {
      return false;
    }
    jboolean ok = env.get()->CallStaticBooleanMethod(k_.cls, method, args...);
    return !clearException(env.get(), name) && ok == JNI_TRUE;
  }

  // Whether the method ran without throwing.
  template <typename... Args>
  bool callVoid(jmethodID method, const char* name, Args... args) {
    ScopedJniEnv env;
    if (!env) {
      return false;
    }
    env.get()->CallStaticVoidMethod(k_.cls, method, args...);
    return !clearException(env.get(), name);
  }

  const KotlinMedia k_;
};

// Whether a direct buffer of `capacity` bytes holds `rows` rows of `samples` samples at the given strides.
bool planeFits(jlong capacity, int rows, int rowStride, int samples, int pixelStride) {
  if (rows <= 0 || samples <= 0) {
    return false;
  }
  const std::int64_t needed =
      static_cast<std::int64_t>(rows - 1) * rowStride + static_cast<std::int64_t>(samples - 1) * pixelStride + 1;
  return capacity >= needed;
}

// --- natives (static methods of AZStackMedia) --------------------------------------------------------------------

// Camera thread: one YUV_420_888 image → upright I420 → the engine.
void nativePushCameraFrame(JNIEnv* env, jclass, jobject yBuffer, jint yRowStride, jobject uBuffer, jobject vBuffer,
                           jint uvRowStride, jint uvPixelStride, jint width, jint height, jint rotation,
                           jlong timestampNs) {
  auto* y = static_cast<const std::uint8_t*>(env->GetDirectBufferAddress(yBuffer));
  auto* u = static_cast<const std::uint8_t*>(env->GetDirectBufferAddress(uBuffer));
  auto* v = static_cast<const std::uint8_t*>(env->GetDirectBufferAddress(vBuffer));
  if (!y || !u || !v || width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0) {
    return;
  }
  if (!planeFits(env->GetDirectBufferCapacity(yBuffer), height, yRowStride, width, 1) ||
      !planeFits(env->GetDirectBufferCapacity(uBuffer), height / 2, uvRowStride, width / 2, uvPixelStride) ||
      !planeFits(env->GetDirectBufferCapacity(vBuffer), height / 2, uvRowStride, width / 2, uvPixelStride)) {
    return;
  }
  thread_local I420Buffer upright;  // reused: one camera thread
  yuv420888ToI420(Yuv420888{width, height, y, yRowStride, u, v, uvRowStride, uvPixelStride}, rotation, upright);
  I420FrameView frame;
  frame.width = upright.width;
  frame.height = upright.height;
  frame.y = upright.y();
  frame.strideY = upright.strideY();
  frame.u = upright.u();
  frame.strideU = upright.strideUV();
  frame.v = upright.v();
  frame.strideV = upright.strideUV();
  frame.timestampUs = timestampNs / 1000;
  MediaBridge::pushCameraFrame(frame);
}

// Recording thread: `count` samples of 48 kHz mono PCM.
void nativePushMicrophone(JNIEnv* env, jclass, jshortArray pcm, jint count) {
  if (count <= 0 || count > env->GetArrayLength(pcm)) {
    return;
  }
  thread_local std::vector<std::int16_t> samples;
  samples.resize(static_cast<std::size_t>(count));
  env->GetShortArrayRegion(pcm, 0, count, reinterpret_cast<jshort*>(samples.data()));
  MediaBridge::pushMicrophone(samples.data(), samples.size());
}

// Playback thread: fills `pcm` with the next samples to play (silence where the engine has none).
jint nativePullPlayout(JNIEnv* env, jclass, jshortArray pcm) {
  const jsize count = env->GetArrayLength(pcm);
  if (count <= 0) {
    return 0;
  }
  thread_local std::vector<std::int16_t> samples;
  samples.resize(static_cast<std::size_t>(count));
  const std::size_t real = MediaBridge::pullPlayout(samples.data(), samples.size());
  env->SetShortArrayRegion(pcm, 0, count, reinterpret_cast<const jshort*>(samples.data()));
  return static_cast<jint>(real);
}

// Any thread: the answer to PlatformMedia::requestPermissions (0 granted, 1 denied, 2 blocked).
void nativeAnswerPermissions(JNIEnv*, jclass, jlong request, jint audio, jint video) {
  auto permission = [](jint code) {
    return code == 0 ? Permission::Granted : code == 1 ? Permission::Denied : Permission::Blocked;
  };
  MediaBridge::answerPermissions(static_cast<std::uint64_t>(request), permission(audio), permission(video));
}

// Audio focus lost (true) or regained (false).
void nativeAudioInterrupted(JNIEnv*, jclass, jboolean interrupted) {
  MediaBridge::audioInterrupted(interrupted == JNI_TRUE);
}

}  // namespace

bool installAndroidMedia(JNIEnv* env) {
  static const JNINativeMethod methods[] = {
      {"nativePushCameraFrame",
       "(Ljava/nio/ByteBuffer;ILjava/nio/ByteBuffer;Ljava/nio/ByteBuffer;IIIIIJ)V",
       reinterpret_cast<void*>(nativePushCameraFrame)},
      {"nativePushMicrophone", "([SI)V", reinterpret_cast<void*>(nativePushMicrophone)},
      {"nativePullPlayout", "([S)I", reinterpret_cast<void*>(nativePullPlayout)},
      {"nativeAnswerPermissions", "(JII)V", reinterpret_cast<void*>(nativeAnswerPermissions)},
      {"nativeAudioInterrupted", "(Z)V", reinterpret_cast<void*>(nativeAudioInterrupted)},
  };
  if (!registerNatives(env, kClass, methods, static_cast<int>(sizeof(methods) / sizeof(methods[0])))) {
    return false;
  }

  jclass local = env->FindClass(kClass);
  if (!local) {
    clearException(env, kClass);
    return false;
  }
  KotlinMedia k;
  k.startCamera = staticMethod(env, local, "startCamera", "(Z)Z");
  k.switchCamera = staticMethod(env, local, "switchCamera", "()Z");
  k.stopCamera = staticMethod(env, local, "stopCamera", "()V");
  k.startMicrophone = staticMethod(env, local, "startMicrophone", "()Z");
  k.stopMicrophone = staticMethod(env, local, "stopMicrophone", "()V");
  k.startPlayout = staticMethod(env, local, "startPlayout", "()Z");
  k.stopPlayout = staticMethod(env, local, "stopPlayout", "()V");
  k.setSpeakerphoneOn = staticMethod(env, local, "setSpeakerphoneOn", "(Z)V");
  k.requestPermissions = staticMethod(env, local, "requestPermissions", "(ZZJ)V");
  const bool complete = k.startCamera && k.switchCamera && k.stopCamera && k.startMicrophone && k.stopMicrophone &&
                        k.startPlayout && k.stopPlayout && k.setSpeakerphoneOn && k.requestPermissions;
  k.cls = keepClass(env, local, complete);  // kept for the life of the process
  if (!k.cls) {
    return false;
  }
  MediaBridge::install(std::make_shared<AndroidMedia>(k));
  return true;
}

}  // namespace azstack::android
