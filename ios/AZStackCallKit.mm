// PushKit + CallKit for cpp/PlatformCalls.h. NOT COMPILED HERE (see AZStackCallKit.h and the README).
//
// * Token: PKPushRegistry with PKPushTypeVoIP; its hex token is the `deviceToken` registerForCallNotifications hands
//   to the server with `applicationBundleId` "<bundle id>.voip" (the APNs topic of VoIP pushes) and platform 2.
// * A VoIP push (PROTOCOL.md §10.3 keys at the payload's top level) is reported to CallKit before the delegate
//   returns — for every push, as iOS requires: a cancel (188) is reported and ended at once under a fresh UUID, and
//   ends the ringing call of the same key. Then the push goes to SystemCallBridge::callPushReceived.
// * CXAnswerCallAction → SystemCallBridge::callAnswered, CXEndCallAction → callEnded (decline or hang-up); both are
//   fulfilled at once: the SDK ends the system call itself when the answer fails (endCall with Failed).
// * Audio: CallKit activates the audio session (provider:didActivateAudioSession:) and AZStackAudioSession starts
//   the call's voice unit on it; on deactivation nothing is done (the call's end stops the unit).
// * endCall (the SDK): reportCallWithUUID:endedAtDate:reason: with the matching CXCallEndedReason.
#import "AZStackCallKit.h"

#import <AVFoundation/AVFoundation.h>
#import <CallKit/CallKit.h>
#import <PushKit/PushKit.h>
#import <UIKit/UIKit.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#import "AZStackAudioSession.h"
#include "PlatformCalls.h"

// The app called registerForCallNotifications once: start at every launch from now on.
static NSString *const kEnabledKey = @"AZStackCallNotificationsEnabled";
static const int kPlatformIOS = 2;

@interface AZStackCallKit () <PKPushRegistryDelegate, CXProviderDelegate>
@property (class, nonatomic, readonly) AZStackCallKit *shared;
+ (void)answerRegistrations;
+ (void)endCallWithKey:(NSString *)key reason:(CXCallEndedReason)reason;
@property (nonatomic, strong) PKPushRegistry *registry;
@property (nonatomic, strong) CXProvider *provider;
@property (nonatomic, copy, nullable) NSString *token;
// key "<from>:<callId>" ↔ CallKit UUID, for the calls CallKit shows (main queue only).
@property (nonatomic, strong) NSMutableDictionary<NSString *, NSUUID *> *uuids;
@property (nonatomic, strong) NSMutableDictionary<NSUUID *, NSString *> *keys;
@end

namespace {

std::vector<std::uint64_t> gPendingRegistrations; // main queue only

CXCallEndedReason endedReason(azstack::CallEndReason reason)
{
  switch (reason) {
    case azstack::CallEndReason::Unanswered:
      return CXCallEndedReasonUnanswered;
    case azstack::CallEndReason::AnsweredElsewhere:
      return CXCallEndedReasonAnsweredElsewhere;
    case azstack::CallEndReason::DeclinedElsewhere:
      return CXCallEndedReasonDeclinedElsewhere;
    case azstack::CallEndReason::Failed:
      return CXCallEndedReasonFailed;
    case azstack::CallEndReason::RemoteEnded:
    case azstack::CallEndReason::LocalEnded:
      return CXCallEndedReasonRemoteEnded;
  }
  return CXCallEndedReasonRemoteEnded;
}

std::string utf8(NSString *text) { return text ? std::string(text.UTF8String) : std::string(); }

NSString *stringValue(NSDictionary *payload, NSString *name)
{
  id value = payload[name];
  if ([value isKindOfClass:NSString.class]) {
    return value;
  }
  return [value isKindOfClass:NSNumber.class] ? [value stringValue] : @"";
}

// Called on engine threads: everything hops to the main queue, where CallKit and PushKit live.
class IOSCalls final : public azstack::PlatformCalls {
 public:
  void registerForCalls(std::uint64_t request) override
  {
    dispatch_async(dispatch_get_main_queue(), ^{
      [NSUserDefaults.standardUserDefaults setBool:YES forKey:kEnabledKey];
      [AZStackCallKit start];
      gPendingRegistrations.push_back(request);
      [AZStackCallKit answerRegistrations];
    });
  }

