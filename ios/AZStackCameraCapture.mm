// Threads: configuration runs on a serial session queue ("azstack.camera.session"); frames arrive on a serial frame
// queue ("azstack.camera.frames"), where each is converted from NV12 to I420 and pushed into the engine, which keeps
// only the newest. Late frames are discarded by the output, never queued.
//
// Orientation: frames leave here upright for the way the phone is held (the remote side has no rotation metadata).
// iOS 17+ uses AVCaptureDeviceRotationCoordinator; earlier versions map the device orientation to the connection's
// videoOrientation, as WebRTC's iOS capturer does.
#import "AZStackCameraCapture.h"

#import <AVFoundation/AVFoundation.h>
#import <UIKit/UIKit.h>

#include <cstdint>
#include <cstring>

#include "LatestFrame.h"
#include "PlatformMedia.h"

@interface AZStackCameraCapture () <AVCaptureVideoDataOutputSampleBufferDelegate>
@end

@implementation AZStackCameraCapture {
  dispatch_queue_t _sessionQueue;
  dispatch_queue_t _frameQueue;
  AVCaptureSession *_session; // session queue
  AVCaptureDeviceInput *_input; // session queue
  AVCaptureVideoDataOutput *_output; // session queue
  id _rotationCoordinator; // AVCaptureDeviceRotationCoordinator (iOS 17+), session queue
  id _orientationObserver; // UIDevice orientation (before iOS 17)
  BOOL _front; // guarded by @synchronized(self)
  azstack::I420Buffer _i420; // frame queue
}

+ (AZStackCameraCapture *)shared
{
  static AZStackCameraCapture *shared;
  static dispatch_once_t once;
  dispatch_once(&once, ^{
    shared = [AZStackCameraCapture new];
  });
  return shared;
}

- (instancetype)init
{
  if (self = [super init]) {
    _sessionQueue = dispatch_queue_create("azstack.camera.session", DISPATCH_QUEUE_SERIAL);
    _frameQueue = dispatch_queue_create("azstack.camera.frames", DISPATCH_QUEUE_SERIAL);
  }
  return self;
}

+ (nullable AVCaptureDevice *)cameraFacingFront:(BOOL)front
{
  return [AVCaptureDevice defaultDeviceWithDeviceType:AVCaptureDeviceTypeBuiltInWideAngleCamera
                                            mediaType:AVMediaTypeVideo
                                             position:front ? AVCaptureDevicePositionFront
                                                            : AVCaptureDevicePositionBack];
}

- (BOOL)startWithFront:(BOOL)front
{
  if ([AVCaptureDevice authorizationStatusForMediaType:AVMediaTypeVideo] != AVAuthorizationStatusAuthorized) {
    return NO; // the app asks for camera access before a video call
  }
  if (![AZStackCameraCapture cameraFacingFront:front]) {
    front = !front; // a device with one camera
  }
  AVCaptureDevice *device = [AZStackCameraCapture cameraFacingFront:front];
  if (!device) {
    return NO;
  }
  @synchronized(self) {
    _front = front;
  }
  dispatch_async(_sessionQueue, ^{
    [self startSessionWithDevice:device];
  });
  return YES;
}

- (BOOL)switchCamera
{
  BOOL front;
  @synchronized(self) {
    front = _front;
  }
  AVCaptureDevice *device = [AZStackCameraCapture cameraFacingFront:!front];
  if (!device) {
    return !front; // one camera: keep it
  }
  @synchronized(self) {
    _front = !front;
  }
  dispatch_async(_sessionQueue, ^{
    if (self->_session) {
      [self useDevice:device];
    }
  });
  return front; // was front, now back
}

- (void)stop
{
  dispatch_async(_sessionQueue, ^{
    [self->_session stopRunning];
    self->_session = nil;
    self->_input = nil;
    self->_output = nil;
    [self stopFollowingOrientation];
  });
}

#pragma mark - Session queue

