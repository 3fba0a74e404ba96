/**
 * Unit tests of the JavaScript layer against a scripted native module (`fakeReactNative.ts`): what goes over the
 * boundary, the order in which an outcome is delivered, events reaching the right instance, and failure handling.
 * The end-to-end behaviour (engine, server) is tested by the other scripts of tests/js under the Linux JSI host.
 */
import { AZStackCore, AZStackMediaStream, chatConstants, errorCodes } from 'azstack-react-native';
import { fakeNativeAZStack as native } from './fakeReactNative';
import { any, assert, assertEqual, deepEqual, expectError, run, test, waitForDelegate } from '../harness';

/** Answers every call with `response` after a macrotask, as native completions arrive. */
function answerWith(response: string): void {
  native.respond = () => new Promise((resolve) => setTimeout(() => resolve(response), 0));
}

function lastCall() {
  const call = native.calls[native.calls.length - 1];
  assert(call, 'a native call');
  return call;
}

/** Runs `body` with `console.error` recorded instead of printed. */
async function recordingConsoleErrors(body: () => Promise<void>): Promise<unknown[][]> {
  const original = console.error;
  const recorded: unknown[][] = [];
  console.error = (...args: unknown[]) => recorded.push(args);
  try {
    await body();
  } finally {
    console.error = original;
  }
  return recorded;
}

// The delegate names of PROTOCOL.md §7.6, written out independently of the implementation.
const SECTION_7_6_DELEGATES = [
  'onConnectReturn', 'onReconnectReturn', 'onDisconnectReturn', 'onToggleAudioStateReturn', 'onToggleVideoStateReturn',
  'onSwitchCameraTypeReturn', 'onStartFreeCallReturn', 'onStopFreeCallReturn', 'onAnswerFreeCallReturn',
  'onRejectFreeCallReturn', 'onNotAnswerFreeCallReturn', 'onStartCalloutReturn', 'onStopCalloutReturn',
  'onAnswerCallinReturn', 'onRejectCallinReturn', 'onNotAnsweredCallinReturn', 'onStopCallinReturn',
  'onGetPaidCallLogsReturn', 'onGetModifiedConversationsReturn', 'onDeleteConversationReturn',
  'onGetUnreadMessagesReturn', 'onGetModifiedMessagesReturn', 'onGetModifiedFilesReturn', 'onNewMessageReturn',
  'onChangeMessageStatusReturn', 'onMessageDeleted', 'onSendTypingReturn', 'onGetUsersInformationReturn',
  'onGroupCreateReturn', 'onGroupInviteReturn', 'onGroupLeaveReturn', 'onGroupRenameReturn', 'onGroupAdminChangeReturn',
  'onGroupJoinPublicReturn', 'onGroupGetDetailsReturn', 'onGroupGetListReturn', 'onApplicationChangeStateReturn',
  'onNotificationRegisterDeviceReturn', 'onNotificationUnregisterDeviceReturn', 'onNotificationParseReturn',
  'onGetStickersListReturn',
  'onAutoReconnected', 'onDisconnected', 'onFreeCallStart', 'onFreeCallStatusChanged', 'onFreeCallStatusChangedByMe',
  'onLocalStreamArrived', 'onRemoteStreamArrived', 'onCalloutStatusChanged', 'onCallinStart', 'onCallinStatusChanged',
  'onCallinStatusChangedByMe', 'onPaidCallLogReturn', 'onHasNewMessage', 'onMessageFromMe', 'onMessageStatusChanged',
  'onTyping', 'onGroupCreated', 'onGroupInvited', 'onGroupLeft', 'onGroupRenamed', 'onGroupAdminChanged',
  'onGroupPublicJoined', 'onAutoReconnectStart', 'onAutoReconnectedStop',
  // extensions of the persistent outbox (storagePath)
  'onGetOutboxReturn', 'onCancelOutboxMessageReturn', 'onOutboxChanged',
  // extensions of the audio session (permissions, route, interruptions)
  'onRequestMediaPermissionsReturn', 'onSetSpeakerphoneOnReturn', 'onAudioInterrupted', 'onAudioResumed',
  // extension: calls that ring a sleeping phone
  'onRegisterForCallNotificationsReturn',
  // extension of file uploads
  'onUploadFileReturn', 'onUploadFileProgress',
];

