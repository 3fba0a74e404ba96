#import "AZStackMedia.h"

#import <Foundation/Foundation.h>

#include <cstdint>
#include <memory>

#import "AZStackAudioSession.h"
#import "AZStackCameraCapture.h"
#import "AZStackVoiceAudio.h"
#include "PlatformMedia.h"

namespace {

// Called on engine threads (not Cocoa threads: each call brings its own autorelease pool). Devices start
// asynchronously; a `start` returns NO only when the device is missing or not authorised.
class IOSMedia final : public azstack::PlatformMedia {
 public:
  bool startCamera(bool front) override
  {
    @autoreleasepool {
      return [AZStackCameraCapture.shared startWithFront:front];
    }
  }
  bool switchCamera() override
  {
    @autoreleasepool {
      return [AZStackCameraCapture.shared switchCamera];
    }
  }
  void stopCamera() override
  {
    @autoreleasepool {
      [AZStackCameraCapture.shared stop];
    }
  }
  bool startMicrophone() override
  {
    @autoreleasepool {
      return [AZStackVoiceAudio.shared startInput];
    }
  }
  void stopMicrophone() override
  {
    @autoreleasepool {
      [AZStackVoiceAudio.shared stopInput];
    }
  }
  bool startPlayout() override
  {
    @autoreleasepool {
      return [AZStackVoiceAudio.shared startOutput];
    }
  }
  void stopPlayout() override
  {
    @autoreleasepool {
      [AZStackVoiceAudio.shared stopOutput];
    }
  }
  void setSpeakerphoneOn(bool on) override
  {
    @autoreleasepool {
      [AZStackAudioSession setSpeakerphoneOn:on];
    }
  }
  void requestPermissions(bool audio, bool video, std::uint64_t request) override
  {
    @autoreleasepool {
      [AZStackAudioSession requestAudio:audio
                                  video:video
                                   done:^(uint8_t audioState, uint8_t videoState) {
                                     azstack::MediaBridge::answerPermissions(
                                         request, static_cast<azstack::Permission>(audioState),
                                         static_cast<azstack::Permission>(videoState));
                                   }];
    }
  }
};

} // namespace

void AZStackInstallPlatformMedia(void)
{
  static dispatch_once_t once;
  dispatch_once(&once, ^{
    azstack::MediaBridge::install(std::make_shared<IOSMedia>());
    [AZStackAudioSession observeInterruptions];
  });
}
