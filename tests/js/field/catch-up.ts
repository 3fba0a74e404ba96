// Messages sent to a client while it was disconnected reach its onHasNewMessage once after the auto-reconnect.
import { newCore, uniqueUserId } from '../fixtures';
import { check, Recorder, say, scenario } from './scenario';

scenario(async () => {
  // Alice's next attempt comes up to 3 s after the restart: bob sends meanwhile.
  const alice = newCore(uniqueUserId('alice'), { autoReconnect: true, autoReconnectIntervalTime: 3000 });
  const bob = newCore(uniqueUserId('bob'), { autoReconnect: true, autoReconnectIntervalTime: 200 });
  const a = new Recorder(alice, ['onDisconnected', 'onAutoReconnected', 'onHasNewMessage']);
  const b = new Recorder(bob, ['onDisconnected', 'onAutoReconnected']);
  const me = await alice.connect();
  await bob.connect();
  await bob.newMessage({ chatType: 1, chatId: me.userId, text: 'live' });
  await a.count('onHasNewMessage', 1);
  say('kill-server');
  await a.count('onDisconnected', 1);
  await b.count('onDisconnected', 1);
  say('restart-server');
  await b.until('bob back', () => b.of('onAutoReconnected').some((c) => c.error === null), 20_000);
  for (let i = 0; i < 3; i++) {
    await bob.newMessage({ chatType: 1, chatId: me.userId, text: `away${i}` });
  }
  await a.count('onHasNewMessage', 4, 20_000);
  await bob.newMessage({ chatType: 1, chatId: me.userId, text: 'after' });
  await a.count('onHasNewMessage', 5);
  const texts = a.of('onHasNewMessage').map((c) => c.result.text);
  check(JSON.stringify(texts) === JSON.stringify(['live', 'away0', 'away1', 'away2', 'after']), `each once: ${JSON.stringify(texts)}`);
  alice.destroy();
  bob.destroy();
});
