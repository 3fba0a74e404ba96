// @timeout 120
/**
 * End to end: calls that ring a sleeping phone (`registerForCallNotifications`, js/callNotifications.ts) through the
 * real TurboModule, engine and server.
 *
 * The phone's system call UI (CallKit, Android's ConnectionService) cannot run here; the host's stand-in
 * (`host.installCallUi`, cpp/linux-host/src/CallUiProbe.cpp) implements cpp/PlatformCalls.h as the phone glue does
 * and reports through the same `SystemCallBridge` calls: a call push shown ringing (`host.callPushReceived`), the
 * user answering (`host.callAnswered`) or declining / hanging up (`host.callEnded`) there, and what the system UI
 * shows (`host.systemCalls`). Everything after that is the real path.
 *
 * The push payloads are written here as PROTOCOL.md §10.3 has the server send them (the server's push sending is
 * tested against its own APNs/FCM stand-ins); their `callId` only names the system call, since the engine's offer
 * carries the caller and not the call id. "Asleep" is a callee with no session: the server holds the call and
 * re-offers it to the session that authenticates while it rings (PROTOCOL.md §5.3, OQ-21). The server's ring timeout
 * is `AZSTACK_RING_TIMEOUT_SECS` (5 s under scripts/test), so each call below is answered well within it.
 */
import { callConstants, errorCodes, type AZStackCore, type DelegateName } from 'azstack-react-native';
import { assert, assertEqual, deepEqual, expectError, run, test } from './harness';
import { APP_ID, connectClient, newCore, uniqueUserId, type Client } from './fixtures';
import { Recorder, eventually } from './call-support';

const DELEGATES: DelegateName[] = [
  'onFreeCallStart',
  'onFreeCallStatusChanged',
  'onAnswerFreeCallReturn',
  'onRejectFreeCallReturn',
];

const RING_TIMEOUT_MS = Number(host.env('AZSTACK_RING_TIMEOUT_SECS') ?? '45') * 1000;
const { CALL_MEDIA_TYPE_AUDIO: AUDIO } = callConstants;

host.installCallUi({ deviceToken: 'linux-host-voip-token', devicePlatformOS: 2, applicationBundleId: 'org.azstack.test.voip' });

interface Phone {
  core: AZStackCore;
  events: Recorder;
}

/** A user whose phone sleeps: known to the server, no session. */
async function sleepingUser(label: string): Promise<{ azStackUserId: string; id: number }> {
  const azStackUserId = uniqueUserId(label);
  const { core, user } = await connectClient(azStackUserId);
  await core.disconnect();
  core.destroy();
  return { azStackUserId, id: user.userId };
}

/** The app starts (perhaps woken by the push): connects, then turns call notifications on, as the README says. */
async function wake(azStackUserId: string, ringTimeout = RING_TIMEOUT_MS): Promise<Phone> {
  const core = newCore(azStackUserId);
  const events = new Recorder(core, DELEGATES);
  await core.connect({});
  deepEqual(
    await core.registerForCallNotifications({ ringTimeout }),
    { deviceToken: 'linux-host-voip-token', devicePlatformOS: 2 },
    'registerForCallNotifications',
  );
  return { core, events };
}

async function caller(label: string): Promise<Client & { events: Recorder }> {
  const client = await connectClient(uniqueUserId(label));
  return { ...client, events: new Recorder(client.core, DELEGATES) };
}

/** The call push the server sends for `from`'s call `callId` (PROTOCOL.md §10.3); the system UI shows it ringing. */
function push(pushPacketType: '186' | '188', from: number, callId: number): string {
  host.callPushReceived({ pushPacketType, appId: APP_ID, callId: String(callId), from: String(from), title: 'Caller', body: 'Incoming call' });
  return `${from}:${callId}`;
}

const systemCall = (key: string) => () => host.systemCalls()[key];

function ended(key: string, reason: string) {
  return eventually(`the system call ends (${reason})`, systemCall(key), (c) => c?.state === 'ended' && c.reason === reason);
}

async function goodbye(...cores: AZStackCore[]): Promise<void> {
  for (const core of cores) {
    await core.disconnect();
    core.destroy();
  }
}