- (void)startSessionWithDevice:(AVCaptureDevice *)device
{
  if (!_session) {
    _session = [AVCaptureSession new];
    _output = [AVCaptureVideoDataOutput new];
    _output.alwaysDiscardsLateVideoFrames = YES;
    _output.videoSettings = @{
      (NSString *)kCVPixelBufferPixelFormatTypeKey : @(kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange),
    };
    [_output setSampleBufferDelegate:self queue:_frameQueue];
    [_session beginConfiguration];
    if ([_session canSetSessionPreset:AVCaptureSessionPreset1280x720]) {
      _session.sessionPreset = AVCaptureSessionPreset1280x720;
    }
    if ([_session canAddOutput:_output]) {
      [_session addOutput:_output];
    }
    [_session commitConfiguration];
  }
  [self useDevice:device];
  if (!_session.isRunning) {
    [_session startRunning];
  }
}

- (void)useDevice:(AVCaptureDevice *)device
{
  NSError *error = nil;
  AVCaptureDeviceInput *input = [AVCaptureDeviceInput deviceInputWithDevice:device error:&error];
  if (!input) {
    NSLog(@"AZStack: cannot open the camera: %@", error);
    return;
  }
  [_session beginConfiguration];
  if (_input) {
    [_session removeInput:_input];
  }
  if ([_session canAddInput:input]) {
    [_session addInput:input];
    _input = input;
  }
  [_session commitConfiguration];
  [self followOrientationOfDevice:device];
}

- (void)followOrientationOfDevice:(AVCaptureDevice *)device
{
  [self stopFollowingOrientation];
  if (@available(iOS 17.0, *)) {
    AVCaptureDeviceRotationCoordinator *coordinator =
        [[AVCaptureDeviceRotationCoordinator alloc] initWithDevice:device previewLayer:nil];
    _rotationCoordinator = coordinator;
    [coordinator addObserver:self
                  forKeyPath:@"videoRotationAngleForHorizonLevelCapture"
                     options:NSKeyValueObservingOptionInitial | NSKeyValueObservingOptionNew
                     context:nil];
  } else {
    __weak AZStackCameraCapture *weakSelf = self;
    dispatch_async(dispatch_get_main_queue(), ^{
      [UIDevice.currentDevice beginGeneratingDeviceOrientationNotifications];
    });
    _orientationObserver = [NSNotificationCenter.defaultCenter
        addObserverForName:UIDeviceOrientationDidChangeNotification
                    object:nil
                     queue:NSOperationQueue.mainQueue
                usingBlock:^(NSNotification *note) {
                  UIDeviceOrientation orientation = UIDevice.currentDevice.orientation;
                  AZStackCameraCapture *strongSelf = weakSelf;
                  if (strongSelf) {
                    dispatch_async(strongSelf->_sessionQueue, ^{
                      [strongSelf applyDeviceOrientation:orientation];
                    });
                  }
                }];
    [self applyDeviceOrientation:UIDeviceOrientationPortrait];
  }
}

- (void)stopFollowingOrientation
{
  if (_rotationCoordinator) {
    [_rotationCoordinator removeObserver:self forKeyPath:@"videoRotationAngleForHorizonLevelCapture"];
    _rotationCoordinator = nil;
  }
  if (_orientationObserver) {
    [NSNotificationCenter.defaultCenter removeObserver:_orientationObserver];
    _orientationObserver = nil;
    dispatch_async(dispatch_get_main_queue(), ^{
      [UIDevice.currentDevice endGeneratingDeviceOrientationNotifications];
    });
  }
}

- (void)observeValueForKeyPath:(NSString *)keyPath
                      ofObject:(id)object
                        change:(NSDictionary<NSKeyValueChangeKey, id> *)change
                       context:(void *)context
{
  if (@available(iOS 17.0, *)) {
    CGFloat angle = ((AVCaptureDeviceRotationCoordinator *)object).videoRotationAngleForHorizonLevelCapture;
    dispatch_async(_sessionQueue, ^{
      if (object != self->_rotationCoordinator) {
        return; // a previous camera's coordinator
      }
      AVCaptureConnection *connection = [self->_output connectionWithMediaType:AVMediaTypeVideo];
      if ([connection isVideoRotationAngleSupported:angle]) {
        connection.videoRotationAngle = angle;
      }
    });
  }
}

