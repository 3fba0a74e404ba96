// @timeout 240
/**
 * End to end: phone calls through the server's SIP gateway, driven through the public API of `AZStackCore`, with a
 * real SIPp process (Debian's `sip-tester`) started by the test as the telephone carrier on 127.0.0.1 (PROTOCOL.md
 * §3.9–§3.14, §3.18, §4.4, §5.4, §5.5). The scenarios are the server's SIP test scenarios (rust/server/tests/sip).
 *
 * Answered calls carry audio through the server's media bridge (WebRTC/Opus ↔ RTP/G.711): SIPp's RTP echo
 * (`-rtp_echo`) sends the app's own tone back, so the app hears it only if audio crossed the bridge both ways, and
 * hears silence while it is muted.
 *
 * Environment (scripts/test sets it and starts the dev server to match): AZSTACK_SIP_TRUNK_PORT (the dev server's
 * `--sip-trunk sip:127.0.0.1:PORT`: where SIPp listens as the carrier of callouts), AZSTACK_SIP_GATEWAY (its
 * `--sip-listen` address: where SIPp sends call-ins), AZSTACK_SIP_MEDIA_PORT (a free UDP port for SIPp's RTP echo,
 * with the port two above it), AZSTACK_CALLIN_NUMBER and AZSTACK_CALLIN_USER (its `--callin NUMBER=USER`),
 * AZSTACK_BALANCE_MINUTES (its `--balance-minutes N`: every user's talk time) and AZSTACK_SIP_SCENARIOS (the scenario
 * directory). The balance test talks until the balance runs out, so it takes that long.
 */
import { callConstants, type DelegateName } from 'azstack-react-native';
import { AssertionError, any, assert, assertEqual, deepEqual, run, test } from './harness';
import { connectClient, uniqueUserId, type Client } from './fixtures';
import { Recorder, baseline, eventually, released } from './call-support';

function env(name: string): string {
  const value = host.env(name);
  if (!value) {
    throw new Error(`${name} is not set (scripts/test sets the SIP environment of this test)`);
  }
  return value;
}

const TRUNK_PORT = env('AZSTACK_SIP_TRUNK_PORT');
const GATEWAY = env('AZSTACK_SIP_GATEWAY');
const MEDIA_PORT = env('AZSTACK_SIP_MEDIA_PORT');
const CALLIN_NUMBER = env('AZSTACK_CALLIN_NUMBER');
const CALLIN_USER = env('AZSTACK_CALLIN_USER');
const SCENARIOS = env('AZSTACK_SIP_SCENARIOS');
const BALANCE_SECONDS = Number(env('AZSTACK_BALANCE_MINUTES')) * 60;
const DIALLED = '+84901234567';
/** The caller id the call-in scenarios present. */
const CALLER = '+84909876543';

const PSTN_DELEGATES: DelegateName[] = [
  'onCalloutStatusChanged',
  'onCallinStart',
  'onCallinStatusChanged',
  'onCallinStatusChangedByMe',
  'onPaidCallLogReturn',
];

interface Side extends Client {
  events: Recorder;
}

async function side(azStackUserId: string): Promise<Side> {
  const client = await connectClient(azStackUserId);
  return { ...client, events: new Recorder(client.core, PSTN_DELEGATES) };
}

// --- the carrier ----------------------------------------------------------------------------------------------------

/** A SIPp process playing one call of `scenario`. */
class Carrier {
  private constructor(private readonly pid: number) {}

  /** SIPp gives up (and fails) after `seconds` in all, or after waiting 10 s (at least) for one message. */
  private static spawn(scenario: string, args: string[], seconds = 20): Carrier {
    const wait = String(Math.max(10, seconds - 10) * 1000);
    const common = ['-i', '127.0.0.1', '-m', '1', '-nostdin', '-recv_timeout', wait, '-timeout', `${seconds}s`, '-timeout_error'];
    return new Carrier(host.spawn(['sipp', ...args, '-sf', `${SCENARIOS}/${scenario}`, ...common]));
  }

  /** The carrier of callouts: listens on the trunk port. */
  static trunk(scenario: string, args: string[] = [], seconds?: number): Carrier {
    return Carrier.spawn(scenario, ['-p', TRUNK_PORT, ...args], seconds);
  }

