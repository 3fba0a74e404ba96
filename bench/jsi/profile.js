// A steady load for a profiler: N asynchronous calls awaited one after another (what overhead.js times as "round
// trip"), nothing else. bench/jsi/profile runs it under `perf record`; see bench/RESULTS.md for how it was read.
//
//   AZSTACK_PROFILE_WHAT=call (default) | floor | burst      AZSTACK_BENCH_N=200000
import NativeAZStack from '../../js/specs/NativeAZStack';

const N = Number(host.env('AZSTACK_BENCH_N') || 200000);
const what = host.env('AZSTACK_PROFILE_WHAT') || 'call';

(async () => {
  const handle = NativeAZStack.create('{}');
  const params = JSON.stringify({ notification: { pushPacketType: '5', appId: 'x' } });
  const call = what === 'floor' ? () => host.hop() : () => NativeAZStack.call(handle, 'parseNotification', params);
  const t0 = performance.now();
  if (what === 'burst') {
    for (let r = 0; r < N / 1000; r++) {
      const calls = [];
      for (let i = 0; i < 1000; i++) calls.push(call());
      await Promise.all(calls);
    }
  } else {
    for (let i = 0; i < N; i++) await call();
  }
  console.log(`${N} ${what} in ${(performance.now() - t0).toFixed(0)} ms`);
  NativeAZStack.destroy(handle);
})();
