/**
 * The demo `scripts/demo` runs in the Linux JSI host: two users of a local `azstack-server dev` chat through the SDK
 * exactly as an app would — `new AZStackCore({...})`, callbacks, Promises and `Delegates` — and the script prints a
 * transcript of what each side saw.
 *
 * Environment (set by scripts/demo): AZSTACK_URL, AZSTACK_APP_ID, AZSTACK_PUBLIC_KEY.
 */
import { AZStackCore } from 'azstack-react-native';
import type { Message } from 'azstack-react-native';

const started = Date.now();

function line(who: string, text: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(3).padStart(7);
  console.log(`[${seconds}s] ${who.padEnd(5)} ${text}`);
}

function required(name: string): string {
  const value = host.env(name);
  if (!value) {
    console.error(`${name} is not set (scripts/demo sets it)`);
    return host.exit(2);
  }
  return value;
}

const server = {
  url: required('AZSTACK_URL'),
  appId: required('AZSTACK_APP_ID'),
  publicKey: required('AZSTACK_PUBLIC_KEY'),
};

function core(azStackUserId: string, fullname: string): AZStackCore {
  return new AZStackCore({
    masterSocketUri: server.url,
    requestTimeout: 10000,
    authenticatingData: { appId: server.appId, publicKey: server.publicKey, azStackUserId, fullname },
  });
}

/** Resolves with the next result of `Delegates[name]` that `accept` takes, and puts the previous handler back. */
function next<T>(c: AZStackCore, name: string, accept: (result: T) => boolean = () => true): Promise<T> {
  const delegates = c.Delegates as unknown as Record<string, (error: unknown, result: T) => void>;
  const previous = delegates[name];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      delegates[name] = previous;
      reject(new Error(`no ${name} within 10 s`));
    }, 10000);
    delegates[name] = (error, result) => {
      previous(error, result);
      if (!error && accept(result)) {
        clearTimeout(timer);
        delegates[name] = previous;
        resolve(result);
      }
    };
  });
}

const STATUS = ['sending', 'sent', 'delivered', 'seen', '', '', 'recalled'];

function describe(m: Message): string {
  if (m.text !== undefined) return `"${m.text}"`;
  if (m.sticker) return `[sticker ${m.sticker.name}]`;
  if (m.file) return `[file ${m.file.name}, ${m.file.length} bytes]`;
  if (m.location) return `[location ${m.location.address}]`;
  return `[message type ${m.type}]`;
}

async function main(): Promise<void> {
  const alice = core('demo-alice', 'Alice');
  const bob = core('demo-bob', 'Bob');

  // Everything each side is told, as it happens.
  alice.Delegates.onMessageStatusChanged = (_error, s) => {
    if (s) line('alice', `sees message ${s.msgId} ${STATUS[s.messageStatus] ?? s.messageStatus}`);
  };
  bob.Delegates.onHasNewMessage = (_error, m) => {
    if (m) line('bob', `receives ${describe(m)} from user ${m.senderId}${m.chatType === 2 ? ` in group ${m.chatId}` : ''}`);
  };
  alice.Delegates.onHasNewMessage = (_error, m) => {
    if (m) line('alice', `receives ${describe(m)} from user ${m.senderId}${m.chatType === 2 ? ` in group ${m.chatId}` : ''}`);
  };
  bob.Delegates.onTyping = (_error, t) => {
    if (t) line('bob', `sees user ${t.senderId} typing…`);
  };
  alice.Delegates.onTyping = (_error, t) => {
    if (t) line('alice', `sees user ${t.senderId} typing…`);
  };
  bob.Delegates.onGroupCreated = (_error, m) => {
    if (m && m.createdGroup) line('bob', `was added to group "${m.createdGroup.name}" (${m.createdGroup.groupId}) by user ${m.senderId}`);
  };

  // connect: one with a callback, one with a Promise.
  const me = await new Promise<{ userId: number }>((resolve, reject) =>
    alice.connect({}, (error, user) => (error || !user ? reject(error) : resolve(user))),
  );
  line('alice', `connected as user ${me.userId}`);
  const bobUser = await bob.connect();
  line('bob', `connected as user ${bobUser.userId}`);

  // Alice types, then writes.
  const typing = next(bob, 'onTyping');
  await alice.sendTyping({ chatType: alice.chatConstants.CHAT_TYPE_USER, chatId: bobUser.userId });
  await typing;
  const received = next<Message>(bob, 'onHasNewMessage');
  const sent = await alice.newMessage({ chatType: 1, chatId: bobUser.userId, text: 'Hi Bob! Lunch at noon?' });
  line('alice', `sent ${describe(sent)} (msgId ${sent.msgId}, status ${STATUS[sent.status]})`);
  const got = await received;

  // Bob's device reports delivery, then Bob reads it.
  const delivered = next<{ messageStatus: number }>(alice, 'onMessageStatusChanged', (s) => s.messageStatus === 2);
  await bob.changeMessageStatus({ chatType: 1, chatId: me.userId, messageSenderId: me.userId, messageStatus: 2, msgId: got.msgId });
  await delivered;
  const seen = next<{ messageStatus: number }>(alice, 'onMessageStatusChanged', (s) => s.messageStatus === 3);
  await bob.changeMessageStatus({ chatType: 1, chatId: me.userId, messageSenderId: me.userId, messageStatus: 3, msgId: got.msgId });
  await seen;

  // Bob answers with text and a sticker.
  const reply = next<Message>(alice, 'onHasNewMessage');
  await bob.newMessage({ chatType: 1, chatId: me.userId, text: 'Sure, see you there.' });
  await reply;
  const sticker = next<Message>(alice, 'onHasNewMessage');
  await bob.newMessage({
    chatType: 1,
    chatId: me.userId,
    sticker: { name: 'thumbs-up.png', catId: 1, url: 'https://stickers.example.org/1/thumbs-up.png' },
  });
  await sticker;

  // A group.
  const added = next(bob, 'onGroupCreated');
  const group = await alice.createGroup({ type: 0, name: 'Lunch club', memberIds: [bobUser.userId] });
  line('alice', `created group "${group.name}" (${group.groupId}) with members ${group.memberIds.join(', ')}`);
  await added;
  const groupMessage = next<Message>(bob, 'onHasNewMessage', (m) => m.chatType === 2);
  await alice.newMessage({ chatType: 2, chatId: group.groupId, text: 'Welcome to the lunch club!' });
  await groupMessage;

  // What the server kept: Bob's conversations and the last messages with Alice.
  const conversations = await bob.getModifiedConversations({ page: 1, lastCreated: Date.now() + 1000 });
  for (const c of conversations.list) {
    line('bob', `conversation ${c.chatType === 2 ? 'group' : 'user'} ${c.chatId}: last ${describe(c.lastMessage)}, ${c.unread} unread`);
  }
  const history = await bob.getModifiedMessages({ page: 1, lastCreated: Date.now() + 1000, chatType: 1, chatId: me.userId });
  line('bob', `history with Alice: ${history.list.map(describe).reverse().join(' · ')}`);

  await alice.disconnect();
  await bob.disconnect();
  line('both', 'disconnected');
  alice.destroy();
  bob.destroy();
}

main().then(
  () => host.exit(0),
  (error) => {
    console.error('demo failed:', error && (error.message || JSON.stringify(error)));
    host.exit(1);
  },
);
