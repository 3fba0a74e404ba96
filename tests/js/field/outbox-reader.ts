// Phase 2: the next process of the same user with the same storagePath sends the message the killed one kept; its ack
// comes through onNewMessageReturn (the call that handed it over is gone), and the peer has it exactly once.
import { newCore } from '../fixtures';
import { check, history, Recorder, scenario, sharedUser, storagePath } from './scenario';

scenario(async () => {
  const alice = newCore(sharedUser('A', 'alice'), { storagePath: storagePath() });
  const a = new Recorder(alice, ['onNewMessageReturn', 'onOutboxChanged']);
  const me = await alice.connect();
  await a.count('onNewMessageReturn', 1);
  const [ack] = a.of('onNewMessageReturn');
  check(ack.error === null && ack.result.msgId === 424242 && ack.result.status === 1, `the ack: ${JSON.stringify(ack)}`);
  await a.until('0 pending', () => a.of('onOutboxChanged').some((c) => c.result?.pending === 0));
  const bob = newCore(sharedUser('B', 'bob'));
  await bob.connect();
  const seen = await history(bob, me.userId);
  check(JSON.stringify(seen) === JSON.stringify([{ msgId: 424242, text: 'survives kill -9' }]), `once: ${JSON.stringify(seen)}`);
  alice.destroy();
  bob.destroy();
});