  /** A carrier calling `CALLIN_NUMBER` at the gateway. */
  static callin(scenario: string, args: string[] = []): Carrier {
    return Carrier.spawn(scenario, [GATEWAY, '-s', CALLIN_NUMBER, '-p', '0', ...args]);
  }

  /** Waits (at most `deadlineMs`) for SIPp to end; its exit code (0: the scenario ran as written). */
  finished(deadlineMs = 25_000): Promise<number> {
    return eventually(`sipp ${this.pid} ends`, () => host.poll(this.pid), (code) => code !== null, deadlineMs) as Promise<number>;
  }
}

async function carrierSucceeded(carrier: Carrier): Promise<void> {
  assertEqual(await carrier.finished(), 0, 'SIPp ran its scenario as written (exit code)');
}

/** SIPp answers with its media on MEDIA_PORT and echoes the RTP it receives there (the bridge scenarios' keys). */
const ECHO = ['-rtp_echo', '-mp', MEDIA_PORT, '-key', 'carrier_rtp_port', MEDIA_PORT, '-key', 'carrier_pt', '0', '-key', 'carrier_codec', 'PCMU'];

/** Waits until the app heard `packets` more loud audio packets than `from`. */
function hears(s: Side, packets: number, from = host.audioStats(s.core).loudPackets) {
  return eventually('the app hears its tone come back through the bridge', () => host.audioStats(s.core), (a) => a.loudPackets >= from + packets);
}

/** The dev server records answered calls (`--record-calls`): their logs link to the WAV file (the server's own tests
 * fetch and check it). */
const RECORDING_LINK = /^http:\/\/127\.0\.0\.1:\d+\/recordings\/\d+-[0-9a-f]{32}\.wav\?expires=\d+&sig=[\w-]+$/;
const CALLOUT_RINGING = { status: 183, message: 'Callout status changed to ringing' };

// --- the tests ------------------------------------------------------------------------------------------------------

test('callout busy: startCallout resolves, the carrier rings then refuses, the call is logged and pushed', async () => {
  const alice = await side(uniqueUserId('alice'));
  const before = baseline();
  const carrier = Carrier.trunk('fail_486.xml');
  const result = await new Promise((resolve, reject) => {
    void alice.core.startCallout({ toPhoneNumber: DIALLED, fromPhoneNumber: '+8428000', tags: 'order-17' }, (error, r) =>
      error ? reject(new AssertionError(JSON.stringify(error))) : resolve(r),
    );
  });
  assertEqual(result, null, 'startCallout (callback) result');
  deepEqual(await alice.events.next('onCalloutStatusChanged', (r) => r.status === 183), CALLOUT_RINGING, 'ringing');
  deepEqual(
    await alice.events.next('onCalloutStatusChanged', (r) => r.status === callConstants.CALL_STATUS_CALLOUT_STATUS_BUSY),
    { status: 486, message: 'Callout status changed to busy, callout end' },
    'busy',
  );
  const log = await alice.events.next('onPaidCallLogReturn');
  deepEqual(
    log,
    {
      callId: any.positiveInteger,
      fromPhoneNumber: any.string,
      toPhoneNumber: DIALLED,
      tags: 'order-17',
      duration: 0,
      recordTime: any.number,
      recordUrl: '',
      userId: alice.user.userId,
      callType: callConstants.CALL_PAID_LOG_CALL_TYPE_CALLOUT,
      callStatus: 1,
    },
    'onPaidCallLogReturn',
  );
  const logs = await alice.core.getPaidCallLogs({});
  assertEqual(logs.done, 1, 'getPaidCallLogs done');
  assert(logs.list.some((l) => l.callId === log.callId), 'getPaidCallLogs lists the call');
  await carrierSucceeded(carrier);
  await released(before);
  await alice.core.disconnect();
});

