import { encodeRecord } from './journal-format.js';
import type { JournalFile } from './journal-file.js';
import { storageError } from './storage-error.js';

/** What a journaled document needs from its file: applying records to memory, and its snapshot. */
export interface DocumentModel<Body> {
  /** A durable record's change, into memory. Never throws: the body was checked before it was queued. */
  apply(body: Body): void;
  /** The whole document as it is in memory now, as the snapshot text that says it holds up to `seq`. */
  snapshot(seq: number): string;
  /**
   * Atomically replaces the snapshot (atomic-file.ts), keeping the `.prev` generation or not.
   * `replace` is set for a change that is itself a whole new snapshot (a key rotation, a restore).
   */
  writeSnapshot(text: string, kind: 'compaction' | 'replace'): Promise<void>;
}

/**
 * When to compact. Both limits grow with the snapshot once it is larger than twice `maxBytes`
 * (×snapshot/(2·maxBytes)), so rewriting it costs each change a bounded share (at 50,000
 * connections a 25 MB snapshot is rewritten every ~6,000 changes, not every 2,000), while the
 * records a load after a crash validates again stay a fraction of what a full validation costs.
 */
export interface CompactionPolicy {
  /** Compact once the journal holds this many bytes… */
  maxBytes: number;
  /** …or this many records (each one is validated again at a load after a crash). */
  maxRecords: number;
}

export const DEFAULT_COMPACTION: CompactionPolicy = { maxBytes: 4 * 1024 * 1024, maxRecords: 2000 };

interface RecordJob<Body> {
  kind: 'record';
  body: Body;
  resolve: () => void;
  reject: (error: unknown) => void;
}
interface ExclusiveJob {
  kind: 'exclusive';
  run: () => Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}
type Job<Body> = RecordJob<Body> | ExclusiveJob;

/** After a failed background compaction, wait this long before trying again (the journal keeps everything meanwhile). */
const COMPACTION_RETRY_MS = 5000;

/**
 * A lowdb-style document kept as snapshot + journal. Every change is one record appended to the
 * journal and fsynced before memory changes (invariant 8). Group commit: changes asked for while
 * an append is running, or in the same turn, share the next append and its one fsync, so the wait
 * is bounded by one fsync. Past a size, the journal is compacted into the snapshot in the
 * background and the records the snapshot now holds are dropped from the journal.
 */
export class JournaledDocument<Body> {
  #queue: Job<Body>[] = [];
  /** Bodies in the append now running: not durable yet, but no longer in the queue. */
  #inFlight: Body[] = [];
  #scheduled = false;
  #running: Promise<void> | null = null;
  /** The last seq that is durable (in the journal or the snapshot). */
  #seq: number;
  /** A background snapshot write; a replacing snapshot waits for it so renames land in order. */
  #snapshotWrite: Promise<void> | null = null;
  #retryAt = 0;
  #snapshotBytes: number;
  #appends = 0;
  #compactions = 0;

  constructor(
    readonly path: string,
    private readonly journal: JournalFile,
    private readonly model: DocumentModel<Body>,
    seq: number,
    private readonly policy: CompactionPolicy = DEFAULT_COMPACTION,
    private readonly now: () => number = Date.now,
    /** The snapshot's size as loaded (the compaction limits scale with it). */
    snapshotBytes = 0,
  ) {
    this.#seq = seq;
    this.#snapshotBytes = snapshotBytes;
  }

  /** Appends made (each is one fsync); the tests count them. */
  get appends(): number {
    return this.#appends;
  }

  get compactions(): number {
    return this.#compactions;
  }

  get seq(): number {
    return this.#seq;
  }

  get journalBytes(): number {
    return this.journal.bytes;
  }

