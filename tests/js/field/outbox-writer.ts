// Phase 1 of "killed right after newMessage returned": alice (never connected) hands a message over and says so; the
// supervisor kills this process with kill -9 at once. Phase 2 (outbox-reader.ts) finds it delivered exactly once.
import { newCore } from '../fixtures';
import { say, scenario, sharedUser, storagePath } from './scenario';

scenario(async () => {
  const bob = newCore(sharedUser('B', 'bob'));
  const bobUser = await bob.connect();
  const alice = newCore(sharedUser('A', 'alice'), { storagePath: storagePath() });
  void alice.newMessage({ chatType: 1, chatId: bobUser.userId, text: 'survives kill -9', msgId: 424242 });
  say('returned 424242');
  await new Promise(() => {}); // the supervisor ends this process
});
