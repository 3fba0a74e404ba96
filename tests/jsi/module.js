// NativeAZStack through the real path: JS → TurboModule (C++, codegen spec) → azstack-ffi (cxx) → engine (tokio) → back
// on the JS thread through the CallInvoker. Uses the spec module directly, as js/ does.
import NativeAZStack from '../../js/specs/NativeAZStack';
import { TurboModuleRegistry } from 'react-native';
import { assert, assertEqual, assertThrows, rejection, run, test, within } from './lib/harness.js';

const ERROR_CODES = [
  'ERR_SOCKET_CONNECT',
  'ERR_SOCKET_PARSE_BODY',
  'ERR_SOCKET_UNKNOWN_SERVICE',
  'ERR_SOCKET_NOT_CONNECTED',
  'ERR_REQUEST_TIMEOUT',
  'ERR_UNEXPECTED_DATA',
  'ERR_UNEXPECTED_SEND_DATA',
  'ERR_UNEXPECTED_RECEIVED_DATA',
  'ERR_WEBRTC',
];

/** Parses a call's completion and checks that it is exactly `{error, result}` with one of them null. */
function envelope(text) {
  assertEqual(typeof text, 'string', 'a call resolves with JSON text');
  const value = JSON.parse(text);
  assertEqual(Object.keys(value).sort(), ['error', 'result'], 'envelope keys');
  assert(value.error === null || value.result === null, `one side of ${text} is null`);
  if (value.error !== null) {
    assert(ERROR_CODES.includes(value.error.code), `known error code in ${text}`);
    assertEqual(typeof value.error.message, 'string', 'error message');
  }
  return value;
}

test('TurboModuleRegistry finds the module through the bridgeless nativeModuleProxy', () => {
  assertEqual(RN$Bridgeless, true, 'bridgeless');
  assert(TurboModuleRegistry.getEnforcing('NativeAZStack') === NativeAZStack, 'getEnforcing returns the module');
  assert(globalThis.nativeModuleProxy.NativeAZStack === NativeAZStack, 'nativeModuleProxy returns the same object');
  for (const method of ['create', 'call', 'setEventHandler', 'destroy', 'echo']) {
    assertEqual(typeof NativeAZStack[method], 'function', method);
  }
  assertEqual(TurboModuleRegistry.get('NoSuchModule'), null, 'unknown modules are null');
  assertThrows(() => TurboModuleRegistry.getEnforcing('NoSuchModule'), /could not be found/, 'getEnforcing');
});

test('echo returns its argument synchronously', () => {
  for (const value of [0, 1, -1.5, 2 ** 53, 1e300, Number.MAX_VALUE, -Infinity]) {
    assertEqual(NativeAZStack.echo(value), value, `echo(${value})`);
  }
  assert(Number.isNaN(NativeAZStack.echo(NaN)), 'echo(NaN)');
  assert(Object.is(NativeAZStack.echo(-0), -0), 'echo(-0)');
  assertThrows(() => NativeAZStack.echo('1'), /number/i, 'echo of a string');
  assertThrows(() => NativeAZStack.echo(), /argument/i, 'echo without an argument');
});

test('create returns distinct positive integer handles; destroy releases them', async () => {
  const a = NativeAZStack.create(JSON.stringify({ serverUrl: 'http://127.0.0.1:9', requestTimeout: 1000 }));
  const b = NativeAZStack.create('{}');
  const c = NativeAZStack.create('null');
  for (const h of [a, b, c]) assert(Number.isSafeInteger(h) && h > 0, `handle ${h}`);
  assertEqual(new Set([a, b, c]).size, 3, 'distinct handles');
  for (const h of [a, b, c]) NativeAZStack.destroy(h);
  NativeAZStack.destroy(a); // twice: a no-op
  NativeAZStack.destroy(123456789); // never created: a no-op
});

test('create with options that are not JSON throws', () => {
  assertThrows(() => NativeAZStack.create('{not json'), /not JSON/, 'create');
  assertThrows(() => NativeAZStack.create(42), /string/i, 'create(42)');
});

test('an unknown method resolves with the {error, result} envelope', async () => {
  const h = NativeAZStack.create('{}');
  try {
    const value = envelope(await within(NativeAZStack.call(h, 'noSuchMethod', '{"a":1}'), 5000, 'call'));
    assert(value.error !== null, 'an error');
    assertEqual(value.result, null, 'no result');
    // Options are optional ("null").
    envelope(await within(NativeAZStack.call(h, 'noSuchMethod', 'null'), 5000, 'call with null'));
  } finally {
    NativeAZStack.destroy(h);
  }
});

test('a panic inside the engine resolves with ERR_UNEXPECTED_DATA, and the engine keeps working', async () => {
  const h = NativeAZStack.create('{}');
  try {
    const value = envelope(await within(NativeAZStack.call(h, '__testPanic', '{"message":"boom"}'), 5000, 'panic'));
    assertEqual(value, { error: { code: 'ERR_UNEXPECTED_DATA', message: 'internal error: test panic: boom' }, result: null });
    envelope(await within(NativeAZStack.call(h, 'noSuchMethod', 'null'), 5000, 'call after the panic'));
  } finally {
    NativeAZStack.destroy(h);
  }
});

