// The cost of the JSI layer itself, on the Linux JSI host (JavaScriptCore + the TurboModule + azstack-ffi):
//
//   * echo: a synchronous TurboModule call (JS → C++ → Rust → back), N calls;
//   * floor: `host.hop()` — a Promise made by native code and resolved on the JS thread after one hand-off to a
//     worker thread and back, with no engine and no JSON (cpp/linux-host/src/HopProbe.h): the part of an asynchronous
//     call no implementation can avoid on this machine;
//   * call: an asynchronous round trip — JS → C++ → Rust → a worker runs a local engine method → completion in C++ →
//     CallInvoker → JS thread → Promise resolved → `await` resumes — N calls one after another; its issue time (until
//     `call` has returned its Promise) is timed on its own;
//   * burst: 1,000 calls issued together and awaited with Promise.all, repeated; total time and time per call.
//
// Prints p50/p99 (and more); asserts nothing. Run with the optimised host:
//
//   scripts/jsi-run bench/jsi/overhead.js --release        (bench/jsi/run also runs newMessage → ack)
//
// Each sample is timed with performance.now(), itself a host call; its own cost (measured here as back-to-back
// readings) is printed and subtracted in the "net" columns.
import NativeAZStack from '../../js/specs/NativeAZStack';

const N = Number(host.env('AZSTACK_BENCH_N') || 100000);
const WARMUP = Math.min(N, 20000);
const BURST = 1000;
const BURSTS = Math.max(10, Math.round(N / 500));

function percentiles(samplesMs) {
  const sorted = Float64Array.from(samplesMs).sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 1000; // µs
  let sum = 0;
  for (const v of sorted) sum += v;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] * 1000, mean: (sum / sorted.length) * 1000 };
}

function row(name, p, clock) {
  const f = (v) => v.toFixed(3).padStart(9);
  const net = (v) => Math.max(0, v - clock).toFixed(3).padStart(9);
  console.log(
    `${name.padEnd(36)} p50 ${f(p.p50)}  p90 ${f(p.p90)}  p99 ${f(p.p99)}  max ${f(p.max)}  mean ${f(p.mean)} µs` +
      `   net p50 ${net(p.p50)}  p99 ${net(p.p99)} µs`,
  );
}

function clockCost() {
  const samples = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const t1 = performance.now();
    samples[i] = t1 - t0;
  }
  return percentiles(samples);
}

function benchEcho() {
  for (let i = 0; i < WARMUP; i++) NativeAZStack.echo(i);
  const samples = new Float64Array(N);
  let check = 0;
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    check += NativeAZStack.echo(i);
    samples[i] = performance.now() - t0;
  }
  if (check !== (N * (N - 1)) / 2) throw new Error('echo returned wrong values');
  // Throughput without per-call clock reads.
  const t0 = performance.now();
  for (let i = 0; i < N; i++) NativeAZStack.echo(i);
  const loopUs = ((performance.now() - t0) * 1000) / N;
  return { p: percentiles(samples), loopUs };
}

// Issue time (until the Promise exists) and awaited round trip of `start()`, N times each, one after another.
async function benchAsync(start) {
  for (let i = 0; i < WARMUP; i++) await start();
  const issue = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const promise = start();
    issue[i] = performance.now() - t0;
    await promise;
  }
  const samples = new Float64Array(N);
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await start();
    samples[i] = performance.now() - t0;
  }
  const totalMs = performance.now() - started;
  return { p: percentiles(samples), issue: percentiles(issue), perSecond: N / (totalMs / 1000) };
}

// BURST calls issued in one go and awaited together, BURSTS times: the time from the first issue to the last result.
async function benchBurst(start) {
  const calls = new Array(BURST);
  for (let r = 0; r < 5; r++) {
    for (let i = 0; i < BURST; i++) calls[i] = start();
    await Promise.all(calls);
  }
  const totals = new Float64Array(BURSTS);
  const issues = new Float64Array(BURSTS);
  for (let r = 0; r < BURSTS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < BURST; i++) calls[i] = start();
    issues[r] = performance.now() - t0;
    await Promise.all(calls);
    totals[r] = performance.now() - t0;
  }
  return { total: percentiles(totals), issue: percentiles(issues) };
}

function burstRow(name, burst) {
  const ms = (v) => (v / 1000).toFixed(3);
  const per = (v) => (v / BURST).toFixed(3);
  console.log(
    `${name.padEnd(36)} total p50 ${ms(burst.total.p50)} ms  p99 ${ms(burst.total.p99)} ms   per call p50 ` +
      `${per(burst.total.p50)} µs  p99 ${per(burst.total.p99)} µs   (issuing ${BURST}: p50 ${ms(burst.issue.p50)} ms)`,
  );
}

(async () => {
  const handle = NativeAZStack.create('{}');
  try {
    // parseNotification is local (no network) once the engine implements it; until then any method name is a quick
    // local error reply, which takes the same path.
    const parseParams = JSON.stringify({ notification: { pushPacketType: '5', appId: 'x' } });
    const probe = JSON.parse(await NativeAZStack.call(handle, 'parseNotification', parseParams));
    const label = probe.error === null ? 'parseNotification (local result)' : `local error (${probe.error.code})`;
    const call = () => NativeAZStack.call(handle, 'parseNotification', parseParams);

    console.log(`JSI overhead, Linux JSI host (JavaScriptCore), ${N} calls each, ${__DEV__ ? 'DEBUG build' : 'release build'}`);
    console.log(`async method: parseNotification → ${label}${probe.error ? `: ${probe.error.message}` : ''}`);
    const clock = clockCost();
    row('performance.now() pair (clock)', clock, 0);
    const echo = benchEcho();
    row('sync echo(number)', echo.p, clock.p50);
    console.log(`${''.padEnd(36)} loop without clock reads: ${echo.loopUs.toFixed(3)} µs per call`);

    const floor = await benchAsync(() => host.hop());
    row('floor: issue (until Promise)', floor.issue, clock.p50);
    row('floor: round trip (await)', floor.p, clock.p50);
    const async = await benchAsync(call);
    row('async call: issue (until Promise)', async.issue, clock.p50);
    row('async call: round trip (await)', async.p, clock.p50);
    console.log(`${''.padEnd(36)} ${Math.round(async.perSecond)} round trips per second (sequential)`);
    burstRow(`floor: burst of ${BURST} (x${BURSTS})`, await benchBurst(() => host.hop()));
    burstRow(`async call: burst of ${BURST} (x${BURSTS})`, await benchBurst(call));

    const floorNet = Math.max(0, floor.p.p50 - clock.p50);
    const callNet = Math.max(0, async.p.p50 - clock.p50);
    console.log(`floor (promise + worker hop) p50 ${floorNet.toFixed(3)} µs`);
    console.log(
      `async call round trip p50 ${callNet.toFixed(3)} µs = ${(callNet / floorNet).toFixed(2)} × floor; ` +
        `issue p50 ${Math.max(0, async.issue.p50 - clock.p50).toFixed(3)} µs; ` +
        `sync echo p50 ${Math.max(0, echo.p.p50 - clock.p50).toFixed(3)} µs (all net of the clock)`,
    );
  } finally {
    NativeAZStack.destroy(handle);
  }
})();
