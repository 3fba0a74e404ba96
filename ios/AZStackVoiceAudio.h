// AZStackVoiceAudio: microphone and playout of a call through one voice-processing I/O audio unit
// (kAudioUnitSubType_VoiceProcessingIO: echo cancellation, noise suppression, automatic gain), 16-bit mono at 48 kHz.
#import <Foundation/Foundation.h>

NS_ASSUME_NONNULL_BEGIN

@interface AZStackVoiceAudio : NSObject

@property (class, nonatomic, readonly) AZStackVoiceAudio *shared;

// Any thread. The unit runs while either direction is wanted (echo cancellation needs both sides of the unit).
- (BOOL)startInput; // NO without microphone permission
- (void)stopInput;
- (BOOL)startOutput;
- (void)stopOutput;
// After an audio-session interruption ended: reactivates the session and restarts the unit iOS stopped, if a call
// still wants it.
- (void)resumeAfterInterruption;

@end

NS_ASSUME_NONNULL_END