  void endCall(const std::string &key, azstack::CallEndReason reason) override
  {
    NSString *k = [NSString stringWithUTF8String:key.c_str()];
    dispatch_async(dispatch_get_main_queue(), ^{
      [AZStackCallKit endCallWithKey:k reason:endedReason(reason)];
    });
  }
};

} // namespace

@implementation AZStackCallKit

+ (void)load
{
  // After application:didFinishLaunchingWithOptions:, on every launch once the app opted in (a VoIP push launch too).
  [NSNotificationCenter.defaultCenter addObserverForName:UIApplicationDidFinishLaunchingNotification
                                                  object:nil
                                                   queue:NSOperationQueue.mainQueue
                                              usingBlock:^(NSNotification *note) {
                                                if ([NSUserDefaults.standardUserDefaults boolForKey:kEnabledKey]) {
                                                  [AZStackCallKit start];
                                                }
                                              }];
}

+ (AZStackCallKit *)shared
{
  static AZStackCallKit *shared;
  static dispatch_once_t once;
  dispatch_once(&once, ^{
    shared = [AZStackCallKit new];
    shared.uuids = [NSMutableDictionary new];
    shared.keys = [NSMutableDictionary new];
  });
  return shared;
}

+ (void)install
{
  static dispatch_once_t once;
  dispatch_once(&once, ^{
    azstack::SystemCallBridge::install(std::make_shared<IOSCalls>());
  });
}

+ (void)start
{
  [AZStackCallKit install];
  dispatch_block_t start = ^{
    AZStackCallKit *me = AZStackCallKit.shared;
    if (me.provider) {
      return;
    }
    CXProviderConfiguration *configuration = [CXProviderConfiguration new];
    configuration.supportsVideo = YES;
    configuration.maximumCallGroups = 1;
    configuration.maximumCallsPerCallGroup = 1;
    configuration.supportedHandleTypes = [NSSet setWithObject:@(CXHandleTypeGeneric)];
    me.provider = [[CXProvider alloc] initWithConfiguration:configuration];
    [me.provider setDelegate:me queue:nil]; // the main queue
    me.registry = [[PKPushRegistry alloc] initWithQueue:dispatch_get_main_queue()];
    me.registry.delegate = me;
    me.registry.desiredPushTypes = [NSSet setWithObject:PKPushTypeVoIP];
  };
  if (NSThread.isMainThread) {
    start();
  } else {
    dispatch_async(dispatch_get_main_queue(), start);
  }
}

// Main queue. Answers the waiting registrations once PushKit has a token.
+ (void)answerRegistrations
{
  NSString *token = AZStackCallKit.shared.token;
  if (!token) {
    return; // pushRegistry:didUpdatePushCredentials: calls again (azstack-ffi gives up after 60 s)
  }
  NSString *topic = [NSBundle.mainBundle.bundleIdentifier stringByAppendingString:@".voip"];
  for (std::uint64_t request : gPendingRegistrations) {
    azstack::SystemCallBridge::answerRegistration(request, utf8(token), kPlatformIOS, utf8(topic), "");
  }
  gPendingRegistrations.clear();
}

// Main queue.
+ (void)endCallWithKey:(NSString *)key reason:(CXCallEndedReason)reason
{
  AZStackCallKit *me = AZStackCallKit.shared;
  NSUUID *uuid = me.uuids[key];
  if (!uuid) {
    return;
  }
  [me forgetKey:key];
  [me.provider reportCallWithUUID:uuid endedAtDate:nil reason:reason];
}

- (void)forgetKey:(NSString *)key
{
  NSUUID *uuid = self.uuids[key];
  if (uuid) {
    [self.keys removeObjectForKey:uuid];
  }
  [self.uuids removeObjectForKey:key];
}

#pragma mark - PKPushRegistryDelegate

- (void)pushRegistry:(PKPushRegistry *)registry
    didUpdatePushCredentials:(PKPushCredentials *)credentials
                     forType:(PKPushType)type
{
  const unsigned char *bytes = static_cast<const unsigned char *>(credentials.token.bytes);
  NSMutableString *hex = [NSMutableString stringWithCapacity:credentials.token.length * 2];
  for (NSUInteger i = 0; i < credentials.token.length; i++) {
    [hex appendFormat:@"%02x", bytes[i]];
  }
  self.token = hex;
  [AZStackCallKit answerRegistrations];
}

