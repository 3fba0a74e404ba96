/**
 * What the field scenarios share. A scenario runs on the Linux JSI host under `supervise.mjs`, which reads its
 * standard output line by line: a line starting with `@` is an order or a report for the supervisor (`@kill-server`,
 * `@stop-server`, `@cont-server`, `@restart-server`, `@returned ...`, `@event NAME`), anything else is shown as is.
 * The supervisor times the reports, so the scenario never measures across the process boundary.
 *
 * Environment (besides the fixtures'): FIELD_USER_A / FIELD_USER_B (users shared by the phases of a two-process
 * scenario) and FIELD_STORAGE (a directory for `storagePath`).
 */
import type { AZStackCore, DelegateName } from 'azstack-react-native';
import { DEADLINE_MS, uniqueUserId } from '../fixtures';

/** An order or a report for the supervisor. */
export function say(line: string): void {
  console.log(`@${line}`);
}

/** A user id shared by both phases of a scenario (FIELD_USER_A/B), or one unique to this run. */
export function sharedUser(which: 'A' | 'B', label: string): string {
  return host.env(`FIELD_USER_${which}`) ?? uniqueUserId(label);
}

export function storagePath(): string {
  const path = host.env('FIELD_STORAGE');
  if (!path) {
    throw new Error('FIELD_STORAGE is not set');
  }
  return path;
}

interface Call {
  name: DelegateName;
  error: { code: string; message: string } | null;
  result: any;
}

/** Records every call of some delegates of a core, and waits for calls that satisfy a condition. */
export class Recorder {
  readonly calls: Call[] = [];
  private waiters: (() => void)[] = [];

  constructor(core: AZStackCore, names: DelegateName[]) {
    const delegates = core.Delegates as unknown as Record<string, (error: unknown, result: unknown) => void>;
    for (const name of names) {
      delegates[name] = (error, result) => {
        this.calls.push({ name, error, result } as Call);
        for (const wake of this.waiters.splice(0)) {
          wake();
        }
      };
    }
  }

  /** The calls of `name` so far. */
  of(name: DelegateName): Call[] {
    return this.calls.filter((c) => c.name === name);
  }

  /** Resolves once `condition` holds (checked after every recorded call); rejects after `deadlineMs`. */
  until(what: string, condition: () => boolean, deadlineMs = DEADLINE_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        done = true;
        reject(new Error(`timed out waiting for ${what}; recorded: ${JSON.stringify(this.calls.map((c) => c.name))}`));
      }, deadlineMs);
      let done = false;
      const check = () => {
        if (done) {
          return;
        }
        if (condition()) {
          done = true;
          clearTimeout(timer);
          resolve();
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }

  /** Waits until `name` was called `count` times in all. */
  count(name: DelegateName, count: number, deadlineMs = DEADLINE_MS): Promise<void> {
    return this.until(`${count} × ${name}`, () => this.of(name).length >= count, deadlineMs);
  }
}

/** Runs `body`, then exits 0; any failure is printed and exits 1. */
export function scenario(body: () => Promise<void>): void {
  body().then(
    () => host.exit(0),
    (error: unknown) => {
      // Indented: a JavaScriptCore stack line starts with `name@`, which the supervisor would take for an order.
      const text = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
      console.log(`FAIL ${text.replace(/\n/g, '\n    ')}`);
      host.exit(1);
    },
  );
}

/** Fails unless `condition` holds. */
export function check(condition: unknown, what: string): asserts condition {
  if (!condition) {
    throw new Error(`expected ${what}`);
  }
}

/** `chatId`'s user chat as `core` sees it, oldest first. */
export async function history(core: AZStackCore, chatId: number): Promise<{ msgId: number; text?: string }[]> {
  const list: { msgId: number; text?: string }[] = [];
  const lastCreated = Date.now() + 60_000;
  for (let page = 1; page <= 100; page++) {
    const got = await core.getModifiedMessages({ page, lastCreated, chatType: 1, chatId });
    list.push(...got.list.map((m) => ({ msgId: m.msgId, text: m.text })));
    if (got.done === 1 || got.list.length === 0) {
      break;
    }
  }
  return list.reverse();
}
