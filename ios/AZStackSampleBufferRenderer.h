// AZStackSampleBufferRenderer: draws one stream's frames (FrameRegistry, by stream id) into an
// AVSampleBufferDisplayLayer. Owned by AZStackVideoView while it is in a window.
#import <AVFoundation/AVFoundation.h>

NS_ASSUME_NONNULL_BEGIN

@interface AZStackSampleBufferRenderer : NSObject

- (instancetype)initWithLayer:(AVSampleBufferDisplayLayer *)layer NS_DESIGNATED_INITIALIZER;
- (instancetype)init NS_UNAVAILABLE;

// Main thread. Attaches to stream `streamId` (detaching from the previous one and clearing the layer); "" shows nothing.
- (void)setStreamId:(NSString *)streamId;
// Main thread. Detaches; nothing is drawn afterwards. Idempotent.
- (void)invalidate;

@end

NS_ASSUME_NONNULL_END
