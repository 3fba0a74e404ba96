// AZStackCameraCapture: the camera of a video call (AVCaptureSession → NV12 → upright I420 → MediaBridge).
#import <Foundation/Foundation.h>

NS_ASSUME_NONNULL_BEGIN

@interface AZStackCameraCapture : NSObject

@property (class, nonatomic, readonly) AZStackCameraCapture *shared;

// Any thread; return at once (the session runs on its own queue). NO when there is no such camera or no permission.
- (BOOL)startWithFront:(BOOL)front;
// Returns the new facing: YES for the back camera.
- (BOOL)switchCamera;
- (void)stop;

@end

NS_ASSUME_NONNULL_END
