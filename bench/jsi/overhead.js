// The cost of the JSI layer itself, on the Linux JSI host (JavaScriptCore + the TurboModule + azstack-ffi):
//
//   * echo: a synchronous TurboModule call (JS → C++ → Rust → back), 100,000 calls;
//   * call: an asynchronous round trip — JS → C++ → Rust → a tokio worker runs a local engine method → completion in
//     C++ → CallInvoker → JS thread → Promise resolved → `await` resumes — 100,000 calls one after another.
//
// Prints p50/p99 (and more); asserts nothing. Run with the optimised host:
//
//   scripts/jsi-run bench/jsi/overhead.js --release
//
// Each sample is timed with performance.now(), itself a host call; its own cost (measured here as back-to-back
// readings) is printed and subtracted in the "net" columns.
import NativeAZStack from '../../js/specs/NativeAZStack';

const N = Number(host.env('AZSTACK_BENCH_N') || 100000);
const WARMUP = Math.min(N, 20000);

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

async function benchCall(handle, method, params) {
  for (let i = 0; i < WARMUP; i++) await NativeAZStack.call(handle, method, params);
  // The synchronous part alone: until call() returns its Promise (the work has been handed to a worker).
  const issue = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const promise = NativeAZStack.call(handle, method, params);
    issue[i] = performance.now() - t0;
    await promise;
  }
  const samples = new Float64Array(N);
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await NativeAZStack.call(handle, method, params);
    samples[i] = performance.now() - t0;
  }
  const totalMs = performance.now() - started;
  return { p: percentiles(samples), issue: percentiles(issue), perSecond: N / (totalMs / 1000) };
}

(async () => {
  const handle = NativeAZStack.create('{}');
  try {
    // parseNotification is local (no network) once the engine implements it; until then any method name is a quick
    // local error reply, which takes the same path.
    const parseParams = JSON.stringify({ notification: { pushPacketType: '5', appId: 'x' } });
    const probe = JSON.parse(await NativeAZStack.call(handle, 'parseNotification', parseParams));
    const local =
      probe.error === null
        ? { label: 'parseNotification (local result)', method: 'parseNotification', params: parseParams }
        : { label: `local error (${probe.error.code})`, method: 'parseNotification', params: parseParams };

    console.log(`JSI overhead, Linux JSI host (JavaScriptCore), ${N} calls each, ${__DEV__ ? 'DEBUG build' : 'release build'}`);
    console.log(`async method: parseNotification → ${local.label}${probe.error ? `: ${probe.error.message}` : ''}`);
    const clock = clockCost();
    row('performance.now() pair (clock)', clock, 0);
    const echo = benchEcho();
    row('sync echo(number)', echo.p, clock.p50);
    console.log(`${''.padEnd(36)} loop without clock reads: ${echo.loopUs.toFixed(3)} µs per call`);
    const call = await benchCall(handle, local.method, local.params);
    row('async call: issue (until Promise)', call.issue, clock.p50);
    row('async call: round trip (await)', call.p, clock.p50);
    console.log(`${''.padEnd(36)} ${Math.round(call.perSecond)} round trips per second (sequential)`);
  } finally {
    NativeAZStack.destroy(handle);
  }
})();
