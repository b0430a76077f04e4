import { VariableRecordSchema, type JournaledAuditInput, type VariableChange, type VariableRecord, type VariableRepository } from '@latchkey/broker';
import type { Json } from '@latchkey/contracts';
import { FileRepository, type Op, type WriteTarget } from './repository.js';

/** What a variables commit hands the document: its ops and its audit events, as one journal record. */
export interface VariablesTarget extends WriteTarget<VariableRecord> {
  submitCommit(ops: Op<VariableRecord>[], audit: JournaledAuditInput[]): Promise<void>;
}

/**
 * connections.json's `variables`: `{ "<key>": { value | secretId, description, secret, createdAt,
 * updatedAt } }`. A change and its audit events are one journal record of the connections
 * document, so the events join the connections' write-ahead audit journal and recovery at start
 * covers them too.
 */
export class FileVariables extends FileRepository<VariableRecord> implements VariableRepository {
  constructor(
    private readonly commitTarget: VariablesTarget,
    initial: readonly VariableRecord[],
  ) {
    super(VariableRecordSchema, 'variable', commitTarget, initial);
  }

  commit(change: VariableChange): Promise<void> {
    let ops;
    try {
      ops = this.changeOps(change.put, change.delete);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.commitTarget.submitCommit(ops, change.audit.map((e) => ({ ...e })));
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