test('callout cancelled by the app while ringing (Promise style); stopCallout then has nothing to stop', async () => {
  const alice = await side(uniqueUserId('alice'));
  const before = baseline();
  const carrier = Carrier.trunk('cancel.xml');
  assertEqual(await alice.core.startCallout({ toPhoneNumber: DIALLED }), null, 'startCallout');
  await alice.events.next('onCalloutStatusChanged', (r) => r.status === 183);
  assertEqual(await alice.core.stopCallout({}), null, 'stopCallout');
  await carrierSucceeded(carrier);
  await released(before);
  const again = await alice.core.stopCallout({}).then(
    () => null,
    (e: unknown) => e,
  );
  deepEqual(again, { code: 'ERR_UNEXPECTED_DATA', message: 'Cannot stop callout when not currently on callout' }, 'stopCallout again');
  await alice.core.disconnect();
});

test('call-in: both devices ring, one rejects (Delegates style), the other sees it by me; the carrier gets 603', async () => {
  const bob = await side(CALLIN_USER);
  const bob2 = await side(CALLIN_USER);
  const before = baseline();
  const carrier = Carrier.callin('callin_reject.xml');
  const start = { fromPhoneNumber: CALLER, toPhoneNumber: CALLIN_NUMBER };
  deepEqual(await bob.events.next('onCallinStart'), start, 'onCallinStart (first device)');
  deepEqual(await bob2.events.next('onCallinStart'), start, 'onCallinStart (second device)');
  const rejected = new Promise((resolve) => {
    bob.core.Delegates.onRejectCallinReturn = (error, result) => resolve({ error, result });
  });
  void bob.core.rejectCallin({ tags: 'busy now' });
  deepEqual(await rejected, { error: null, result: null }, 'onRejectCallinReturn');
  deepEqual(
    await bob2.events.next('onCallinStatusChangedByMe'),
    { status: 702, message: 'Callin status changed to ringing stop by me, callin end' },
    'the other device stops ringing',
  );
  await carrierSucceeded(carrier);
  await released(before);
  const log = await bob.events.next('onPaidCallLogReturn');
  assertEqual(log.callType, callConstants.CALL_PAID_LOG_CALL_TYPE_CALLIN, 'logged as a call-in');
  assertEqual(log.fromPhoneNumber, CALLER, 'the caller is logged');
  await bob.core.disconnect();
  await bob2.core.disconnect();
});

test('call-in: the carrier gives up while it rings, then a call-in nobody answers', async () => {
  const bob = await side(CALLIN_USER);
  const before = baseline();
  let carrier = Carrier.callin('callin_cancel.xml');
  await bob.events.next('onCallinStart');
  deepEqual(
    await bob.events.next('onCallinStatusChanged'),
    { status: 702, message: 'Callin status changed to ringing stop, callin end' },
    'the caller gave up',
  );
  await carrierSucceeded(carrier);
  carrier = Carrier.callin('callin_unanswered.xml');
  await bob.events.next('onCallinStart');
  assertEqual(await bob.core.notAnsweredCallin({}), null, 'notAnsweredCallin');
  await carrierSucceeded(carrier);
  await released(before);
  await bob.core.disconnect();
});

test('call-in in the system call UI (registerForCallNotifications): declined there, then a caller who gives up', async () => {
  // The stand-in for CallKit / ConnectionService of tests/js/call-notifications.test.ts; the 602 push as the server
  // sends it (PROTOCOL.md §10.3), its `from` the caller's number.
  host.installCallUi({ deviceToken: 'pstn-voip-token', devicePlatformOS: 2, applicationBundleId: 'org.azstack.test.voip' });
  const bob = await side(CALLIN_USER);
  await bob.core.registerForCallNotifications({});
  const push = (callId: string) => {
    host.callPushReceived({ pushPacketType: '602', appId: 'app', callId, from: CALLER, title: CALLER });
    return `${CALLER}:${callId}`;
  };

  let carrier = Carrier.callin('callin_reject.xml');
  await bob.events.next('onCallinStart');
  const declined = push('1');
  host.callEnded(declined);
  await carrierSucceeded(carrier); // SIPp got its 603: the SDK called rejectCallin
  deepEqual(host.systemCalls()[declined], { state: 'ended', reason: 'user' }, 'declined in the system UI');

  carrier = Carrier.callin('callin_cancel.xml');
  await bob.events.next('onCallinStart');
  const cancelled = push('2');
  await bob.events.next('onCallinStatusChanged', (s) => s.status === 702);
  await eventually('the system call ends', () => host.systemCalls()[cancelled], (c) => c?.state === 'ended' && c.reason === 'remoteEnded');
  await carrierSucceeded(carrier);
  await bob.core.disconnect();
  bob.core.destroy();
});

