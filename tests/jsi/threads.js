// No leaked threads: engines run on the bridge's one runtime (two `azstack-worker` threads, started when the module
// loads); creating, using and destroying engines must leave the process with the threads it had before.
//
// Only our threads are compared: the runtime names all of its threads `azstack-worker`, and a thread anything of
// ours started with std::thread inherits its creator's name (`azstack-worker` or the host's `azstack-jsi-host`).
// JavaScriptCore's own helpers (JIT workers, GC threads) come and go with their own names and are not ours.
import NativeAZStack from '../../js/specs/NativeAZStack';
import { assert, assertEqual, eventually, run, test, within } from './lib/harness.js';

function ourThreads() {
  return host
    .threads()
    .filter((name) => name.startsWith('azstack'))
    .sort();
}

async function exercise(engines, calls) {
  const handles = Array.from({ length: engines }, () => NativeAZStack.create('{}'));
  const pending = [];
  for (let i = 0; i < calls; i++) {
    pending.push(NativeAZStack.call(handles[i % engines], i % 2 ? 'noSuchMethod' : '__testSleep', '{"ms":1}'));
  }
  await within(Promise.all(pending), 20000, 'calls');
  return handles;
}

const workers = () => host.threads().filter((name) => name.startsWith('azstack-worker')).length;

test('the runtime has two worker threads once the module is loaded', async () => {
  // A new thread names itself once it runs: wait (bounded) for that.
  await eventually(() => workers() === 2, 5000, 'two azstack-worker threads');
  const handle = NativeAZStack.create('{}');
  await within(NativeAZStack.call(handle, 'noSuchMethod', 'null'), 5000, 'call');
  NativeAZStack.destroy(handle);
  assertEqual(workers(), 2, 'azstack-worker threads after a call');
});

test('creating, using and destroying engines leaves no thread behind', async () => {
  const before = ourThreads();

  const handles = await exercise(4, 4000);
  handles.forEach((h) => NativeAZStack.destroy(h));
  // Destroyed engines shut down in the background; their threads (if they had any) must go.
  await eventually(() => JSON.stringify(ourThreads()) === JSON.stringify(before), 10000, 'threads back to the baseline');
  assertEqual(ourThreads(), before, 'threads after destroy');
  assert(before.filter((name) => name.startsWith('azstack-worker')).length === 2, 'still two workers');
});

run();
