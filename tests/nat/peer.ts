/**
 * One side of the NAT test's video call, run on the Linux JSI host inside its own network namespace behind its own
 * NAT (scripts/lib/nat.sh). `NAT_ROLE=callee` connects, prints `@ready USERID`, answers the call it gets;
 * `NAT_ROLE=caller` connects and calls `NAT_CALLEE_ID`. Both then wait until they see the other's test pattern advance
 * and hear its tone, print `@media FRAMES PACKETS`, tell each other so in a chat message, hang up (the caller) or see the call end (the callee), and exit 0.
 * With `NAT_BREAK` (the caller), between `@media` and the chat message the caller runs that command — it moves its
 * NAT to another public address, which breaks every mapping the call and the connection used — then calls
 * `networkChanged()` and waits until the pattern advances and the tone plays again (an ICE restart over a new TURN
 * relay, after the engine reconnected), and prints `@recovered FRAMES PACKETS MS`. With `NAT_BREAK_QUIET` it then runs
 * that command (the callee's NAT moves) without telling anyone and waits for media again: `@recovered-quiet ...`.
 * Every wait has a deadline; tests/nat/run.mjs reads the `@` lines.
 */
import { callConstants, chatConstants } from 'azstack-react-native';
import { assertEqual } from '../js/harness';
import { newCore, uniqueUserId } from '../js/fixtures';
import { Recorder, eventually } from '../js/call-support';

/** ICE over relays, DTLS and the first decoded frames take longer than on loopback. */
const MEDIA_MS = 45_000;

async function main(): Promise<void> {
  const role = host.env('NAT_ROLE');
  const breakCommand = host.env('NAT_BREAK');
  // Auto-reconnect keeps an answered call across a dropped connection (it restarts ICE once authenticated again).
  const core = newCore(uniqueUserId(`nat-${role}`), { autoReconnect: true, autoReconnectIntervalTime: 1000 });
  const client = { core, user: await core.connect({}) };
  const events = new Recorder(client.core, [
    'onFreeCallStart',
    'onFreeCallStatusChanged',
    'onRemoteStreamArrived',
    'onHasNewMessage',
  ]);
  let peer: number;
  if (role === 'callee') {
    console.log(`@ready ${client.user.userId}`);
    peer = (await events.next('onFreeCallStart', () => true, 30_000)).fromUserId;
    assertEqual(await client.core.answerFreeCall({}), null, 'answerFreeCall');
  } else {
    const callee = Number(host.env('NAT_CALLEE_ID'));
    peer = callee;
    const started = await client.core.startFreeCall({ mediaType: callConstants.CALL_MEDIA_TYPE_VIDEO, toUserId: callee });
    assertEqual(started, null, 'startFreeCall');
    await events.next('onFreeCallStatusChanged', (r) => r.status === callConstants.CALL_STATUS_FREE_CALL_ANSWERED, 30_000);
  }
  const remote = (await events.next('onRemoteStreamArrived', () => true, MEDIA_MS)).stream.toURL();
  const first = await eventually('the remote pattern draws', () => host.videoStats(remote), (v) => v.counter !== null, MEDIA_MS);
  const video = await eventually(
    'the remote pattern advances',
    () => host.videoStats(remote),
    (v) => (v.counter ?? -1) > (first.counter ?? 0) + 10,
    MEDIA_MS,
  );
  const audio = await eventually('the remote tone plays', () => host.audioStats(client.core), (a) => a.loudPackets > 25, MEDIA_MS);
  console.log(`@media ${video.frames} ${audio.packetsReceived}`);
  if (breakCommand) {
    const brokeAt = Date.now();
    const pid = host.spawn(['bash', '-c', breakCommand]);
    const code = await eventually('the NAT changed its address', () => host.poll(pid), (c) => c !== null, 10_000);
    assertEqual(code, 0, `${breakCommand} exit status`);
    client.core.networkChanged();
    const broken = host.videoStats(remote);
    const heard = host.audioStats(client.core);
    const again = await eventually(
      'the remote pattern advances after the network change',
      () => host.videoStats(remote),
      (v) => (v.counter ?? -1) > (broken.counter ?? 0) + 30,
      MEDIA_MS,
    );
    const tone = await eventually(
      'the remote tone plays after the network change',
      () => host.audioStats(client.core),
      (a) => a.loudPackets > heard.loudPackets + 25,
      MEDIA_MS,
    );
    // The last field (ms from the address change until both checks held) is informational, not asserted.
    console.log(`@recovered ${again.frames} ${tone.packetsReceived} ${Date.now() - brokeAt}`);
  }
  const quietBreak = host.env('NAT_BREAK_QUIET');
  if (quietBreak) {
    // The other side's network changes and nobody is told: its engine finds its connection dead by itself, and
    // the caller restarts ICE when the media connection stays disconnected.
    const brokeAt = Date.now();
    const pid = host.spawn(['bash', '-c', quietBreak]);
    const code = await eventually('the NAT changed its address', () => host.poll(pid), (c) => c !== null, 10_000);
    assertEqual(code, 0, `${quietBreak} exit status`);
    const broken = host.videoStats(remote);
    const heard = host.audioStats(client.core);
    const again = await eventually(
      'the remote pattern advances after the unannounced network change',
      () => host.videoStats(remote),
      (v) => (v.counter ?? -1) > (broken.counter ?? 0) + 30,
      MEDIA_MS,
    );
    const tone = await eventually(
      'the remote tone plays after the unannounced network change',
      () => host.audioStats(client.core),
      (a) => a.loudPackets > heard.loudPackets + 25,
      MEDIA_MS,
    );
    console.log(`@recovered-quiet ${again.frames} ${tone.packetsReceived} ${Date.now() - brokeAt}`);
  }
  // The call ends only once both sides have seen media: each tells the other through the server.
  await client.core.newMessage({ chatType: chatConstants.CHAT_TYPE_USER, chatId: peer, text: 'media ok' });
  // The caller may first recover from a network change (NAT_BREAK): up to twice MEDIA_MS more.
  await events.next('onHasNewMessage', (m) => m.senderId === peer && m.text === 'media ok', 3 * MEDIA_MS);
  if (role === 'caller') {
    assertEqual(await client.core.stopFreeCall({}), null, 'stopFreeCall');
  } else {
    await events.next('onFreeCallStatusChanged', (r) => r.status === callConstants.CALL_STATUS_FREE_CALL_STOP, 30_000);
  }
  await client.core.disconnect();
}

main().then(
  () => host.exit(0),
  (error: unknown) => {
    console.log(`@failed ${error instanceof Error ? error.message : String(error)}`);
    host.exit(1);
  },
);