test('the constructor hands the options to the engine as given', () => {
  const config = { requestTimeout: 5000, logLevel: 'DEBUG', authenticatingData: { appId: 'a' } };
  const core = new AZStackCore(config as never);
  assertEqual(native.created[native.created.length - 1], JSON.stringify(config), 'create() argument');
  assertEqual(core.masterSocketUri, 'https://www.azhub.xyz:9199', 'default masterSocketUri');
  new AZStackCore();
  assertEqual(native.created[native.created.length - 1], 'null', 'create() argument without options');
});

test('Delegates has a no-op for every delegate of §7.6 and nothing else', () => {
  const core = new AZStackCore();
  deepEqual(Object.keys(core.Delegates).sort(), [...SECTION_7_6_DELEGATES].sort(), 'Delegates keys');
  for (const name of SECTION_7_6_DELEGATES) {
    const delegate = (core.Delegates as unknown as Record<string, unknown>)[name];
    assertEqual(typeof delegate, 'function', name);
  }
});

test('networkChanged() is one native call without options or outcome', () => {
  answerWith('{"error":null,"result":null}');
  const core = new AZStackCore();
  assertEqual(core.networkChanged(), undefined, 'networkChanged()');
  deepEqual(lastCall(), { handle: any.positiveInteger, method: 'networkChanged', paramsJson: 'null' });
});

test('the constant objects are instance properties', () => {
  const core = new AZStackCore();
  assertEqual(core.chatConstants, chatConstants, 'chatConstants');
  assertEqual(core.errorCodes.ERR_UNEXPECTED_SEND_DATA, 'ERR_UNEXPECTED_SEND_DATA', 'errorCodes');
  assertEqual(core.chatConstants.MESSAGE_TYPE_GROUP_CREATED, 4, 'MESSAGE_TYPE_GROUP_CREATED');
  assertEqual(core.chatConstants.MESSAGE_TYPE_LOCATION, 11, 'MESSAGE_TYPE_LOCATION');
  assertEqual(core.callConstants.CALL_WEBRTC_CAMERA_TYPE_BACK, 'environment', 'CALL_WEBRTC_CAMERA_TYPE_BACK');
});

test('a method sends its name and options; absent options are null', async () => {
  answerWith('{"error":null,"result":null}');
  const core = new AZStackCore();
  await core.sendTyping({ chatType: 1, chatId: 7 });
  deepEqual(lastCall(), { handle: any.positiveInteger, method: 'sendTyping', paramsJson: '{"chatType":1,"chatId":7}' });
  await core.stopFreeCall();
  assertEqual(lastCall().paramsJson, 'null', 'options of stopFreeCall()');
  await core.newMessage('text' as never);
  assertEqual(lastCall().paramsJson, '"text"', 'non-object options pass through');
});

test('connect and reconnect carry the masterSocketUri property', async () => {
  answerWith('{"error":null,"result":{"userId":1,"azStackUserId":"u","fullname":"U"}}');
  const core = new AZStackCore({ masterSocketUri: 'http://127.0.0.1:1' });
  assertEqual(core.masterSocketUri, 'http://127.0.0.1:1', 'masterSocketUri from the config');
  await core.connect({});
  assertEqual(lastCall().paramsJson, '{"masterSocketUri":"http://127.0.0.1:1"}', 'connect({})');
  core.masterSocketUri = 'http://127.0.0.1:2';
  await core.reconnect();
  assertEqual(lastCall().paramsJson, '{"masterSocketUri":"http://127.0.0.1:2"}', 'reconnect()');
  await core.connect({ masterSocketUri: 'http://127.0.0.1:3' });
  assertEqual(lastCall().paramsJson, '{"masterSocketUri":"http://127.0.0.1:3"}', 'explicit masterSocketUri');
  await core.connect('x' as never);
  assertEqual(lastCall().paramsJson, '"x"', 'non-object options pass through');
});

test('success reaches the callback, then the Promise, then the return delegate', async () => {
  answerWith('{"error":null,"result":{"chatType":1,"chatId":9}}');
  const core = new AZStackCore();
  const order: string[] = [];
  let promise: Promise<unknown> | undefined;
  let promiseSettledBeforeDelegate: unknown;
  const delegateCalled = new Promise<void>((resolve) => {
    core.Delegates.onDeleteConversationReturn = (error, result) => {
      order.push('delegate');
      deepEqual({ error, result }, { error: null, result: { chatType: 1, chatId: 9 } }, 'delegate arguments');
      // A Promise that is already resolved wins the race against one resolved now.
      void Promise.race([promise, Promise.resolve('pending')]).then((v) => (promiseSettledBeforeDelegate = v));
      resolve();
    };
  });
  promise = core.deleteConversation({ chatType: 1, chatId: 9 }, (error, result) => {
    order.push('callback');
    deepEqual({ error, result }, { error: null, result: { chatType: 1, chatId: 9 } }, 'callback arguments');
  });
  deepEqual(await promise, { chatType: 1, chatId: 9 }, 'resolved value');
  await delegateCalled;
  await Promise.resolve();
  deepEqual(order, ['callback', 'delegate'], 'order of the synchronous deliveries');
  deepEqual(promiseSettledBeforeDelegate, { chatType: 1, chatId: 9 }, 'Promise settled before the delegate ran');
});

