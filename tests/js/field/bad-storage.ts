// An unusable storagePath (here: a file where a directory should be) is reported at construction — console.error and
// onOutboxChanged with the error — and the engine works without it.
import { newCore, uniqueUserId } from '../fixtures';
import { check, Recorder, scenario, storagePath } from './scenario';

scenario(async () => {
  const alice = newCore(uniqueUserId('alice'), { storagePath: `${storagePath()}/not-a-directory` });
  const a = new Recorder(alice, ['onOutboxChanged']);
  await a.count('onOutboxChanged', 1);
  const [report] = a.of('onOutboxChanged');
  check(report.error?.code === 'ERR_UNEXPECTED_DATA' && /^Cannot use storagePath/.test(report.error.message), JSON.stringify(report));
  const bob = newCore(uniqueUserId('bob'));
  const bobUser = await bob.connect();
  await alice.connect();
  const sent = await alice.newMessage({ chatType: 1, chatId: bobUser.userId, text: 'still works' });
  check(sent.status === 1, 'sent without storage');
  alice.destroy();
  bob.destroy();
});
