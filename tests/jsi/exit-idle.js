// With nothing left — no timers, no engines, no calls in flight — the host exits by itself with 0, even with an
// event handler installed.
// @expect-exit 0
// @timeout 10
import NativeAZStack from '../../js/specs/NativeAZStack';

NativeAZStack.setEventHandler(() => {});
const handle = NativeAZStack.create('{}');
setTimeout(async () => {
  await NativeAZStack.call(handle, '__testSleep', '{"ms":50}');
  NativeAZStack.destroy(handle);
  console.log('done; the loop runs dry');
}, 10);
