// @timeout 180
/**
 * End to end: free calls between two `AZStackCore` instances through the real server, with real media (PROTOCOL.md
 * §3.4–§3.8, §3.15–§3.17, §4.4, §5). The engines run WebRTC over loopback with the Linux host's synthetic devices:
 * a 640×480 test pattern whose frames carry a counter and a camera tint, and a 440 Hz tone. What each side receives
 * is read through the host's renderers (`host.videoStats`, `host.snapshot` — attached through the same frame
 * registry the phones' video views use) and speakers (`host.audioStats`).
 *
 * Every outcome ends with the right statuses on both sides and with nothing left behind: no peer connection, track
 * or call task (`host.callResources`), no extra socket (`host.openSockets`) and no extra engine thread
 * (`host.threads`), compared with what the process held before the call.
 *
 * The audio-session extensions run here too, through the same TurboModule a phone app uses: the permission request
 * (answered by the host's synthetic devices), the output route (`setSpeakerphoneOn`, read back with `host.audioRoute`)
 * and an interruption (`host.interruptAudio`, the call a phone's audio-focus listener or interruption observer makes).
 *
 * The ring-timeout test needs the server's ring timeout: `AZSTACK_RING_TIMEOUT_SECS` (scripts/test starts the dev
 * server with `--ring-timeout 5` and sets it).
 */
import { callConstants, type DelegateName } from 'azstack-react-native';
import { any, assert, assertEqual, deepEqual, expectError, run, test } from './harness';
import { DEADLINE_MS, STYLES, callInStyle, connectClient, resultOf, uniqueUserId, type Client } from './fixtures';
import { Recorder, baseline, eventually, released } from './call-support';

const CALL_DELEGATES: DelegateName[] = [
  'onFreeCallStart',
  'onFreeCallStatusChanged',
  'onFreeCallStatusChangedByMe',
  'onLocalStreamArrived',
  'onRemoteStreamArrived',
  'onAudioInterrupted',
  'onAudioResumed',
];

interface Side extends Client {
  events: Recorder;
  id: number;
}

async function side(label: string, azStackUserId = uniqueUserId(label)): Promise<Side> {
  const client = await connectClient(azStackUserId);
  return { ...client, events: new Recorder(client.core, CALL_DELEGATES), id: client.user.userId };
}

async function disconnect(...sides: Side[]): Promise<void> {
  for (const s of sides) {
    await s.core.disconnect();
  }
}

/** The next `onFreeCallStatusChanged` with `status`. */
function status(s: Side, wanted: number, deadlineMs = DEADLINE_MS) {
  return s.events.next('onFreeCallStatusChanged', (r) => r.status === wanted, deadlineMs);
}

const end = (code: number, state: string) => ({ status: code, message: `Free call status changed to ${state}, free call end` });

const { CALL_MEDIA_TYPE_AUDIO: AUDIO, CALL_MEDIA_TYPE_VIDEO: VIDEO } = callConstants;

/** `caller` calls `callee`, who rings. */
async function ring(caller: Side, callee: Side, mediaType: number): Promise<void> {
  assertEqual(await caller.core.startFreeCall({ mediaType, toUserId: callee.id }), null, 'startFreeCall');
  deepEqual(
    await callee.events.next('onFreeCallStart'),
    { mediaType, fromUserId: caller.id, toUserId: callee.id },
    'onFreeCallStart',
  );
  deepEqual(
    await status(caller, callConstants.CALL_STATUS_FREE_CALL_RINGING),
    { status: 180, message: 'Free call status changed to ringing' },
    'the caller hears ringing',
  );
}

async function answer(caller: Side, callee: Side): Promise<void> {
  assertEqual(await callee.core.answerFreeCall({}), null, 'answerFreeCall');
  deepEqual(
    await status(caller, callConstants.CALL_STATUS_FREE_CALL_ANSWERED),
    { status: 200, message: 'Free call status changed to answered' },
    'the caller sees the answer',
  );
}

const audioOf = (s: Side) => () => host.audioStats(s.core);

// --- the tests ------------------------------------------------------------------------------------------------------

