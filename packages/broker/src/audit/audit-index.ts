import { AuditType } from '@latchkey/contracts';
import type { AuditEvent } from '@latchkey/contracts';
import type { AuditQuery } from '@latchkey/contracts';
import type { z } from 'zod';

type ParsedQuery = z.output<typeof AuditQuery>;

const TYPES = AuditType.options;
const TYPE_INDEX = new Map<string, number>(TYPES.map((t, i) => [t, i]));

/**
 * What a query filters on, one entry per durable event, in columns: about 60 bytes an event, so
 * 100,000 events cost a few MB and a filtered scan of all of them well under a millisecond per
 * 10,000. The events themselves stay in the files; a page reads only its own lines by position.
 */
export class AuditIndex {
  #seq: number[] = [];
  #position: number[] = [];
  #type: number[] = [];
  #connection: number[] = [];
  #requester: number[] = [];
  #at: number[] = [];
  /** Entries before this one were dropped by retention (compacted now and then). */
  #start = 0;
  readonly #strings = new Map<string, number>();

  get size(): number {
    return this.#seq.length - this.#start;
  }

  add(event: AuditEvent, position: number): void {
    this.#seq.push(event.seq);
    this.#position.push(position);
    this.#type.push(TYPE_INDEX.get(event.type) ?? -1);
    this.#connection.push(this.#intern(event.connectionId));
    this.#requester.push(this.#intern(event.requester?.id));
    this.#at.push(Date.parse(event.at));
  }

  /** Forgets the events retention dropped. */
  dropThrough(seq: number): void {
    while (this.#start < this.#seq.length && this.#seq[this.#start]! <= seq) this.#start++;
    if (this.#start > 4096 && this.#start * 2 > this.#seq.length) {
      for (const column of [this.#seq, this.#position, this.#type, this.#connection, this.#requester, this.#at]) column.splice(0, this.#start);
      this.#start = 0;
    }
  }

  /** Where an event's line is, by seq (binary search: seqs only grow). */
  positionOf(seq: number): number | null {
    let lo = this.#start;
    let hi = this.#seq.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.#seq[mid]!;
      if (s === seq) return this.#position[mid]!;
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }

  /** Newest first: the positions of one page, the total that match, and where the next page starts. */
  query(q: ParsedQuery): { positions: number[]; total: number; nextBefore: number | null } {
    const want = {
      type: q.types ? new Set(q.types.map((t) => TYPE_INDEX.get(t) ?? -2)) : null,
      connection: q.connectionId === undefined ? null : (this.#strings.get(q.connectionId) ?? -2),
      requester: q.requesterId === undefined ? null : (this.#strings.get(q.requesterId) ?? -2),
      from: q.from ? Date.parse(q.from) : -Infinity,
      to: q.to ? Date.parse(q.to) : Infinity,
    };
    const positions: number[] = [];
    let total = 0;
    let lastSeq: number | null = null;
    let more = false;
    for (let i = this.#seq.length - 1; i >= this.#start; i--) {
      if (want.connection !== null && this.#connection[i] !== want.connection) continue;
      if (want.requester !== null && this.#requester[i] !== want.requester) continue;
      if (want.type && !want.type.has(this.#type[i]!)) continue;
      const at = this.#at[i]!;
      if (at < want.from || at > want.to) continue;
      total++;
      if (q.before !== undefined && this.#seq[i]! >= q.before) continue;
      if (positions.length < q.limit) {
        positions.push(this.#position[i]!);
        lastSeq = this.#seq[i]!;
      } else more = true;
    }
    return { positions, total, nextBefore: more ? lastSeq : null };
  }

  #intern(value: string | undefined): number {
    if (value === undefined) return -1;
    let id = this.#strings.get(value);
    if (id === undefined) {
      id = this.#strings.size;
      this.#strings.set(value, id);
    }
    return id;
  }
}
