/**
 * A stand-in for `react-native` in the unit tests of the JavaScript layer: `TurboModuleRegistry` returns a scripted
 * `NativeAZStack` instead of the C++ module, so the tests can decide what each call answers and emit events.
 */

type EventHandler = (handle: number, name: string, errorJson: string, resultJson: string) => void;

/** Answers one native call with JSON text, or throws/rejects the way a failing bridge does. */
export type Responder = (handle: number, method: string, paramsJson: string) => Promise<string>;

export const fakeNativeAZStack = {
  nextHandle: 1,
  created: [] as string[],
  destroyed: [] as number[],
  calls: [] as { handle: number; method: string; paramsJson: string }[],
  eventHandler: null as EventHandler | null,
  respond: (async () => '{"error":null,"result":null}') as Responder,

  create(configJson: string): number {
    this.created.push(configJson);
    return this.nextHandle++;
  },
  call(handle: number, method: string, paramsJson: string): Promise<string> {
    this.calls.push({ handle, method, paramsJson });
    return this.respond(handle, method, paramsJson);
  },
  setEventHandler(handler: EventHandler): void {
    this.eventHandler = handler;
  },
  destroy(handle: number): void {
    this.destroyed.push(handle);
  },
  echo(value: number): number {
    return value;
  },
  /** Emits an engine event the way the C++ module does. */
  emit(handle: number, name: string, errorJson: string, resultJson: string): void {
    if (!this.eventHandler) {
      throw new Error('no event handler installed');
    }
    this.eventHandler(handle, name, errorJson, resultJson);
  },
};

export const TurboModuleRegistry = {
  get(name: string): typeof fakeNativeAZStack {
    if (name !== 'NativeAZStack') {
      throw new Error(`unexpected TurboModule ${name}`);
    }
    return fakeNativeAZStack;
  },
};

/** `AZStackVideoView`'s spec calls this at load time; the unit tests render nothing. */
export function codegenNativeComponent(name: string): string {
  return name;
}
