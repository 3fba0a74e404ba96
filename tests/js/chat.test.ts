/**
 * End to end, user chats: sending text, sticker, file and location messages in every style, the delegates they
 * raise (onHasNewMessage, onMessageFromMe with a second session of the sender, onMessageStatusChanged for SENT,
 * DELIVERED, SEEN and CANCELLED), typing, and the order in which one call's outcome is delivered (PROTOCOL.md §3.0,
 * §3.24–§3.27, §4.2).
 */
import { chatConstants, type Message, type MessageStatusChange } from 'azstack-react-native';
import { assert, assertEqual, deepEqual, matches, run, test, waitForDelegate } from './harness';
import {
  DEADLINE_MS,
  STYLES,
  callInStyle,
  connectClient,
  expectedMessage,
  resultOf,
  uniqueUserId,
  type Client,
  type Style,
} from './fixtures';

const { CHAT_TYPE_USER, MESSAGE_STATUS_SENT, MESSAGE_STATUS_DELIVERED, MESSAGE_STATUS_SEEN, MESSAGE_STATUS_CANCELLED } =
  chatConstants;

let alice: Client; // the sender
let aliceElsewhere: Client; // a second session of alice
let bob: Client; // the recipient

test('connect alice (two sessions) and bob', async () => {
  const aliceId = uniqueUserId('alice');
  alice = await connectClient(aliceId);
  aliceElsewhere = await connectClient(aliceId);
  bob = await connectClient(uniqueUserId('bob'));
  assertEqual(aliceElsewhere.user.userId, alice.user.userId, "alice's second session userId");
});

/**
 * Sends `content` (`{text}`, `{sticker}`, ...) from alice to bob in `style` and checks the result, bob's
 * onHasNewMessage and the onMessageFromMe of alice's other session. Returns the message id.
 */
async function sendAndCheck(style: Style, content: Record<string, unknown>, type: number): Promise<number> {
  const me = alice.user.userId;
  const peer = bob.user.userId;
  const carriesContent = ({ result }: { result: Message | null }) => matches(pick(result, Object.keys(content)), content);
  const incoming = waitForDelegate(bob.core, 'onHasNewMessage', DEADLINE_MS, carriesContent);
  const echoed = waitForDelegate(aliceElsewhere.core, 'onMessageFromMe', DEADLINE_MS, carriesContent);

  const outcome = await callInStyle<Message>(style, alice.core, 'newMessage', 'onNewMessageReturn', {
    chatType: CHAT_TYPE_USER,
    chatId: peer,
    ...content,
  });
  const sent = resultOf(outcome, `newMessage (${style})`);
  deepEqual(
    sent,
    expectedMessage({ chatType: CHAT_TYPE_USER, chatId: peer, senderId: me, receiverId: peer, type, ...content }),
    `newMessage result (${style})`,
  );
  const shared = { chatType: CHAT_TYPE_USER, msgId: sent.msgId, type, ...content };
  deepEqual(
    await incoming,
    { error: null, result: expectedMessage({ ...shared, chatId: me, senderId: me, receiverId: peer }) },
    `bob's onHasNewMessage (${style})`,
  );
  deepEqual(
    await echoed,
    { error: null, result: expectedMessage({ ...shared, chatId: peer, senderId: me, receiverId: peer }) },
    `alice's other session's onMessageFromMe (${style})`,
  );
  return sent.msgId;
}

/** The fields `keys` of `message` (an empty object for `null`). */
function pick(message: Message | null, keys: string[]): Record<string, unknown> {
  const record = (message ?? {}) as Record<string, unknown>;
  return Object.fromEntries(keys.filter((key) => key in record).map((key) => [key, record[key]]));
}

test('a text message in every style, with the SENT acknowledgement', async () => {
  for (const style of STYLES) {
    const text = `hello in ${style} style`;
    const acknowledged = waitForDelegate(
      alice.core,
      'onMessageStatusChanged',
      DEADLINE_MS,
      ({ result }) => result?.messageStatus === MESSAGE_STATUS_SENT,
    );
    const msgId = await sendAndCheck(style, { text }, chatConstants.MESSAGE_TYPE_TEXT);
    deepEqual(
      await acknowledged,
      {
        error: null,
        result: {
          chatType: CHAT_TYPE_USER,
          chatId: bob.user.userId,
          senderId: alice.user.userId,
          receiverId: alice.user.userId,
          msgId,
          messageStatus: MESSAGE_STATUS_SENT,
        },
      },
      `onMessageStatusChanged SENT (${style})`,
    );
  }
});

test('a sticker message in every style', async () => {
  for (const style of STYLES) {
    const sticker = { name: `${style}.png`, catId: 1, url: `http://azstack.com/api/public_html/sticker/1/${style}.png` };
    await sendAndCheck(style, { sticker }, chatConstants.MESSAGE_TYPE_STICKER);
  }
});