// --- the tests ------------------------------------------------------------------------------------------------------

test('registerForCallNotifications: the platform token is registered with the server; a bad ringTimeout is refused', async () => {
  const core = newCore(uniqueUserId('reg'));
  await core.connect({});
  await expectError(
    core.registerForCallNotifications({ ringTimeout: -1 }),
    { code: errorCodes.ERR_UNEXPECTED_SEND_DATA, message: 'ringTimeout must be a positive number' },
    'a negative ringTimeout',
  );
  const viaCallback = await new Promise((resolve) => core.registerForCallNotifications({}, (error, result) => resolve({ error, result })));
  deepEqual(viaCallback, { error: null, result: { deviceToken: 'linux-host-voip-token', devicePlatformOS: 2 } }, 'callback');
  await goodbye(core);
});

test('answered in the system UI before the app connected: the answer waits for the offer; the caller hangs up', async () => {
  const bob = await sleepingUser('bob');
  const alice = await caller('alice');
  assertEqual(await alice.core.startFreeCall({ mediaType: AUDIO, toUserId: bob.id }), null, 'startFreeCall to a sleeping user');
  const key = push('186', alice.user.userId, 41);
  deepEqual(host.systemCalls()[key], { state: 'ringing', reason: null }, 'the system UI rings');
  host.callAnswered(key); // no JavaScript of bob's runs yet: the action waits in azstack-ffi

  const phone = await wake(bob.azStackUserId);
  deepEqual(await phone.events.next('onFreeCallStart'), { mediaType: AUDIO, fromUserId: alice.user.userId, toUserId: bob.id }, 'the re-offer');
  await alice.events.next('onFreeCallStatusChanged', (s) => s.status === callConstants.CALL_STATUS_FREE_CALL_ANSWERED);
  await phone.events.next('onAnswerFreeCallReturn');
  assertEqual(host.systemCalls()[key]?.state, 'answered', 'the system call stays up while the call does');

  await alice.core.stopFreeCall({});
  await phone.events.next('onFreeCallStatusChanged', (s) => s.status === callConstants.CALL_STATUS_FREE_CALL_STOP);
  await ended(key, 'remoteEnded');
  await goodbye(alice.core, phone.core);
});

test('answered in the system UI while the app had lost its connection: answerFreeCall once it is back and offered', async () => {
  const bob = await sleepingUser('bob');
  const phone = await wake(bob.azStackUserId);
  await phone.core.disconnect(); // e.g. suspended in the background; the app's JavaScript keeps running
  const alice = await caller('alice');
  await alice.core.startFreeCall({ mediaType: AUDIO, toUserId: bob.id });
  const key = push('186', alice.user.userId, 48);
  host.callAnswered(key); // reaches the state machine at once; there is no offer to answer yet
  await phone.core.reconnect({});
  await phone.events.next('onFreeCallStart');
  await alice.events.next('onFreeCallStatusChanged', (s) => s.status === callConstants.CALL_STATUS_FREE_CALL_ANSWERED);
  await phone.events.next('onAnswerFreeCallReturn');
  await phone.core.stopFreeCall({}); // the app's own hang-up button
  await alice.events.next('onFreeCallStatusChanged', (s) => s.status === callConstants.CALL_STATUS_FREE_CALL_STOP);
  await ended(key, 'localEnded');
  await goodbye(alice.core, phone.core);
});

test('declined in the system UI while the app is connected: rejectFreeCall, the caller is told', async () => {
  const bob = await sleepingUser('bob');
  const phone = await wake(bob.azStackUserId);
  const alice = await caller('alice');
  await alice.core.startFreeCall({ mediaType: AUDIO, toUserId: bob.id });
  await phone.events.next('onFreeCallStart');
  const key = push('186', alice.user.userId, 42);
  host.callEnded(key);
  await alice.events.next('onFreeCallStatusChanged', (s) => s.status === callConstants.CALL_STATUS_FREE_CALL_REJECTED);
  await phone.events.next('onRejectFreeCallReturn');
  deepEqual(host.systemCalls()[key], { state: 'ended', reason: 'user' }, 'ended by the user, not again by the SDK');
  await goodbye(alice.core, phone.core);
});

