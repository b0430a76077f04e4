import { ConnectionRecordSchema, type ConnectionChange, type ConnectionRecord, type ConnectionRepository, type JournaledAuditInput } from '@latchkey/broker';
import { FileRepository, type WriteTarget } from './repository.js';

/** The connections repository with its write-ahead audit journal (see the ConnectionRepository port). */
export class JournaledConnections extends FileRepository<ConnectionRecord> implements ConnectionRepository {
  /** Durable entries whose append is not confirmed yet, by event id. */
  #journal = new Map<string, JournaledAuditInput>();
  #pendingJournal: JournaledAuditInput[] = [];
  #stagedJournal: Map<string, JournaledAuditInput> | null = null;

  constructor(target: WriteTarget, initial: readonly ConnectionRecord[], journal: readonly JournaledAuditInput[]) {
    super(ConnectionRecordSchema, 'connection', target, initial);
    for (const entry of journal) this.#journal.set(entry.eventId, entry);
  }

  commit(change: ConnectionChange): Promise<void> {
    // All or nothing: a record that fails validation stages none of the change.
    const before = this.pendingCount();
    try {
      for (const record of change.put ?? []) this.stagePut(record);
      for (const id of change.delete ?? []) this.stageDelete(id);
    } catch (error) {
      this.dropPendingFrom(before);
      return Promise.reject(error as Error);
    }
    this.#pendingJournal.push(...change.audit.map((e) => ({ ...e })));
    return this.save();
  }

  pendingAudit(): readonly JournaledAuditInput[] {
    return [...this.#journal.values()];
  }

  auditRecorded(eventIds: readonly string[]): void {
    for (const id of eventIds) {
      this.#journal.delete(id);
      this.#stagedJournal?.delete(id);
    }
  }

  override stage(): void {
    super.stage();
    this.#stagedJournal = new Map(this.#journal);
    for (const entry of this.#pendingJournal) this.#stagedJournal.set(entry.eventId, entry);
    this.#pendingJournal = [];
  }

  /** The last durable write carried journal entries: closing should write once more to clear them. */
  journalOnDisk = false;

  override landed(): void {
    super.landed();
    if (this.#stagedJournal) this.journalOnDisk = this.#stagedJournal.size > 0;
    // Entries confirmed while the write ran were deleted from the staged map too.
    if (this.#stagedJournal) this.#journal = this.#stagedJournal;
    this.#stagedJournal = null;
  }

  override abort(): void {
    super.abort();
    this.#stagedJournal = null;
  }

  /** The journal as it goes into this write. */
  journalJson(): string {
    return JSON.stringify([...(this.#stagedJournal ?? this.#journal).values()]);
  }
}
