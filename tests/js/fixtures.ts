/**
 * What the end-to-end scripts share: the server and application from the environment, users unique to the run, and
 * calling a method in each of the seed README's three styles.
 *
 * Environment: AZSTACK_URL (the server, e.g. `http://127.0.0.1:41234`), AZSTACK_APP_ID and AZSTACK_PUBLIC_KEY (an
 * application of that server; the dev server accepts every login).
 */
import {
  AZStackCore,
  type AuthenticatedUser,
  type AZStackCoreConfig,
  type AZStackError,
  type Callback,
  type DelegateName,
  type MethodName,
} from 'azstack-react-native';
import { any, AssertionError, waitForDelegate } from './harness';

function requiredEnv(name: string): string {
  const value = host.env(name);
  if (!value) {
    throw new Error(`${name} is not set (AZSTACK_URL, AZSTACK_APP_ID and AZSTACK_PUBLIC_KEY are required)`);
  }
  return value;
}

export const SERVER_URL = requiredEnv('AZSTACK_URL');
export const APP_ID = requiredEnv('AZSTACK_APP_ID');
export const PUBLIC_KEY = requiredEnv('AZSTACK_PUBLIC_KEY');

/** How long a test waits for one outcome or delegate. */
export const DEADLINE_MS = 10_000;

/** Distinguishes this run's users from those earlier runs left on the same server. */
const RUN_ID = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;

/** An `azStackUserId` unique to this run. */
export function uniqueUserId(label: string): string {
  return `${label}-${RUN_ID}`;
}

/** The `fullname` the fixtures give a user. */
export function fullnameOf(azStackUserId: string): string {
  return `Test ${azStackUserId}`;
}

/** A new, unconnected core for `azStackUserId` on the test server; `config` overrides the defaults. */
export function newCore(azStackUserId: string, config: AZStackCoreConfig = {}): AZStackCore {
  return new AZStackCore({
    requestTimeout: DEADLINE_MS,
    masterSocketUri: SERVER_URL,
    authenticatingData: {
      appId: APP_ID,
      publicKey: PUBLIC_KEY,
      azStackUserId,
      userCredentials: '',
      fullname: fullnameOf(azStackUserId),
      namespace: '',
    },
    ...config,
  });
}

/** A connected session of a user. */
export interface Client {
  core: AZStackCore;
  user: AuthenticatedUser;
}

/** Connects a session of `azStackUserId` (the server creates the user on its first login). */
export async function connectClient(azStackUserId: string): Promise<Client> {
  const core = newCore(azStackUserId);
  const user = await core.connect({});
  return { core, user };
}

// --- the three styles -----------------------------------------------------------------------------------------------

/** The seed README's three ways to get a method's outcome. */
export type Style = 'callback' | 'promise' | 'delegate';
export const STYLES: readonly Style[] = ['callback', 'promise', 'delegate'];

/** One method outcome: `error` or `result`, the other `null`. */
export interface Outcome<R = unknown> {
  error: AZStackError | null;
  result: R | null;
}

type Invoke = (options?: unknown, callback?: Callback<unknown>) => Promise<unknown>;

/**
 * Calls `core[method](options)` the way `style` does in the seed README and returns what it delivered: through a
 * callback, through the returned Promise, or through `Delegates[delegate]` (named by the test, so that the mapping of
 * methods to return delegates is checked too).
 */
export function callInStyle<R = unknown>(
  style: Style,
  core: AZStackCore,
  method: MethodName,
  delegate: DelegateName,
  options?: unknown,
): Promise<Outcome<R>> {
  const invoke = (core as unknown as Record<string, Invoke>)[method]!.bind(core);
  switch (style) {
    case 'callback':
      return new Promise((resolve) => {
        void invoke(options, (error, result) => resolve({ error, result: result as R | null }));
      });
    case 'promise':
      return invoke(options).then(
        (result) => ({ error: null, result: result as R }),
        (error: AZStackError) => ({ error, result: null }),
      );
    case 'delegate': {
      const delivered = waitForDelegate(core, delegate, DEADLINE_MS);
      void invoke(options);
      return delivered as Promise<Outcome<R>>;
    }
  }
}

/** The result of a successful outcome; fails the test with the error otherwise. */
export function resultOf<R>(outcome: Outcome<R>, what: string): R {
  if (outcome.error) {
    throw new AssertionError(`${what} failed: ${JSON.stringify(outcome.error)}`);
  }
  return outcome.result as R;
}

// --- expected shapes ------------------------------------------------------------------------------------------------

/** What getUsersInformation and getDetailsGroup report about a connected client (PROTOCOL.md §3.28, §3.35). */
export function expectedUserInfo(client: Client): Record<string, unknown> {
  return {
    userId: client.user.userId,
    azStackUserId: client.user.azStackUserId,
    fullname: fullnameOf(client.user.azStackUserId),
    status: 1,
    lastVisitDate: any.number,
  };
}

/**
 * The expected shape of a message (PROTOCOL.md §4.2, §6.5): the fields given, and for the others what every stored
 * message has — status SENT, not deleted, some id and times. `created`/`modified` may be given to pin them.
 */
export function expectedMessage(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    msgId: any.positiveInteger,
    status: 1,
    deleted: 0,
    created: any.number,
    modified: any.number,
    ...fields,
  };
}
