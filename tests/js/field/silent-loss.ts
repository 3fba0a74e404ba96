// The server is frozen (SIGSTOP: no FIN, no RST): the loss is noticed within livenessTimeout (FIELD_LIVENESS ms, 3000
// unless the supervisor says otherwise; it times the notice), and the session resumes when the server continues.
import { newCore, uniqueUserId } from '../fixtures';
import { check, Recorder, say, scenario } from './scenario';

scenario(async () => {
  const livenessTimeout = Number(host.env('FIELD_LIVENESS') ?? 3000);
  const alice = newCore(uniqueUserId('alice'), { autoReconnect: true, autoReconnectIntervalTime: 200, livenessTimeout });
  const bob = newCore(uniqueUserId('bob'));
  const a = new Recorder(alice, ['onDisconnected', 'onAutoReconnected']);
  const me = await alice.connect();
  const bobUser = await bob.connect();
  say('stop-server');
  await a.count('onDisconnected', 1, livenessTimeout + 10_000);
  say('event disconnected');
  say('cont-server');
  await a.until('reconnected', () => a.of('onAutoReconnected').some((c) => c.error === null), 20_000);
  say('event reconnected');
  const back = a.of('onAutoReconnected').find((c) => c.error === null)?.result;
  check(back.userId === me.userId, 'the same userId');
  const sent = await alice.newMessage({ chatType: 1, chatId: bobUser.userId, text: 'after' });
  check(sent.status === 1, 'acked after the resume');
  alice.destroy();
  bob.destroy();
});
