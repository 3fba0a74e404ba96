/**
 * End to end: groups (PROTOCOL.md §3.29–§3.36, §4.3): every action and query in every style, the group delegates at
 * every member (onGroupCreated, onGroupInvited, onGroupRenamed, onGroupAdminChanged, onGroupLeft,
 * onGroupPublicJoined), and group messages with their receipts and typing.
 */
import {
  chatConstants,
  errorCodes,
  groupConstants,
  type GroupCreated,
  type GroupDetails,
  type GroupList,
  type GroupSummary,
  type Message,
} from 'azstack-react-native';
import { any, deepEqual, expectError, run, test, waitForDelegate, type DelegateCall } from './harness';
import {
  DEADLINE_MS,
  STYLES,
  callInStyle,
  connectClient,
  expectedMessage,
  expectedUserInfo,
  resultOf,
  uniqueUserId,
  type Client,
} from './fixtures';

const { CHAT_TYPE_GROUP } = chatConstants;
const { GROUP_TYPE_PRIVATE, GROUP_TYPE_PUBLIC } = groupConstants;

let ann: Client; // creates the groups
let annElsewhere: Client; // a second session of ann
let ben: Client;
let cat: Client;
const privateGroups: GroupCreated[] = []; // one per style; members ann and ben, later cat

test('connect ann (two sessions), ben and cat', async () => {
  const annId = uniqueUserId('ann');
  ann = await connectClient(annId);
  annElsewhere = await connectClient(annId);
  ben = await connectClient(uniqueUserId('ben'));
  cat = await connectClient(uniqueUserId('cat'));
});

type GroupDelegate =
  | 'onGroupCreated'
  | 'onGroupInvited'
  | 'onGroupLeft'
  | 'onGroupRenamed'
  | 'onGroupAdminChanged'
  | 'onGroupPublicJoined';

/** Waits, at each client, for `delegate` about group `groupId` (or, for creations, the group named `name`). */
function groupEventAt(clients: Client[], delegate: GroupDelegate, accepts: (message: Message) => boolean) {
  return clients.map((client) =>
    waitForDelegate(client.core, delegate, DEADLINE_MS, ({ result }) => result !== null && accepts(result)),
  );
}

/** Checks that every pending group event carries the system message `expected`. */
async function expectGroupEvents(pending: Promise<DelegateCall<GroupDelegate>>[], expected: unknown, what: string) {
  for (const [i, event] of pending.entries()) {
    deepEqual(await event, { error: null, result: expected }, `${what} at client ${i + 1}`);
  }
}

/** The system message of a group action (§4.3). */
function systemMessage(groupId: number, actorId: number, msgId: number, created: number, type: number, content: object) {
  return expectedMessage({
    chatType: CHAT_TYPE_GROUP,
    chatId: groupId,
    senderId: actorId,
    receiverId: groupId,
    msgId,
    type,
    created,
    modified: created,
    ...content,
  });
}

test('createGroup in every style; onGroupCreated at every member session', async () => {
  const memberIds = [ann.user.userId, ben.user.userId];
  for (const style of STYLES) {
    const name = `private ${style}`;
    const events = groupEventAt([ann, annElsewhere, ben], 'onGroupCreated', (m) => m.createdGroup?.name === name);
    const outcome = await callInStyle<GroupCreated>(style, ann.core, 'createGroup', 'onGroupCreateReturn', {
      type: GROUP_TYPE_PRIVATE,
      name,
      memberIds: [ben.user.userId],
    });
    const group = resultOf(outcome, `createGroup (${style})`);
    deepEqual(
      group,
      {
        type: GROUP_TYPE_PRIVATE,
        groupId: any.positiveInteger,
        msgId: any.positiveInteger,
        adminId: ann.user.userId,
        name,
        memberIds,
        created: any.number,
      },
      `createGroup result (${style})`,
    );
    const createdGroup = { type: GROUP_TYPE_PRIVATE, groupId: group.groupId, adminId: ann.user.userId, name, memberIds, created: group.created };
    await expectGroupEvents(
      events,
      systemMessage(group.groupId, ann.user.userId, group.msgId, group.created, chatConstants.MESSAGE_TYPE_GROUP_CREATED, { createdGroup }),
      `onGroupCreated (${style})`,
    );
    privateGroups.push(group);
  }
});