test('an audio call: answered, the tone heard both ways, a mute heard by the peer, the callee hangs up', async () => {
  const [alice, bob] = [await side('alice'), await side('bob')];
  const before = baseline();
  await ring(alice, bob, AUDIO);
  await answer(alice, bob);
  for (const s of [alice, bob]) {
    const heard = await eventually('the tone arrives', audioOf(s), (a) => a.loudPackets >= 25);
    assert(heard.level > 0.1, `a loud level (${heard.level})`);
  }
  deepEqual(alice.events.all('onLocalStreamArrived'), [], 'an audio call has no streams');

  deepEqual(await alice.core.toggleAudioState({ state: 0 }), { audioState: 0 }, 'mute');
  const silent = host.audioStats(bob.core).silentPackets;
  await eventually('bob hears silence', audioOf(bob), (a) => a.silentPackets >= silent + 10 && a.level < 0.01);
  deepEqual(await alice.core.toggleAudioState(), { audioState: 1 }, 'toggle without options: unmute');
  const loud = host.audioStats(bob.core).loudPackets;
  await eventually('bob hears the tone again', audioOf(bob), (a) => a.loudPackets >= loud + 10);
  assert(host.audioStats(alice.core).silentPackets < 5, "bob's microphone was never muted");

  assertEqual(await bob.core.stopFreeCall({}), null, 'stopFreeCall');
  deepEqual(await status(alice, 700), end(700, 'stop'), 'the caller is told');
  await released(before);
  await disconnect(alice, bob);
});

test('a video call: streams, the test pattern both ways, a snapshot, video off and on, camera switch', async () => {
  const [alice, bob] = [await side('alice'), await side('bob')];
  const before = baseline();
  await ring(alice, bob, VIDEO);
  const aliceLocal = (await alice.events.next('onLocalStreamArrived')).stream;
  await answer(alice, bob);
  const bobLocal = (await bob.events.next('onLocalStreamArrived')).stream;
  const aliceSees = (await alice.events.next('onRemoteStreamArrived')).stream.toURL();
  const bobSees = (await bob.events.next('onRemoteStreamArrived')).stream.toURL();
  const urls = [aliceLocal.toURL(), bobLocal.toURL(), aliceSees, bobSees];
  assertEqual(new Set(urls).size, 4, `four distinct stream URLs (${urls.join(', ')})`);
  assertEqual(aliceLocal.id, aliceLocal.toURL(), 'toURL() is the stream id');

  for (const [who, url] of [['alice', aliceSees], ['bob', bobSees]] as const) {
    const seen = await eventually(`${who} sees the pattern`, () => host.videoStats(url), (v) =>
      v.frames >= 20 && typeof v.counter === 'number',
    );
    deepEqual(
      seen,
      { frames: any.number, width: 640, height: 480, fps: any.number, counter: any.number, black: false, cameraType: 'user' },
      `what ${who} sees`,
    );
  }
  const counter = host.videoStats(bobSees).counter!;
  await eventually('the counter advances', () => host.videoStats(bobSees), (v) => (v.counter ?? -1) > counter);
  await eventually('the local preview draws', () => host.videoStats(aliceLocal.toURL()), (v) => v.frames > 0);
  for (const s of [alice, bob]) {
    await eventually('the tone arrives with the video', audioOf(s), (a) => a.loudPackets >= 10);
  }

  const png = `${host.env('TMPDIR') ?? '/tmp'}/azstack-calls-test-${Date.now()}.png`;
  deepEqual(
    host.snapshot(bobSees, png),
    { width: 640, height: 480, counter: any.number, black: false, cameraType: 'user' },
    'a snapshot of what bob sees carries a readable counter',
  );

  deepEqual(await alice.core.toggleVideoState({ state: 0 }), { videoState: 0 }, 'video off');
  await eventually('bob sees black', () => host.videoStats(bobSees), (v) => v.black === true && v.counter === null);
  assertEqual(host.videoStats(aliceSees).black, false, "bob's video stays on");
  deepEqual(await alice.core.toggleVideoState(), { videoState: 1 }, 'toggle without options: video on');
  await eventually('bob sees the pattern again', () => host.videoStats(bobSees), (v) => v.black === false && v.counter !== null);

  deepEqual(await alice.core.switchCameraType(), { cameraType: 'environment' }, 'switch to the back camera');
  await eventually('bob sees the back camera', () => host.videoStats(bobSees), (v) => v.cameraType === 'environment');
  deepEqual(await alice.core.switchCameraType({}), { cameraType: 'user' }, 'switch back');
  await eventually('bob sees the front camera', () => host.videoStats(bobSees), (v) => v.cameraType === 'user');

  assertEqual(await alice.core.stopFreeCall({}), null, 'stopFreeCall');
  deepEqual(await status(bob, 700), end(700, 'stop'), 'the callee is told');
  await released(before);
  await disconnect(alice, bob);
});

