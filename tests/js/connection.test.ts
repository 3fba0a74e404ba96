/**
 * End to end: connect, reconnect, disconnect and their errors (PROTOCOL.md §3.1–§3.3), the `masterSocketUri`
 * property, and `destroy()`.
 */
import { AZStackCore, errorCodes, type AuthenticatedUser } from 'azstack-react-native';
import { any, assertEqual, deepEqual, expectError, run, test } from './harness';
import {
  APP_ID,
  PUBLIC_KEY,
  SERVER_URL,
  STYLES,
  callInStyle,
  connectClient,
  fullnameOf,
  newCore,
  resultOf,
  uniqueUserId,
  type Client,
} from './fixtures';

const NOT_CONNECTED_DISCONNECT = {
  code: errorCodes.ERR_SOCKET_NOT_CONNECTED,
  message: 'Cannot disconnect to slave server, slave socket not connected',
};

test('connect without authenticating data fails in every style', async () => {
  const core = new AZStackCore({ masterSocketUri: SERVER_URL });
  for (const style of STYLES) {
    deepEqual(
      await callInStyle(style, core, 'connect', 'onConnectReturn', {}),
      {
        error: {
          code: errorCodes.ERR_UNEXPECTED_SEND_DATA,
          message: 'appId, publicKey, azStackUserId, fullname are required for authenticating data, connect fail',
        },
        result: null,
      },
      `connect (${style})`,
    );
  }
});

test('reconnect and disconnect before connect fail', async () => {
  const core = newCore(uniqueUserId('early'));
  await expectError(core.reconnect({}), {
    code: errorCodes.ERR_UNEXPECTED_DATA,
    message: 'Cannot reconnect, core not inited',
  });
  await expectError(core.disconnect({}), NOT_CONNECTED_DISCONNECT);
  await expectError(core.getModifiedConversations({ page: 1, lastCreated: Date.now() }), {
    code: errorCodes.ERR_SOCKET_NOT_CONNECTED,
    message: 'Cannot send get modified conversations data, get modified conversations fail',
  });
});

test('connect to a server that is not there fails with ERR_SOCKET_CONNECT', async () => {
  const core = newCore(uniqueUserId('nowhere'), { masterSocketUri: 'http://127.0.0.1:9' });
  await expectError(core.connect({}), {
    code: errorCodes.ERR_SOCKET_CONNECT,
    message: 'Cannot connect to master socket',
  });
});

const clients: Client[] = [];

test('connect succeeds in every style with the user the server assigned', async () => {
  for (const style of STYLES) {
    const azStackUserId = uniqueUserId(`connect-${style}`);
    const core = newCore(azStackUserId);
    const outcome = await callInStyle<AuthenticatedUser>(style, core, 'connect', 'onConnectReturn', {});
    const user = resultOf(outcome, `connect (${style})`);
    deepEqual(user, { azStackUserId, userId: any.positiveInteger, fullname: fullnameOf(azStackUserId) }, 'user');
    clients.push({ core, user });
  }
  const ids = new Set(clients.map((c) => c.user.userId));
  assertEqual(ids.size, clients.length, 'distinct userIds');
});

test('a second session of a user gets the same userId', async () => {
  const first = clients[0]!;
  const second = await connectClient(first.user.azStackUserId);
  deepEqual(second.user, first.user, 'the second session user');
});

test('connect and reconnect while connected fail', async () => {
  const { core } = clients[0]!;
  await expectError(core.connect({}), {
    code: errorCodes.ERR_UNEXPECTED_DATA,
    message: 'Cannot init core, already inited',
  });
  await expectError(core.reconnect({}), {
    code: errorCodes.ERR_UNEXPECTED_DATA,
    message: 'Cannot reconnect, slave socket already connected',
  });
});

test('disconnect and reconnect in every style', async () => {
  const { core, user } = clients[1]!;
  for (const style of STYLES) {
    deepEqual(
      await callInStyle(style, core, 'disconnect', 'onDisconnectReturn', {}),
      { error: null, result: null },
      `disconnect (${style})`,
    );
    await expectError(core.disconnect({}), NOT_CONNECTED_DISCONNECT, 'a second disconnect');
    await expectError(core.sendTyping({ chatType: 1, chatId: user.userId }), {
      code: errorCodes.ERR_SOCKET_NOT_CONNECTED,
      message: 'Cannot send typing data, send typing fail',
    });
    deepEqual(
      await callInStyle(style, core, 'reconnect', 'onReconnectReturn', {}),
      { error: null, result: user },
      `reconnect (${style})`,
    );
  }
});

test('the masterSocketUri property chooses the server', async () => {
  const azStackUserId = uniqueUserId('property');
  const core = newCore(azStackUserId, { masterSocketUri: undefined });
  assertEqual(core.masterSocketUri, 'https://www.azhub.xyz:9199', 'default masterSocketUri');
  core.masterSocketUri = SERVER_URL;
  deepEqual(await core.connect({}), { azStackUserId, userId: any.positiveInteger, fullname: fullnameOf(azStackUserId) });
  await core.disconnect({});
});

test('connect accepts authenticatingData in its options', async () => {
  const azStackUserId = uniqueUserId('options');
  const core = new AZStackCore({ masterSocketUri: SERVER_URL });
  const user = await core.connect({
    authenticatingData: { appId: APP_ID, publicKey: PUBLIC_KEY, azStackUserId, fullname: 'From Options' },
  });
  deepEqual(user, { azStackUserId, userId: any.positiveInteger, fullname: 'From Options' });
  await core.disconnect({});
});

test('destroy() releases the engine; later calls fail', async () => {
  const client = await connectClient(uniqueUserId('destroyed'));
  client.core.destroy();
  await expectError(client.core.getListGroups({ groupType: 0 }), { code: errorCodes.ERR_UNEXPECTED_DATA });
});

void run();