test('getDetailsGroup in every style', async () => {
  const group = privateGroups[0]!;
  for (const style of STYLES) {
    const outcome = await callInStyle<GroupDetails>(style, ben.core, 'getDetailsGroup', 'onGroupGetDetailsReturn', { groupId: group.groupId });
    const details = resultOf(outcome, `getDetailsGroup (${style})`);
    deepEqual(
      { ...details, memberIds: [...details.memberIds].sort((a, b) => a - b), members: [...details.members].sort((a, b) => a.userId - b.userId) },
      {
        type: GROUP_TYPE_PRIVATE,
        groupId: group.groupId,
        name: group.name,
        adminId: ann.user.userId,
        memberIds: [ann.user.userId, ben.user.userId].sort((a, b) => a - b),
        members: [ann, ben].sort((a, b) => a.user.userId - b.user.userId).map(expectedUserInfo),
      },
      `details (${style})`,
    );
  }
});

test('getListGroups of private groups in every style', async () => {
  const expected = privateGroups.map((group) => ({
    type: GROUP_TYPE_PRIVATE,
    groupId: group.groupId,
    name: group.name,
    adminId: ann.user.userId,
    membersCount: 2,
    isIn: groupConstants.GROUP_IS_IN,
    isAutojoin: groupConstants.GROUP_IS_NOT_AUTO_JOIN,
  }));
  for (const style of STYLES) {
    const outcome = await callInStyle<GroupList>(style, ann.core, 'getListGroups', 'onGroupGetListReturn', { groupType: GROUP_TYPE_PRIVATE });
    const list = resultOf(outcome, `getListGroups (${style})`);
    deepEqual({ ...list, list: [...list.list].sort((a, b) => a.groupId - b.groupId) }, { done: 1, list: expected }, `private groups (${style})`);
  }
});

test('inviteGroup in every style; onGroupInvited at every member, the new one included', async () => {
  for (const [i, style] of STYLES.entries()) {
    const { groupId } = privateGroups[i]!;
    const events = groupEventAt([ann, ben, cat], 'onGroupInvited', (m) => m.chatId === groupId);
    const outcome = await callInStyle<{ msgId: number; created: number }>(style, ann.core, 'inviteGroup', 'onGroupInviteReturn', {
      groupId,
      inviteIds: [cat.user.userId],
    });
    const invitation = resultOf(outcome, `inviteGroup (${style})`);
    deepEqual(
      invitation,
      { groupId, msgId: any.positiveInteger, inviteIds: [cat.user.userId], created: any.number },
      `inviteGroup result (${style})`,
    );
    const invited = { groupId, inviteIds: [cat.user.userId] };
    await expectGroupEvents(
      events,
      systemMessage(groupId, ann.user.userId, invitation.msgId, invitation.created, chatConstants.MESSAGE_TYPE_GROUP_INVITED, { invited }),
      `onGroupInvited (${style})`,
    );
  }
});

test('renameGroup in every style; onGroupRenamed at every member', async () => {
  for (const [i, style] of STYLES.entries()) {
    const { groupId } = privateGroups[i]!;
    const newName = `renamed in ${style} style`;
    const events = groupEventAt([ann, ben, cat], 'onGroupRenamed', (m) => m.chatId === groupId);
    const outcome = await callInStyle<{ msgId: number; created: number }>(style, ben.core, 'renameGroup', 'onGroupRenameReturn', { groupId, newName });
    const rename = resultOf(outcome, `renameGroup (${style})`);
    deepEqual(rename, { groupId, msgId: any.positiveInteger, newName, created: any.number }, `renameGroup result (${style})`);
    await expectGroupEvents(
      events,
      systemMessage(groupId, ben.user.userId, rename.msgId, rename.created, chatConstants.MESSAGE_TYPE_GROUP_RENAMED, { renamed: { groupId, newName } }),
      `onGroupRenamed (${style})`,
    );
  }
});