// Before iOS 17 only (videoOrientation is deprecated from 17 on, where the rotation coordinator is used).
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
- (void)applyDeviceOrientation:(UIDeviceOrientation)orientation
{
  AVCaptureVideoOrientation videoOrientation;
  switch (orientation) {
    case UIDeviceOrientationPortrait:
      videoOrientation = AVCaptureVideoOrientationPortrait;
      break;
    case UIDeviceOrientationPortraitUpsideDown:
      videoOrientation = AVCaptureVideoOrientationPortraitUpsideDown;
      break;
    case UIDeviceOrientationLandscapeLeft: // the device's left is up: the image's right is up
      videoOrientation = AVCaptureVideoOrientationLandscapeRight;
      break;
    case UIDeviceOrientationLandscapeRight:
      videoOrientation = AVCaptureVideoOrientationLandscapeLeft;
      break;
    default:
      return; // face up/down, unknown: keep the last one
  }
  AVCaptureConnection *connection = [_output connectionWithMediaType:AVMediaTypeVideo];
  if (connection.isVideoOrientationSupported) {
    connection.videoOrientation = videoOrientation;
  }
}
#pragma clang diagnostic pop

#pragma mark - Frame queue

- (void)captureOutput:(AVCaptureOutput *)output
    didOutputSampleBuffer:(CMSampleBufferRef)sampleBuffer
           fromConnection:(AVCaptureConnection *)connection
{
  CVPixelBufferRef pixels = CMSampleBufferGetImageBuffer(sampleBuffer);
  if (!pixels || CVPixelBufferGetPlaneCount(pixels) != 2 ||
      CVPixelBufferLockBaseAddress(pixels, kCVPixelBufferLock_ReadOnly) != kCVReturnSuccess) {
    return;
  }
  const int width = static_cast<int>(CVPixelBufferGetWidth(pixels)) & ~1;
  const int height = static_cast<int>(CVPixelBufferGetHeight(pixels)) & ~1;
  const auto *y = static_cast<const uint8_t *>(CVPixelBufferGetBaseAddressOfPlane(pixels, 0));
  const auto *uv = static_cast<const uint8_t *>(CVPixelBufferGetBaseAddressOfPlane(pixels, 1));
  const size_t yStride = CVPixelBufferGetBytesPerRowOfPlane(pixels, 0);
  const size_t uvStride = CVPixelBufferGetBytesPerRowOfPlane(pixels, 1);

  // NV12 → I420: copy the luma rows, split the interleaved chroma.
  _i420.width = width;
  _i420.height = height;
  const int cw = width / 2;
  const int ch = height / 2;
  _i420.data.resize(static_cast<size_t>(width) * height + 2 * static_cast<size_t>(cw) * ch);
  uint8_t *dy = _i420.data.data();
  uint8_t *du = dy + static_cast<size_t>(width) * height;
  uint8_t *dv = du + static_cast<size_t>(cw) * ch;
  for (int row = 0; row < height; ++row) {
    std::memcpy(dy + static_cast<size_t>(row) * width, y + row * yStride, width);
  }
  for (int row = 0; row < ch; ++row) {
    const uint8_t *src = uv + row * uvStride;
    for (int col = 0; col < cw; ++col) {
      du[row * cw + col] = src[2 * col];
      dv[row * cw + col] = src[2 * col + 1];
    }
  }
  CVPixelBufferUnlockBaseAddress(pixels, kCVPixelBufferLock_ReadOnly);

  azstack::I420FrameView frame;
  frame.width = width;
  frame.height = height;
  frame.y = _i420.y();
  frame.strideY = _i420.strideY();
  frame.u = _i420.u();
  frame.strideU = _i420.strideUV();
  frame.v = _i420.v();
  frame.strideV = _i420.strideUV();
  frame.timestampUs =
      static_cast<int64_t>(CMTimeGetSeconds(CMSampleBufferGetPresentationTimeStamp(sampleBuffer)) * 1e6);
  azstack::MediaBridge::pushCameraFrame(frame);
}

@end
