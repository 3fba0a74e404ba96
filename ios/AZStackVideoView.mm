// The frames never pass through JavaScript. While the view is in a window it owns an AZStackSampleBufferRenderer
// attached to its stream in the engine's frame registry (by `streamURL`, the stream's id); the renderer draws into an
// AVSampleBufferDisplayLayer on its own queue. `objectFit` is the layer's video gravity (cover: aspect fill, contain:
// aspect fit) and `mirror` a horizontal flip of the layer.
//
// Lifecycle: didMoveToWindow with a window creates the renderer and attaches it; without one (the view left the
// screen) invalidates it, which detaches it from the stream. Fabric recycles component views: prepareForRecycle
// returns the view to its empty state.
#import "AZStackVideoView.h"

#import <AVFoundation/AVFoundation.h>

#import <react/renderer/components/AZStackSpec/ComponentDescriptors.h>
#import <react/renderer/components/AZStackSpec/Props.h>
#import <react/renderer/components/AZStackSpec/RCTComponentViewHelpers.h>

#import "AZStackSampleBufferRenderer.h"

using namespace facebook::react;

// Hosts the display layer. The layer is sized with bounds/position (not frame) so that its mirror transform stays
// well-defined, and clips to its bounds for `cover`.
@interface AZStackVideoDisplayView : UIView
@property (nonatomic, readonly) AVSampleBufferDisplayLayer *displayLayer;
@end

@implementation AZStackVideoDisplayView

- (instancetype)initWithFrame:(CGRect)frame
{
  if (self = [super initWithFrame:frame]) {
    _displayLayer = [AVSampleBufferDisplayLayer new];
    _displayLayer.masksToBounds = YES;
    _displayLayer.videoGravity = AVLayerVideoGravityResizeAspectFill;
    [self.layer addSublayer:_displayLayer];
    self.clipsToBounds = YES;
  }
  return self;
}

- (void)layoutSubviews
{
  [super layoutSubviews];
  [CATransaction begin];
  [CATransaction setDisableActions:YES];
  _displayLayer.bounds = self.bounds;
  _displayLayer.position = CGPointMake(CGRectGetMidX(self.bounds), CGRectGetMidY(self.bounds));
  [CATransaction commit];
}

@end

@interface AZStackVideoView () <RCTAZStackVideoViewViewProtocol>
@end

@implementation AZStackVideoView {
  AZStackVideoDisplayView *_display;
  AZStackSampleBufferRenderer *_renderer; // non-nil while in a window
  NSString *_streamURL;
}

+ (ComponentDescriptorProvider)componentDescriptorProvider
{
  return concreteComponentDescriptorProvider<AZStackVideoViewComponentDescriptor>();
}

- (instancetype)initWithFrame:(CGRect)frame
{
  if (self = [super initWithFrame:frame]) {
    static const auto defaultProps = std::make_shared<const AZStackVideoViewProps>();
    _props = defaultProps;
    _display = [[AZStackVideoDisplayView alloc] initWithFrame:self.bounds];
    _streamURL = @"";
    self.contentView = _display;
  }
  return self;
}

- (void)updateProps:(Props::Shared const &)props oldProps:(Props::Shared const &)oldProps
{
  const auto &newProps = *std::static_pointer_cast<const AZStackVideoViewProps>(props);

  [CATransaction begin];
  [CATransaction setDisableActions:YES];
  _display.displayLayer.videoGravity = newProps.objectFit == AZStackVideoViewObjectFit::Contain
      ? AVLayerVideoGravityResizeAspect
      : AVLayerVideoGravityResizeAspectFill;
  _display.displayLayer.affineTransform =
      newProps.mirror ? CGAffineTransformMakeScale(-1, 1) : CGAffineTransformIdentity;
  [CATransaction commit];

  NSString *streamURL = [NSString stringWithUTF8String:newProps.streamURL.c_str()] ?: @"";
  if (![streamURL isEqualToString:_streamURL]) {
    _streamURL = streamURL;
    [_renderer setStreamId:streamURL];
  }

  [super updateProps:props oldProps:oldProps];
}

- (void)didMoveToWindow
{
  [super didMoveToWindow];
  if (self.window && !_renderer) {
    _renderer = [[AZStackSampleBufferRenderer alloc] initWithLayer:_display.displayLayer];
    [_renderer setStreamId:_streamURL];
  } else if (!self.window && _renderer) {
    [_renderer invalidate];
    _renderer = nil;
  }
}

- (void)prepareForRecycle
{
  [super prepareForRecycle];
  [_renderer invalidate];
  _renderer = nil;
  _streamURL = @"";
  if (@available(iOS 17.0, *)) {
    [_display.displayLayer.sampleBufferRenderer flushWithRemovalOfDisplayedImage:YES completionHandler:nil];
  } else {
    [_display.displayLayer flushAndRemoveImage];
  }
}

@end

// The component's class for React Native's third-party component registry (package.json codegenConfig.ios.components
// names it; this function serves apps whose codegen still discovers components by scanning for it).
Class<RCTComponentViewProtocol> AZStackVideoViewCls(void)
{
  return AZStackVideoView.class;
}
