// Threads. The engine thread copies each frame into a LatestFrame (cpp/LatestFrame.h) and schedules one drain on this
// renderer's serial queue ("azstack.video.render") unless one is already pending. The drain takes the newest frame,
// converts it from I420 to an NV12 CVPixelBuffer (BT.601 video range, from a pool) and enqueues it on the layer for
// immediate display, so frames are dropped, not queued, when the display falls behind. Attach/detach happen on the main
// thread; FrameRegistry::detach returns only once no frame is being delivered, after which the renderer is inert.
#import "AZStackSampleBufferRenderer.h"

#import <CoreMedia/CoreMedia.h>
#import <CoreVideo/CoreVideo.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>

#include "FrameRegistry.h"
#include "LatestFrame.h"

@implementation AZStackSampleBufferRenderer {
  AVSampleBufferDisplayLayer *_layer;
  dispatch_queue_t _queue;
  std::shared_ptr<azstack::LatestFrame> _frames;
  std::string _streamId; // main thread
  std::atomic<bool> _drainPending;
  std::atomic<bool> _invalidated;
  azstack::I420Buffer _frame; // render queue
  CVPixelBufferPoolRef _pool; // render queue
  int _poolWidth;
  int _poolHeight;
}

- (instancetype)initWithLayer:(AVSampleBufferDisplayLayer *)layer
{
  if (self = [super init]) {
    _layer = layer;
    _queue = dispatch_queue_create("azstack.video.render", DISPATCH_QUEUE_SERIAL);
    __weak AZStackSampleBufferRenderer *weakSelf = self;
    _frames = std::make_shared<azstack::LatestFrame>([weakSelf] { [weakSelf scheduleDrain]; });
  }
  return self;
}

- (void)dealloc
{
  [self invalidate];
  if (_pool) {
    CVPixelBufferPoolRelease(_pool);
  }
}

- (void)setStreamId:(NSString *)streamId
{
  std::string next = streamId.UTF8String ?: "";
  if (_invalidated || next == _streamId) {
    return;
  }
  [self detach];
  [self clearLayer];
  _streamId = next;
  if (!_streamId.empty()) {
    azstack::FrameRegistry::attach(_streamId, _frames);
  }
}

- (void)invalidate
{
  if (_invalidated.exchange(true)) {
    return;
  }
  [self detach];
  _frames->close();
}

- (void)detach
{
  if (!_streamId.empty()) {
    azstack::FrameRegistry::detach(_streamId, _frames);
    _streamId.clear();
  }
  _frames->clear();
}

- (void)clearLayer
{
  if (@available(iOS 17.0, *)) {
    [_layer.sampleBufferRenderer flushWithRemovalOfDisplayedImage:YES completionHandler:nil];
  } else {
    [_layer flushAndRemoveImage];
  }
}

#pragma mark - Engine thread

- (void)scheduleDrain
{
  if (_drainPending.exchange(true)) {
    return;
  }
  dispatch_async(_queue, ^{
    [self drain];
  });
}

#pragma mark - Render queue

- (void)drain
{
  _drainPending = false;
  if (_invalidated || !_frames->takeNext(_frame)) {
    return;
  }
  CVPixelBufferRef pixels = [self pixelBufferFromFrame];
  if (!pixels) {
    return;
  }
  CMVideoFormatDescriptionRef format = nullptr;
  CMSampleBufferRef sample = nullptr;
  CMSampleTimingInfo timing = {kCMTimeInvalid, kCMTimeInvalid, kCMTimeInvalid};
  if (CMVideoFormatDescriptionCreateForImageBuffer(kCFAllocatorDefault, pixels, &format) == noErr &&
      CMSampleBufferCreateReadyWithImageBuffer(kCFAllocatorDefault, pixels, format, &timing, &sample) == noErr) {
    CFArrayRef attachments = CMSampleBufferGetSampleAttachmentsArray(sample, YES);
    if (attachments && CFArrayGetCount(attachments) > 0) {
      auto dictionary = (CFMutableDictionaryRef)CFArrayGetValueAtIndex(attachments, 0);
      CFDictionarySetValue(dictionary, kCMSampleAttachmentKey_DisplayImmediately, kCFBooleanTrue);
    }
    [self enqueue:sample];
  }
  if (sample) {
    CFRelease(sample);
  }
  if (format) {
    CFRelease(format);
  }
  CVPixelBufferRelease(pixels);
}