test('calls after destroy, with bad handles or with options that are not JSON reject', async () => {
  const h = NativeAZStack.create('{}');
  NativeAZStack.destroy(h);
  const reason = await rejection(NativeAZStack.call(h, 'getUser', 'null'), 'call after destroy');
  assert(reason instanceof Error, 'rejects with an Error');
  assert(reason.message.includes(`no engine with handle ${h}`), reason.message);
  for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 60]) {
    await rejection(NativeAZStack.call(bad, 'getUser', 'null'), `call on handle ${bad}`);
  }
  const live = NativeAZStack.create('{}');
  try {
    const notJson = await rejection(NativeAZStack.call(live, 'getUser', '{oops'), 'options not JSON');
    assert(/not JSON/.test(notJson.message), notJson.message);
  } finally {
    NativeAZStack.destroy(live);
  }
});

test('20,000 concurrent calls over two engines all settle, each once', async () => {
  const engines = [NativeAZStack.create('{}'), NativeAZStack.create('{}')];
  try {
    const N = 20000;
    const settled = new Uint8Array(N);
    const calls = [];
    for (let i = 0; i < N; i++) {
      calls.push(
        NativeAZStack.call(engines[i % 2], i % 3 ? 'noSuchMethod' : '__testSleep', JSON.stringify({ ms: 0, i })).then(
          (text) => {
            envelope(text);
            settled[i]++;
          },
        ),
      );
    }
    await within(Promise.all(calls), 30000, 'all calls');
    assert(settled.every((n) => n === 1), 'every call settled exactly once');
  } finally {
    engines.forEach((h) => NativeAZStack.destroy(h));
  }
});

test('events reach the handler on the JS thread, in order, before the call that caused them settles', async () => {
  const a = NativeAZStack.create('{}');
  const b = NativeAZStack.create('{}');
  try {
    const seen = [];
    NativeAZStack.setEventHandler((handle, name, errorJson, resultJson) => {
      seen.push({ handle, name, error: JSON.parse(errorJson), result: JSON.parse(resultJson) });
    });
    const emitted = envelope(
      await within(
        NativeAZStack.call(a, '__testEmitEvents', JSON.stringify({ count: 500, name: 'onTyping', result: { from: 'a' } })),
        5000,
        'emit',
      ),
    );
    assertEqual(emitted.result, 500, 'events sent');
    assertEqual(seen.length, 500, 'every event arrived before the completion');
    seen.forEach((event, i) => {
      assertEqual(event, { handle: a, name: 'onTyping', error: null, result: { from: 'a', seq: i } }, `event ${i}`);
    });

    // Events carry their engine's handle; errors arrive as JSON too.
    seen.length = 0;
    const error = { code: 'ERR_SOCKET_CONNECT', message: 'Cannot connect' };
    await NativeAZStack.call(b, '__testEmitEvents', JSON.stringify({ count: 1, name: 'onAutoReconnectedStop', error, result: null }));
    assertEqual(seen, [{ handle: b, name: 'onAutoReconnectedStop', error, result: null }], 'event of engine b');

    // Installing another handler replaces the first; a handler may replace itself while events keep coming.
    seen.length = 0;
    const second = [];
    NativeAZStack.setEventHandler(function replaceMyself(handle, name) {
      second.push(name);
      NativeAZStack.setEventHandler((h, n) => second.push(`third:${n}`));
    });
    await NativeAZStack.call(a, '__testEmitEvents', JSON.stringify({ count: 3, name: 'onX', result: {} }));
    assertEqual(seen.length, 0, 'the first handler no longer receives events');
    assertEqual(second, ['onX', 'third:onX', 'third:onX'], 'replaced while running');

    assertThrows(() => NativeAZStack.setEventHandler('not a function'), /function|object/i, 'a non-function handler');
  } finally {
    NativeAZStack.destroy(a);
    NativeAZStack.destroy(b);
  }
});

test('a destroyed engine sends no more events', async () => {
  const h = NativeAZStack.create('{}');
  let count = 0;
  NativeAZStack.setEventHandler(() => count++);
  const emitting = NativeAZStack.call(h, '__testEmitEvents', JSON.stringify({ count: 1, name: 'onY', result: {} }));
  NativeAZStack.destroy(h);
  // The call had started: it completes, but its events after destroy were dropped.
  const sent = envelope(await within(emitting, 5000, 'emit')).result;
  assertEqual(count, sent, 'only events sent before destroy arrived');
  await rejection(NativeAZStack.call(h, '__testEmitEvents', '{"count":1}'), 'emit after destroy');
  assertEqual(count, sent, 'no event after destroy');
});

run();
