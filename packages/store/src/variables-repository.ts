import { VariableRecordSchema, type VariableChange, type VariableRecord, type VariableRepository } from '@latchkey/broker';
import type { Json } from '@latchkey/contracts';
import type { JournaledConnections } from './journaled-connections.js';
import { FileRepository, type WriteTarget } from './repository.js';

/**
 * connections.json's `variables`: `{ "<key>": { value | secretId, description, secret, createdAt,
 * updatedAt } }`. A change and its audit events land in one atomic write: the events go into the
 * connections' journal (same document, same writer), so recovery at start covers them too.
 */
export class FileVariables extends FileRepository<VariableRecord> implements VariableRepository {
  constructor(
    target: WriteTarget,
    initial: readonly VariableRecord[],
    private readonly journal: JournaledConnections,
  ) {
    super(VariableRecordSchema, 'variable', target, initial);
  }

  commit(change: VariableChange): Promise<void> {
    const before = this.pendingCount();
    try {
      for (const record of change.put ?? []) this.stagePut(record);
      for (const id of change.delete ?? []) this.stageDelete(id);
    } catch (error) {
      this.dropPendingFrom(before);
      return Promise.reject(error as Error);
    }
    // Staged in the same turn as the journal entries: the writer carries both in one write.
    return this.journal.commit({ audit: change.audit });
  }

  /** The object form the document keeps, keyed by variable key. */
  toObjectJson(): string {
    const out: Record<string, Omit<VariableRecord, 'id'>> = {};
    for (const { id, ...rest } of JSON.parse(this.toJson()) as VariableRecord[]) out[id] = rest;
    return JSON.stringify(out);
  }
}

/**
 * Variables as read from the document. Entries in the record form are validated one by one; an
 * entry from before variables were used (a bare JSON value) becomes a plain variable holding it.
 */
export function readVariables(raw: Record<string, Json>, now: string): { records: VariableRecord[]; dropped: number } {
  const records: VariableRecord[] = [];
  let dropped = 0;
  for (const [key, value] of Object.entries(raw)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && typeof value['secret'] === 'boolean') {
      const parsed = VariableRecordSchema.safeParse({ ...value, id: key });
      if (parsed.success) records.push(parsed.data);
      else dropped++;
    } else {
      records.push({ id: key, value: typeof value === 'string' ? value : JSON.stringify(value), description: '', secret: false, createdAt: now, updatedAt: now });
    }
  }
  return { records, dropped };
}
