/**
 * Calls that ring a sleeping phone: what the phone's system call UI (CallKit on iOS, the package's self-managed
 * `ConnectionService` on Android) means for a call, decided in this one place for both platforms.
 *
 * The platform glue shows a call push in the system UI at once (iOS kills an app that does not report a VoIP push to
 * CallKit) and reports three actions through azstack-ffi (`rust/ffi/src/call_ui.rs`, which keeps them while no
 * JavaScript runs yet): `received` (the push, PROTOCOL.md §10.3 keys), `answer` and `end` (declined while ringing,
 * hung up once answered), each for a call key `"<from>:<callId>"`. The engine reports the call itself: its offer
 * (`onFreeCallStart`, which arrives only once the app has connected — the server re-offers a call still ringing to a
 * new session), its statuses and the statuses of the user's other devices. This class joins the two:
 *
 * - **The offer and the push meet by caller.** The engine's offer carries the caller's id, not the push's `callId`;
 *   a caller has one call at a time (a server rule), so a system call is *linked* to the engine's current offer
 *   from the same caller, whichever came first (an offer older than `ringTimeout` no longer rings: a push does not
 *   link to it).
 * - **Answer.** Linked: `answerFreeCall` at once. Not linked yet (the user answered before the app connected and the
 *   offer arrived): the answer is queued and made when the offer arrives. Declined: `rejectFreeCall`, at once or when
 *   the offer arrives within the ring. Hung up once answered:
 *   `stopFreeCall`. A failed answer ends the system call (`failed`).
 * - **The end.** A system call ends (`endSystemCall`) when the engine's call ends — the caller cancelled or hung up
 *   (`remoteEnded`), the server's ring timeout (`unanswered`), another device answered or declined
 *   (`answeredElsewhere`, `declinedElsewhere`), the app hung up itself (`localEnded`) or answered in its own UI
 *   (`answeredElsewhere`) —, when a cancel push (188)
 *   arrives for it, and when it rang for `ringTimeout` without being answered and linked (`unanswered`): a queued
 *   answer never outlives the ring.
 *
 * Call-ins (push 602) follow the same rules with `onCallinStart` (linked by the caller's number) and
 * `answerCallin`/`rejectCallin`/`stopCallin`.
 */

/** Why the SDK ends a system call (CallKit's `CXCallEndedReason`, Android's `DisconnectCause`). */
export type SystemCallEndReason =
  | 'remoteEnded'
  | 'unanswered'
  | 'answeredElsewhere'
  | 'declinedElsewhere'
  | 'failed'
  | 'localEnded';

/** The internal event that carries one action of the system UI (azstack-ffi's `call_ui::ACTION_EVENT`). */
export const SYSTEM_CALL_ACTION_EVENT = '__systemCallAction';

/** The server's default ring timeout (`limits.ring_timeout_secs`, PROTOCOL.md OQ-19). */
export const DEFAULT_RING_TIMEOUT_MS = 45_000;

/** A kind of call the system UI shows, and the engine's names for it. */
interface Kind {
  /** `pushPacketType` of its offer push. */
  offerPush: string;
  /** The engine's offer event, and how to read the caller from it. */
  offerEvent: string;
  callerOf: (offer: Record<string, unknown>) => unknown;
  statusEvent: string;
  statusByMeEvent: string;
  answer: string;
  reject: string;
  stop: string;
  /** The app's own methods that end the call. */
  localEnds: readonly string[];
  /** Statuses that end the call, with the reason, from the peer and from my other devices. */
  ends: Record<number, SystemCallEndReason>;
  endsByMe: Record<number, SystemCallEndReason>;
}

const FREE: Kind = {
  offerPush: '186',
  offerEvent: 'onFreeCallStart',
  callerOf: (offer) => offer.fromUserId,
  statusEvent: 'onFreeCallStatusChanged',
  statusByMeEvent: 'onFreeCallStatusChangedByMe',
  answer: 'answerFreeCall',
  reject: 'rejectFreeCall',
  stop: 'stopFreeCall',
  localEnds: ['stopFreeCall', 'rejectFreeCall', 'notAnswerFreeCall'],
  ends: { 400: 'unanswered', 600: 'remoteEnded', 603: 'remoteEnded', 700: 'remoteEnded' },
  endsByMe: { 200: 'answeredElsewhere', 603: 'declinedElsewhere', 400: 'unanswered', 700: 'remoteEnded' },
};

