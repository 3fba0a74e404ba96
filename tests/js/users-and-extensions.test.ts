/**
 * End to end: getUsersInformation (PROTOCOL.md §3.28), getPaidCallLogs without a phone gateway (§3.18), and the
 * extensions of §10 — application state, device tokens, notification parsing, the sticker catalogue — each in every
 * style.
 */
import { applicationStateConstants, errorCodes, notificationConstants, platformConstants } from 'azstack-react-native';
import { deepEqual, expectError, run, test } from './harness';
import { STYLES, callInStyle, connectClient, expectedUserInfo, uniqueUserId, type Client } from './fixtures';

let uma: Client;
let vic: Client;

test('connect uma and vic', async () => {
  uma = await connectClient(uniqueUserId('uma'));
  vic = await connectClient(uniqueUserId('vic'));
});

/** `list` sorted by `userId`, so that the server's order does not matter. */
function byUserId<T extends { list: { userId: number }[] }>(result: T | null): T | null {
  return result && { ...result, list: [...result.list].sort((a, b) => a.userId - b.userId) };
}

test('getUsersInformation by userIds and by azStackUserIds in every style; unknown users are left out', async () => {
  const expected = { done: 1, list: [uma, vic].sort((a, b) => a.user.userId - b.user.userId).map(expectedUserInfo) };
  const queries = [
    { userIds: [uma.user.userId, vic.user.userId, 2_000_000_000] },
    { azStackUserIds: [uma.user.azStackUserId, vic.user.azStackUserId, uniqueUserId('nobody')] },
  ];
  for (const query of queries) {
    for (const style of STYLES) {
      const { error, result } = await callInStyle<{ list: { userId: number }[] }>(
        style,
        uma.core,
        'getUsersInformation',
        'onGetUsersInformationReturn',
        query,
      );
      deepEqual({ error, result: byUserId(result) }, { error: null, result: expected }, `${Object.keys(query)[0]} (${style})`);
    }
  }
});

test('getPaidCallLogs in every style: no paid calls without a phone gateway', async () => {
  for (const style of STYLES) {
    deepEqual(
      await callInStyle(style, uma.core, 'getPaidCallLogs', 'onGetPaidCallLogsReturn', {}),
      { error: null, result: { done: 1, list: [] } },
      `getPaidCallLogs (${style})`,
    );
  }
});

test('changeApplicationState in every style', async () => {
  const states = [
    applicationStateConstants.APPLICATION_STATE_BACKGROUND,
    applicationStateConstants.APPLICATION_STATE_FOREGROUND,
    applicationStateConstants.APPLICATION_STATE_BACKGROUND,
  ];
  for (const [i, style] of STYLES.entries()) {
    deepEqual(
      await callInStyle(style, uma.core, 'changeApplicationState', 'onApplicationChangeStateReturn', { state: states[i] }),
      { error: null, result: {} },
      `changeApplicationState (${style})`,
    );
  }
});

test('notificationRegisterDevice and notificationUnregisterDevice in every style', async () => {
  for (const style of STYLES) {
    const deviceToken = `token-${style}-${uma.user.userId}`;
    deepEqual(
      await callInStyle(style, uma.core, 'notificationRegisterDevice', 'onNotificationRegisterDeviceReturn', {
        deviceToken,
        devicePlatformOS: platformConstants.PLATFORM_ANDROID,
        applicationBundleId: 'org.example.chat',
      }),
      { error: null, result: {} },
      `notificationRegisterDevice (${style})`,
    );
    deepEqual(
      await callInStyle(style, uma.core, 'notificationUnregisterDevice', 'onNotificationUnregisterDeviceReturn', { deviceToken }),
      { error: null, result: {} },
      `notificationUnregisterDevice (${style})`,
    );
  }
});

test('parseNotification in every style', async () => {
  const cases: [string, number][] = [
    ['5', notificationConstants.NOTIFICATION_TYPE_MESSAGE],
    ['146', notificationConstants.NOTIFICATION_TYPE_MESSAGE],
    ['186', notificationConstants.NOTIFICATION_TYPE_FREE_CALL],
    ['602', notificationConstants.NOTIFICATION_TYPE_CALLIN],
    ['999', notificationConstants.NOTIFICATION_TYPE_UNKNOWN],
  ];
  for (const [pushPacketType, type] of cases) {
    for (const style of STYLES) {
      deepEqual(
        await callInStyle(style, uma.core, 'parseNotification', 'onNotificationParseReturn', {
          notification: { pushPacketType, appId: 'some-app' },
        }),
        { error: null, result: { appId: 'some-app', type } },
        `parseNotification ${pushPacketType} (${style})`,
      );
    }
  }
  await expectError(uma.core.parseNotification({ notification: { pushPacketType: 'abc', appId: 'some-app' } }), {
    code: errorCodes.ERR_UNEXPECTED_RECEIVED_DATA,
    message: 'Cannot parse packet type, parse notification fail',
  });
});

test("getStickersList in every style lists the dev server's catalogue", async () => {
  const pack = (id: number) => ({
    catId: id,
    name: `Pack ${id}`,
    urls: {
      fullCover: `https://stickers.example.org/${id}/full.png`,
      miniCover: `https://stickers.example.org/${id}/mini.png`,
      download: `https://stickers.example.org/${id}.zip`,
    },
  });
  for (const style of STYLES) {
    deepEqual(
      await callInStyle(style, uma.core, 'getStickersList', 'onGetStickersListReturn', { isDefault: true }),
      { error: null, result: { done: 1, list: [pack(1)] } },
      `default stickers (${style})`,
    );
    deepEqual(
      await callInStyle(style, uma.core, 'getStickersList', 'onGetStickersListReturn', { isDefault: false }),
      { error: null, result: { done: 1, list: [pack(2), pack(3)] } },
      `other stickers (${style})`,
    );
  }
});

void run();
