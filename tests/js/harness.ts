/**
 * A tiny test harness for scripts run by the Linux JSI host (`scripts/jsi-run`): named async tests run one after
 * another, assertions with readable differences, a way to wait for a delegate, and a summary that ends the script
 * through `host.exit`.
 *
 * Waiting is always for something to happen (a Promise, a delegate call); timers only bound how long a test may wait.
 */
import type { AZStackCore, AZStackError, DelegateName, DelegateResults } from 'azstack-react-native';

type TestBody = () => Promise<void> | void;

const tests: { name: string; body: TestBody; deadlineMs: number }[] = [];

/** The longest a single test may take before it fails, unless it says otherwise. */
const TEST_DEADLINE_MS = 30_000;

/** Registers a test; `run()` runs them in registration order. A test that waits for something slow by design (a
 * timer of the server) names its own `deadlineMs`. */
export function test(name: string, body: TestBody, options: { deadlineMs?: number } = {}): void {
  tests.push({ name, body, deadlineMs: options.deadlineMs ?? TEST_DEADLINE_MS });
}

/** Runs every registered test in order, prints a summary and exits: 0 if all passed, 1 otherwise. */
export async function run(): Promise<never> {
  const failed: string[] = [];
  for (const { name, body, deadlineMs } of tests) {
    const started = Date.now();
    try {
      await withDeadline(Promise.resolve().then(body), deadlineMs, `test "${name}"`);
      console.log(`ok    ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      failed.push(name);
      console.log(`FAIL  ${name} (${Date.now() - started} ms)\n${indent(describe(error))}`);
    }
  }
  console.log(`\n${tests.length - failed.length} passed, ${failed.length} failed, ${tests.length} total`);
  for (const name of failed) {
    console.log(`  failed: ${name}`);
  }
  return host.exit(failed.length === 0 ? 0 : 1);
}

// --- assertions -----------------------------------------------------------------------------------------------------

/** An error thrown by a failed assertion. */
export class AssertionError extends Error {}

/** Fails unless `actual` is `expected` (`Object.is`). */
export function assertEqual<T>(actual: T, expected: T, what = 'value'): void {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(`${what}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

/** Fails unless `condition` holds. */
export function assert(condition: unknown, what: string): asserts condition {
  if (!condition) {
    throw new AssertionError(`expected ${what}`);
  }
}

/** A placeholder in an expected value of {@link deepEqual} that accepts any value passing `accepts`. */
export class Matcher {
  constructor(
    readonly description: string,
    readonly accepts: (value: unknown) => boolean,
  ) {}
}

/** Matchers for values a test cannot know in advance (ids, times). */
export const any = {
  number: new Matcher('any number', (v) => typeof v === 'number' && Number.isFinite(v)),
  positiveInteger: new Matcher('a positive integer', (v) => Number.isInteger(v) && (v as number) > 0),
  string: new Matcher('any string', (v) => typeof v === 'string'),
};

/**
 * Fails unless `actual` has exactly the structure of `expected`: the same keys (no missing, no extra), equal
 * primitives, arrays of the same length, and values accepted by each {@link Matcher}. The message lists every
 * difference with its path.
 */
export function deepEqual(actual: unknown, expected: unknown, what = 'value'): void {
  const differences: string[] = [];
  compare(actual, expected, what, differences);
  if (differences.length > 0) {
    throw new AssertionError(
      `${what} differs:\n${differences.map((d) => `  ${d}`).join('\n')}\n  actual:   ${show(actual)}\n  expected: ${show(expected)}`,
    );
  }
}

/** Whether `actual` has the structure of `expected`, as {@link deepEqual} decides it. */
export function matches(actual: unknown, expected: unknown): boolean {
  const differences: string[] = [];
  compare(actual, expected, '', differences);
  return differences.length === 0;
}

function compare(actual: unknown, expected: unknown, path: string, out: string[]): void {
  if (expected instanceof Matcher) {
    if (!expected.accepts(actual)) {
      out.push(`${path}: expected ${expected.description}, got ${show(actual)}`);
    }
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) {
      out.push(`${path}: expected an array, got ${show(actual)}`);
      return;
    }
    if (actual.length !== expected.length) {
      out.push(`${path}: expected ${expected.length} items, got ${actual.length}`);
      return;
    }
    expected.forEach((item, i) => compare(actual[i], item, `${path}[${i}]`, out));
    return;
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) {
      out.push(`${path}: expected an object, got ${show(actual)}`);
      return;
    }
    const actualRecord = actual as Record<string, unknown>;
    const expectedRecord = expected as Record<string, unknown>;
    for (const key of Object.keys(expectedRecord)) {
      if (!(key in actualRecord)) {
        out.push(`${path}.${key}: missing (expected ${show(expectedRecord[key])})`);
      } else {
        compare(actualRecord[key], expectedRecord[key], `${path}.${key}`, out);
      }
    }
    for (const key of Object.keys(actualRecord)) {
      if (!(key in expectedRecord)) {
        out.push(`${path}.${key}: unexpected (${show(actualRecord[key])})`);
      }
    }
    return;
  }
  if (!Object.is(actual, expected)) {
    out.push(`${path}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

/** Fails unless `promise` rejects with exactly `{code, message}` (plus `status` when `expected` has one). */
export async function expectError(
  promise: Promise<unknown>,
  expected: Partial<AZStackError> & Pick<AZStackError, 'code'>,
  what = 'error',
): Promise<void> {
  let result: unknown;
  try {
    result = await promise;
  } catch (error) {
    deepEqual(error, matchingError(expected), what);
    return;
  }
  throw new AssertionError(`${what}: expected a rejection with ${show(expected)}, got the result ${show(result)}`);
}

/** The expected error object; without `message` in `expected`, any text is accepted. */
function matchingError(expected: Partial<AZStackError> & Pick<AZStackError, 'code'>): unknown {
  return { message: any.string, ...expected };
}

// --- waiting --------------------------------------------------------------------------------------------------------

/** The arguments one delegate call received. */
export interface DelegateCall<N extends DelegateName> {
  error: AZStackError | null;
  result: DelegateResults[N] | null;
}

/**
 * Resolves with the next call of `core.Delegates[name]` that `accepts` (every call by default), and rejects if none
 * comes within `deadlineMs`. Start waiting before the action that causes the call. The delegate the application had
 * installed keeps receiving every call.
 */
export function waitForDelegate<N extends DelegateName>(
  core: AZStackCore,
  name: N,
  deadlineMs: number,
  accepts: (call: DelegateCall<N>) => boolean = () => true,
): Promise<DelegateCall<N>> {
  const delegates = core.Delegates as unknown as Record<string, (error: unknown, result: unknown) => void>;
  const previous = delegates[name];
  return new Promise((resolve, reject) => {
    let waiting = true;
    const finish = () => {
      waiting = false;
      clearTimeout(timer);
      if (delegates[name] === observer) {
        delegates[name] = previous;
      }
    };
    const observer = (error: unknown, result: unknown) => {
      const call = { error, result } as DelegateCall<N>;
      if (waiting && accepts(call)) {
        finish();
        resolve(call);
      }
      previous(error, result);
    };
    const timer = setTimeout(() => {
      finish();
      reject(new AssertionError(`Delegates.${name} was not called within ${deadlineMs} ms`));
    }, deadlineMs);
    delegates[name] = observer;
  });
}

/** `promise`, or a rejection naming `what` if it does not settle within `deadlineMs`. */
function withDeadline<T>(promise: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new AssertionError(`${what} did not finish within ${deadlineMs} ms`)), deadlineMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

// --- text -----------------------------------------------------------------------------------------------------------

function show(value: unknown): string {
  if (value instanceof Matcher) {
    return `<${value.description}>`;
  }
  if (value === undefined) {
    return 'undefined';
  }
  try {
    return JSON.stringify(value, (_key, v: unknown) => (v instanceof Matcher ? `<${v.description}>` : v));
  } catch {
    return String(value);
  }
}

function describe(error: unknown): string {
  if (error instanceof AssertionError) {
    return error.message;
  }
  if (error instanceof Error) {
    return error.stack ?? `${error.name}: ${error.message}`;
  }
  return `rejected with ${show(error)}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
