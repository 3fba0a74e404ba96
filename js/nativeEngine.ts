/**
 * The JavaScript side of the native boundary (`specs/NativeAZStack.ts`): engines by handle, calls as JSON text,
 * events routed to the instance that owns the handle.
 *
 * The TurboModule has one event handler for all engines, so this module keeps a registry from handle to listener and
 * installs the handler once, when the first listener registers. The registry holds its listeners (and through them
 * their `AZStackCore` instances) until `stopListening`: an engine keeps its connection and keeps producing events
 * until it is destroyed, so an instance the application dropped without `destroy()` still receives them.
 */
import NativeAZStackOrNull, { type Spec } from './specs/NativeAZStack';
import { errorCodes } from './constants';
import type { AZStackError } from './types';

/** A method's or an event's outcome: `error` on failure, `result` on success; the other one is `null`. */
export interface Outcome {
  error: AZStackError | null;
  result: unknown;
}

/** Receives one engine's events: the delegate name and its outcome. */
export type EngineListener = (delegateName: string, outcome: Outcome) => void;

/** What an app sees on import when its binary has no NativeAZStack. */
export const NATIVE_MODULE_MISSING =
  "azstack-react-native: the native module 'NativeAZStack' is not in this app's binary. The package needs React " +
  'Native 0.80 or later with the New Architecture, and a native build of the app after installing it ' +
  '(`npx react-native run-android` / `run-ios`, or an Expo development build: Expo Go cannot load it). In Jest, ' +
  "mock the package: jest.mock('azstack-react-native', () => require('azstack-react-native/jest')).";

const NativeAZStack: Spec = NativeAZStackOrNull ?? nativeModuleMissing();

function nativeModuleMissing(): never {
  throw new Error(NATIVE_MODULE_MISSING);
}

const listeners = new Map<number, EngineListener>();
let handlerInstalled = false;

/** Creates an engine from the constructor options and returns its handle. */
export function createEngine(config: unknown): number {
  return NativeAZStack.create(JSON.stringify(config ?? null));
}

/** Closes the engine's connection and releases it. */
export function destroyEngine(handle: number): void {
  NativeAZStack.destroy(handle);
}

/** Routes the events of engine `handle` to `listener`. */
export function listen(handle: number, listener: EngineListener): void {
  if (!handlerInstalled) {
    NativeAZStack.setEventHandler(dispatchEvent);
    handlerInstalled = true;
  }
  listeners.set(handle, listener);
}

/** Stops routing the events of engine `handle`. */
export function stopListening(handle: number): void {
  listeners.delete(handle);
}

/**
 * Runs `method` with `options` on engine `handle`. Never rejects: every failure, including one of the bridge itself
 * (e.g. a destroyed engine) or unreadable JSON, becomes an outcome with an error.
 */
export async function callEngine(handle: number, method: string, options: unknown): Promise<Outcome> {
  let paramsJson: string;
  try {
    paramsJson = JSON.stringify(options === undefined ? null : options) ?? 'null';
  } catch (exception) {
    return failure(errorCodes.ERR_UNEXPECTED_SEND_DATA, `Cannot serialize ${method} params: ${describe(exception)}`);
  }
  let responseJson: string;
  try {
    responseJson = await NativeAZStack.call(handle, method, paramsJson);
  } catch (exception) {
    return failure(errorCodes.ERR_UNEXPECTED_DATA, `Cannot call ${method}: ${describe(exception)}`);
  }
  const response = parseJson(responseJson);
  if (typeof response !== 'object' || response === null || Array.isArray(response)) {
    return failure(errorCodes.ERR_UNEXPECTED_RECEIVED_DATA, `Cannot parse the engine's response to ${method}`);
  }
  const { error, result } = response as { error?: AZStackError | null; result?: unknown };
  return error ? { error, result: null } : { error: null, result: result ?? null };
}

function dispatchEvent(handle: number, delegateName: string, errorJson: string, resultJson: string): void {
  const listener = listeners.get(handle);
  if (!listener) {
    return;
  }
  const error = parseJson(errorJson);
  const result = parseJson(resultJson);
  if (error === UNPARSEABLE || result === UNPARSEABLE) {
    listener(delegateName, failure(errorCodes.ERR_UNEXPECTED_RECEIVED_DATA, `Cannot parse the engine's ${delegateName} data`));
    return;
  }
  listener(delegateName, error ? { error: error as AZStackError, result: null } : { error: null, result });
}

const UNPARSEABLE = Symbol('unparseable');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return UNPARSEABLE;
  }
}

function failure(code: AZStackError['code'], message: string): Outcome {
  return { error: { code, message }, result: null };
}

function describe(exception: unknown): string {
  return exception instanceof Error ? exception.message : String(exception);
}