test('callout refused by the carrier: rejected, not answered, unavailable, no signal; each ends the call', async () => {
  const alice = await side(uniqueUserId('alice'));
  const before = baseline();
  const outcomes: [string, number, string][] = [
    ['fail_403.xml', callConstants.CALL_STATUS_CALLOUT_STATUS_REJECTED, 'rejected'],
    ['fail_480.xml', callConstants.CALL_STATUS_CALLOUT_STATUS_NOT_ANSWERED, 'not answered'],
    ['fail_408.xml', callConstants.CALL_STATUS_CALLOUT_STATUS_USER_NOT_AVAILABLE, 'user not available'],
    ['fail_503.xml', callConstants.CALL_STATUS_CALLOUT_STATUS_NO_SIGNAL, 'no signal'],
  ];
  for (const [scenario, code, state] of outcomes) {
    const carrier = Carrier.trunk(scenario, ['-mp', MEDIA_PORT]);
    assertEqual(await alice.core.startCallout({ toPhoneNumber: DIALLED }), null, `startCallout (${scenario})`);
    deepEqual(
      await alice.events.next('onCalloutStatusChanged', (r) => r.status >= 400),
      { status: code, message: `Callout status changed to ${state}, callout end` },
      scenario,
    );
    await carrierSucceeded(carrier);
    await released(before);
  }
  await alice.core.disconnect();
});

test('callout answered, then the carrier hangs up: onCalloutStatusChanged STOP', async () => {
  const alice = await side(uniqueUserId('alice'));
  const before = baseline();
  const carrier = Carrier.trunk('answer_then_carrier_bye.xml', ['-mp', MEDIA_PORT]);
  assertEqual(await alice.core.startCallout({ toPhoneNumber: DIALLED }), null, 'startCallout');
  await alice.events.next('onCalloutStatusChanged', (r) => r.status === 200);
  deepEqual(
    await alice.events.next('onCalloutStatusChanged', (r) => r.status === callConstants.CALL_STATUS_CALLOUT_STATUS_STOP),
    { status: 700, message: 'Callout status changed to stop, callout end' },
    'the carrier hung up',
  );
  await carrierSucceeded(carrier);
  await released(before);
  await alice.core.disconnect();
});

test('call-in answered on one device: the other stops ringing (by me, 200); the carrier hangs up', async () => {
  const bob = await side(CALLIN_USER);
  const bob2 = await side(CALLIN_USER);
  const before = baseline();
  const carrier = Carrier.callin('callin_answer_then_carrier_bye.xml', ['-mp', MEDIA_PORT]);
  await bob.events.next('onCallinStart');
  await bob2.events.next('onCallinStart');
  assertEqual(await bob.core.answerCallin({}), null, 'answerCallin');
  deepEqual(
    await bob2.events.next('onCallinStatusChangedByMe'),
    { status: 200, message: 'Callin status changed to answered by me, callin end' },
    'answered elsewhere',
  );
  deepEqual(
    await bob.events.next('onCallinStatusChanged'),
    { status: 700, message: 'Callin status changed to stop, callin end' },
    'the carrier hung up',
  );
  await carrierSucceeded(carrier);
  await released(before);
  const again = await bob2.core.answerCallin({}).then(
    () => null,
    (e: unknown) => e,
  );
  deepEqual(again, { code: 'ERR_UNEXPECTED_DATA', message: 'Cannot answer callin when not currently on callin' }, 'nothing rings');
  await bob.core.disconnect();
  await bob2.core.disconnect();
});

