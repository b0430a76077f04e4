import type { Requester, RequesterKind } from '@latchkey/contracts';

/**
 * Time for the budget: monotonic and independent of the broker's Clock (which tests freeze and
 * the person's wall clock may jump), so a waiting call gets its token when the time has really
 * passed. Injectable so tests can drive it (vitest fake timers, or a manual one).
 */
export interface AuditTimer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realAuditTimer: AuditTimer = {
  now: () => performance.now(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

/** A call that must write and finds its requester's bucket empty waits: at most this many per requester… */
export const MAX_WAITING_PER_REQUESTER = 64;
/** …and at most this long, before it is refused with RATE_LIMITED. */
export const MAX_WAIT_MS = 5_000;

/** Two token buckets: a short one against bursts, a long one so a steady flood cannot fill the log either. */
export interface AuditRate {
  perSecond: number;
  burst: number;
  perHour: number;
}

/**
 * Per requester kind. An extension or agent at its full rate for an hour writes 3,600 events:
 * the default log (≈130,000 events) then holds more than a day of one flooding requester, and
 * every other requester's records with it. The app's own window is the person at the keyboard.
 */
export const DEFAULT_AUDIT_RATES: Record<RequesterKind, AuditRate> = {
  extension: { perSecond: 20, burst: 100, perHour: 3_600 },
  agent: { perSecond: 20, burst: 100, perHour: 3_600 },
  program: { perSecond: 20, burst: 100, perHour: 3_600 },
  app: { perSecond: 500, burst: 5_000, perHour: 200_000 },
};

interface Buckets {
  short: number;
  long: number;
  at: number;
}

const MAX_TRACKED = 10_000;

/** Who may write how many audit events: the budget is taken before anything is written. */
export class RequesterBudget {
  readonly #buckets = new Map<string, Buckets>();

  constructor(
    private readonly clock: Pick<AuditTimer, 'now'>,
    private readonly rates: Record<RequesterKind, AuditRate> = DEFAULT_AUDIT_RATES,
  ) {}

  static key(requester: Pick<Requester, 'kind' | 'id'>): string {
    return `${requester.kind}:${requester.id}`;
  }

  /** Whether one more event fits now; takes it when it does. */
  take(requester: Pick<Requester, 'kind' | 'id'>): boolean {
    const b = this.#refilled(requester);
    if (b.short < 1 || b.long < 1) return false;
    b.short -= 1;
    b.long -= 1;
    return true;
  }

  /** Whether a call may start (at least one event fits); takes nothing. */
  has(requester: Pick<Requester, 'kind' | 'id'>): boolean {
    const b = this.#refilled(requester);
    return b.short >= 1 && b.long >= 1;
  }

  /** How long until one more event fits (0 when it fits now). */
  msUntilToken(requester: Pick<Requester, 'kind' | 'id'>): number {
    const rate = this.rates[requester.kind];
    const b = this.#refilled(requester);
    const short = b.short >= 1 ? 0 : ((1 - b.short) / rate.perSecond) * 1000;
    const long = b.long >= 1 ? 0 : ((1 - b.long) * 3600 * 1000) / rate.perHour;
    return Math.max(short, long);
  }

  rate(kind: RequesterKind): AuditRate {
    return this.rates[kind];
  }

  #refilled(requester: Pick<Requester, 'kind' | 'id'>): Buckets {
    const rate = this.rates[requester.kind];
    const key = RequesterBudget.key(requester);
    const now = this.clock.now();
    let b = this.#buckets.get(key);
    if (!b) {
      if (this.#buckets.size >= MAX_TRACKED) this.#forgetFull(now);
      b = { short: rate.burst, long: rate.perHour, at: now };
      this.#buckets.set(key, b);
      return b;
    }
    const elapsed = Math.max(0, now - b.at) / 1000;
    b.short = Math.min(rate.burst, b.short + elapsed * rate.perSecond);
    b.long = Math.min(rate.perHour, b.long + (elapsed * rate.perHour) / 3600);
    b.at = now;
    return b;
  }

  /** A requester whose buckets would be full again is the same as one never seen. */
  #forgetFull(now: number): void {
    for (const [key, b] of this.#buckets) {
      const kind = key.slice(0, key.indexOf(':')) as RequesterKind;
      const rate = this.rates[kind];
      const elapsed = (now - b.at) / 1000;
      if (b.short + elapsed * rate.perSecond >= rate.burst && b.long + (elapsed * rate.perHour) / 3600 >= rate.perHour) this.#buckets.delete(key);
    }
  }
}
