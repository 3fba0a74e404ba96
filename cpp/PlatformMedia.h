// PlatformMedia: the phone's camera, microphone and speaker, as the engine sees them.
//
// Platform-neutral. Two halves:
//  * `PlatformMedia` is implemented by each platform (android/: Camera2, AudioRecord, AudioTrack; ios/: AVCapture-
//    Session and the voice-processing audio unit) and installed once with `MediaBridge::install` when the native
//    library loads. The engine calls it when a call opens or closes its devices.
//  * `MediaBridge` is implemented on the engine side (the C++ layer over azstack-ffi): captured video and audio go in,
//    audio to play comes out. It is the engine's `MediaDevices` on a phone.
//
// Formats are the engine's: video in I420 (see FrameRegistry.h), audio as 16-bit mono PCM at 48 kHz.
//
// Threads. `PlatformMedia` methods are called on engine threads and return quickly (devices open asynchronously; a
// device that fails later simply delivers nothing). `pushCameraFrame` runs on the camera's thread, `pushMicrophone` on
// the recording thread and `pullPlayout` on the playback thread. On iOS the last two are Core Audio's real-time I/O
// thread: the engine side must not block, lock or allocate in them (a lock-free ring buffer each way). Nothing here
// touches JavaScript.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "FrameRegistry.h"

namespace azstack {

inline constexpr int kAudioSampleRate = 48000;
inline constexpr int kAudioChannels = 1;

// A camera or microphone permission, as the platform reports it.
enum class Permission : std::uint8_t {
  Granted = 0,
  Denied = 1,   // refused this time; asking again shows the system prompt again
  Blocked = 2,  // refused for good (Android "don't ask again", iOS denied or restricted): only Settings changes it
};

// Implemented by the platform.
class PlatformMedia {
 public:
  virtual ~PlatformMedia() = default;

  // Opens the camera (front-facing when `front`). Returns false when it cannot (no camera, no permission): the call
  // method then fails with the engine's "Cannot get user media" error.
  virtual bool startCamera(bool front) = 0;
  // Switches between the front and back camera; returns the new facing (true: back).
  virtual bool switchCamera() = 0;
  virtual void stopCamera() = 0;

  // Opens the microphone with echo cancellation (voice communication). False as for the camera.
  virtual bool startMicrophone() = 0;
  virtual void stopMicrophone() = 0;

  // Starts playing what `MediaBridge::pullPlayout` returns, through the voice-call output.
  virtual bool startPlayout() = 0;
  virtual void stopPlayout() = 0;

  // The audio session (rust/ffi/src/audio_session.rs decides; the platform applies).
  // Routes the call's audio to the loudspeaker (true) or the earpiece. Called when a call's audio starts (speaker for
  // a video call, earpiece for an audio call) and when the app calls `setSpeakerphoneOn`.
  virtual void setSpeakerphoneOn(bool on) = 0;
  // Asks the user for the microphone (`audio`) and/or the camera (`video`), showing the system prompt where needed,
  // and answers with `MediaBridge::answerPermissions(request, ...)` exactly once, on any thread, later or at once. A
  // kind not asked for may be answered with anything.
  virtual void requestPermissions(bool audio, bool video, std::uint64_t request) = 0;
};

// Implemented by the engine side. All functions are thread-safe.
class MediaBridge {
 public:
  // Installs the platform's devices (once, when the native library loads; a later call replaces them).
  static void install(std::shared_ptr<PlatformMedia> media);

  // The newest camera frame, upright (the platform has applied the sensor rotation). The engine keeps only the latest.
  static void pushCameraFrame(const I420FrameView& frame);

  // Recorded audio, any number of samples per call.
  static void pushMicrophone(const std::int16_t* samples, std::size_t count);

  // Fills `out` with the next `count` samples to play; what the engine does not have yet is silence. Returns the
  // number of samples that were real audio (the rest of `out` is zeroed).
  static std::size_t pullPlayout(std::int16_t* out, std::size_t count);

  // The answer to `PlatformMedia::requestPermissions(..., request)`.
  static void answerPermissions(std::uint64_t request, Permission audio, Permission video);

  // The platform's audio session was interrupted (a phone call, Siri, another app took audio focus: `true`) or may
  // play again (`false`). While interrupted the engine sends silence and plays nothing; apps hear of it through the
  // `onAudioInterrupted` / `onAudioResumed` delegates.
  static void audioInterrupted(bool interrupted);
};

}  // namespace azstack
