import type { Repository } from '@latchkey/broker';
import type { z } from 'zod';
import { describeIssue } from './document.js';

/** Freezes what the store holds: a caller that edits a record it got must `put` a copy instead. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

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
  #list: readonly T[] | null = null;

  constructor(
    private readonly schema: z.ZodType<T>,
    private readonly noun: string,
    private readonly target: WriteTarget,
    initial: readonly T[],
  ) {
    for (const record of initial) this.#records.set(record.id, deepFreeze(record));
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
    this.#records.set(parsed.data.id, deepFreeze(parsed.data));
    this.#list = null;
    return this.target.save();
  }

  delete(id: string): Promise<void> {
    const readOnly = this.target.readOnly();
    if (readOnly) return Promise.reject(new Error(readOnly));
    if (!this.#records.delete(id)) return Promise.resolve();
    this.#list = null;
    return this.target.save();
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