test('rejected, then not answered: both end on both sides and the callee never opens the camera', async () => {
  const [alice, bob] = [await side('alice'), await side('bob')];
  const before = baseline();
  await ring(alice, bob, VIDEO);
  assertEqual(await bob.core.rejectFreeCall({}), null, 'rejectFreeCall');
  deepEqual(await status(alice, 603), end(603, 'rejected'), 'the caller sees the rejection');
  deepEqual(bob.events.all('onLocalStreamArrived'), [], 'a rejected call never opens the callee camera');
  await released(before);

  await ring(alice, bob, AUDIO);
  assertEqual(await bob.core.notAnswerFreeCall({}), null, 'notAnswerFreeCall');
  deepEqual(await status(alice, 400), end(400, 'not answered'), 'the caller sees not answered');
  await released(before);
  await disconnect(alice, bob);
});

test('busy: a callee already ringing answers busy and is not disturbed; the first caller cancels while ringing', async () => {
  const [alice, bob, carol] = [await side('alice'), await side('bob'), await side('carol')];
  const before = baseline();
  await ring(carol, bob, AUDIO);
  assertEqual(await alice.core.startFreeCall({ mediaType: VIDEO, toUserId: bob.id }), null, 'startFreeCall');
  deepEqual(await status(alice, 600), end(600, 'busy'), 'alice hears busy');
  assertEqual(bob.events.all('onFreeCallStart').length, 1, 'bob was told of one call only');

  assertEqual(await carol.core.stopFreeCall({}), null, 'carol cancels while it rings');
  deepEqual(await status(bob, 700), end(700, 'stop'), 'the ringing stops at bob');
  await released(before);
  deepEqual(
    carol.events.all('onFreeCallStatusChanged').map((s) => s.status),
    [180],
    'carol gets no status after her own stop',
  );
  await disconnect(alice, bob, carol);
});

test('the server ring timeout ends an unanswered call on both sides', async () => {
  const seconds = Number(host.env('AZSTACK_RING_TIMEOUT_SECS'));
  assert(seconds > 0 && seconds <= 15, 'AZSTACK_RING_TIMEOUT_SECS (1–15) naming the server ring timeout');
  const [alice, bob] = [await side('alice'), await side('bob')];
  const before = baseline();
  await ring(alice, bob, VIDEO);
  const deadline = (seconds + 5) * 1000;
  deepEqual(await status(alice, 400, deadline), end(400, 'not answered'), 'the caller');
  deepEqual(await status(bob, 400, deadline), end(400, 'not answered'), 'the callee');
  await released(before);
  await disconnect(alice, bob);
});

test('answered on another device of the callee: the ringing stops there (199)', async () => {
  const bobId = uniqueUserId('bob');
  const [alice, bob, bobElsewhere] = [await side('alice'), await side('bob', bobId), await side('bob', bobId)];
  assertEqual(bob.id, bobElsewhere.id, 'one user, two devices');
  const before = baseline();
  await ring(alice, bob, AUDIO);
  assertEqual((await bobElsewhere.events.next('onFreeCallStart')).fromUserId, alice.id, 'both devices ring');
  await answer(alice, bob);
  deepEqual(
    await bobElsewhere.events.next('onFreeCallStatusChangedByMe'),
    { status: 200, message: 'Free call status changed to answered by me, free call end' },
    'the other device stops ringing',
  );
  await eventually('the tone reaches the answering device', audioOf(bob), (a) => a.loudPackets >= 10);
  assertEqual(host.audioStats(bobElsewhere.core).packetsReceived, 0, 'the other device never gets media');

  assertEqual(await alice.core.stopFreeCall({}), null, 'stopFreeCall');
  deepEqual(await status(bob, 700), end(700, 'stop'), 'bob is told');
  await released(before);
  await disconnect(alice, bob, bobElsewhere);
});

// --- the audio session (extensions) ---------------------------------------------------------------------------------

