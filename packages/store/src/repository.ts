import type { Repository } from '@latchkey/broker';
import type { z } from 'zod';
import { describeIssue } from './document.js';

/**
 * Records the store holds are frozen (top level only: freezing 10,000 records deeply costs a
 * quarter of the cold-load budget): a caller that edits a record it got must `put` a copy,
 * rather than change memory without the change ever reaching the disk.
 */
const freeze = <T>(record: T): T => Object.freeze(record);

export const STORE_CLOSED = 'The store is closed; nothing more can be saved.';

export interface WriteTarget {
  /** Resolves when the current contents are durable on disk. */
  save(): Promise<void>;
  /** Why nothing may be written, or null. */
  readOnly(): string | null;
}

/**
 * A repository held in memory and written through. `put` validates, so a record that would make
 * the file unreadable on the next start is refused now, while the caller can still act on it.
 */
export class FileRepository<T extends { id: string }> implements Repository<T> {
  readonly #records = new Map<string, T>();
  /** Each record's JSON, made once per change: a write joins strings instead of re-serialising all. */
  readonly #json = new Map<string, string>();
  #list: readonly T[] | null = null;

  constructor(
    private readonly schema: z.ZodType<T>,
    private readonly noun: string,
    private readonly target: WriteTarget,
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
    const readOnly = this.target.readOnly();
    if (readOnly) return Promise.reject(new Error(readOnly));
    // Parsing also copies: the store never shares an object the caller may go on changing.
    const parsed = this.schema.safeParse(record);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return Promise.reject(new Error(`This ${this.noun} was not saved: ${issue ? describeIssue(issue.path, issue.message) : 'it is not valid'}.`));
    }
    this.#records.set(parsed.data.id, freeze(parsed.data));
    this.#json.delete(parsed.data.id);
    this.#list = null;
    return this.target.save();
  }

  delete(id: string): Promise<void> {
    const readOnly = this.target.readOnly();
    if (readOnly) return Promise.reject(new Error(readOnly));
    if (!this.#records.delete(id)) return Promise.resolve();
    this.#json.delete(id);
    this.#list = null;
    return this.target.save();
  }

  /** The records as a JSON array, in insertion order. */
  toJson(): string {
    const parts: string[] = [];
    for (const [id, record] of this.#records) {
      let json = this.#json.get(id);
      if (json === undefined) {
        json = JSON.stringify(record);
        this.#json.set(id, json);
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