- (void)enqueue:(CMSampleBufferRef)sample
{
  if (@available(iOS 17.0, *)) {
    AVSampleBufferVideoRenderer *renderer = _layer.sampleBufferRenderer;
    if (renderer.status == AVQueuedSampleBufferRenderingStatusFailed) {
      [renderer flush]; // e.g. after the app came back from the background
    }
    [renderer enqueueSampleBuffer:sample];
  } else {
    if (_layer.status == AVQueuedSampleBufferRenderingStatusFailed) {
      [_layer flush];
    }
    [_layer enqueueSampleBuffer:sample];
  }
}

// I420 → NV12 (Y copied row by row, U and V interleaved), in a buffer from a pool sized for the current frame.
- (nullable CVPixelBufferRef)pixelBufferFromFrame CF_RETURNS_RETAINED
{
  const int width = _frame.width;
  const int height = _frame.height;
  if (!_pool || width != _poolWidth || height != _poolHeight) {
    if (_pool) {
      CVPixelBufferPoolRelease(_pool);
      _pool = nullptr;
    }
    NSDictionary *attributes = @{
      (NSString *)kCVPixelBufferPixelFormatTypeKey : @(kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange),
      (NSString *)kCVPixelBufferWidthKey : @(width),
      (NSString *)kCVPixelBufferHeightKey : @(height),
      (NSString *)kCVPixelBufferIOSurfacePropertiesKey : @{},
    };
    if (CVPixelBufferPoolCreate(kCFAllocatorDefault, nullptr, (__bridge CFDictionaryRef)attributes, &_pool) !=
        kCVReturnSuccess) {
      _pool = nullptr;
      return nullptr;
    }
    _poolWidth = width;
    _poolHeight = height;
  }
  CVPixelBufferRef pixels = nullptr;
  if (CVPixelBufferPoolCreatePixelBuffer(kCFAllocatorDefault, _pool, &pixels) != kCVReturnSuccess) {
    return nullptr;
  }
  CVBufferSetAttachment(pixels, kCVImageBufferYCbCrMatrixKey, kCVImageBufferYCbCrMatrix_ITU_R_601_4,
                        kCVAttachmentMode_ShouldPropagate);
  CVPixelBufferLockBaseAddress(pixels, 0);
  auto *dstY = static_cast<uint8_t *>(CVPixelBufferGetBaseAddressOfPlane(pixels, 0));
  auto *dstUV = static_cast<uint8_t *>(CVPixelBufferGetBaseAddressOfPlane(pixels, 1));
  const size_t strideY = CVPixelBufferGetBytesPerRowOfPlane(pixels, 0);
  const size_t strideUV = CVPixelBufferGetBytesPerRowOfPlane(pixels, 1);
  for (int row = 0; row < height; ++row) {
    std::memcpy(dstY + row * strideY, _frame.y() + static_cast<size_t>(row) * _frame.strideY(), width);
  }
  const int cw = _frame.chromaWidth();
  const int ch = _frame.chromaHeight();
  for (int row = 0; row < ch; ++row) {
    const uint8_t *u = _frame.u() + static_cast<size_t>(row) * _frame.strideUV();
    const uint8_t *v = _frame.v() + static_cast<size_t>(row) * _frame.strideUV();
    uint8_t *out = dstUV + row * strideUV;
    for (int col = 0; col < cw; ++col) {
      out[2 * col] = u[col];
      out[2 * col + 1] = v[col];
    }
  }
  CVPixelBufferUnlockBaseAddress(pixels, 0);
  return pixels;
}

@end