const CALLIN: Kind = {
  offerPush: '602',
  offerEvent: 'onCallinStart',
  callerOf: (offer) => offer.fromPhoneNumber,
  statusEvent: 'onCallinStatusChanged',
  statusByMeEvent: 'onCallinStatusChangedByMe',
  answer: 'answerCallin',
  reject: 'rejectCallin',
  stop: 'stopCallin',
  localEnds: ['stopCallin', 'rejectCallin', 'notAnsweredCallin'],
  ends: { 403: 'unanswered', 486: 'remoteEnded', 700: 'remoteEnded', 702: 'remoteEnded' },
  endsByMe: { 200: 'answeredElsewhere', 702: 'declinedElsewhere', 403: 'unanswered', 700: 'remoteEnded' },
};

const KINDS: readonly Kind[] = [FREE, CALLIN];
/** The free call's cancel/status push. */
const CANCEL_PUSH = '188';

/** What the state machine does; `AZStackCore` provides it. */
export interface SystemCallPorts {
  /** Runs an API method of the call (`answerFreeCall`, ...) on this core; resolves whether it succeeded. */
  run(method: string): Promise<boolean>;
  /** Ends the system call `key`. */
  endSystemCall(key: string, reason: SystemCallEndReason): void;
}

/** `declineQueued`: declined in the system UI before the offer arrived; rejected when it does (within the ring). */
type Phase = 'ringing' | 'answerQueued' | 'answered' | 'declineQueued';

interface SystemCall {
  key: string;
  kind: Kind;
  caller: string;
  phase: Phase;
  linked: boolean;
  ringTimer: ReturnType<typeof setTimeout> | null;
}

/** The engine's current incoming call, as its events told. */
interface Offer {
  kind: Kind;
  caller: string;
  /** When it arrived (`Date.now()`): a push links only to an offer that may still ring. */
  at: number;
}

export class SystemCalls {
  private readonly calls = new Map<string, SystemCall>();
  private offer: Offer | null = null;
  private ringTimeoutMs = DEFAULT_RING_TIMEOUT_MS;

  constructor(private readonly ports: SystemCallPorts) {}

  /** `registerForCallNotifications({ringTimeout})`. */
  configure(ringTimeoutMs: number | undefined): void {
    this.ringTimeoutMs = ringTimeoutMs ?? DEFAULT_RING_TIMEOUT_MS;
  }

  /** One action of the system UI (the result of {@link SYSTEM_CALL_ACTION_EVENT}). */
  action(action: unknown): void {
    if (typeof action !== 'object' || action === null) {
      return;
    }
    const { action: name, key, notification } = action as Record<string, unknown>;
    if (name === 'received' && typeof notification === 'object' && notification !== null) {
      this.received(notification as Record<string, unknown>);
    } else if (name === 'answer' && typeof key === 'string') {
      this.answered(key);
    } else if (name === 'end' && typeof key === 'string') {
      this.endedByUser(key);
    }
  }

  /** Every event of this core's engine (whether or not call notifications are on). */
  engineEvent(delegateName: string, result: unknown): void {
    const fields = typeof result === 'object' && result !== null ? (result as Record<string, unknown>) : {};
    for (const kind of KINDS) {
      if (delegateName === kind.offerEvent) {
        this.offered(kind, String(kind.callerOf(fields)));
      } else if (delegateName === kind.statusEvent || delegateName === kind.statusByMeEvent) {
        const table = delegateName === kind.statusEvent ? kind.ends : kind.endsByMe;
        const reason = typeof fields.status === 'number' ? table[fields.status] : undefined;
        if (reason) {
          this.engineCallEnded(kind, reason);
        }
      }
    }
  }

