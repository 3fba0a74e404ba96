/**
 * Shared by the call tests (free calls, phone calls): a recorder of delegate calls that no wait can miss, polling with a
 * deadline for what has no event, and the check that a call left nothing behind.
 */
import type { AZStackCore, AZStackError, DelegateName, DelegateResults } from 'azstack-react-native';
import { AssertionError } from './harness';
import { DEADLINE_MS } from './fixtures';

// --- recording delegates --------------------------------------------------------------------------------------------

/** Records the delegate calls of one core from the moment it is created, so that no wait can start too late. */
export class Recorder {
  private readonly seen: { name: DelegateName; error: AZStackError | null; result: unknown; taken: boolean }[] = [];
  private readonly wakers = new Set<() => void>();

  constructor(core: AZStackCore, names: DelegateName[]) {
    const delegates = core.Delegates as unknown as Record<string, (error: unknown, result: unknown) => void>;
    for (const name of names) {
      const previous = delegates[name]!;
      delegates[name] = (error, result) => {
        this.seen.push({ name, error: error as AZStackError | null, result, taken: false });
        for (const wake of [...this.wakers]) {
          wake();
        }
        previous(error, result);
      };
    }
  }

  /** The next call of `name` not taken yet that `accepts` its result; fails after `deadlineMs`. */
  next<N extends DelegateName>(
    name: N,
    accepts: (result: DelegateResults[N]) => boolean = () => true,
    deadlineMs = DEADLINE_MS,
  ): Promise<DelegateResults[N]> {
    return new Promise((resolve, reject) => {
      const look = (): boolean => {
        const found = this.seen.find((s) => !s.taken && s.name === name && accepts(s.result as DelegateResults[N]));
        if (!found) {
          return false;
        }
        found.taken = true;
        this.wakers.delete(look);
        clearTimeout(timer);
        if (found.error) {
          reject(new AssertionError(`${name} reported an error: ${JSON.stringify(found.error)}`));
        } else {
          resolve(found.result as DelegateResults[N]);
        }
        return true;
      };
      const timer = setTimeout(() => {
        this.wakers.delete(look);
        const calls = this.seen.filter((s) => s.name === name).map((s) => JSON.stringify(s.result));
        reject(new AssertionError(`no matching ${name} within ${deadlineMs} ms (seen: ${calls.join(', ') || 'none'})`));
      }, deadlineMs);
      if (!look()) {
        this.wakers.add(look);
      }
    });
  }

  /** Every result of `name` so far. */
  all<N extends DelegateName>(name: N): DelegateResults[N][] {
    return this.seen.filter((s) => s.name === name).map((s) => s.result as DelegateResults[N]);
  }
}

// --- polling what the host sees -------------------------------------------------------------------------------------

/**
 * Resolves with `read()` once `ok` holds for it, checking every 20 ms; fails after `deadlineMs` with the last value.
 * For what has no event: frames drawn, audio heard, resources released.
 */
export function eventually<T>(what: string, read: () => T, ok: (value: T) => boolean, deadlineMs = DEADLINE_MS): Promise<T> {
  const until = Date.now() + deadlineMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      let value: T;
      try {
        value = read();
      } catch (error) {
        reject(error);
        return;
      }
      if (ok(value)) {
        resolve(value);
      } else if (Date.now() >= until) {
        reject(new AssertionError(`${what}: not within ${deadlineMs} ms (last: ${JSON.stringify(value)})`));
      } else {
        setTimeout(check, 20);
      }
    };
    check();
  });
}

/** What the process holds outside any call. */
export interface Baseline {
  sockets: number;
  threads: number;
}

const engineThreads = () => host.threads().filter((name) => name.startsWith('azstack-worker')).length;

export function baseline(): Baseline {
  return { sockets: host.openSockets(), threads: engineThreads() };
}

/** Waits until the call left nothing behind. */
export async function released(before: Baseline): Promise<void> {
  await eventually('call resources released', host.callResources, (r) =>
    r.peerConnections === 0 && r.tracks === 0 && r.tasks === 0,
  );
  await eventually('no socket left by the call', host.openSockets, (n) => n <= before.sockets);
  await eventually('no engine thread left by the call', engineThreads, (n) => n <= before.threads);
}