test('failure reaches the callback, the Promise and the delegate with the same error', async () => {
  const error = { code: 'ERR_UNEXPECTED_SEND_DATA', message: 'chatType must be only 1, 2' };
  answerWith(JSON.stringify({ error, result: null }));
  const core = new AZStackCore();
  const delegate = waitForDelegate(core, 'onNewMessageReturn', 1000);
  let callbackArgs: unknown;
  const promise = core.newMessage({ chatType: '1', chatId: 1, text: 'x' } as never, (e, r) => (callbackArgs = [e, r]));
  await expectError(promise, error as never);
  deepEqual(callbackArgs, [error, null], 'callback arguments');
  deepEqual(await delegate, { error, result: null }, 'delegate arguments');
});

test('a throwing callback or delegate is reported and does not stop the others', async () => {
  answerWith('{"error":null,"result":null}');
  const core = new AZStackCore();
  let delegateRan = false;
  const errors = await recordingConsoleErrors(async () => {
    core.Delegates.onSendTypingReturn = () => {
      delegateRan = true;
      throw new Error('delegate boom');
    };
    const result = await core.sendTyping({ chatType: 1, chatId: 2 }, () => {
      throw new Error('callback boom');
    });
    assertEqual(result, null, 'resolved value');
  });
  assert(delegateRan, 'the delegate to run after the throwing callback');
  deepEqual(
    errors.map((args) => [args[0], (args[1] as Error).message]),
    [
      ['AZStack: the callback of sendTyping threw', 'callback boom'],
      ['AZStack: Delegates.onSendTypingReturn threw', 'delegate boom'],
    ],
    'console.error calls',
  );
});

test('an ignored rejected Promise is not an unhandled rejection', async () => {
  answerWith('{"error":{"code":"ERR_SOCKET_NOT_CONNECTED","message":"x"},"result":null}');
  const core = new AZStackCore();
  const delegate = waitForDelegate(core, 'onDisconnectReturn', 1000);
  void core.disconnect({});
  await delegate;
  // run.mjs fails the run on any unhandled rejection, which Node reports once this task ends.
});

test('unreadable engine output and bridge failures become errors', async () => {
  const core = new AZStackCore();
  answerWith('not json');
  await expectError(core.getListGroups({ groupType: 0 }), {
    code: errorCodes.ERR_UNEXPECTED_RECEIVED_DATA,
    message: "Cannot parse the engine's response to getListGroups",
  });
  native.respond = () => Promise.reject(new Error('unknown handle 99'));
  await expectError(core.getListGroups({ groupType: 0 }), {
    code: errorCodes.ERR_UNEXPECTED_DATA,
    message: 'Cannot call getListGroups: unknown handle 99',
  });
  answerWith('{"error":null,"result":null}');
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  await expectError(core.getListGroups(cyclic as never), { code: errorCodes.ERR_UNEXPECTED_SEND_DATA });
});

test('events reach the Delegates of the instance that owns the engine', async () => {
  const first = new AZStackCore();
  const second = new AZStackCore();
  const secondHandle = native.created.length; // the fake issues handles 1, 2, ... in creation order
  const message = { chatType: 1, chatId: 3, senderId: 3, receiverId: 4, msgId: 5, type: 1, status: 1, deleted: 0,
    created: 1, modified: 1, text: 'hi' };
  let firstCalls = 0;
  first.Delegates.onHasNewMessage = () => firstCalls++;
  const received = waitForDelegate(second, 'onHasNewMessage', 1000);
  native.emit(secondHandle, 'onHasNewMessage', 'null', JSON.stringify(message));
  deepEqual(await received, { error: null, result: message }, 'second instance');
  assertEqual(firstCalls, 0, 'calls on the first instance');
  native.emit(12345, 'onHasNewMessage', 'null', '{}');

  const broken = waitForDelegate(second, 'onTyping', 1000);
  native.emit(secondHandle, 'onTyping', 'null', '{not json');
  deepEqual(
    await broken,
    { error: { code: 'ERR_UNEXPECTED_RECEIVED_DATA', message: "Cannot parse the engine's onTyping data" }, result: null },
    'unparseable event',
  );
  const failed = waitForDelegate(second, 'onAutoReconnected', 1000);
  native.emit(secondHandle, 'onAutoReconnected', '{"code":"ERR_SOCKET_CONNECT","message":"m"}', 'null');
  deepEqual(await failed, { error: { code: 'ERR_SOCKET_CONNECT', message: 'm' }, result: null }, 'error event');
});

