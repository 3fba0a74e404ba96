#import "AZStackMedia.h"

#import <Foundation/Foundation.h>

#include <memory>

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
};

} // namespace

void AZStackInstallPlatformMedia(void)
{
  static dispatch_once_t once;
  dispatch_once(&once, ^{
    azstack::MediaBridge::install(std::make_shared<IOSMedia>());
  });
}
