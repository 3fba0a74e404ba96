/**
 * The TurboModule spec between the JavaScript package and the C++ module (codegen input).
 *
 * The boundary is deliberately narrow and stable: one engine per `AZStackCore`, one asynchronous `call` that carries
 * the method name and its options as JSON text, and one event handler. Adding an API method never changes this file.
 */
import type { TurboModule } from 'react-native';
import { TurboModuleRegistry } from 'react-native';

export interface Spec extends TurboModule {
  /** Creates an engine from the constructor options (JSON text) and returns its handle (> 0). */
  create(configJson: string): number;
  /**
   * Runs `method` (the JavaScript method name, e.g. `"newMessage"`) with its options (JSON text; `"null"` when
   * absent) on engine `handle`. Always resolves, with JSON text `{"error": {code, message, ...} | null,
   * "result": <value> | null}` — an internal panic too resolves, as `ERR_UNEXPECTED_DATA`. Rejects only for an unknown or
   * destroyed handle, or options that are not JSON text.
   */
  call(handle: number, method: string, paramsJson: string): Promise<string>;
  /**
   * Installs the handler that receives every engine event: the engine's handle, the delegate name
   * (`"onHasNewMessage"`, ...) and the delegate's arguments as JSON text (`"null"` when absent). One handler per
   * module; installing another replaces it.
   */
  setEventHandler(handler: (handle: number, name: string, errorJson: string, resultJson: string) => void): void;
  /** Closes the engine's connection and releases it. Later calls with this handle reject. */
  destroy(handle: number): void;
  /** A synchronous no-op returning its argument: measures the bare JSI call cost (bench only). */
  echo(value: number): number;
}

// `get`, not `getEnforcing`: when the app binary lacks the module (Expo Go, a JS-only test runner, an app not rebuilt
// after install) `nativeEngine.ts` throws an error that says what to do instead of React Native's invariant.
export default TurboModuleRegistry.get<Spec>('NativeAZStack');
