/**
 * End to end: parameter errors (PROTOCOL.md §3.0 validation, the texts of §3.x), each reaching the callback, the
 * Promise and the return delegate with exactly `{code: 'ERR_UNEXPECTED_SEND_DATA', message}`.
 */
import { errorCodes, type DelegateName, type MethodName } from 'azstack-react-native';
import { deepEqual, run, test } from './harness';
import { STYLES, callInStyle, connectClient, uniqueUserId, type Client } from './fixtures';

/** `[method, its return delegate, options, expected message]`. */
type Case = [MethodName, DelegateName, unknown, string];

const NOW = Date.now();
const STICKER_URL = 'http://azstack.com/api/public_html/sticker/1/002.png';
const FILE_URL = 'https://azstack.com/static/images/logo.png';

const CASES: Case[] = [
  // Options that are not an object.
  ['getModifiedConversations', 'onGetModifiedConversationsReturn', undefined, 'Missing modified conversations params'],
  ['deleteConversation', 'onDeleteConversationReturn', null, 'Missing delete conversation params'],
  ['getUnreadMessages', 'onGetUnreadMessagesReturn', 'page 1', 'Missing unread messages params'],
  ['getModifiedMessages', 'onGetModifiedMessagesReturn', undefined, 'Missing modified messages params'],
  ['getModifiedFiles', 'onGetModifiedFilesReturn', undefined, 'Missing modified files params'],
  ['newMessage', 'onNewMessageReturn', undefined, 'Missing new message params'],
  ['changeMessageStatus', 'onChangeMessageStatusReturn', null, 'Missing send change message status params'],
  ['deleteMessage', 'onMessageDeleted', undefined, 'Missing send delete message params'],
  ['sendTyping', 'onSendTypingReturn', 42, 'Missing send typing params'],
  ['getUsersInformation', 'onGetUsersInformationReturn', undefined, 'Missing users information params'],
  ['createGroup', 'onGroupCreateReturn', undefined, 'Missing create group params'],
  ['inviteGroup', 'onGroupInviteReturn', undefined, 'Missing invite group params'],
  ['leaveGroup', 'onGroupLeaveReturn', undefined, 'Missing leave group params'],
  ['renameGroup', 'onGroupRenameReturn', undefined, 'Missing rename group params'],
  ['changeAdminGroup', 'onGroupAdminChangeReturn', undefined, 'Missing change admin group params'],
  ['joinPublicGroup', 'onGroupJoinPublicReturn', undefined, 'Missing join public group params'],
  ['getDetailsGroup', 'onGroupGetDetailsReturn', undefined, 'Missing get details group params'],
  ['getListGroups', 'onGroupGetListReturn', undefined, 'Missing groups params'],
  ['changeApplicationState', 'onApplicationChangeStateReturn', undefined, 'Missing change application state params'],
  ['startFreeCall', 'onStartFreeCallReturn', undefined, 'Missing free call data'],
  ['startCallout', 'onStartCalloutReturn', undefined, 'Missing callout data'],

  // Required, "cannot has value", "must be only" (checked before the type), types.
  ['newMessage', 'onNewMessageReturn', { chatType: '1', chatId: 1, text: 'x' }, 'chatType must be only 1, 2'],
  ['newMessage', 'onNewMessageReturn', { chatType: 1 }, 'chatId is required'],
  ['newMessage', 'onNewMessageReturn', { chatType: 1, chatId: 0, text: 'x' }, 'chatId cannot has value 0'],
  ['newMessage', 'onNewMessageReturn', { chatType: 1, chatId: '5', text: 'x' }, 'chatId must be number'],
  ['newMessage', 'onNewMessageReturn', { chatType: 1, chatId: 5 }, 'text or sticker or file or location is required'],
  ['newMessage', 'onNewMessageReturn', { chatType: 1, chatId: 5, text: 5 }, 'text must be string'],
  ['newMessage', 'onNewMessageReturn', { chatType: 1, chatId: 5, sticker: { catId: 1, url: STICKER_URL } }, 'sticker name is required'],
  [
    'newMessage',
    'onNewMessageReturn',
    { chatType: 1, chatId: 5, file: { name: 'a', length: 1, type: 11, url: FILE_URL } },
    'file type must be only 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10',
  ],
  [
    'newMessage',
    'onNewMessageReturn',
    { chatType: 1, chatId: 5, file: { name: 'a', length: 1, type: 1, url: 'http://localhost/a.png' } },
    'file url must be url',
  ],
  [
    'newMessage',
    'onNewMessageReturn',
    { chatType: 1, chatId: 5, file: { name: 'a', length: 1, type: 1, url: 'http://192.168.1.2/a.png' } },
    'file url must be url',
  ],
  [
    'changeMessageStatus',
    'onChangeMessageStatusReturn',
    { chatType: 1, chatId: 5, messageSenderId: 5, messageStatus: 1, msgId: 5 },
    'messageStatus must be only 2, 3, 6',
  ],
  ['deleteMessage', 'onMessageDeleted', { chatType: 1, chatId: 5, msgId: 5 }, 'messageSenderId is required'],
  ['sendTyping', 'onSendTypingReturn', { chatType: 3, chatId: 5 }, 'chatType must be only 1, 2'],
  ['getModifiedConversations', 'onGetModifiedConversationsReturn', { page: 1 }, 'lastCreated is required'],
  ['getModifiedConversations', 'onGetModifiedConversationsReturn', { page: 0, lastCreated: NOW }, 'page cannot has value 0'],
  ['getModifiedFiles', 'onGetModifiedFilesReturn', { lastCreated: NOW, chatType: 1 }, 'chatId is required'],
  ['getModifiedFiles', 'onGetModifiedFilesReturn', { lastCreated: NOW, chatId: 5 }, 'chatType is required'],
  ['getUsersInformation', 'onGetUsersInformationReturn', {}, 'userIds or azStackUserIds is required'],
  ['getUsersInformation', 'onGetUsersInformationReturn', { userIds: [1, 'x'] }, 'userIds must contain all numbers'],
  ['getUsersInformation', 'onGetUsersInformationReturn', { azStackUserIds: [1] }, 'azStackUserIds must contain all strings'],
  ['createGroup', 'onGroupCreateReturn', { type: 2, name: 'g', memberIds: [1] }, 'type must be only 0, 1'],
  ['createGroup', 'onGroupCreateReturn', { type: 0, name: '', memberIds: [1] }, 'name is required'],
  ['createGroup', 'onGroupCreateReturn', { type: 0, name: 'g', memberIds: [] }, 'memberIds cannot be empty'],
  ['createGroup', 'onGroupCreateReturn', { type: 0, name: 'g', memberIds: ['a'] }, 'memberIds must contain all numbers'],
  ['inviteGroup', 'onGroupInviteReturn', { groupId: 1, inviteIds: ['a'] }, 'inviteIds must contain all numbers'],
  ['leaveGroup', 'onGroupLeaveReturn', { groupId: 1 }, 'leaveId is required'],
  // The original also refused the name '0' ("newName cannot has value 0", a typo for ''); the engine fixes that
  // quirk (PROTOCOL.md Appendix A, Q7), so only the empty name is refused.
  ['renameGroup', 'onGroupRenameReturn', { groupId: 1, newName: '' }, 'newName is required'],
  ['getListGroups', 'onGroupGetListReturn', {}, 'groupType is required'],
  ['getListGroups', 'onGroupGetListReturn', { groupType: 2 }, 'groupType must be only 0, 1'],
  ['changeApplicationState', 'onApplicationChangeStateReturn', { state: 3 }, 'state must be only 1, 2'],
  ['startCallout', 'onStartCalloutReturn', { toPhoneNumber: 'abc' }, 'toPhoneNumber must be phone number string'],
];

let client: Client;

test('connect', async () => {
  client = await connectClient(uniqueUserId('validation'));
});

test(`${CASES.length} parameter errors, each in every style`, async () => {
  for (const [method, delegate, options, message] of CASES) {
    for (const style of STYLES) {
      deepEqual(
        await callInStyle(style, client.core, method, delegate, options),
        { error: { code: errorCodes.ERR_UNEXPECTED_SEND_DATA, message }, result: null },
        `${method}(${JSON.stringify(options)}) (${style})`,
      );
    }
  }
});

void run();
