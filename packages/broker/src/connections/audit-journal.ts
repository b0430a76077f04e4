import { LatchkeyError } from '@latchkey/contracts';
import type { AuditEventInput } from '@latchkey/contracts';
import { nanoid } from 'nanoid';
import type { AuditService } from '../audit/audit-service.js';
import type { AuditSink, ConnectionChange, ConnectionRepository, JournaledAuditInput } from '../ports.js';

/**
 * Past this many events written ahead but not in the audit log, the audit log is not taking
 * appends: changes stop (no audit, no operation) rather than pile up unrecorded.
 */
const MAX_UNAPPENDED = 1000;

/**
 * A connection change and its audit events in one group commit: the events travel in the same
 * atomic write as the records (connections.json's journal), so no crash can leave a landed change
 * without its record, nor a record of a change that did not land. Once the write is durable the
 * events are appended to the audit log; at start, any a crash kept from the log are appended then.
 *
 * Chosen over write-ahead intents in the audit log itself: an intent needs a second event
 * ("done" or "abandoned") and a reconciliation that reads the data to decide which, while here the
 * one atomic rename already decides both, at no extra fsync.
 */
export class AuditJournal {
  /** Event ids being appended now, so a recovery never appends one twice. */
  readonly #appending = new Set<string>();

  constructor(
    private readonly repo: ConnectionRepository,
    private readonly audit: AuditService,
    private readonly sink: AuditSink,
  ) {}

  /** Writes the change with its events; resolves once both are durable (the events at least in the journal). */
  async commit(change: Omit<ConnectionChange, 'audit'>, events: AuditEventInput[]): Promise<string[]> {
    const { audit } = await this.commitWith((journaled) => this.repo.commit({ ...change, audit: journaled }), events);
    return audit.map((event) => event.eventId);
  }

  /** The same for a write the store makes itself (a restore): `write` must put `audit` in the journal with its change. */
  async commitWith<T>(write: (audit: JournaledAuditInput[]) => Promise<T>, events: AuditEventInput[]): Promise<{ result: T; audit: JournaledAuditInput[] }> {
    if (this.repo.pendingAudit().length >= MAX_UNAPPENDED) {
      throw new LatchkeyError('STORAGE_FAILED', 'The audit log cannot be written, so no change is made. Check the audit folder in the data folder (free space, permissions) and restart Latchkey.');
    }
    const audit: JournaledAuditInput[] = events.map((event) => ({ ...event, eventId: nanoid(16) }));
    const result = await write(audit);
    await this.#append(audit);
    return { result, audit };
  }

  /** Appends in order; an append that fails leaves its events in the journal for the next start. */
  async #append(entries: readonly JournaledAuditInput[]): Promise<void> {
    const fresh = entries.filter((entry) => !this.#appending.has(entry.eventId));
    for (const entry of fresh) this.#appending.add(entry.eventId);
    try {
      // Handed over in one tick and in order, so they share one durable append and keep their order.
      await Promise.all(fresh.map((entry) => this.audit.record(entry)));
      this.repo.auditRecorded(fresh.map((entry) => entry.eventId));
    } catch {
      // The change is durable and so is its record, in the journal: recover() appends it later.
    } finally {
      for (const entry of fresh) this.#appending.delete(entry.eventId);
    }
  }

  /**
   * At start: appends the journal's events that a crash kept out of the audit log, and marks the
   * rest recorded. Reads the log only when the journal is not empty (a crash happened).
   */
  async recover(): Promise<number> {
    const pending = this.repo.pendingAudit();
    if (!pending.length) return 0;
    const wanted = new Set(pending.map((entry) => entry.eventId));
    const logged = new Set<string>();
    for (const line of this.sink.lines()) {
      if (!line.text.includes('"eventId":"')) continue;
      try {
        const id = (JSON.parse(line.text) as { eventId?: unknown }).eventId;
        if (typeof id === 'string' && wanted.has(id)) logged.add(id);
      } catch {
        // a torn line: its event is not in the log
      }
    }
    this.repo.auditRecorded([...logged]);
    const missing = pending.filter((entry) => !logged.has(entry.eventId));
    await this.#append(missing);
    return missing.length;
  }
}
