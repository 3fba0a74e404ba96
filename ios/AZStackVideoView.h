// AZStackVideoView: the Fabric component view of <AZStackVideoView streamURL objectFit mirror>
// (js/specs/AZStackVideoViewNativeComponent.ts).
#import <React/RCTViewComponentView.h>
#import <UIKit/UIKit.h>

NS_ASSUME_NONNULL_BEGIN

@interface AZStackVideoView : RCTViewComponentView
@end

NS_ASSUME_NONNULL_END