test('requestMediaPermissions: granted on the host (synthetic devices), in the three styles; options checked', async () => {
  const alice = await side('alice');
  for (const style of STYLES) {
    const outcome = await callInStyle(style, alice.core, 'requestMediaPermissions', 'onRequestMediaPermissionsReturn', {});
    deepEqual(resultOf(outcome, style), { audio: 'granted', video: 'granted' }, `${style}: both asked for by default`);
  }
  deepEqual(await alice.core.requestMediaPermissions({ video: false }), { audio: 'granted', video: null }, 'audio only');
  deepEqual(await alice.core.requestMediaPermissions(), { audio: 'granted', video: 'granted' }, 'no options');
  await expectError(
    alice.core.requestMediaPermissions({ audio: 'yes' as unknown as boolean }),
    { code: 'ERR_UNEXPECTED_SEND_DATA', message: 'audio must be boolean' },
    'a non-boolean option',
  );
  await expectError(
    alice.core.setSpeakerphoneOn({} as { on: boolean }),
    { code: 'ERR_UNEXPECTED_SEND_DATA', message: 'on is required' },
    'setSpeakerphoneOn without on',
  );
  await disconnect(alice);
});

test('the route: earpiece for an audio call, speaker for a video call; setSpeakerphoneOn lasts until the audio stops', async () => {
  const [alice, bob] = [await side('alice'), await side('bob')];
  const before = baseline();
  assertEqual(host.audioRoute(), 'none', 'no call audio yet');
  await ring(alice, bob, AUDIO);
  await answer(alice, bob);
  await eventually('the audio call plays on the earpiece', host.audioRoute, (r) => r === 'earpiece');
  deepEqual(await alice.core.setSpeakerphoneOn({ on: true }), { route: 'speaker' }, 'to the speaker');
  assertEqual(host.audioRoute(), 'speaker', 'read back');
  deepEqual(await alice.core.setSpeakerphoneOn({ on: false }), { route: 'earpiece' }, 'back to the earpiece');
  deepEqual(await alice.core.setSpeakerphoneOn({ on: true }), { route: 'speaker' }, 'and to the speaker again');
  assertEqual(await alice.core.stopFreeCall({}), null, 'stopFreeCall');
  await released(before);
  await eventually('no call audio after the call', host.audioRoute, (r) => r === 'none');

  await ring(alice, bob, VIDEO);
  await answer(alice, bob);
  await eventually('the video call plays on the speaker (the earlier choice is gone)', host.audioRoute, (r) => r === 'speaker');
  deepEqual(await bob.core.setSpeakerphoneOn({ on: false }), { route: 'earpiece' }, 'to the earpiece');
  assertEqual(await bob.core.stopFreeCall({}), null, 'stopFreeCall');
  await released(before);
  await disconnect(alice, bob);
});

test('an interruption: both cores told, audio paused both ways while video goes on, then resumed', async () => {
  const [alice, bob] = [await side('alice'), await side('bob')];
  const before = baseline();
  await ring(alice, bob, VIDEO);
  await answer(alice, bob);
  const bobSees = (await bob.events.next('onRemoteStreamArrived')).stream.toURL();
  for (const s of [alice, bob]) {
    await eventually('the tone arrives', audioOf(s), (a) => a.loudPackets >= 10);
  }

  host.interruptAudio(true);
  for (const s of [alice, bob]) {
    assertEqual(await s.events.next('onAudioInterrupted'), null, 'onAudioInterrupted(null, null)');
  }
  // Nothing is played while interrupted: the speakers' counts stand still while bob's video advances by 30 frames
  // (about a second). A packet already being handed over when the flag flipped may still count.
  const paused = [alice, bob].map((s) => host.audioStats(s.core).packetsReceived);
  const frames = host.videoStats(bobSees).frames;
  await eventually("bob's video goes on meanwhile", () => host.videoStats(bobSees), (v) => v.frames >= frames + 30);
  [alice, bob].forEach((s, i) => {
    const now = host.audioStats(s.core).packetsReceived;
    assert(now <= paused[i]! + 1, `nothing played while interrupted (${paused[i]} → ${now})`);
  });

  host.interruptAudio(false);
  for (const s of [alice, bob]) {
    assertEqual(await s.events.next('onAudioResumed'), null, 'onAudioResumed(null, null)');
  }
  host.interruptAudio(false); // a repeat is no change: no second onAudioResumed
  for (const s of [alice, bob]) {
    const loud = host.audioStats(s.core).loudPackets;
    // The tone again, not silence: the microphones were paused too and resumed.
    await eventually('the tone is played again', audioOf(s), (a) => a.loudPackets >= loud + 10);
  }
  assertEqual(bob.events.all('onAudioResumed').length, 1, 'one onAudioResumed per interruption');

  assertEqual(await alice.core.stopFreeCall({}), null, 'stopFreeCall');
  await released(before);
  await disconnect(alice, bob);
});

void run();
