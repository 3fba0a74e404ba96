// AZStackModuleProvider: hands React Native the C++ TurboModule NativeAZStack (cpp/NativeAZStack.h) on iOS.
//
// Registered through package.json `codegenConfig.ios.modules.NativeAZStack.className`: the app's codegen lists this
// class in RCTModuleProviders, and the TurboModule manager asks it for the module on the JS thread with the JS
// CallInvoker. Creating the module also installs the platform media devices the engine uses for calls and the system call UI
// (AZStackCallKit), and starts the network monitor.
#import <Foundation/Foundation.h>
#import <ReactCommon/RCTTurboModule.h>

#include <memory>

#import "AZStackCallKit.h"
#import "AZStackMedia.h"
#import "AZStackNetworkMonitor.h"
#include "NativeAZStack.h"

@interface AZStackModuleProvider : NSObject <RCTModuleProvider>
@end

@implementation AZStackModuleProvider

- (std::shared_ptr<facebook::react::TurboModule>)getTurboModule:
    (const facebook::react::ObjCTurboModule::InitParams &)params
{
  AZStackInstallPlatformMedia();
  [AZStackCallKit install];
  AZStackStartNetworkMonitor();
  return std::make_shared<azstack::NativeAZStack>(params.jsInvoker);
}

@end
