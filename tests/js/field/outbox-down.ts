// 20 messages handed over while the server is down are delivered once each, in order, after it returns; their calls
// resolve on the acks.
import { newCore, uniqueUserId } from '../fixtures';
import { check, history, Recorder, say, scenario, storagePath } from './scenario';

scenario(async () => {
  const options = { autoReconnect: true, autoReconnectIntervalTime: 200 };
  const alice = newCore(uniqueUserId('alice'), { ...options, storagePath: storagePath() });
  const bob = newCore(uniqueUserId('bob'), options);
  const a = new Recorder(alice, ['onDisconnected', 'onOutboxChanged', 'onAutoReconnected']);
  const b = new Recorder(bob, ['onDisconnected', 'onAutoReconnected']);
  const me = await alice.connect();
  const bobUser = await bob.connect();
  say('kill-server');
  await a.count('onDisconnected', 1);
  await b.count('onDisconnected', 1);
  const calls = Array.from({ length: 20 }, (_, i) => alice.newMessage({ chatType: 1, chatId: bobUser.userId, text: `m${i}` }));
  await a.until('20 pending', () => a.of('onOutboxChanged').some((c) => c.result?.pending === 20));
  const queued = await alice.getOutbox();
  check(queued.list.map((m) => m.text).join() === calls.map((_, i) => `m${i}`).join(), 'the outbox in order');
  say('restart-server');
  const sent = await Promise.all(calls);
  check(sent.every((m) => m.status === 1), 'every call resolved on its ack');
  await a.until('0 pending', () => a.of('onOutboxChanged').some((c) => c.result?.pending === 0));
  await b.until('bob reconnected', () => b.of('onAutoReconnected').some((c) => c.error === null), 20_000);
  const seen = await history(bob, me.userId);
  check(
    JSON.stringify(seen) === JSON.stringify(sent.map((m, i) => ({ msgId: m.msgId, text: `m${i}` }))),
    `each once, in order: ${JSON.stringify(seen)}`,
  );
  alice.destroy();
  bob.destroy();
});