  /** Changes asked for and not durable yet, in order: for "does this id exist once they land". */
  unlanded(): Body[] {
    return [...this.#inFlight, ...this.#queue.flatMap((job) => (job.kind === 'record' ? [job.body] : []))];
  }

  /** One change as one record; resolves once it is durable and in memory, rejects (typed) with nothing changed. */
  submit(body: Body): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ kind: 'record', body, resolve, reject });
      this.#schedule();
    });
  }

  /**
   * A change that is a whole new document (a key rotation, a restore): written as a snapshot
   * that holds it under the next seq, after every change asked for before it; the journal is
   * then emptied. `build` runs when its turn comes; `land` puts it in memory once durable.
   */
  replace(build: (seq: number) => { text: string; land: () => void }): Promise<void> {
    return this.#exclusive(async () => {
      await this.#snapshotWrite?.catch(() => undefined);
      const seq = this.#seq + 1;
      const next = build(seq);
      try {
        await this.model.writeSnapshot(next.text, 'replace');
      } catch (error) {
        throw storageError(error, this.path);
      }
      this.#seq = seq;
      this.#snapshotBytes = next.text.length;
      next.land();
      // Already durable in the snapshot; a journal left uncut is skipped at load and cut at the next compaction.
      await this.journal.dropThrough(seq).catch((error: unknown) => console.error('store: the journal could not be emptied after a replace', error));
    });
  }

  /** Resolves once nothing is queued, appending or compacting. */
  async drain(): Promise<void> {
    while (this.#running || this.#scheduled || this.#snapshotWrite) {
      await (this.#running ?? this.#snapshotWrite ?? new Promise<void>((resolve) => setImmediate(resolve)));
    }
  }

  /**
   * Writes the snapshot and empties the journal, now (at close, and at open after a crash). Throws
   * when the snapshot cannot be written; the journal then keeps everything.
   */
  async compactNow(): Promise<void> {
    await this.drain();
    await this.#exclusive(async () => {
      const seq = this.#seq;
      const text = this.model.snapshot(seq);
      this.#snapshotBytes = text.length;
      await this.model.writeSnapshot(text, 'compaction');
      this.#compactions++;
      await this.journal.dropThrough(seq);
    });
  }

  #exclusive(run: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ kind: 'exclusive', run, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    // setImmediate rather than a microtask: it also gathers changes made by promise chains that
    // settle within the current turn (a broker call awaiting two repositories, say).
    setImmediate(() => {
      this.#scheduled = false;
      this.#running = this.#run().finally(() => {
        this.#running = null;
        if (this.#queue.length) this.#schedule();
      });
    });
  }

  async #run(): Promise<void> {
    const first = this.#queue[0];
    if (!first) return;
    if (first.kind === 'exclusive') {
      this.#queue.shift();
      try {
        await first.run();
        first.resolve();
      } catch (error) {
        first.reject(error);
      }
      return;
    }
    // Every record queued up to the next exclusive job: one append, one fsync.
    const end = this.#queue.findIndex((job) => job.kind === 'exclusive');
    const group = this.#queue.splice(0, end < 0 ? this.#queue.length : end) as RecordJob<Body>[];
    this.#inFlight = group.map((job) => job.body);
    const seqs = group.map((_, i) => this.#seq + 1 + i);
    this.#appends++;
    try {
      let text = '';
      for (let i = 0; i < group.length; i++) text += encodeRecord(seqs[i]!, group[i]!.body);
      await this.journal.append(text, seqs);
    } catch (error) {
      this.#inFlight = [];
      const typed = storageError(error, this.path);
      for (const job of group) job.reject(typed);
      return;
    }
    this.#seq = seqs.at(-1)!;
    this.#inFlight = [];
    for (const job of group) this.model.apply(job.body);
    for (const job of group) job.resolve();
    this.#maybeCompact();
  }

  /** Starts a background compaction when the journal has grown past the policy (and none is running). */
  #maybeCompact(): void {
    if (this.#snapshotWrite || this.now() < this.#retryAt) return;
    const scale = Math.max(1, this.#snapshotBytes / (2 * this.policy.maxBytes));
    if (this.journal.bytes < this.policy.maxBytes * scale && this.journal.records < this.policy.maxRecords * scale) return;
    // Memory is exactly the state at #seq here (a group just landed, nothing else runs in this turn).
    const seq = this.#seq;
    const text = this.model.snapshot(seq);
    this.#snapshotBytes = text.length;
    this.#snapshotWrite = this.model
      .writeSnapshot(text, 'compaction')
      .then(
        () => {
          this.#compactions++;
          // Cut between appends, never during one.
          void this.#exclusive(() => this.journal.dropThrough(seq)).catch((error: unknown) => console.error('store: the journal could not be cut after a compaction', error));
        },
        (error: unknown) => {
          this.#retryAt = this.now() + COMPACTION_RETRY_MS;
          console.error(`store: compacting ${this.path} failed; the journal keeps every change`, error);
        },
      )
      .finally(() => (this.#snapshotWrite = null));
  }
}
