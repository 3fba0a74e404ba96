// AZStackCallKit: calls that ring a sleeping iPhone — PushKit (VoIP pushes) and CallKit, the iOS half of
// cpp/PlatformCalls.h. NOT COMPILED on the machines this package is developed on (no Xcode there); the README's
// "Calls that ring a sleeping phone" says how to verify it on a Mac.
//
// Nothing to call from the app: `registerForCallNotifications` (JavaScript) starts it and remembers the choice, and
// on every later launch — a launch by a VoIP push included — it starts itself when the application has finished
// launching, so the push reaches PushKit's delegate, which reports the call to CallKit at once (iOS 13 and later end
// an app that does not). What the user does in the call UI goes to SystemCallBridge; what it means for the call is
// decided in js/callNotifications.ts.
#import <Foundation/Foundation.h>

NS_ASSUME_NONNULL_BEGIN

@interface AZStackCallKit : NSObject

// Installs the platform calls (cpp/PlatformCalls.h) so that registerForCallNotifications can reach PushKit; nothing
// else (idempotent). The module provider calls it when the TurboModule is created.
+ (void)install;

// Creates the PushKit registry and the CallKit provider (main queue; idempotent) and installs the platform calls.
+ (void)start;

@end

NS_ASSUME_NONNULL_END