  /**
   * A method of this core settled. The app's own hang-up, reject or not-answered ends the system call
   * (`localEnded`); its own answer (its in-app button, while the system UI rang too) ends the system call as answered
   * elsewhere, since the call now runs in the app.
   */
  methodSettled(method: string, ok: boolean): void {
    if (!ok) {
      return;
    }
    const kind = KINDS.find((k) => k.localEnds.includes(method));
    if (kind) {
      this.engineCallEnded(kind, 'localEnded');
      return;
    }
    for (const call of [...this.calls.values()]) {
      if (call.kind.answer === method && call.linked && call.phase !== 'answered') {
        this.finish(call, 'answeredElsewhere');
      }
    }
  }

  // --- the system UI's actions ----------------------------------------------------------------------------------------

  private received(notification: Record<string, unknown>): void {
    const type = notification.pushPacketType;
    const key = `${String(notification.from)}:${String(notification.callId)}`;
    if (type === CANCEL_PUSH) {
      const call = this.calls.get(key);
      if (call?.phase === 'declineQueued') {
        this.forget(call);
      } else if (call && call.phase !== 'answered') {
        this.finish(call, 'remoteEnded');
      }
      return;
    }
    const kind = KINDS.find((k) => k.offerPush === type);
    if (!kind || this.calls.has(key)) {
      return;
    }
    const call: SystemCall = { key, kind, caller: String(notification.from), phase: 'ringing', linked: false, ringTimer: null };
    call.ringTimer = setTimeout(() => {
      call.ringTimer = null;
      if (this.calls.get(key) !== call || call.phase === 'answered') {
        return;
      }
      if (call.phase === 'declineQueued') {
        this.forget(call); // the system UI ended it already
      } else {
        this.finish(call, 'unanswered');
      }
    }, this.ringTimeoutMs);
    this.calls.set(key, call);
    const offer = this.offer;
    if (offer && offer.kind === kind && offer.caller === call.caller && Date.now() - offer.at <= this.ringTimeoutMs) {
      call.linked = true;
    }
  }

  private answered(key: string): void {
    const call = this.calls.get(key);
    if (!call || call.phase !== 'ringing') {
      return;
    }
    call.phase = 'answerQueued';
    if (call.linked) {
      this.answerNow(call);
    }
  }

  private endedByUser(key: string): void {
    const call = this.calls.get(key);
    if (!call || call.phase === 'declineQueued') {
      return;
    }
    if (call.phase !== 'answered' && !call.linked) {
      call.phase = 'declineQueued'; // rejected when the offer arrives, forgotten at the end of the ring
      return;
    }
    this.forget(call); // the system UI has ended it already
    void this.ports.run(call.phase === 'answered' ? call.kind.stop : call.kind.reject);
  }

  // --- the engine's call ----------------------------------------------------------------------------------------------

  private offered(kind: Kind, caller: string): void {
    this.offer = { kind, caller, at: Date.now() };
    for (const call of this.calls.values()) {
      if (call.kind === kind && call.caller === caller && !call.linked) {
        call.linked = true;
        if (call.phase === 'answerQueued') {
          this.answerNow(call);
        } else if (call.phase === 'declineQueued') {
          this.forget(call);
          void this.ports.run(kind.reject);
        }
      }
    }
  }

  private engineCallEnded(kind: Kind, reason: SystemCallEndReason): void {
    if (this.offer?.kind !== kind) {
      return;
    }
    this.offer = null;
    for (const call of [...this.calls.values()]) {
      if (call.kind === kind && call.linked) {
        this.finish(call, reason);
      }
    }
  }

  private answerNow(call: SystemCall): void {
    call.phase = 'answered';
    this.clearTimer(call);
    void this.ports.run(call.kind.answer).then((ok) => {
      if (!ok && this.calls.get(call.key) === call) {
        this.offer = null;
        this.finish(call, 'failed');
      }
    });
  }

  /** Ends the system call for `reason` and forgets it. */
  private finish(call: SystemCall, reason: SystemCallEndReason): void {
    this.forget(call);
    this.ports.endSystemCall(call.key, reason);
  }

  private forget(call: SystemCall): void {
    this.clearTimer(call);
    this.calls.delete(call.key);
  }

  private clearTimer(call: SystemCall): void {
    if (call.ringTimer !== null) {
      clearTimeout(call.ringTimer);
      call.ringTimer = null;
    }
  }
}