test('group messages in every style: SENT, onHasNewMessage, onMessageFromMe, receipts and recall', async () => {
  const { groupId } = privateGroups[0]!;
  const statusAt = (client: Client, msgId: number, messageStatus: number) =>
    waitForDelegate(client.core, 'onMessageStatusChanged', DEADLINE_MS, ({ result }) =>
      result?.msgId === msgId && result.chatId === groupId && result.messageStatus === messageStatus);
  const expectedStatus = (msgId: number, senderId: number, messageStatus: number) => ({
    error: null,
    result: { chatType: CHAT_TYPE_GROUP, chatId: groupId, senderId, receiverId: groupId, msgId, messageStatus },
  });
  for (const style of STYLES) {
    const text = `to the group in ${style} style`;
    const carriesText = ({ result }: { result: Message | null }) => result?.text === text;
    const incoming = [ben, cat].map((c) => waitForDelegate(c.core, 'onHasNewMessage', DEADLINE_MS, carriesText));
    const echoed = waitForDelegate(annElsewhere.core, 'onMessageFromMe', DEADLINE_MS, carriesText);
    const acknowledged = waitForDelegate(ann.core, 'onMessageStatusChanged', DEADLINE_MS, ({ result }) =>
      result?.chatId === groupId && result.messageStatus === chatConstants.MESSAGE_STATUS_SENT);

    const outcome = await callInStyle<Message>(style, ann.core, 'newMessage', 'onNewMessageReturn', { chatType: CHAT_TYPE_GROUP, chatId: groupId, text });
    const sent = resultOf(outcome, `newMessage (${style})`);
    const message = expectedMessage({
      chatType: CHAT_TYPE_GROUP,
      chatId: groupId,
      senderId: ann.user.userId,
      receiverId: groupId,
      msgId: sent.msgId,
      type: chatConstants.MESSAGE_TYPE_TEXT,
      text,
    });
    deepEqual(sent, message, `newMessage result (${style})`);
    deepEqual(await acknowledged, expectedStatus(sent.msgId, ann.user.userId, chatConstants.MESSAGE_STATUS_SENT), `SENT (${style})`);
    for (const [i, pending] of incoming.entries()) {
      deepEqual(await pending, { error: null, result: message }, `onHasNewMessage at member ${i + 1} (${style})`);
    }
    deepEqual(await echoed, { error: null, result: message }, `onMessageFromMe (${style})`);

    const change = (client: Client, messageStatus: number) =>
      callInStyle(style, client.core, 'changeMessageStatus', 'onChangeMessageStatusReturn', {
        chatType: CHAT_TYPE_GROUP,
        chatId: groupId,
        messageSenderId: ann.user.userId,
        messageStatus,
        msgId: sent.msgId,
      });
    for (const status of [chatConstants.MESSAGE_STATUS_DELIVERED, chatConstants.MESSAGE_STATUS_SEEN]) {
      const reported = statusAt(ann, sent.msgId, status);
      deepEqual(await change(ben, status), { error: null, result: null }, `status ${status} (${style})`);
      deepEqual(await reported, expectedStatus(sent.msgId, ben.user.userId, status), `ann's onMessageStatusChanged ${status} (${style})`);
    }
    const recalled = [ben, cat].map((c) => statusAt(c, sent.msgId, chatConstants.MESSAGE_STATUS_CANCELLED));
    deepEqual(await change(ann, chatConstants.MESSAGE_STATUS_CANCELLED), { error: null, result: null }, `CANCELLED (${style})`);
    for (const pending of recalled) {
      deepEqual(await pending, expectedStatus(sent.msgId, ann.user.userId, chatConstants.MESSAGE_STATUS_CANCELLED), `recall (${style})`);
    }
  }
});

test('typing in a group reaches the other members', async () => {
  const { groupId } = privateGroups[0]!;
  const typing = [ann, ben].map((c) => waitForDelegate(c.core, 'onTyping', DEADLINE_MS));
  await cat.core.sendTyping({ chatType: CHAT_TYPE_GROUP, chatId: groupId });
  for (const pending of typing) {
    deepEqual(
      await pending,
      { error: null, result: { chatType: CHAT_TYPE_GROUP, chatId: groupId, senderId: cat.user.userId, receiverId: groupId } },
      'onTyping',
    );
  }
});

test('changeAdminGroup in every style; onGroupAdminChanged at every member', async () => {
  for (const [i, style] of STYLES.entries()) {
    const { groupId } = privateGroups[i]!;
    const newAdminId = ben.user.userId;
    const events = groupEventAt([ann, ben, cat], 'onGroupAdminChanged', (m) => m.chatId === groupId);
    const outcome = await callInStyle<{ msgId: number; created: number }>(style, ann.core, 'changeAdminGroup', 'onGroupAdminChangeReturn', { groupId, newAdminId });
    const change = resultOf(outcome, `changeAdminGroup (${style})`);
    deepEqual(change, { groupId, msgId: any.positiveInteger, newAdminId, created: any.number }, `changeAdminGroup result (${style})`);
    await expectGroupEvents(
      events,
      systemMessage(groupId, ann.user.userId, change.msgId, change.created, chatConstants.MESSAGE_TYPE_GROUP_ADMIN_CHANGED, {
        adminChanged: { groupId, newAdminId },
      }),
      `onGroupAdminChanged (${style})`,
    );
  }
});

test('leaveGroup in every style; onGroupLeft at every member and the one who left', async () => {
  for (const [i, style] of STYLES.entries()) {
    const { groupId } = privateGroups[i]!;
    const events = groupEventAt([ann, ben, cat], 'onGroupLeft', (m) => m.chatId === groupId);
    const outcome = await callInStyle<{ msgId: number; created: number }>(style, cat.core, 'leaveGroup', 'onGroupLeaveReturn', {
      groupId,
      leaveId: cat.user.userId,
    });
    const leave = resultOf(outcome, `leaveGroup (${style})`);
    deepEqual(leave, { groupId, msgId: any.positiveInteger, leaveId: cat.user.userId, created: any.number }, `leaveGroup result (${style})`);
    await expectGroupEvents(
      events,
      systemMessage(groupId, cat.user.userId, leave.msgId, leave.created, chatConstants.MESSAGE_TYPE_GROUP_LEFT, {
        left: { groupId, leaveId: cat.user.userId },
      }),
      `onGroupLeft (${style})`,
    );
  }
});

