// Permissions: AVCaptureDevice for the camera; AVAudioApplication (iOS 17+) or AVAudioSession for the microphone.
// Route: overrideOutputAudioPort on the PlayAndRecord/voiceChat session AZStackVoiceAudio activates. Interruptions:
// `began` pauses the call's audio (MediaBridge::audioInterrupted(true): the engine sends silence and plays nothing);
// `ended` reactivates the session, restarts the voice unit iOS stopped, and resumes (false) — a call resumes even
// without AVAudioSessionInterruptionOptionShouldResume, as the phone app's own calls do.
#import "AZStackAudioSession.h"

#import <AVFoundation/AVFoundation.h>

#import "AZStackVoiceAudio.h"
#include "PlatformMedia.h"

namespace {

constexpr uint8_t kGranted = static_cast<uint8_t>(azstack::Permission::Granted);
constexpr uint8_t kBlocked = static_cast<uint8_t>(azstack::Permission::Blocked);

// One permission: answered at once when iOS already decided, else after the system prompt.
void requestCamera(void (^done)(uint8_t))
{
  switch ([AVCaptureDevice authorizationStatusForMediaType:AVMediaTypeVideo]) {
    case AVAuthorizationStatusAuthorized:
      done(kGranted);
      return;
    case AVAuthorizationStatusNotDetermined:
      [AVCaptureDevice requestAccessForMediaType:AVMediaTypeVideo
                               completionHandler:^(BOOL granted) {
                                 done(granted ? kGranted : kBlocked);
                               }];
      return;
    default: // denied or restricted: only Settings changes it
      done(kBlocked);
  }
}

void requestMicrophone(void (^done)(uint8_t))
{
  if (@available(iOS 17.0, *)) {
    switch (AVAudioApplication.sharedInstance.recordPermission) {
      case AVAudioApplicationRecordPermissionGranted:
        done(kGranted);
        return;
      case AVAudioApplicationRecordPermissionUndetermined:
        [AVAudioApplication requestRecordPermissionWithCompletionHandler:^(BOOL granted) {
          done(granted ? kGranted : kBlocked);
        }];
        return;
      default:
        done(kBlocked);
        return;
    }
  }
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
  AVAudioSession *session = AVAudioSession.sharedInstance;
  switch (session.recordPermission) {
    case AVAudioSessionRecordPermissionGranted:
      done(kGranted);
      return;
    case AVAudioSessionRecordPermissionUndetermined:
      [session requestRecordPermission:^(BOOL granted) {
        done(granted ? kGranted : kBlocked);
      }];
      return;
    default:
      done(kBlocked);
  }
#pragma clang diagnostic pop
}

} // namespace

@implementation AZStackAudioSession

+ (void)observeInterruptions
{
  static dispatch_once_t once;
  dispatch_once(&once, ^{
    [NSNotificationCenter.defaultCenter
        addObserverForName:AVAudioSessionInterruptionNotification
                    object:AVAudioSession.sharedInstance
                     queue:nil
                usingBlock:^(NSNotification *note) {
                  NSNumber *type = note.userInfo[AVAudioSessionInterruptionTypeKey];
                  if (type.unsignedIntegerValue == AVAudioSessionInterruptionTypeBegan) {
                    azstack::MediaBridge::audioInterrupted(true);
                  } else {
                    [AZStackVoiceAudio.shared resumeAfterInterruption];
                    azstack::MediaBridge::audioInterrupted(false);
                  }
                }];
  });
}

+ (void)requestAudio:(BOOL)audio video:(BOOL)video done:(void (^)(uint8_t, uint8_t))done
{
  // The camera after the microphone, one prompt at a time; a kind not asked for is answered as granted (ignored).
  void (^camera)(uint8_t) = ^(uint8_t microphone) {
    if (!video) {
      done(microphone, kGranted);
      return;
    }
    requestCamera(^(uint8_t cameraState) {
      done(microphone, cameraState);
    });
  };
  if (audio) {
    requestMicrophone(camera);
  } else {
    camera(kGranted);
  }
}

+ (void)callKitActivatedAudioSession
{
  [AZStackVoiceAudio.shared resumeAfterInterruption];
}

+ (void)setSpeakerphoneOn:(BOOL)on
{
  NSError *error = nil;
  AVAudioSessionPortOverride port = on ? AVAudioSessionPortOverrideSpeaker : AVAudioSessionPortOverrideNone;
  if (![AVAudioSession.sharedInstance overrideOutputAudioPort:port error:&error]) {
    NSLog(@"AZStack: audio route: %@", error);
  }
}

@end