- (void)pushRegistry:(PKPushRegistry *)registry didInvalidatePushTokenForType:(PKPushType)type
{
  self.token = nil;
}

- (void)pushRegistry:(PKPushRegistry *)registry
    didReceiveIncomingPushWithPayload:(PKPushPayload *)payload
                              forType:(PKPushType)type
                withCompletionHandler:(void (^)(void))completion
{
  NSDictionary *push = payload.dictionaryPayload;
  NSString *from = stringValue(push, @"from");
  NSString *key = [NSString stringWithFormat:@"%@:%@", from, stringValue(push, @"callId")];
  NSString *title = stringValue(push, @"title");
  BOOL cancel = [stringValue(push, @"pushPacketType") isEqualToString:@"188"];

  NSData *json = [NSJSONSerialization isValidJSONObject:push] ? [NSJSONSerialization dataWithJSONObject:push
                                                                                                options:0
                                                                                                  error:nil]
                                                              : nil;
  std::string notification = json ? std::string(static_cast<const char *>(json.bytes), json.length) : "{}";

  CXCallUpdate *update = [CXCallUpdate new];
  update.remoteHandle = [[CXHandle alloc] initWithType:CXHandleTypeGeneric value:from];
  update.localizedCallerName = title.length ? title : from;
  update.hasVideo = NO;
  update.supportsHolding = NO;
  update.supportsGrouping = NO;
  update.supportsUngrouping = NO;
  update.supportsDTMF = NO;

  NSUUID *uuid = cancel ? [NSUUID UUID] : (self.uuids[key] ?: [NSUUID UUID]);
  void (^reported)(NSError *_Nullable) = ^(NSError *_Nullable error) {
    if (cancel) {
      // Reported as iOS requires, and ended at once; the ringing call too.
      [self.provider reportCallWithUUID:uuid
                            endedAtDate:nil
                                 reason:CXCallEndedReasonRemoteEnded];
      [AZStackCallKit endCallWithKey:key reason:CXCallEndedReasonRemoteEnded];
    } else if (!error) {
      self.uuids[key] = uuid;
      self.keys[uuid] = key;
    } else if (!self.uuids[key]) {
      NSLog(@"AZStack: CallKit refused the incoming call: %@", error);
      completion();
      return; // Do Not Disturb, a blocked caller: nothing rings, nothing to map
    }
    azstack::SystemCallBridge::callPushReceived(notification);
    completion();
  };
  [self.provider reportNewIncomingCallWithUUID:uuid
                                        update:update
                                    completion:^(NSError *_Nullable error) {
                                      // CallKit calls this on a queue of its own; the maps live on the main queue.
                                      dispatch_async(dispatch_get_main_queue(), ^{
                                        reported(error);
                                      });
                                    }];
}

#pragma mark - CXProviderDelegate

- (void)providerDidReset:(CXProvider *)provider
{
  for (NSString *key in self.uuids.allKeys) {
    azstack::SystemCallBridge::callEnded(utf8(key));
  }
  [self.uuids removeAllObjects];
  [self.keys removeAllObjects];
}

- (void)provider:(CXProvider *)provider performAnswerCallAction:(CXAnswerCallAction *)action
{
  NSString *key = self.keys[action.callUUID];
  if (!key) {
    [action fail];
    return;
  }
  // The category CallKit activates for the call (AZStackVoiceAudio uses the same).
  [AVAudioSession.sharedInstance setCategory:AVAudioSessionCategoryPlayAndRecord
                                        mode:AVAudioSessionModeVoiceChat
                                     options:AVAudioSessionCategoryOptionAllowBluetooth
                                       error:nil];
  azstack::SystemCallBridge::callAnswered(utf8(key));
  [action fulfill];
}

- (void)provider:(CXProvider *)provider performEndCallAction:(CXEndCallAction *)action
{
  NSString *key = self.keys[action.callUUID];
  if (key) {
    [self forgetKey:key];
    azstack::SystemCallBridge::callEnded(utf8(key));
  }
  [action fulfill];
}

- (void)provider:(CXProvider *)provider didActivateAudioSession:(AVAudioSession *)audioSession
{
  [AZStackAudioSession callKitActivatedAudioSession];
}

- (void)provider:(CXProvider *)provider didDeactivateAudioSession:(AVAudioSession *)audioSession
{
}

@end