test('streams arrive as objects whose toURL() names the stream for AZStackVideoView', async () => {
  const core = new AZStackCore();
  const handle = native.created.length;
  const arrived = waitForDelegate(core, 'onRemoteStreamArrived', 1000);
  native.emit(handle, 'onRemoteStreamArrived', 'null', '{"stream":{"id":"remote-7"}}');
  const { result } = await arrived;
  assert(result?.stream instanceof AZStackMediaStream, 'an AZStackMediaStream');
  assertEqual(result.stream.toURL(), 'remote-7', 'toURL()');
});

test('destroy() releases the engine and stops its events', () => {
  const core = new AZStackCore();
  const handle = native.created.length;
  let calls = 0;
  core.Delegates.onDisconnected = () => calls++;
  core.destroy();
  assertEqual(native.destroyed[native.destroyed.length - 1], handle, 'destroyed handle');
  native.emit(handle, 'onDisconnected', 'null', 'null');
  assertEqual(calls, 0, 'events after destroy()');
});

test("the seed README's swapped getUnreadMessages example runs", async () => {
  answerWith('{"error":null,"result":{"chatType":1,"chatId":2,"done":1,"page":1,"list":[]}}');
  const core = new AZStackCore();
  const delegate = waitForDelegate(core, 'onGetUnreadMessagesReturn', 1000);
  await core.onGetUnreadMessagesReturn({ page: 1, chatType: 1, chatId: 2 });
  assertEqual(lastCall().method, 'getUnreadMessages', 'engine method');
  await delegate;
});

test('system-call actions reach the state machine, not Delegates; what waits for an offer ends with the ring', async () => {
  const core = new AZStackCore();
  const handle = native.created.length;
  const ended: unknown[] = [];
  let endedNow: (() => void) | null = null;
  native.respond = async (_handle, method, paramsJson) => {
    if (method === 'endSystemCall') {
      ended.push(JSON.parse(paramsJson));
      endedNow?.();
    }
    const result = method === 'registerForCallNotifications' ? { deviceToken: 't', devicePlatformOS: 2, applicationBundleId: 'b.voip' } : {};
    return JSON.stringify({ error: null, result });
  };
  deepEqual(await core.registerForCallNotifications({ ringTimeout: 30 }), { deviceToken: 't', devicePlatformOS: 2 }, 'registered');
  deepEqual(native.calls.slice(-2).map((c) => c.method), ['registerForCallNotifications', 'notificationRegisterDevice'], 'calls');
  deepEqual(JSON.parse(lastCall().paramsJson), { deviceToken: 't', devicePlatformOS: 2, applicationBundleId: 'b.voip' }, 'svc 38');

  const action = (a: unknown) => native.emit(handle, '__systemCallAction', 'null', JSON.stringify(a));
  const push = (from: string, callId: string) =>
    action({ action: 'received', notification: { pushPacketType: '186', appId: 'a', from, callId } });
  const before = native.calls.length;
  push('7', '1');
  push('7', '1'); // a repeat is the same call
  action({ action: 'end', key: '7:1' }); // declined before any offer: waits for it, silently
  push('8', '2');
  action({ action: 'answer', key: '8:2' }); // answered before any offer: waits for it
  action({ action: 'bogus' });
  assertEqual((core.Delegates as unknown as Record<string, unknown>).__systemCallAction, undefined, 'no such delegate');
  await new Promise<void>((resolve) => (endedNow = resolve));
  deepEqual(ended, [{ key: '8:2', reason: 'unanswered' }], 'only the unanswered call is ended by the SDK');
  native.emit(handle, 'onFreeCallStart', 'null', JSON.stringify({ mediaType: 1, fromUserId: 7, toUserId: 1 }));
  deepEqual(native.calls.slice(before).map((c) => c.method), ['endSystemCall'], 'no answer, no reject after the ring');
  core.destroy();
});

void run();
