// The server is killed with kill -9 while two clients are connected: both notice within 1 s (timed by the
// supervisor), auto-reconnect when it is back with the same userId, and the 50 messages acked before the kill are all
// in the peer's history, once.
import { newCore, uniqueUserId } from '../fixtures';
import { check, history, Recorder, say, scenario } from './scenario';

scenario(async () => {
  const options = { autoReconnect: true, autoReconnectIntervalTime: 200 };
  const alice = newCore(uniqueUserId('alice'), options);
  const bob = newCore(uniqueUserId('bob'), options);
  const a = new Recorder(alice, ['onDisconnected', 'onAutoReconnected']);
  const b = new Recorder(bob, ['onDisconnected', 'onAutoReconnected']);
  const aliceUser = await alice.connect();
  const bobUser = await bob.connect();
  const acked: number[] = [];
  for (let i = 0; i < 50; i++) {
    const m = await alice.newMessage({ chatType: 1, chatId: bobUser.userId, text: `m${i}` });
    acked.push(m.msgId);
  }
  say('kill-server');
  await a.count('onDisconnected', 1);
  await b.count('onDisconnected', 1);
  say('event disconnected');
  say('restart-server');
  const back = (r: Recorder) => r.of('onAutoReconnected').some((c) => c.error === null);
  await a.until('alice reconnected', () => back(a), 20_000);
  await b.until('bob reconnected', () => back(b), 20_000);
  say('event reconnected');
  const user = (r: Recorder) => r.of('onAutoReconnected').find((c) => c.error === null)?.result;
  check(user(a).userId === aliceUser.userId && user(b).userId === bobUser.userId, 'the same userIds');
  const seen = (await history(bob, aliceUser.userId)).map((m) => m.msgId);
  check(JSON.stringify(seen) === JSON.stringify(acked), `the 50 acked messages once, in order: ${JSON.stringify(seen)}`);
  alice.destroy();
  bob.destroy();
});