test('the admin leaves only by naming a new admin', async () => {
  const { groupId } = privateGroups[0]!;
  await expectError(ben.core.leaveGroup({ groupId, leaveId: ben.user.userId }), {
    code: errorCodes.ERR_UNEXPECTED_RECEIVED_DATA,
    message: 'Server response with error, leave group fail',
  });
  const [event] = groupEventAt([ann], 'onGroupLeft', (m) => m.chatId === groupId);
  const leave = await ben.core.leaveGroup({ groupId, leaveId: ben.user.userId, newAdminId: ann.user.userId });
  await expectGroupEvents(
    [event!],
    systemMessage(groupId, ben.user.userId, leave.msgId, leave.created, chatConstants.MESSAGE_TYPE_GROUP_LEFT, {
      left: { groupId, leaveId: ben.user.userId, newAdminId: ann.user.userId },
    }),
    'onGroupLeft',
  );
});

test('the admin removes a member, who is told', async () => {
  const { groupId } = privateGroups[1]!; // admin ben, members ann and ben
  const events = groupEventAt([ann, ben], 'onGroupLeft', (m) => m.chatId === groupId);
  const leave = await ben.core.leaveGroup({ groupId, leaveId: ann.user.userId });
  deepEqual(leave, { groupId, msgId: any.positiveInteger, leaveId: ann.user.userId, created: any.number }, 'leaveGroup result');
  await expectGroupEvents(
    events,
    systemMessage(groupId, ben.user.userId, leave.msgId, leave.created, chatConstants.MESSAGE_TYPE_GROUP_LEFT, {
      left: { groupId, leaveId: ann.user.userId },
    }),
    'onGroupLeft',
  );
});

test('public groups: joinPublicGroup in every style, onGroupPublicJoined, the public list', async () => {
  const publicGroups: GroupCreated[] = [];
  for (const style of STYLES) {
    publicGroups.push(await ann.core.createGroup({ type: GROUP_TYPE_PUBLIC, name: `public ${style}`, memberIds: [ben.user.userId] }));
  }
  for (const [i, style] of STYLES.entries()) {
    const { groupId } = publicGroups[i]!;
    const events = groupEventAt([cat, ann], 'onGroupPublicJoined', (m) => m.chatId === groupId);
    const outcome = await callInStyle<{ msgId: number; created: number }>(style, cat.core, 'joinPublicGroup', 'onGroupJoinPublicReturn', { groupId });
    const join = resultOf(outcome, `joinPublicGroup (${style})`);
    deepEqual(join, { groupId, msgId: any.positiveInteger, joinId: cat.user.userId, created: any.number }, `joinPublicGroup result (${style})`);
    await expectGroupEvents(
      events,
      systemMessage(groupId, cat.user.userId, join.msgId, join.created, chatConstants.MESSAGE_TYPE_GROUP_PUBLIC_JOINED, {
        joined: { groupId, joinId: cat.user.userId },
      }),
      `onGroupPublicJoined (${style})`,
    );
  }
  for (const style of STYLES) {
    const outcome = await callInStyle<GroupList>(style, cat.core, 'getListGroups', 'onGroupGetListReturn', { groupType: GROUP_TYPE_PUBLIC });
    const list = resultOf(outcome, `getListGroups public (${style})`);
    const ours = new Set(publicGroups.map((g) => g.groupId));
    deepEqual(
      { done: list.done, list: list.list.filter((g: GroupSummary) => ours.has(g.groupId)).sort((a, b) => a.groupId - b.groupId) },
      {
        done: 1,
        list: publicGroups.map((g) => ({
          type: GROUP_TYPE_PUBLIC,
          groupId: g.groupId,
          name: g.name,
          adminId: ann.user.userId,
          membersCount: 3,
          isIn: groupConstants.GROUP_IS_IN,
          isAutojoin: groupConstants.GROUP_IS_NOT_AUTO_JOIN,
        })),
      },
      `public groups (${style})`,
    );
  }
  await expectError(cat.core.joinPublicGroup({ groupId: privateGroups[2]!.groupId }), {
    code: errorCodes.ERR_UNEXPECTED_RECEIVED_DATA,
    message: 'Server response with error, join public group fail',
  });
});

void run();
