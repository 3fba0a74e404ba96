// The package's Jest mock (`azstack-react-native/jest`, built by scripts/lib/build-jest-mock.mjs) loaded the way Jest
// loads it — plain CommonJS from the package directory, no transform — and used as an app's test would.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { bundleJestMock } from '../../../scripts/lib/build-jest-mock.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
mkdirSync(path.join(root, 'jest'), { recursive: true });
const file = path.join(root, 'jest', 'index.js');
writeFileSync(file, await bundleJestMock());
const mock = createRequire(import.meta.url)(file);

let passed = 0;
async function test(name, body) {
  await body();
  passed += 1;
  console.log(`ok    ${name}`);
}

await test('the mock exports the package API, its constants and the scripting helpers', () => {
  for (const name of ['AZStackCore', 'AZStackVideoView', 'chatConstants', 'errorCodes', 'setMockResult', 'emitMockEvent']) {
    assert.ok(name in mock, `${name} exported`);
  }
  assert.equal(mock.chatConstants.CHAT_TYPE_USER, 1);
});

await test('a method resolves with the scripted result: callback, then return delegate, then the awaiting code', async () => {
  mock.setMockResult('newMessage', (options) => ({ chatType: options.chatType, chatId: options.chatId, msgId: 7 }));
  const core = new mock.AZStackCore({ authenticatingData: { appId: 'a', publicKey: 'k', azStackUserId: 'u' } });
  const order = [];
  core.Delegates.onNewMessageReturn = (error, result) => order.push(`delegate ${error} ${result.msgId}`);
  const message = await core.newMessage({ chatType: core.chatConstants.CHAT_TYPE_USER, chatId: 2, text: 'hi' }, (error, result) =>
    order.push(`callback ${error} ${result.msgId}`),
  );
  order.push(`awaited ${message.msgId} ${message.chatId}`);
  assert.deepEqual(order, ['callback null 7', 'delegate null 7', 'awaited 7 2']);
  core.destroy();
});

await test('an unscripted method resolves with null; emitMockEvent reaches Delegates', async () => {
  mock.resetMockResults();
  const core = new mock.AZStackCore({ authenticatingData: { appId: 'a', publicKey: 'k', azStackUserId: 'u' } });
  assert.equal(await core.sendTyping({ chatType: 1, chatId: 2 }), null);
  const seen = [];
  core.Delegates.onHasNewMessage = (error, message) => seen.push([error, message]);
  mock.emitMockEvent('onHasNewMessage', null, { msgId: 9, text: 'hello' });
  assert.deepEqual(seen, [[null, { msgId: 9, text: 'hello' }]]);
  core.destroy();
});

await test('the device extensions answer as a permissive phone unless scripted', async () => {
  mock.resetMockResults();
  const core = new mock.AZStackCore({ authenticatingData: { appId: 'a', publicKey: 'k', azStackUserId: 'u' } });
  assert.deepEqual(await core.requestMediaPermissions({ video: false }), { audio: 'granted', video: null });
  assert.deepEqual(await core.setSpeakerphoneOn({ on: true }), { route: 'speaker' });
  assert.deepEqual(await core.registerForCallNotifications(), { deviceToken: 'mock-call-token', devicePlatformOS: 1 });
  mock.setMockResult('requestMediaPermissions', { audio: 'blocked', video: 'denied' });
  assert.deepEqual(await core.requestMediaPermissions(), { audio: 'blocked', video: 'denied' });
  const seen = [];
  core.Delegates.onAudioInterrupted = (error, result) => seen.push([error, result]);
  mock.emitMockEvent('onAudioInterrupted', null, null);
  assert.deepEqual(seen, [[null, null]]);
  core.destroy();
});

console.log(`\n${passed} passed, 0 failed, ${passed} total`);
