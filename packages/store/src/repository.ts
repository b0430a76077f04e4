import type { Repository } from '@latchkey/broker';
import type { z } from 'zod';
import { LatchkeyError } from '@latchkey/contracts';
import { describeIssue } from './document.js';
import { readOnlyError } from './storage-error.js';

/**
 * Records the store holds are frozen (top level only: freezing 10,000 records deeply costs a
 * quarter of the cold-load budget): a caller that edits a record it got must `put` a copy,
 * rather than change memory without the change ever reaching the disk.
 */
const freeze = <T>(record: T): T => Object.freeze(record);

export const STORE_CLOSED = 'The store is closed; nothing more can be saved.';

/** One step of a change to a repository: a put of a whole record, or a delete by id. */
export type Op<T> = { p: T } | { d: string };

export interface WriteTarget<T> {
  /** Writes one change (one journal record); resolves once it is durable and in memory. */
  submit(ops: Op<T>[]): Promise<void>;
  /** This repository's changes asked for and not durable yet, in order. */
  unlanded(): Iterable<Op<T>>;
  /** Why nothing may be written, or null. */
  readOnly(): string | null;
}

/**
 * A repository held in memory and written through the document's journal. `put` validates, so a
 * record that would make the file unreadable on the next start is refused now, while the caller
 * can still act on it.
 *
 * Memory holds only what is durable: a change is one journal record, and reaches `#records` only
 * once the append carrying it is fsynced (`apply`, called by the document). A failed append
 * applies nothing, so a refused change is never read back and never carried out by a later write
 * (DESIGN.md, invariant 8).
 */
export class FileRepository<T extends { id: string }> implements Repository<T> {
  #records = new Map<string, T>();
  /** Each record's JSON, made once per record object: a snapshot joins strings instead of re-serialising all. */
  readonly #json = new WeakMap<T, string>();
  #list: readonly T[] | null = null;

  constructor(
    private readonly schema: z.ZodType<T>,
    private readonly noun: string,
    protected readonly target: WriteTarget<T>,
    initial: readonly T[],
  ) {
    for (const record of initial) this.#records.set(record.id, freeze(record));
  }

  all(): readonly T[] {
    this.#list ??= Object.freeze([...this.#records.values()]);
    return this.#list;
  }

  get(id: string): T | undefined {
    return this.#records.get(id);
  }

  put(record: T): Promise<void> {
    let parsed: T;
    try {
      parsed = this.validated(record);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.target.submit([{ p: parsed }]);
  }

  delete(id: string): Promise<void> {
    const readOnly = this.target.readOnly();
    if (readOnly) return Promise.reject(readOnlyError(readOnly));
    if (!this.exists(id)) return Promise.resolve();
    return this.target.submit([{ d: id }]);
  }

  /** A frozen, validated copy of `record`, or a typed error (VALIDATION, STORAGE_READ_ONLY). */
  validated(record: T): T {
    const readOnly = this.target.readOnly();
    if (readOnly) throw readOnlyError(readOnly);
    // Parsing also copies: the store never shares an object the caller may go on changing.
    const parsed = this.schema.safeParse(record);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LatchkeyError('VALIDATION', `This ${this.noun} was not saved: ${issue ? describeIssue(issue.path, issue.message) : 'it is not valid'}.`);
    }
    return freeze(parsed.data);
  }

  /**
   * One all-or-nothing change as ops: each put validated (a record that fails refuses the whole
   * change), each delete kept only for a record that exists or that this change puts.
   */
  changeOps(put: readonly T[] = [], remove: readonly string[] = []): Op<T>[] {
    const readOnly = this.target.readOnly();
    if (readOnly) throw readOnlyError(readOnly);
    const ops: Op<T>[] = put.map((record) => ({ p: this.validated(record) }));
    for (const id of remove) if (this.exists(id) || ops.some((op) => 'p' in op && op.p.id === id)) ops.push({ d: id });
    return ops;
  }

  /** Whether the id exists once everything already asked for has landed. */
  exists(id: string): boolean {
    let found: boolean | null = null;
    for (const op of this.target.unlanded()) {
      if ('p' in op ? op.p.id === id : op.d === id) found = 'p' in op;
    }
    return found ?? this.#records.has(id);
  }

  /** A durable change, into memory (also used to replay the journal at load). */
  apply(ops: readonly Op<T>[]): void {
    for (const op of ops) {
      if ('p' in op) this.#records.set(op.p.id, freeze(op.p));
      else this.#records.delete(op.d);
    }
    this.#list = null;
  }

  /** A durable replacement of every record (a restore). */
  replaceWith(records: readonly T[]): void {
    this.#records = new Map(records.map((r) => [r.id, freeze(r)]));
    this.#list = null;
  }

  /** Validates records for a replacement, dropping the ones that do not validate. */
  validRecords(records: readonly T[]): T[] {
    return validateRecords(this.schema, records, this.noun).records.map(freeze);
  }

  /** The records held as a JSON array, in insertion order (for the snapshot). */
  toJson(records: Iterable<T> = this.#records.values()): string {
    const parts: string[] = [];
    for (const record of records) {
      let json = this.#json.get(record);
      if (json === undefined) {
        json = JSON.stringify(record);
        this.#json.set(record, json);
      }
      parts.push(json);
    }
    return `[${parts.join(',')}]`;
  }
}

/** Validates records one by one, keeping the good ones, so one bad record does not cost the rest. */
export function validateRecords<T extends { id: string }>(
  schema: z.ZodType<T>,
  items: readonly unknown[],
  field: string,
): { records: T[]; dropped: number; issue: string | null } {
  const records: T[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  let issue: string | null = null;
  items.forEach((item, index) => {
    const parsed = schema.safeParse(item);
    if (!parsed.success) {
      dropped++;
      const first = parsed.error.issues[0];
      issue ??= first ? describeIssue([field, index, ...first.path], first.message) : `${field}[${index}] is not valid`;
    } else if (seen.has(parsed.data.id)) {
      dropped++;
      issue ??= `${field}[${index}] repeats the id ${parsed.data.id}`;
    } else {
      seen.add(parsed.data.id);
      records.push(parsed.data);
    }
  });
  return { records, dropped, issue };
}
