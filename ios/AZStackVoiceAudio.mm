// Threads: start/stop come from engine threads and are serialised by a lock. The unit's two callbacks run on Core
// Audio's real-time I/O thread: they only move samples between the unit and MediaBridge (which must not block there)
// through buffers allocated before the unit starts.
#import "AZStackVoiceAudio.h"

#import <AVFoundation/AVFoundation.h>
#import <AudioToolbox/AudioToolbox.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "PlatformMedia.h"

namespace {

constexpr UInt32 kInputBus = 1; // the microphone side of an I/O unit
constexpr UInt32 kOutputBus = 0; // the speaker side
constexpr UInt32 kMaxFrames = 4096; // more than any I/O buffer the session is asked for

// What the real-time callbacks see. Lives as long as the process (the singleton's ivar).
struct VoiceIO {
  AudioUnit unit = nullptr;
  std::atomic<bool> inputWanted{false};
  std::atomic<bool> outputWanted{false};
  std::vector<int16_t> recorded = std::vector<int16_t>(kMaxFrames);
};

OSStatus onRecorded(void *context, AudioUnitRenderActionFlags *flags, const AudioTimeStamp *time, UInt32 bus,
                    UInt32 frames, AudioBufferList * /*unused*/)
{
  auto *io = static_cast<VoiceIO *>(context);
  if (frames > kMaxFrames) {
    return noErr;
  }
  AudioBufferList list;
  list.mNumberBuffers = 1;
  list.mBuffers[0].mNumberChannels = 1;
  list.mBuffers[0].mDataByteSize = frames * sizeof(int16_t);
  list.mBuffers[0].mData = io->recorded.data();
  OSStatus status = AudioUnitRender(io->unit, flags, time, bus, frames, &list);
  if (status == noErr && io->inputWanted.load(std::memory_order_relaxed)) {
    azstack::MediaBridge::pushMicrophone(io->recorded.data(), frames);
  }
  return status;
}

OSStatus onPlayout(void *context, AudioUnitRenderActionFlags *flags, const AudioTimeStamp * /*time*/, UInt32 /*bus*/,
                   UInt32 frames, AudioBufferList *data)
{
  auto *io = static_cast<VoiceIO *>(context);
  auto *out = static_cast<int16_t *>(data->mBuffers[0].mData);
  const UInt32 capacity = data->mBuffers[0].mDataByteSize / sizeof(int16_t);
  const UInt32 count = frames < capacity ? frames : capacity;
  if (io->outputWanted.load(std::memory_order_relaxed)) {
    azstack::MediaBridge::pullPlayout(out, count);
  } else {
    std::memset(out, 0, count * sizeof(int16_t));
    *flags |= kAudioUnitRenderAction_OutputIsSilence;
  }
  return noErr;
}

bool check(OSStatus status, const char *what)
{
  if (status != noErr) {
    NSLog(@"AZStack: %s failed (%d)", what, static_cast<int>(status));
  }
  return status == noErr;
}

} // namespace

@implementation AZStackVoiceAudio {
  NSLock *_lock;
  VoiceIO _io;
}

+ (AZStackVoiceAudio *)shared
{
  static AZStackVoiceAudio *shared;
  static dispatch_once_t once;
  dispatch_once(&once, ^{
    shared = [AZStackVoiceAudio new];
  });
  return shared;
}

- (instancetype)init
{
  if (self = [super init]) {
    _lock = [NSLock new];
  }
  return self;
}

- (BOOL)startInput
{
  if (![self microphoneAllowed]) {
    return NO;
  }
  [_lock lock];
  BOOL ok = [self ensureRunning];
  if (ok) {
    _io.inputWanted = true;
  }
  [_lock unlock];
  return ok;
}

- (void)stopInput
{
  [_lock lock];
  _io.inputWanted = false;
  [self stopIfIdle];
  [_lock unlock];
}

- (BOOL)startOutput
{
  [_lock lock];
  BOOL ok = [self ensureRunning];
  if (ok) {
    _io.outputWanted = true;
  }
  [_lock unlock];
  return ok;
}

- (void)stopOutput
{
  [_lock lock];
  _io.outputWanted = false;
  [self stopIfIdle];
  [_lock unlock];
}

- (void)resumeAfterInterruption
{
  [_lock lock];
  if (_io.unit) {
    NSError *error = nil;
    if (![AVAudioSession.sharedInstance setActive:YES error:&error]) {
      NSLog(@"AZStack: audio session after an interruption: %@", error);
    }
    check(AudioOutputUnitStart(_io.unit), "AudioOutputUnitStart after an interruption");
  }
  [_lock unlock];
}

#pragma mark - Under the lock

