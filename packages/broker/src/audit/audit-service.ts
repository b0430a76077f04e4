import { AuditEvent, AuditEventInput, AuditQuery } from '@latchkey/contracts';
import type { AuditPage, AuditVerifyResult, AuditEventInput as AuditEventInputT, AuditQuery as AuditQueryT } from '@latchkey/contracts';
import { iso } from '../clock.js';
import type { AuditSink, Clock } from '../ports.js';
import { GENESIS_HASH, hashEvent } from './hash.js';

/**
 * Append-only, hash-chained audit. Events carry ids, names and outcomes only; the services
 * never hand it a secret, and `detail` strings are scrubbed by the caller.
 */
export class AuditService {
  #seq: number;
  #prevHash: string;
  readonly #pending = new Set<Promise<void>>();

  constructor(
    private readonly sink: AuditSink,
    private readonly clock: Clock,
  ) {
    const tail = sink.tail();
    this.#seq = tail ? tail.seq + 1 : 0;
    this.#prevHash = tail ? tail.hash : GENESIS_HASH;
  }

  /** Records an event; the returned promise settles when it is durable. */
  record(input: AuditEventInputT): Promise<AuditEvent> {
    const parsed = AuditEventInput.parse(input);
    const base = { ...parsed, seq: this.#seq++, at: iso(this.clock.now()), prevHash: this.#prevHash };
    // The input was parsed above and the rest is ours: no second parse on this hot path.
    const event: AuditEvent = { ...base, hash: hashEvent(base) };
    this.#prevHash = event.hash;
    // Handed to the sink at once, in order: the sink coalesces appends made in the same tick
    // into one durable write, so concurrent operations share an fsync instead of queueing.
    const write = this.sink.append(event);
    const settled = write.then(
      () => undefined,
      () => undefined,
    );
    this.#pending.add(settled);
    void settled.then(() => this.#pending.delete(settled));
    return write.then(() => event);
  }

  /** Parsed events, oldest first; lines that do not parse are skipped here (verify reports them). */
  *#events(): Iterable<AuditEvent> {
    for (const line of this.sink.lines()) {
      try {
        const parsed = AuditEvent.safeParse(JSON.parse(line.text));
        if (parsed.success) yield parsed.data;
      } catch {
        // Reported by verify().
      }
    }
  }

  list(rawQuery: AuditQueryT): AuditPage {
    const q = AuditQuery.parse(rawQuery);
    const types = q.types ? new Set(q.types) : null;
    const matches: AuditEvent[] = [];
    for (const e of this.#events()) {
      if (q.connectionId && e.connectionId !== q.connectionId) continue;
      if (q.requesterId && e.requester?.id !== q.requesterId) continue;
      if (types && !types.has(e.type)) continue;
      if (q.from && e.at < q.from) continue;
      if (q.to && e.at > q.to) continue;
      matches.push(e);
    }
    matches.reverse();
    const start = q.before === undefined ? 0 : matches.findIndex((e) => e.seq < q.before!);
    const page = start < 0 ? [] : matches.slice(start, start + q.limit);
    const last = page.at(-1);
    const hasMore = start >= 0 && start + q.limit < matches.length;
    return { events: page, nextBefore: hasMore && last ? last.seq : null, total: matches.length };
  }

  /**
   * Walks every stored line: each must parse, continue the sequence, point at the previous
   * line's hash and hash to what it claims. The first break is reported.
   */
  verify(): AuditVerifyResult {
    let prev: AuditEvent | null = null;
    let count = 0;
    for (const line of this.sink.lines()) {
      const fail = (reason: string): AuditVerifyResult => ({
        ok: false,
        events: count,
        brokenAt: { seq: prev ? prev.seq + 1 : 0, file: line.file, reason },
        message: `Chain broken after ${count.toLocaleString('en-US')} events in ${line.file}: ${reason}`,
      });
      let event: AuditEvent;
      try {
        const parsed = AuditEvent.safeParse(JSON.parse(line.text));
        if (!parsed.success) return fail('a line does not match the audit event format');
        event = parsed.data;
      } catch {
        return fail('a line is not valid JSON');
      }
      // The first retained line may follow events that rotation removed; it anchors the chain.
      if (prev) {
        if (event.seq !== prev.seq + 1) return fail(`event ${prev.seq + 1} is missing (found ${event.seq})`);
        if (event.prevHash !== prev.hash) return fail(`event ${event.seq} does not link to event ${prev.seq}`);
      }
      if (hashEvent(event as unknown as Record<string, unknown>) !== event.hash) return fail(`event ${event.seq} was altered`);
      prev = event;
      count++;
    }
    return { ok: true, events: count, brokenAt: null, message: `Verified: ${count.toLocaleString('en-US')} events, no gaps` };
  }

  /** Resolves when every recorded event is durable. */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }
}
