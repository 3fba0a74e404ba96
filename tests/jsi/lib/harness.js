// A small test harness for scripts run by the Linux JSI host (scripts/jsi-run). Tests run one after another; the
// first failure of each is printed, and the run ends with host.exit(1) if any failed. On success the harness does
// not exit: the host exits by itself once nothing is left (no timers, engines or calls), which the tests rely on.

const tests = [];

export function test(name, body) {
  tests.push({ name, body });
}

export async function run() {
  let failed = 0;
  for (const { name, body } of tests) {
    const started = performance.now();
    try {
      await body();
      console.log(`  ok   ${name} (${(performance.now() - started).toFixed(1)} ms)`);
    } catch (e) {
      failed++;
      console.error(`  FAIL ${name}: ${e && e.stack ? `${e.message}\n${e.stack}` : e}`);
    }
  }
  if (failed) {
    console.error(`${failed} of ${tests.length} tests failed`);
    host.exit(1);
  }
}

export function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function assertEqual(actual, expected, message = 'values differ') {
  if (!same(actual, expected) && !Object.is(actual, expected)) {
    throw new Error(`${message}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

export function assertThrows(body, pattern, message) {
  try {
    body();
  } catch (e) {
    assert(pattern.test(String(e && e.message)), `${message}: threw ${e}, expected ${pattern}`);
    return e;
  }
  throw new Error(`${message}: did not throw`);
}

/** Resolves with the rejection reason of `promise`; fails if it resolves or does not settle by the deadline. */
export async function rejection(promise, what, ms = 5000) {
  let settled;
  await within(
    promise.then(
      (value) => (settled = { value }),
      (reason) => (settled = { reason }),
    ),
    ms,
    what,
  );
  if ('value' in settled) throw new Error(`${what}: resolved with ${JSON.stringify(settled.value)}, expected a rejection`);
  return settled.reason;
}

/** `promise`, or a failure if it does not settle within `ms` milliseconds. */
export function within(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Waits until `predicate()` holds, checking after every macrotask turn, for at most `ms` milliseconds. For states that
 * have no event to wait on (the process's thread list); everything else waits on its Promise or event.
 */
export async function eventually(predicate, ms, what) {
  const deadline = performance.now() + ms;
  for (;;) {
    if (predicate()) return;
    if (performance.now() > deadline) throw new Error(`${what}: still false after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