test('callout answered: audio crosses the bridge both ways, a mute is heard as silence, the app hangs up', async () => {
  const alice = await side(uniqueUserId('alice'));
  const before = baseline();
  const carrier = Carrier.trunk('bridge_callout.xml', ECHO);
  assertEqual(await alice.core.startCallout({ toPhoneNumber: DIALLED }), null, 'startCallout');
  deepEqual(
    await alice.events.next('onCalloutStatusChanged', (r) => r.status === callConstants.CALL_STATUS_CALLOUT_STATUS_ANSWERED),
    { status: 200, message: 'Callout status changed to answered' },
    'answered',
  );
  await hears(alice, 25);
  deepEqual(await alice.core.toggleAudioState({ state: callConstants.CALL_WEBRTC_AUDIO_STATE_OFF }), { audioState: 0 }, 'mute');
  const silentFrom = host.audioStats(alice.core).silentPackets;
  await eventually('the echo falls silent', () => host.audioStats(alice.core), (a) => a.silentPackets >= silentFrom + 10 && a.level < 0.01);
  deepEqual(await alice.core.toggleAudioState({}), { audioState: 1 }, 'unmute');
  await hears(alice, 10);
  assertEqual(await alice.core.stopCallout({}), null, 'stopCallout');
  await carrierSucceeded(carrier);
  await released(before);
  const log = await alice.events.next('onPaidCallLogReturn');
  assertEqual(log.callStatus, callConstants.CALL_PAID_LOG_CALL_STATUS_ANSWERED, 'logged as answered');
  assert(RECORDING_LINK.test(log.recordUrl ?? ''), `a recording link: ${log.recordUrl}`);
  await alice.core.disconnect();
});

test('call-in answered: audio crosses the bridge both ways until the carrier hangs up', async () => {
  const bob = await side(CALLIN_USER);
  const before = baseline();
  const carrier = Carrier.callin('callin_bridge_carrier_bye.xml', ECHO);
  deepEqual(await bob.events.next('onCallinStart'), { fromPhoneNumber: CALLER, toPhoneNumber: CALLIN_NUMBER }, 'rings');
  assertEqual(await bob.core.answerCallin({ tags: 'desk' }), null, 'answerCallin');
  await hears(bob, 25);
  deepEqual(
    await bob.events.next('onCallinStatusChanged', () => true, 15_000),
    { status: 700, message: 'Callin status changed to stop, callin end' },
    'the carrier hung up',
  );
  await carrierSucceeded(carrier);
  await released(before);
  const log = await bob.events.next('onPaidCallLogReturn');
  deepEqual([log.callStatus, log.tags], [0, 'desk'], 'logged as answered, with the tags');
  const listed = (await bob.core.getPaidCallLogs({})).list.find((l) => l.callId === log.callId);
  assert(RECORDING_LINK.test(listed?.recordUrl ?? ''), `getPaidCallLogs hands out a recording link: ${listed?.recordUrl}`);
  await bob.core.disconnect();
});

test('balance: a callout ends when the talk time runs out (702), and the next one is refused (-4)', async () => {
  const alice = await side(uniqueUserId('alice'));
  const before = baseline();
  const carrier = Carrier.trunk('bridge_callout.xml', ECHO, BALANCE_SECONDS + 30);
  assertEqual(await alice.core.startCallout({ toPhoneNumber: DIALLED }), null, 'startCallout');
  await alice.events.next('onCalloutStatusChanged', (r) => r.status === 200);
  await hears(alice, 25);
  deepEqual(
    await alice.events.next(
      'onCalloutStatusChanged',
      (r) => r.status === callConstants.CALL_STATUS_CALLOUT_STATUS_NOT_ENOUGH_BALANCE,
      (BALANCE_SECONDS + 10) * 1000,
    ),
    { status: 702, message: 'Callout status changed to not enough balance, callout end' },
    'the balance ran out',
  );
  assertEqual(await carrier.finished(), 0, 'SIPp got the BYE (exit code)');
  await released(before);
  const refused = await alice.core.startCallout({ toPhoneNumber: DIALLED }).then(
    () => null,
    (e: unknown) => e,
  );
  deepEqual(
    refused,
    { code: 'ERR_UNEXPECTED_RECEIVED_DATA', message: 'Your account has not enough balance', status: -4 },
    'no balance left',
  );
  await released(before);
  await alice.core.disconnect();
}, { deadlineMs: (BALANCE_SECONDS + 40) * 1000 });

void run();
