/**
 * End to end: conversations and history (PROTOCOL.md §3.19–§3.23, §3.26): pages of 20, unread messages, modified
 * messages and files, deleting messages and conversations, each method in every style.
 */
import { chatConstants, type ConversationPage, type FileList, type MessagePage } from 'azstack-react-native';
import { any, deepEqual, run, test } from './harness';
import {
  STYLES,
  callInStyle,
  connectClient,
  expectedMessage,
  resultOf,
  uniqueUserId,
  type Client,
} from './fixtures';

const { CHAT_TYPE_USER, MESSAGE_TYPE_TEXT, MESSAGE_TYPE_FILE, MESSAGE_FILE_TYPE_PDF } = chatConstants;

/** Messages dave sends carol: one more than a page. */
const MESSAGE_COUNT = 25;
const PAGE_SIZE = 20;

let carol: Client; // the reader
let dave: Client; // the writer
const sentIds: number[] = []; // msgIds of dave's texts, oldest first

test('connect carol and dave; dave sends carol 25 texts', async () => {
  carol = await connectClient(uniqueUserId('carol'));
  dave = await connectClient(uniqueUserId('dave'));
  for (let n = 1; n <= MESSAGE_COUNT; n++) {
    const { msgId } = await dave.core.newMessage({ chatType: CHAT_TYPE_USER, chatId: carol.user.userId, text: `message ${n}` });
    sentIds.push(msgId);
  }
});

/** What carol sees of dave's text number `n` (1-based) in a message list. */
function listedText(n: number) {
  return expectedMessage({
    chatType: CHAT_TYPE_USER,
    chatId: dave.user.userId,
    senderId: dave.user.userId,
    receiverId: carol.user.userId,
    msgId: sentIds[n - 1],
    type: MESSAGE_TYPE_TEXT,
    text: `message ${n}`,
  });
}

/** Dave's texts `from` down to `to` (newest first), as carol sees them listed. */
function listedTexts(from: number, to: number) {
  const out = [];
  for (let n = from; n >= to; n--) {
    out.push(listedText(n));
  }
  return out;
}

test('getModifiedConversations in every style', async () => {
  for (const style of STYLES) {
    const outcome = await callInStyle<ConversationPage>(style, carol.core, 'getModifiedConversations', 'onGetModifiedConversationsReturn', {
      page: 1,
      lastCreated: Date.now(),
    });
    deepEqual(
      resultOf(outcome, `getModifiedConversations (${style})`),
      {
        done: 1,
        page: 1,
        list: [
          {
            chatType: CHAT_TYPE_USER,
            chatId: dave.user.userId,
            modified: any.number,
            unread: MESSAGE_COUNT,
            deleted: 0,
            lastMessage: { ...listedText(MESSAGE_COUNT), receiverId: dave.user.userId },
          },
        ],
      },
      `conversations (${style})`,
    );
  }
});

test('getUnreadMessages pages by 20 in every style', async () => {
  for (const style of STYLES) {
    const page = (n: number) =>
      callInStyle<MessagePage>(style, carol.core, 'getUnreadMessages', 'onGetUnreadMessagesReturn', {
        page: n,
        chatType: CHAT_TYPE_USER,
        chatId: dave.user.userId,
      });
    const shared = { chatType: CHAT_TYPE_USER, chatId: dave.user.userId };
    deepEqual(
      resultOf(await page(1), `unread page 1 (${style})`),
      { ...shared, done: 0, page: 1, list: listedTexts(MESSAGE_COUNT, MESSAGE_COUNT - PAGE_SIZE + 1) },
      `unread page 1 (${style})`,
    );
    deepEqual(
      resultOf(await page(2), `unread page 2 (${style})`),
      { ...shared, done: 1, page: 2, list: listedTexts(MESSAGE_COUNT - PAGE_SIZE, 1) },
      `unread page 2 (${style})`,
    );
  }
});

