import type { Outcome } from './nativeEngine';

/**
 * Calls an application function (a callback or a delegate) with `(error, result)`. One that throws is reported with
 * `console.error` instead of breaking the delivery of the same outcome to the others; a value that is not a function
 * (a delegate set to `undefined`) is skipped.
 */
export function callGuarded(fn: unknown, outcome: Outcome, label: string): void {
  if (typeof fn !== 'function') {
    return;
  }
  try {
    fn(outcome.error, outcome.result);
  } catch (exception) {
    console.error(`AZStack: ${label} threw`, exception);
  }
}