test('a file message in every style', async () => {
  for (const style of STYLES) {
    const file = {
      name: `${style}.png`,
      length: 5183,
      type: chatConstants.MESSAGE_FILE_TYPE_IMAGE,
      url: `https://azstack.com/static/images/${style}.png`,
    };
    await sendAndCheck(style, { file }, chatConstants.MESSAGE_TYPE_FILE);
  }
});

test('a location message (extension)', async () => {
  const location = { address: '1 Main Street', longitude: 105.85, latitude: 21.03 };
  await sendAndCheck('promise', { location }, chatConstants.MESSAGE_TYPE_LOCATION);
});

test('DELIVERED, SEEN and CANCELLED in every style reach the other party', async () => {
  const me = alice.user.userId;
  const peer = bob.user.userId;
  for (const style of STYLES) {
    const { msgId } = await alice.core.newMessage({ chatType: CHAT_TYPE_USER, chatId: peer, text: `receipts ${style}` });
    const statusOf = (client: Client, messageStatus: number) =>
      waitForDelegate(client.core, 'onMessageStatusChanged', DEADLINE_MS, ({ result }) =>
        result?.msgId === msgId && result.messageStatus === messageStatus);
    const change = (client: Client, messageStatus: number, chatId: number) =>
      callInStyle(style, client.core, 'changeMessageStatus', 'onChangeMessageStatusReturn', {
        chatType: CHAT_TYPE_USER,
        chatId,
        messageSenderId: me,
        messageStatus,
        msgId,
      });
    const expectedChange = (fields: Partial<MessageStatusChange>) => ({
      error: null,
      result: { chatType: CHAT_TYPE_USER, msgId, ...fields },
    });

    const delivered = statusOf(alice, MESSAGE_STATUS_DELIVERED);
    deepEqual(await change(bob, MESSAGE_STATUS_DELIVERED, me), { error: null, result: null }, `DELIVERED (${style})`);
    deepEqual(
      await delivered,
      expectedChange({ chatId: peer, senderId: peer, receiverId: me, messageStatus: MESSAGE_STATUS_DELIVERED }),
      `alice's onMessageStatusChanged DELIVERED (${style})`,
    );

    const seen = statusOf(alice, MESSAGE_STATUS_SEEN);
    deepEqual(await change(bob, MESSAGE_STATUS_SEEN, me), { error: null, result: null }, `SEEN (${style})`);
    deepEqual(
      await seen,
      expectedChange({ chatId: peer, senderId: peer, receiverId: me, messageStatus: MESSAGE_STATUS_SEEN }),
      `alice's onMessageStatusChanged SEEN (${style})`,
    );

    const cancelled = statusOf(bob, MESSAGE_STATUS_CANCELLED);
    deepEqual(await change(alice, MESSAGE_STATUS_CANCELLED, peer), { error: null, result: null }, `CANCELLED (${style})`);
    deepEqual(
      await cancelled,
      expectedChange({ chatId: me, senderId: me, receiverId: peer, messageStatus: MESSAGE_STATUS_CANCELLED }),
      `bob's onMessageStatusChanged CANCELLED (${style})`,
    );
  }
});

test('typing in every style raises onTyping at the other party', async () => {
  for (const style of STYLES) {
    const typing = waitForDelegate(alice.core, 'onTyping', DEADLINE_MS);
    deepEqual(
      await callInStyle(style, bob.core, 'sendTyping', 'onSendTypingReturn', { chatType: CHAT_TYPE_USER, chatId: alice.user.userId }),
      { error: null, result: null },
      `sendTyping (${style})`,
    );
    deepEqual(
      await typing,
      {
        error: null,
        result: { chatType: CHAT_TYPE_USER, chatId: bob.user.userId, senderId: bob.user.userId, receiverId: alice.user.userId },
      },
      `onTyping (${style})`,
    );
  }
});

test('one call delivers the same outcome to callback, Promise and delegate, in that order', async () => {
  const order: string[] = [];
  const outcomes: unknown[] = [];
  alice.core.Delegates.onNewMessageReturn = (error, result) => {
    order.push('delegate');
    outcomes.push({ error, result });
  };
  const delegateCalled = waitForDelegate(alice.core, 'onNewMessageReturn', DEADLINE_MS);
  const promise = alice.core.newMessage({ chatType: CHAT_TYPE_USER, chatId: bob.user.userId, text: 'all at once' }, (error, result) => {
    order.push('callback');
    outcomes.push({ error, result });
  });
  const resolved = await promise;
  await delegateCalled;
  deepEqual(order, ['callback', 'delegate'], 'synchronous delivery order');
  deepEqual(outcomes, [{ error: null, result: resolved }, { error: null, result: resolved }], 'outcomes');
  assert(resolved.text === 'all at once', 'the resolved message');
});

void run();
