/**
 * The demo `scripts/demo` runs in the Linux JSI host: two users of a local `azstack-server dev` chat and then make a
 * video call through the SDK exactly as an app would — `new AZStackCore({...})`, callbacks, Promises and `Delegates`
 * — and the script prints a transcript of what each side saw. The call's media is real WebRTC between the two
 * engines; the host's synthetic camera draws a test pattern that numbers its frames, and a PNG of a frame Bob
 * received is saved.
 *
 * Environment (set by scripts/demo): AZSTACK_URL, AZSTACK_APP_ID, AZSTACK_PUBLIC_KEY; AZSTACK_DEMO_SNAPSHOT, where
 * the PNG goes (default: $TMPDIR or /tmp).
 */
import { AZStackCore } from 'azstack-react-native';
import type { CallStatus, FreeCallStart, Message, StreamArrived } from 'azstack-react-native';

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

/** Resolves once `ready()` is true, checking every 20 ms (for what has no event: frames drawn, audio heard). */
function until(what: string, ready: () => boolean): Promise<void> {
  const deadline = Date.now() + 10000;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (ready()) resolve();
      else if (Date.now() > deadline) reject(new Error(`${what}: not within 10 s`));
      else setTimeout(check, 20);
    };
    check();
  });
}

function describe(m: Message): string {
  if (m.text !== undefined) return `"${m.text}"`;
  // A conversation's last message carries the kind only (`sticker: {}`, `file: {type}`), a list item everything.
  if (m.sticker) return m.sticker.name ? `[sticker ${m.sticker.name}]` : '[sticker]';
  if (m.file) return m.file.name ? `[file ${m.file.name}, ${m.file.length} bytes]` : '[file]';
  if (m.location) return m.location.address ? `[location ${m.location.address}]` : '[location]';
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

  await videoCall(alice, bob, bobUser.userId);

  await alice.disconnect();
  await bob.disconnect();
  line('both', 'disconnected');
  alice.destroy();
  bob.destroy();
}

/** Alice calls Bob with video; both see the other's camera; Alice hangs up. */
async function videoCall(alice: AZStackCore, bob: AZStackCore, bobId: number): Promise<void> {
  for (const [who, c] of [['alice', alice], ['bob', bob]] as const) {
    c.Delegates.onFreeCallStatusChanged = (_error, s: CallStatus | null) => {
      if (s) line(who, `call status ${s.status}: ${s.message}`);
    };
  }
  const ringing = next<FreeCallStart>(bob, 'onFreeCallStart');
  const aliceRemote = next<StreamArrived>(alice, 'onRemoteStreamArrived');
  const bobRemote = next<StreamArrived>(bob, 'onRemoteStreamArrived');
  const answered = next<CallStatus>(alice, 'onFreeCallStatusChanged', (s) => s.status === 200);
  await alice.startFreeCall({ mediaType: alice.callConstants.CALL_MEDIA_TYPE_VIDEO, toUserId: bobId });
  line('alice', 'calls Bob (video)');
  const call = await ringing;
  line('bob', `rings: a ${call.mediaType === 2 ? 'video' : 'voice'} call from user ${call.fromUserId}`);
  await bob.answerFreeCall({});
  line('bob', 'answers');
  await answered;

  // Each side's remote stream goes to a renderer, as <AZStackVideoView streamURL={stream.toURL()} /> does on a phone.
  const [aliceSees, bobSees] = (await Promise.all([aliceRemote, bobRemote])).map((r) => r.stream.toURL());
  host.videoStats(aliceSees);
  host.videoStats(bobSees);
  await until('video both ways', () => host.videoStats(aliceSees).frames >= 30 && host.videoStats(bobSees).frames >= 30);
  await until('audio both ways', () => host.audioStats(alice).packetsReceived >= 25 && host.audioStats(bob).packetsReceived >= 25);
  for (const [who, url, c, peer] of [['alice', aliceSees, alice, 'Bob'], ['bob', bobSees, bob, 'Alice']] as const) {
    const v = host.videoStats(url);
    const a = host.audioStats(c);
    line(who, `sees ${peer}'s camera: ${v.frames} frames of ${v.width}×${v.height} at ${v.fps} fps, now at frame #${v.counter}`);
    line(who, `hears ${peer}: ${a.packetsReceived} audio packets, level ${a.level.toFixed(2)}`);
  }
  const path = host.env('AZSTACK_DEMO_SNAPSHOT') ?? `${host.env('TMPDIR') ?? '/tmp'}/azstack-demo-remote-frame.png`;
  const shot = host.snapshot(bobSees, path);
  line('bob', `saved frame #${shot.counter} of Alice's video (${shot.width}×${shot.height}) to ${path}`);

  const ended = next<CallStatus>(bob, 'onFreeCallStatusChanged', (s) => s.status === 700);
  await alice.stopFreeCall({});
  line('alice', 'hangs up');
  await ended;
}

main().then(
  () => host.exit(0),
  (error) => {
    console.error('demo failed:', error && (error.message || JSON.stringify(error)));
    host.exit(1);
  },
);
