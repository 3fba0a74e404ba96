// Teardown with everything still in flight: a live engine, calls that have not completed, an installed event handler,
// events queued for the JS thread, pending timers and Promises. host.exit(0) must end the run with 0 — the debug host's
// JSCRuntime asserts (abort, exit 134) if any JS value outlives the runtime, and the host fails (exit 1) if an engine
// thread survives the bridge's shutdown.
// @expect-exit 0
import NativeAZStack from '../../js/specs/NativeAZStack';
import { within } from './lib/harness.js';

const handle = NativeAZStack.create('{}');
let events = 0;
NativeAZStack.setEventHandler(() => events++);

(async () => {
  // Calls that will still be running at exit (10 s), and a completion that will never be delivered.
  for (let i = 0; i < 100; i++) NativeAZStack.call(handle, '__testSleep', '{"ms":10000}');
  // Events: wait until some have arrived, and leave more queued behind them.
  await within(NativeAZStack.call(handle, '__testEmitEvents', '{"count":10,"name":"onA","result":{}}'), 5000, 'emit');
  if (events !== 10) throw new Error(`expected 10 events, got ${events}`);
  NativeAZStack.call(handle, '__testEmitEvents', '{"count":1000,"name":"onB","result":{}}');
  setInterval(() => {}, 1000);
  setTimeout(() => console.log('never printed'), 60000, { an: 'argument' });
  new Promise(() => {}); // never settles
  host.exit(0);
})();