test('declined before the app connected: the offer is rejected when it arrives', async () => {
  const bob = await sleepingUser('bob');
  const alice = await caller('alice');
  await alice.core.startFreeCall({ mediaType: AUDIO, toUserId: bob.id });
  const key = push('186', alice.user.userId, 43);
  host.callEnded(key);
  const phone = await wake(bob.azStackUserId);
  await alice.events.next('onFreeCallStatusChanged', (s) => s.status === callConstants.CALL_STATUS_FREE_CALL_REJECTED);
  await phone.events.next('onRejectFreeCallReturn');
  await goodbye(alice.core, phone.core);
});

test('the caller cancels while the system UI rings: by the cancel push, or by the status once connected', async () => {
  const bob = await sleepingUser('bob');
  const alice = await caller('alice');

  // Asleep: the server's cancel push (188) ends the system call when the app starts.
  await alice.core.startFreeCall({ mediaType: AUDIO, toUserId: bob.id });
  const first = push('186', alice.user.userId, 44);
  await alice.core.stopFreeCall({});
  push('188', alice.user.userId, 44);
  let phone = await wake(bob.azStackUserId);
  await ended(first, 'remoteEnded');
  await goodbye(phone.core);

  // Woken but not answered yet: the caller's 188/700 reaches the app, which ends the system call.
  await alice.core.startFreeCall({ mediaType: AUDIO, toUserId: bob.id });
  const second = push('186', alice.user.userId, 45);
  phone = await wake(bob.azStackUserId);
  await phone.events.next('onFreeCallStart');
  await alice.core.stopFreeCall({});
  await ended(second, 'remoteEnded');
  deepEqual(phone.events.all('onAnswerFreeCallReturn'), [], 'nothing was answered');
  await goodbye(alice.core, phone.core);
});

test('answered on another device of the user: the system call ends as answered elsewhere', async () => {
  const bob = await sleepingUser('bob');
  const phone = await wake(bob.azStackUserId);
  const tablet = newCore(bob.azStackUserId);
  const tabletEvents = new Recorder(tablet, DELEGATES);
  await tablet.connect({});
  const alice = await caller('alice');
  await alice.core.startFreeCall({ mediaType: AUDIO, toUserId: bob.id });
  await Promise.all([phone.events.next('onFreeCallStart'), tabletEvents.next('onFreeCallStart')]);
  const key = push('186', alice.user.userId, 46);
  await tablet.answerFreeCall({});
  await ended(key, 'answeredElsewhere');
  await alice.core.stopFreeCall({});
  await goodbye(alice.core, phone.core, tablet);
});

test("answered in the app's own UI while the system UI rang: the system call ends, the call goes on", async () => {
  const bob = await sleepingUser('bob');
  const phone = await wake(bob.azStackUserId);
  const alice = await caller('alice');
  await alice.core.startFreeCall({ mediaType: AUDIO, toUserId: bob.id });
  await phone.events.next('onFreeCallStart');
  const key = push('186', alice.user.userId, 49);
  await phone.core.answerFreeCall({});
  await ended(key, 'answeredElsewhere');
  await alice.events.next('onFreeCallStatusChanged', (s) => s.status === callConstants.CALL_STATUS_FREE_CALL_ANSWERED);
  await alice.core.stopFreeCall({});
  await goodbye(alice.core, phone.core);
});

test('an answer that never meets its offer: the system call ends unanswered after ringTimeout', async () => {
  const bob = await sleepingUser('bob');
  const phone = await wake(bob.azStackUserId, 300);
  const key = push('186', 999_999_999, 47); // a push whose call never reaches this session
  host.callAnswered(key);
  await ended(key, 'unanswered');
  deepEqual(phone.events.all('onAnswerFreeCallReturn'), [], 'answerFreeCall was never called');
  assert(host.systemCalls()[key]?.reason === 'unanswered', 'unanswered');
  await goodbye(phone.core);
});

run();
