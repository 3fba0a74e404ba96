// AZStackAudioSession: the call's audio session on iOS — camera/microphone permission requests, the output route
// (loudspeaker or receiver) and interruptions (a phone call, Siri, an alarm). The engine's audio session
// (rust/ffi/src/audio_session.rs) decides; this applies and reports. Compiled only by Xcode (see README, Status).
#import <Foundation/Foundation.h>

NS_ASSUME_NONNULL_BEGIN

@interface AZStackAudioSession : NSObject

// Observes AVAudioSessionInterruptionNotification for the life of the process (once; AZStackInstallPlatformMedia).
+ (void)observeInterruptions;

// Asks for the microphone (`audio`) and/or the camera (`video`), prompting where iOS still may; `done` gets each state
// as cpp/PlatformMedia.h's Permission codes (0 granted, 2 blocked: iOS never prompts twice), on any queue.
+ (void)requestAudio:(BOOL)audio video:(BOOL)video done:(void (^)(uint8_t audio, uint8_t video))done;

// CallKit activated the audio session for a call answered or started in the system UI (AZStackCallKit): the voice
// unit, if a call already runs it, is restarted on that session (as after an interruption); a call that starts its
// audio later finds the session active.
+ (void)callKitActivatedAudioSession;

// Plays the call on the loudspeaker (YES) or the receiver (NO); a connected headset keeps its route for NO.
+ (void)setSpeakerphoneOn:(BOOL)on;

@end

NS_ASSUME_NONNULL_END
