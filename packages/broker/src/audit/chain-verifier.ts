import { AuditEvent } from '@latchkey/contracts';
import type { AuditVerifyResult } from '@latchkey/contracts';
import type { AuditLine } from '../ports.js';
import type { AuditKey } from './audit-key.js';
import { GENESIS_HASH, hashEvent } from './hash.js';

export interface ChainBreak {
  seq: number;
  file: string;
  reason: string;
}

/**
 * Checks the chain one line at a time and remembers where it got to, so a verify reads only
 * what was appended since the last one. Each line must parse, continue the sequence, point at
 * the previous line's hash and hash (HMAC, once keyed) to what it claims; the first break is kept.
 */
export class ChainVerifier {
  #prev: { seq: number; hash: string } | null = null;
  #first: { seq: number; prevHash: string } | null = null;
  #count = 0;
  #break: ChainBreak | null = null;
  #keyedSeen = false;
  /** After a marker saying the key could not be opened, unkeyed events are allowed until a keyed one. */
  #unkeyedStretch = false;
  readonly #unkeyed: number[] = [];
  #unchecked = 0;
  /** The first line that carries `alg` (written by a broker that keeps a head and checkpoints). */
  #firstWithAlg: number | null = null;
  #firstHasAlg = false;
  readonly #retained: { toSeq: number; lastHash: string }[] = [];

  /** The key is looked up per line: it can arrive after the verifier was made (a first start). */
  constructor(private readonly currentKey: () => AuditKey | null) {}

  get last(): { seq: number; hash: string } | null {
    return this.#prev;
  }

  get broken(): ChainBreak | null {
    return this.#break;
  }

  /** Where the chain went unkeyed because the audit key could not be opened. */
  get unkeyedFrom(): readonly number[] {
    return this.#unkeyed;
  }

  /** Whether lines up to `seq` include one written by a broker that keeps a head. */
  currentFormatBy(seq: number): boolean {
    return this.#firstWithAlg !== null && this.#firstWithAlg <= seq;
  }

  /** The parsed event (for the index) or null; a line after a break is still parsed, not checked. */
  feed(line: AuditLine): AuditEvent | null {
    let raw: unknown;
    try {
      raw = JSON.parse(line.text);
    } catch {
      return this.#fail(line, 'a line is not valid JSON'), null;
    }
    const key = this.currentKey();
    // A line whose HMAC checks was written by the key holder, in the format it writes: the
    // schema check (the costliest step) is only needed for the others, to say what is wrong.
    const trusted = key !== null && (raw as { alg?: unknown }).alg === 'hmac-sha256' && hashEvent(raw as Record<string, unknown>, key.key) === (raw as { hash?: unknown }).hash;
    let event: AuditEvent;
    if (trusted) event = raw as AuditEvent;
    else {
      const parsed = AuditEvent.safeParse(raw);
      if (!parsed.success) return this.#fail(line, 'a line does not match the audit event format'), null;
      event = parsed.data;
    }
    if (this.#break) return event;
    // The first retained line may follow events that rotation removed; it anchors the chain
    // (startup checks the anchor against the retention checkpoints: anchorProblem()).
    if (this.#prev) {
      if (event.seq !== this.#prev.seq + 1) return this.#fail(line, `event ${this.#prev.seq + 1} is missing (found ${event.seq})`), event;
      if (event.prevHash !== this.#prev.hash) return this.#fail(line, `event ${event.seq} does not link to event ${this.#prev.seq}`), event;
    } else {
      this.#first = { seq: event.seq, prevHash: event.prevHash };
      this.#firstHasAlg = event.alg !== undefined;
    }
    const keyedFrom = key?.since ?? null;
    const mustBeKeyed = !this.#unkeyedStretch && (this.#keyedSeen || (keyedFrom !== null && event.seq >= keyedFrom));
    if (event.alg !== 'hmac-sha256' && mustBeKeyed) {
      // Only the broker's own marker may start an unkeyed stretch, and every one is shown (unkeyedFrom).
      if (event.type === 'audit.checkpoint' && event.outcome === 'error') {
        this.#unkeyedStretch = true;
        this.#unkeyed.push(event.seq);
      } else return this.#fail(line, `event ${event.seq} is not keyed although the chain is keyed from event ${keyedFrom ?? 'before it'}`), event;
    }
    if (!trusted) {
      // Hashed as stored (raw), not as the schema re-ordered it.
      const expected = hashEvent(raw as Record<string, unknown>, key?.key);
      // Keyed, and no key to check it with (no cipher now): its links are checked, its HMAC cannot be.
      if (expected === null) this.#unchecked++;
      else if (expected !== event.hash) return this.#fail(line, `event ${event.seq} was altered`), event;
    }
    if (event.alg && this.#firstWithAlg === null) this.#firstWithAlg = event.seq;
    if (event.alg === 'hmac-sha256') {
      this.#keyedSeen = true;
      this.#unkeyedStretch = false;
    }
    if (event.retention) this.#retained.push({ toSeq: event.retention.toSeq, lastHash: event.retention.lastHash });
    this.#prev = { seq: event.seq, hash: event.hash };
    this.#count++;
    return event;
  }

  /** Retention dropped events through `seq`: they no longer count. */
  dropped(count: number): void {
    this.#count = Math.max(0, this.#count - count);
  }

  /**
   * Whether the first retained event is accounted for: the chain's start, or the line after what
   * a retention checkpoint says it dropped (or a file announced but not yet gone). Anything else
   * means the oldest file(s) were deleted by someone else.
   */
  anchorProblem(): string | null {
    const first = this.#first;
    if (!first || this.#break) return null;
    if (first.seq === 0) return first.prevHash === GENESIS_HASH ? null : 'the first event does not start the chain';
    if (this.#retained.some((r) => (r.toSeq === first.seq - 1 && r.lastHash === first.prevHash) || r.toSeq >= first.seq)) return null;
    // A log from before retention checkpoints existed has no way to say; say nothing rather than cry wolf.
    if (!this.#firstHasAlg) return null;
    return `events 0–${first.seq - 1} are missing and no retention checkpoint accounts for them: the oldest audit file(s) were deleted`;
  }

  /** Keyed events whose HMAC could not be checked because the key could not be opened. */
  get unchecked(): number {
    return this.#unchecked;
  }

  result(events: number): AuditVerifyResult {
    if (this.#break) {
      const b = this.#break;
      return { ok: false, events: this.#count, brokenAt: b, message: `Chain broken after ${this.#count.toLocaleString('en-US')} events in ${b.file}: ${b.reason}` };
    }
    const caveat = this.#unchecked ? ` (the HMAC of ${this.#unchecked.toLocaleString('en-US')} keyed events could not be checked: the audit key cannot be opened)` : '';
    return { ok: true, events, brokenAt: null, message: `Verified: ${events.toLocaleString('en-US')} events, no gaps${caveat}` };
  }

  #fail(line: AuditLine, reason: string): void {
    this.#break ??= { seq: this.#prev ? this.#prev.seq + 1 : 0, file: line.file, reason };
  }
}
