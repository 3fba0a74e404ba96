/**
 * What `react-native` is inside the package's Jest mock (`azstack-react-native/jest`): a TurboModule registry that
 * hands out a scripted NativeAZStack, and a native component factory that gives the component's name.
 *
 * The scripted module answers every method with the result set by `setMockResult` (default `null`; the device
 * extensions `requestMediaPermissions` and `setSpeakerphoneOn` grant and route as asked, and
 * `registerForCallNotifications` hands out a token) and no error, on
 * a later turn like a real engine, so callbacks, Promises and return delegates run in the real order of the package's
 * JavaScript layer; `emitMockEvent` delivers an event as the engine would.
 */
type EventHandler = (handle: number, name: string, errorJson: string, resultJson: string) => void;
type MockResult = unknown | ((options: unknown) => unknown);

const results = new Map<string, MockResult>();
/** What a device-side extension answers when no result is set: a device that allows everything. */
const DEVICE_DEFAULTS: Record<string, MockResult> = {
  requestMediaPermissions: (options: { audio?: boolean; video?: boolean } | null) => ({
    audio: options?.audio === false ? null : 'granted',
    video: options?.video === false ? null : 'granted',
  }),
  setSpeakerphoneOn: (options: { on?: boolean } | null) => ({ route: options?.on ? 'speaker' : 'earpiece' }),
  registerForCallNotifications: () => ({
    deviceToken: 'mock-call-token',
    devicePlatformOS: 1,
    applicationBundleId: 'com.example.mock',
  }),
};
let eventHandler: EventHandler | null = null;
let nextHandle = 1;

const standInModule = {
  create(_configJson: string): number {
    return nextHandle++;
  },
  async call(_handle: number, method: string, paramsJson: string): Promise<string> {
    const scripted = results.get(method) ?? DEVICE_DEFAULTS[method] ?? null;
    const result = typeof scripted === 'function' ? scripted(JSON.parse(paramsJson)) : scripted;
    return JSON.stringify({ error: null, result: result ?? null });
  },
  setEventHandler(handler: EventHandler): void {
    eventHandler = handler;
  },
  destroy(_handle: number): void {},
  echo(value: number): number {
    return value;
  },
};

/** The result every later call of `method` resolves with (a value, or a function of the call's options). */
export function setMockResult(method: string, result: MockResult): void {
  results.set(method, result);
}

/** Forgets every result set with `setMockResult`. */
export function resetMockResults(): void {
  results.clear();
}

/** Delivers `Delegates[name](error, result)` to every `AZStackCore` created since the mock was loaded. */
export function emitMockEvent(name: string, error: unknown, result: unknown): void {
  for (let handle = 1; handle < nextHandle; handle++) {
    eventHandler?.(handle, name, JSON.stringify(error ?? null), JSON.stringify(result ?? null));
  }
}

export const TurboModuleRegistry = {
  get(name: string): typeof standInModule | null {
    return name === 'NativeAZStack' ? standInModule : null;
  },
};

export function codegenNativeComponent(name: string): string {
  return name;
}