- (BOOL)microphoneAllowed
{
  if (@available(iOS 17.0, *)) {
    return AVAudioApplication.sharedInstance.recordPermission == AVAudioApplicationRecordPermissionGranted;
  }
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
  return AVAudioSession.sharedInstance.recordPermission == AVAudioSessionRecordPermissionGranted;
#pragma clang diagnostic pop
}

- (BOOL)ensureRunning
{
  if (_io.unit) {
    return YES;
  }
  NSError *error = nil;
  AVAudioSession *session = AVAudioSession.sharedInstance;
  if (![session setCategory:AVAudioSessionCategoryPlayAndRecord
                        mode:AVAudioSessionModeVoiceChat
                     options:AVAudioSessionCategoryOptionAllowBluetooth
                       error:&error] ||
      ![session setActive:YES error:&error]) {
    NSLog(@"AZStack: audio session: %@", error);
    return NO;
  }
  [session setPreferredSampleRate:azstack::kAudioSampleRate error:nil];
  [session setPreferredIOBufferDuration:0.01 error:nil];

  AudioComponentDescription description = {};
  description.componentType = kAudioUnitType_Output;
  description.componentSubType = kAudioUnitSubType_VoiceProcessingIO;
  description.componentManufacturer = kAudioUnitManufacturer_Apple;
  AudioComponent component = AudioComponentFindNext(nullptr, &description);
  AudioUnit unit = nullptr;
  if (!component || !check(AudioComponentInstanceNew(component, &unit), "AudioComponentInstanceNew")) {
    return NO;
  }

  const UInt32 enable = 1;
  AudioStreamBasicDescription format = {};
  format.mSampleRate = azstack::kAudioSampleRate;
  format.mFormatID = kAudioFormatLinearPCM;
  format.mFormatFlags = kAudioFormatFlagIsSignedInteger | kAudioFormatFlagIsPacked;
  format.mChannelsPerFrame = azstack::kAudioChannels;
  format.mBitsPerChannel = 16;
  format.mBytesPerFrame = 2;
  format.mFramesPerPacket = 1;
  format.mBytesPerPacket = 2;
  AURenderCallbackStruct recorded = {onRecorded, &_io};
  AURenderCallbackStruct playout = {onPlayout, &_io};
  const UInt32 maxFrames = kMaxFrames;
  bool ok =
      check(AudioUnitSetProperty(unit, kAudioOutputUnitProperty_EnableIO, kAudioUnitScope_Input, kInputBus, &enable,
                                 sizeof(enable)),
            "enable input") &&
      check(AudioUnitSetProperty(unit, kAudioOutputUnitProperty_EnableIO, kAudioUnitScope_Output, kOutputBus, &enable,
                                 sizeof(enable)),
            "enable output") &&
      // What the microphone side hands us, and what we hand the speaker side: the engine's format.
      check(AudioUnitSetProperty(unit, kAudioUnitProperty_StreamFormat, kAudioUnitScope_Output, kInputBus, &format,
                                 sizeof(format)),
            "input format") &&
      check(AudioUnitSetProperty(unit, kAudioUnitProperty_StreamFormat, kAudioUnitScope_Input, kOutputBus, &format,
                                 sizeof(format)),
            "output format") &&
      check(AudioUnitSetProperty(unit, kAudioUnitProperty_MaximumFramesPerSlice, kAudioUnitScope_Global, 0,
                                 &maxFrames, sizeof(maxFrames)),
            "maximum frames") &&
      check(AudioUnitSetProperty(unit, kAudioOutputUnitProperty_SetInputCallback, kAudioUnitScope_Global, kInputBus,
                                 &recorded, sizeof(recorded)),
            "input callback") &&
      check(AudioUnitSetProperty(unit, kAudioUnitProperty_SetRenderCallback, kAudioUnitScope_Input, kOutputBus,
                                 &playout, sizeof(playout)),
            "render callback");
  _io.unit = unit; // before it starts: the input callback renders from it
  if (!ok || !check(AudioUnitInitialize(unit), "AudioUnitInitialize") ||
      !check(AudioOutputUnitStart(unit), "AudioOutputUnitStart")) {
    AudioComponentInstanceDispose(unit);
    _io.unit = nullptr;
    [session setActive:NO withOptions:AVAudioSessionSetActiveOptionNotifyOthersOnDeactivation error:nil];
    return NO;
  }
  return YES;
}

- (void)stopIfIdle
{
  if (!_io.unit || _io.inputWanted || _io.outputWanted) {
    return;
  }
  AudioOutputUnitStop(_io.unit); // returns once the callbacks have finished
  AudioUnitUninitialize(_io.unit);
  AudioComponentInstanceDispose(_io.unit);
  _io.unit = nullptr;
  [AVAudioSession.sharedInstance setActive:NO
                               withOptions:AVAudioSessionSetActiveOptionNotifyOthersOnDeactivation
                                     error:nil];
}

@end