test('getModifiedMessages pages by 20 in every style', async () => {
  const lastCreated = Date.now();
  for (const style of STYLES) {
    const page = (n: number) =>
      callInStyle<MessagePage>(style, carol.core, 'getModifiedMessages', 'onGetModifiedMessagesReturn', {
        page: n,
        lastCreated,
        chatType: CHAT_TYPE_USER,
        chatId: dave.user.userId,
      });
    const shared = { chatType: CHAT_TYPE_USER, chatId: dave.user.userId };
    deepEqual(
      resultOf(await page(1), `history page 1 (${style})`),
      { ...shared, done: 0, page: 1, list: listedTexts(MESSAGE_COUNT, MESSAGE_COUNT - PAGE_SIZE + 1) },
      `history page 1 (${style})`,
    );
    deepEqual(
      resultOf(await page(2), `history page 2 (${style})`),
      { ...shared, done: 1, page: 2, list: listedTexts(MESSAGE_COUNT - PAGE_SIZE, 1) },
      `history page 2 (${style})`,
    );
  }
});

test('getModifiedFiles in every style, for one conversation and for all', async () => {
  const files = [1, 2].map((n) => ({
    name: `report-${n}.pdf`,
    length: 1000 * n,
    type: MESSAGE_FILE_TYPE_PDF,
    url: `https://files.example.org/report-${n}.pdf`,
  }));
  const fileIds: number[] = [];
  for (const file of files) {
    fileIds.push((await dave.core.newMessage({ chatType: CHAT_TYPE_USER, chatId: carol.user.userId, file })).msgId);
  }
  const expectedList = [1, 0].map((i) =>
    expectedMessage({
      chatType: CHAT_TYPE_USER,
      chatId: dave.user.userId,
      senderId: dave.user.userId,
      receiverId: carol.user.userId,
      msgId: fileIds[i],
      type: MESSAGE_TYPE_FILE,
      file: files[i],
    }),
  );
  const lastCreated = Date.now();
  for (const style of STYLES) {
    for (const scope of [{ chatType: CHAT_TYPE_USER, chatId: dave.user.userId }, {}]) {
      const outcome = await callInStyle<FileList>(style, carol.core, 'getModifiedFiles', 'onGetModifiedFilesReturn', {
        lastCreated,
        ...scope,
      });
      deepEqual(
        resultOf(outcome, `getModifiedFiles (${style})`),
        { done: 1, list: expectedList },
        `files ${JSON.stringify(scope)} (${style})`,
      );
    }
  }
});

test('deleteMessage in every style hides the message from my history only', async () => {
  const deleted = sentIds.slice(-3);
  for (const [i, style] of STYLES.entries()) {
    deepEqual(
      await callInStyle(style, carol.core, 'deleteMessage', 'onMessageDeleted', {
        chatType: CHAT_TYPE_USER,
        chatId: dave.user.userId,
        messageSenderId: dave.user.userId,
        msgId: deleted[i],
      }),
      { error: null, result: null },
      `deleteMessage (${style})`,
    );
  }
  const history = (client: Client, chatId: number) =>
    client.core.getModifiedMessages({ page: 1, lastCreated: Date.now(), chatType: CHAT_TYPE_USER, chatId });
  // Newest first, carol's first page now holds the two files and texts 22 down to 5.
  const carolsView = await history(carol, dave.user.userId);
  deepEqual(
    carolsView.list.filter((m) => m.type === MESSAGE_TYPE_TEXT).map((m) => m.msgId),
    sentIds.slice(4, MESSAGE_COUNT - 3).reverse(),
    "carol's texts on page 1",
  );
  const davesView = await history(dave, carol.user.userId);
  deepEqual(
    davesView.list.filter((m) => m.type === MESSAGE_TYPE_TEXT).slice(0, 3).map((m) => m.msgId),
    deleted.slice().reverse(),
    "dave's view still has them",
  );
});

test('deleteConversation in every style empties the conversation for me', async () => {
  for (const style of STYLES) {
    deepEqual(
      await callInStyle(style, carol.core, 'deleteConversation', 'onDeleteConversationReturn', {
        chatType: CHAT_TYPE_USER,
        chatId: dave.user.userId,
      }),
      { error: null, result: { chatType: CHAT_TYPE_USER, chatId: dave.user.userId } },
      `deleteConversation (${style})`,
    );
  }
  const now = Date.now();
  deepEqual(await carol.core.getModifiedConversations({ page: 1, lastCreated: now }), { done: 1, page: 1, list: [] }, 'conversations');
  deepEqual(
    await carol.core.getModifiedMessages({ page: 1, lastCreated: now, chatType: CHAT_TYPE_USER, chatId: dave.user.userId }),
    { chatType: CHAT_TYPE_USER, chatId: dave.user.userId, done: 1, page: 1, list: [] },
    'history',
  );
});

void run();
