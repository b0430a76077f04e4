import { ConnectionRecordSchema, type ConnectionChange, type ConnectionRecord, type ConnectionRepository, type JournaledAuditInput } from '@latchkey/broker';
import { FileRepository, type Op, type WriteTarget } from './repository.js';

/** What a commit hands the file: the change's ops and its audit events, as one record. */
export interface CommitTarget extends WriteTarget<ConnectionRecord> {
  submitCommit(ops: Op<ConnectionRecord>[], audit: JournaledAuditInput[]): Promise<void>;
}

/** The connections repository with its write-ahead audit journal (see the ConnectionRepository port). */
export class JournaledConnections extends FileRepository<ConnectionRecord> implements ConnectionRepository {
  /** Durable events whose append to the audit log is not confirmed yet, by event id. */
  #journal = new Map<string, JournaledAuditInput>();
  /** Confirmed since the last record: the next record carries them, so a replay after a crash drops them too. */
  #recorded: string[] = [];

  constructor(
    private readonly commitTarget: CommitTarget,
    initial: readonly ConnectionRecord[],
    journal: readonly JournaledAuditInput[],
  ) {
    super(ConnectionRecordSchema, 'connection', commitTarget, initial);
    for (const entry of journal) this.#journal.set(entry.eventId, entry);
  }

  commit(change: ConnectionChange): Promise<void> {
    let ops;
    try {
      ops = this.changeOps(change.put, change.delete);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.commitTarget.submitCommit(ops, change.audit.map((e) => ({ ...e })));
  }

  pendingAudit(): readonly JournaledAuditInput[] {
    return [...this.#journal.values()];
  }

  auditRecorded(eventIds: readonly string[]): void {
    for (const id of eventIds) if (this.#journal.delete(id)) this.#recorded.push(id);
  }

  /** Confirmations no record carries yet: a close compacts so the next start does not look for them. */
  hasUnsavedConfirmations(): boolean {
    return this.#recorded.length > 0;
  }

  /** Confirmations to carry in the next record. */
  takeRecorded(): string[] {
    const ids = this.#recorded;
    this.#recorded = [];
    return ids;
  }

  /** A durable record's audit part: events written ahead, and confirmations. */
  applyAudit(audit: readonly JournaledAuditInput[] | undefined, recorded: readonly string[] | undefined): void {
    for (const entry of audit ?? []) this.#journal.set(entry.eventId, entry);
    for (const id of recorded ?? []) this.#journal.delete(id);
  }

  /** The unconfirmed events as they go into the snapshot. */
  journalJson(): string {
    return JSON.stringify([...this.#journal.values()]);
  }
}
