import { AuditEvent, AuditEventInput, AuditQuery, LatchkeyError } from '@latchkey/contracts';
import type { AuditIntegrity, AuditPage, AuditVerifyResult, AuditEventInput as AuditEventInputT, AuditQuery as AuditQueryT, Requester } from '@latchkey/contracts';
import { iso } from '../clock.js';
import type { AuditAnchorStore, AuditHead, AuditRetention, AuditSink, Cipher, Clock, SecretStore, StoreSeqs } from '../ports.js';
import { AuditAnchor, DEFAULT_ANCHOR_EVERY } from './audit-anchor.js';
import { newAuditKey, readAuditKey, storeAuditKey, type AuditKey, type AuditKeyState } from './audit-key.js';
import { AuditIndex } from './audit-index.js';
import { ChainVerifier } from './chain-verifier.js';
import { GENESIS_HASH, hashEvent, sealHead } from './hash.js';
import { checkHead, headSaysAnchored } from './head-check.js';
import { MAX_WAIT_MS, MAX_WAITING_PER_REQUESTER, RequesterBudget, realAuditTimer, type AuditRate, type AuditTimer } from './rate-limit.js';
import type { RequesterKind } from '@latchkey/contracts';

export interface AuditServiceOptions {
  /** With both, the chain is keyed: an audit key encrypted by the cipher, kept in the secret store. */
  cipher?: Cipher;
  secrets?: SecretStore;
  rates?: Record<RequesterKind, AuditRate>;
  /** The budget's time (refill, waiting); monotonic real time unless a test drives it. */
  timer?: AuditTimer;
  /**
   * Where the log's anchor is kept outside the data folder (the OS keychain), with the store
   * files' journal seqs to anchor beside its head (audit-anchor.ts). Absent: a rollback of the
   * whole folder cannot be detected, and the status says so.
   */
  anchor?: { store: AuditAnchorStore; storeSeqs?: () => StoreSeqs; every?: { events: number; ms: number } };
  /** Without an anchor: why, in words (the host knows: a key from the environment, no keychain). */
  anchorAbsent?: string;
}

/**
 * How an event takes from its requester's budget:
 * - `routine`: one token; when the bucket is empty the call waits for one (bounded), then is refused.
 * - `refusal`: a refused call's record (the flood vector): one token, or, past the burst, not
 *   written but counted into the requester's `audit.throttled` summary, and RATE_LIMITED at once.
 * - `person`: paced by the person (a consent prompt and its answer): bounded by the open-prompt
 *   cap and the person's clicks, not by the budget, so no token is taken.
 * Default: `refusal` for an outcome of `denied`, else `routine`.
 */
export type AuditBudgetClass = 'routine' | 'refusal' | 'person';

/** Routine repeats (a ref's uses, an always-grant's answers) are written once per key per window, and counted. */
export const COALESCE_WINDOW_MS = 60_000;
const MAX_COALESCE_KEYS = 4096;

interface Run {
  start: number;
  write: Promise<void>;
  count: number;
  countSince: number;
  input: AuditEventInputT;
  noun: string;
}

interface Waiter {
  deadline: number;
  resolve: () => void;
  reject: () => void;
}

/** One summary `audit.throttled` event per requester per window, however long it keeps flooding. */
const THROTTLE_NOTE_WINDOW_MS = 60_000;
/** Lines checked between yields to the event loop: a few ms of work, so other calls go on. */
const SCAN_CHUNK = 200;
const DETAIL_MAX = 1000;

interface Held {
  event: AuditEvent;
  seal: string | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Append-only, keyed hash-chained audit. Events carry ids, names and outcomes only; the
 * services never hand it a secret, and `detail` strings are scrubbed by the caller.
 *
 * No audit, no operation: record() settles only once the event is durable and rejects (a typed
 * error) when it is not, and a requester past its budget is refused before anything is written.
 */
export class AuditService {
  #seq: number;
  #prevHash: string;
  /** Bumped when the chain is re-anchored after a failed append; older failures then change nothing. */
  #epoch = 0;
  readonly #pending = new Set<Promise<void>>();
  readonly #budget: RequesterBudget;
  readonly #throttled = new Map<string, { since: number; refused: Map<string, number>; requester: Requester }>();
  readonly #timer: AuditTimer;
  /** Calls waiting for a token, per requester, oldest first. */
  readonly #waiters = new Map<string, Waiter[]>();
  /** Coalesced routine events, per key. */
  readonly #runs = new Map<string, Run>();
  /** Where the key is kept, to store it again once it is no longer pending. */
  readonly #keyStore: { cipher: Cipher; secrets: SecretStore } | null;
  #confirming = false;
  #keyState: AuditKeyState;
  #key: AuditKey | null = null;
  /** The key that existed before this start (not one created now): it says a log was there. Set again when a restored master key opens it. */
  #keyAtOpen: AuditKey | null;
  /** While a new key is being stored, events chained with it wait here, in order. */
  #held: Held[] | null = null;
  #verifier: ChainVerifier;
  #index = new AuditIndex();
  #scanFrom: number | undefined = undefined;
  #scanning: Promise<void> | null = null;
  #integrity: AuditIntegrity;
  #startupCheck: Promise<AuditIntegrity> | null = null;
  /** The log's end and the head outside it as they were when the broker started: what the startup check compares. */
  readonly #startTail: { seq: number; hash: string } | null;
  readonly #startHead: AuditHead | null;
  readonly #anchor: AuditAnchor | null;
  readonly #anchorAbsent: string;
  /** The store files' journal seqs when the broker started, to compare with the anchor's. */
  readonly #filesAtOpen: Record<string, number>;
  /** Problems already recorded in an audit.integrity event this run (a re-check records only new ones). */
  readonly #reported = new Set<string>();
  /** What the anchor check said, for a clean status (integrity() adds it, or why the anchor cannot be written now). */
  #anchorNote = '';

  constructor(
    private readonly sink: AuditSink,
    private readonly clock: Clock,
    options: AuditServiceOptions = {},
  ) {
    const tail = sink.tail();
    this.#startTail = tail;
    this.#startHead = sink.storedHead?.() ?? null;
    this.#seq = tail ? tail.seq + 1 : 0;
    this.#prevHash = tail ? tail.hash : GENESIS_HASH;
    this.#timer = options.timer ?? realAuditTimer;
    this.#budget = new RequesterBudget(this.#timer, options.rates);
    this.#keyState = options.cipher && options.secrets ? readAuditKey(options.cipher, options.secrets) : { status: 'none', reason: 'no cipher is wired to protect an audit key' };
    if (this.#keyState.status === 'keyed') this.#key = this.#keyState.key;
    // A copy: whether the key was still pending at open must not change when it is confirmed later.
    this.#keyAtOpen = this.#key ? { ...this.#key } : null;
    this.#keyStore = options.cipher && options.secrets ? { cipher: options.cipher, secrets: options.secrets } : null;
    this.#anchor = options.anchor ? new AuditAnchor(options.anchor.store, options.anchor.every ?? DEFAULT_ANCHOR_EVERY, options.anchor.storeSeqs) : null;
    this.#filesAtOpen = this.#anchor?.files() ?? {};
    this.#anchorAbsent = options.anchorAbsent ?? 'this host keeps no anchor of the audit log outside the data folder';
    this.#verifier = new ChainVerifier(() => this.#key);
    this.#integrity = { state: 'checking', keyed: this.#key !== null, message: 'Checking the audit log…', problems: [], checkedAt: null };
    if (this.#keyState.status === 'none' && options.cipher?.isAvailable() && options.secrets) this.#startKey(options.cipher, options.secrets);
    if (this.#keyState.status === 'unreadable') {
      // Said in the chain itself: the stretch that follows is unkeyed, and the startup check shows it.
      void this.#append({ type: 'audit.checkpoint', outcome: 'error', detail: `The audit key could not be opened: ${this.#keyState.reason}. Events from ${this.#seq} on are chained with plain SHA-256 until it can be.` }).catch(() => undefined);
    }
    sink.onRetention?.((drop) => this.#checkpointRetention(drop));
  }

  /** Whether the chain is keyed and what the startup check found; `checking` until it is done. */
  integrity(): AuditIntegrity {
    const integrity = { ...this.#integrity, keyed: this.#key !== null, problems: [...this.#integrity.problems] };
    if (integrity.state !== 'ok') return integrity;
    // What the anchor outside the folder protects, as of now: a keychain that refuses it is said, not pretended.
    const failure = this.#anchor?.failure;
    const note = failure ? `The anchor could not be written to ${this.#anchor!.store.where} (${failure}), so a rollback of the data folder cannot be detected until it can.` : this.#anchorNote;
    return { ...integrity, message: `${integrity.message} ${note}` };
  }

  /**
   * Reads the whole log once (in chunks, off the hot path), compares its end with the head kept
   * outside it, and records what it finds. Truncation, deleted files and rewriting show here.
   */
  checkAtStartup(): Promise<AuditIntegrity> {
    this.#startupCheck ??= this.#checkAtStartup();
    return this.#startupCheck;
  }

  async #checkAtStartup(): Promise<AuditIntegrity> {
    await this.#catchUp();
    return this.#evaluate();
  }

  /**
   * Compares the log with its head and its anchor as they were at start, says what it finds,
   * records new problems, and starts keeping the anchor. Run at startup, and again when a restored
   * master key opens the audit key (the seals and the anchor can be checked only then).
   */
  async #evaluate(): Promise<AuditIntegrity> {
    const problems: string[] = [];
    const broken = this.#verifier.broken;
    if (broken) problems.push(`Chain broken in ${broken.file}: ${broken.reason}.`);
    const anchor = this.#verifier.anchorProblem();
    if (anchor) problems.push(`The log does not start where it should: ${anchor}.`);
    problems.push(
      ...checkHead({
        head: this.#startHead,
        tail: this.#startTail,
        key: this.#keyAtOpen,
        expectHead: (this.#startTail !== null && this.#verifier.currentFormatBy(this.#startTail.seq)) || this.#keyAtOpen !== null,
        eventAt: (seq) => this.#eventAt(seq),
      }),
    );
    const outside = await this.#checkAnchor();
    problems.push(...outside.problems);
    // From now on the anchor follows the log (it starts at the newest durable event) — unless it
    // could not be read: writing this log's head over an anchor nobody compared would erase the
    // evidence of a rollback for good; it is kept for the next start that can read it.
    if (this.#anchor && this.#key && !outside.unread) await this.#anchor.start(this.#key, this.sink.tail());
    this.#anchorNote = outside.note;
    const stretches = this.#verifier.unkeyedFrom;
    const keyedNote =
      (this.#key ? 'keyed (HMAC-SHA256)' : `not keyed: ${this.#keyState.status === 'keyed' ? '' : this.#keyState.reason}; anyone who can write the files could recompute it`) +
      (stretches.length ? `; unkeyed from event${stretches.length > 1 ? 's' : ''} ${stretches.join(', ')} on, where the audit key could not be opened` : '');
    this.#integrity = {
      state: problems.length ? 'problem' : 'ok',
      keyed: this.#key !== null,
      problems,
      checkedAt: iso(this.clock.now()),
      message: problems.length
        ? `${problems.some((p) => STORE_FILE_ROLLBACK.test(p)) ? 'The data folder' : 'The audit log'} was changed outside Latchkey: ${problems.length} problem(s) found at startup.`
        : `Audit log checked at startup: ${this.#index.size.toLocaleString('en-US')} events, chain ${keyedNote}.`,
    };
    const fresh = problems.filter((p) => !this.#reported.has(p));
    if (fresh.length) {
      for (const p of fresh) this.#reported.add(p);
      await this.#append({ type: 'audit.integrity', outcome: 'error', detail: fresh.join(' ').slice(0, DETAIL_MAX) }).catch(() => undefined);
    }
    return this.integrity();
  }

  /** The anchor outside the data folder against the log and the store files as they were at start. */
  async #checkAnchor(): Promise<{ problems: string[]; note: string; unread?: true }> {
    const anchor = this.#anchor;
    if (!anchor) {
      return { problems: [], note: `A rollback to an older copy of the whole data folder cannot be detected here: ${this.#anchorAbsent}.` };
    }
    const where = anchor.store.where;
    const key = this.#keyAtOpen ?? this.#key;
    if (!key) return { problems: [], note: `The anchor kept in ${where} cannot be checked until the audit key can be opened, so a rollback of the data folder cannot be ruled out yet.` };
    const reading = await anchor.read(key);
    const anchored = `The log's head is anchored in ${where}, so a rollback of the data folder to an older copy is detected at start (except for the last events before a crash).`;
    switch (reading.status) {
      case 'unreadable':
        return { problems: [], unread: true, note: `The anchor kept in ${where} could not be read (${reading.reason}), so a rollback of the data folder could not be ruled out this time; it is left as it is (not updated this run) for the next start to check.` };
      case 'forged':
        return { problems: [`The anchor of the audit log kept in ${where} was not written by Latchkey (its seal does not check), so a rollback of the data folder cannot be ruled out.`], note: '' };
      case 'missing':
        if (headSaysAnchored(this.#startHead, key)) {
          return { problems: [`The anchor of the audit log kept in ${where} is missing although the log was anchored there (the keychain was reset, or the item deleted), so a rollback of the data folder to an older copy cannot be ruled out.`], note: '' };
        }
        return { problems: [], note: anchored };
      case 'found': {
        const problems: string[] = [];
        const { mark } = reading;
        const tail = this.#startTail;
        if (mark.seq >= 0 && (!tail || tail.seq < mark.seq)) {
          const gone = mark.seq - (tail?.seq ?? -1);
          problems.push(`The audit log ends at ${tail ? `event ${tail.seq}` : 'no event'}, but its anchor in ${where} says event ${mark.seq} was already written: the log and its head were replaced by an older copy (rolled back), and at least ${gone} event(s) are gone.`);
        } else {
          const stored = this.#eventAt(mark.seq);
          if (stored && stored.hash !== mark.hash) problems.push(`Event ${mark.seq} differs from the one anchored in ${where}: the log was replaced by another copy.`);
        }
        for (const [name, seq] of Object.entries(mark.files)) {
          const now = this.#filesAtOpen[name];
          if (now !== undefined && now < seq) {
            problems.push(`${name} was replaced by an older copy, or deleted (journal record ${now}; its anchor in ${where} says record ${seq} was already written): ${ROLLED_BACK[name] ?? 'changes made since are gone'}.`);
          }
        }
        return { problems, note: anchored };
      }
    }
  }

  /**
   * The master key was restored (a recovery kit) while running: the audit key opens again, every
   * keyed event is checked with it again, the head's seals and the anchor are checked, and the
   * chain is keyed from the next event on (a checkpoint says so). With no audit key stored at all,
   * one is made now. Resolves once that is durable and the log checked again.
   */
  async reopenKey(): Promise<void> {
    const store = this.#keyStore;
    if (!store || this.#key) return;
    const state = readAuditKey(store.cipher, store.secrets);
    if (state.status === 'none' && store.cipher.isAvailable()) {
      this.#keyState = state;
      this.#startKey(store.cipher, store.secrets);
      await this.flush();
      return;
    }
    if (state.status !== 'keyed') return;
    this.#keyState = state;
    this.#key = state.key;
    // It existed before this start: its seals on the head and its anchor are checked as at a start.
    this.#keyAtOpen ??= { ...state.key };
    await this.#append({ type: 'audit.checkpoint', outcome: 'ok', detail: `The audit key opened again (the master key was restored): events from ${this.#seq} on are keyed again.` });
    await this.#checkAgain();
  }

  /** Reads the whole log again with the key now at hand, then says what it finds. */
  async #checkAgain(): Promise<void> {
    await this.#startupCheck?.catch(() => undefined);
    while (this.#scanning) await this.#scanning.catch(() => undefined);
    this.#verifier = new ChainVerifier(() => this.#key);
    this.#index = new AuditIndex();
    this.#scanFrom = undefined;
    await this.#catchUp();
    await this.#evaluate();
  }

  /** Refuses a call up front when its requester has no audit budget left (nothing runs, nothing is written). */
  admit(requester: Requester): void {
    if (!this.#budget.has(requester)) throw this.#refuse(requester, 'budget spent');
  }

  /**
   * Records an event; the returned promise settles when it is durable, and rejects when it is not.
   * The requester's budget is taken first (see AuditBudgetClass); a routine event may wait for it.
   */
  record(input: AuditEventInputT, budget?: AuditBudgetClass): Promise<AuditEvent> {
    const parsed = AuditEventInput.parse(fitDetail(input));
    const requester = parsed.requester;
    const cls = budget ?? (parsed.outcome === 'denied' ? 'refusal' : 'routine');
    if (!requester || cls === 'person') return this.#append(parsed);
    const key = RequesterBudget.key(requester);
    // Waiting calls go first: a newcomer does not take the token one of them is waiting for.
    if (!this.#waiters.has(key) && this.#budget.take(requester)) return this.#append(parsed);
    if (cls === 'refusal') return Promise.reject(this.#refuse(requester, parsed.type));
    return this.#waitForToken(requester).then(() => this.#append(parsed));
  }

  /**
   * A routine event that repeats (a ref's uses, an always-grant answering again): the first per
   * key and window is recorded (calls made while it is in flight wait for the same write), later
   * ones in the window write nothing and are counted; the count goes with the next recorded event
   * of that key, or is written at close. `noun` names what is counted ("uses", "requests").
   */
  recordCoalesced(key: string, input: AuditEventInputT, noun: string): Promise<void> {
    const now = this.clock.now();
    const run = this.#runs.get(key);
    if (run && now - run.start < COALESCE_WINDOW_MS && now >= run.start) {
      // Counted once the record it rides on is durable: no audit, no operation.
      return run.write.then(() => {
        if (run.count++ === 0) run.countSince = now;
      });
    }
    if (!run && this.#runs.size >= MAX_COALESCE_KEYS) this.#retireRuns(now);
    const carried = run?.count ? `; and ${run.count.toLocaleString('en-US')} more ${noun} since ${iso(run.countSince)}` : '';
    const base = (input as { detail?: string }).detail;
    const detail = base || carried ? `${base ?? ''}${carried}`.replace(/^; /, '') : undefined;
    const write = this.record({ ...input, ...(detail ? { detail } : {}) } as AuditEventInputT).then(() => undefined);
    const next: Run = { start: now, write, count: 0, countSince: 0, input, noun };
    this.#runs.set(key, next);
    write.catch(() => {
      // Not written: the next call writes again (and carries what the failed run had counted).
      if (this.#runs.get(key) === next) {
        if (run?.count) this.#runs.set(key, { ...run, start: -Infinity });
        else this.#runs.delete(key);
      }
    });
    return write;
  }

  /**
   * At close: what coalescing counted and throttling summed up is written, so the log has every
   * use and every refusal, if not each one on its own line. Then every event is durable.
   */
  async close(): Promise<void> {
    for (const [key, run] of this.#runs) this.#writeCount(key, run);
    for (const [key, note] of this.#throttled) {
      this.#throttled.delete(key);
      if (note.refused.size) this.#writeThrottleNote(note.requester, note, true);
    }
    await Promise.all([...this.#runs.values()].map((r) => r.write.catch(() => undefined)));
    await this.flush();
    // After the last event: at a clean close the anchor names exactly the end of the log.
    await this.#anchor?.settle();
  }

  #writeCount(key: string, run: Run): void {
    this.#runs.delete(key);
    if (!run.count) return;
    const n = run.count;
    run.count = 0;
    void this.#append(
      AuditEventInput.parse(fitDetail({ ...run.input, detail: `${n.toLocaleString('en-US')} more ${run.noun} since ${iso(run.countSince)} (coalesced)` } as AuditEventInputT)),
    ).catch(() => undefined);
  }

  /** Keeps the map bounded: runs whose window is over write their count now. */
  #retireRuns(now: number): void {
    for (const [key, run] of this.#runs) if (now - run.start >= COALESCE_WINDOW_MS || now < run.start) this.#writeCount(key, run);
  }

  /** Queues a call for its requester's next token; refused past the queue's size or the wait bound. */
  #waitForToken(requester: Requester): Promise<void> {
    const key = RequesterBudget.key(requester);
    let queue = this.#waiters.get(key);
    if (queue && queue.length >= MAX_WAITING_PER_REQUESTER) return Promise.reject(this.#refuse(requester, 'too many calls waiting'));
    if (!queue) {
      queue = [];
      this.#waiters.set(key, queue);
    }
    const q = queue;
    return new Promise<void>((resolve, reject) => {
      q.push({ deadline: this.#timer.now() + MAX_WAIT_MS, resolve, reject: () => reject(this.#refuse(requester, 'waited too long')) });
      if (q.length === 1) void this.#pump(key, requester, q);
    });
  }

  /** Hands tokens to the waiting calls in order as they refill; refuses those past their deadline. */
  async #pump(key: string, requester: Requester, queue: Waiter[]): Promise<void> {
    try {
      while (queue.length) {
        const now = this.#timer.now();
        while (queue.length && queue[0]!.deadline <= now) queue.shift()!.reject();
        if (!queue.length) break;
        if (this.#budget.take(requester)) {
          queue.shift()!.resolve();
          continue;
        }
        const wait = Math.min(this.#budget.msUntilToken(requester), queue[0]!.deadline - now);
        await this.#timer.sleep(Math.max(1, Math.ceil(wait)));
      }
    } finally {
      if (this.#waiters.get(key) === queue) this.#waiters.delete(key);
    }
  }

  async list(rawQuery: AuditQueryT): Promise<AuditPage> {
    const q = AuditQuery.parse(rawQuery);
    await this.#catchUp();
    const { positions, total, nextBefore } = this.#index.query(q);
    const texts = this.#readAt(positions);
    const events: AuditEvent[] = [];
    for (const position of positions) {
      const text = texts.get(position);
      if (text === undefined) continue;
      try {
        const parsed = AuditEvent.safeParse(JSON.parse(text));
        if (parsed.success) events.push(parsed.data);
      } catch {
        // Reported by verify().
      }
    }
    return { events, nextBefore, total };
  }

  /** Checks what was appended since the last verify (everything, the first time), never blocking for long. */
  async verify(): Promise<AuditVerifyResult> {
    await this.#catchUp();
    const result = this.#verifier.result(this.#index.size);
    if (!result.ok || this.#integrity.state !== 'problem') return result;
    return { ...result, ok: false, message: `${result.message}; but at startup: ${this.#integrity.problems.join(' ')}` };
  }

  /** Resolves when every recorded event is durable (or has failed), including checkpoints they led to. */
  async flush(): Promise<void> {
    // A few rounds: a checkpoint follows the write that rotated; a busy broker must not hold close() forever.
    for (let round = 0; round < 10 && this.#pending.size; round++) await Promise.all([...this.#pending]);
  }

  #append(parsed: Omit<AuditEvent, 'seq' | 'at' | 'prevHash' | 'hash' | 'alg'>): Promise<AuditEvent> {
    const key = this.#key;
    const base = { ...parsed, seq: this.#seq++, at: iso(this.clock.now()), prevHash: this.#prevHash, alg: key ? ('hmac-sha256' as const) : ('sha256' as const) };
    // The input was parsed by the caller and the rest is ours: no second parse on this hot path.
    const event: AuditEvent = { ...base, hash: hashEvent(base, key?.key)! };
    this.#prevHash = event.hash;
    const seal = key ? sealHead(key.key, event, this.#anchor?.anchored ?? false) : undefined;
    const epoch = this.#epoch;
    // Handed to the sink at once, in order: the sink coalesces appends made in the same tick
    // into one durable write, so concurrent operations share an fsync instead of queueing.
    const write = this.#held ? new Promise<void>((resolve, reject) => this.#held!.push({ event, seal, resolve, reject })) : this.sink.append(event, seal);
    const settled = write.then(
      () => {
        this.#anchor?.noteDurable(event.seq, event.hash);
        if (key?.pending && key === this.#key) this.#confirmKey(key);
      },
      () => {
        // The sink's tail did not move; chain the next event from it, once per failure.
        if (epoch === this.#epoch) this.#reanchor();
      },
    );
    this.#pending.add(settled);
    void settled.then(() => this.#pending.delete(settled));
    return write.then(
      () => event,
      (error: unknown) => {
        throw new LatchkeyError('UNAVAILABLE', `The audit log could not be written, so nothing was done (${describe(error)}). Free some disk space or check the data folder.`);
      },
    );
  }

  #reanchor(): void {
    const tail = this.sink.tail();
    this.#seq = tail ? tail.seq + 1 : 0;
    this.#prevHash = tail ? tail.hash : GENESIS_HASH;
    this.#epoch++;
  }

  /**
   * A refused call: past its budget, its record is not written on its own but counted, per
   * reason, into one `audit.throttled` summary per requester and window (and at close).
   */
  #refuse(requester: Requester, reason: string): LatchkeyError {
    const key = RequesterBudget.key(requester);
    const now = this.clock.now();
    let note = this.#throttled.get(key);
    if (!note || now - note.since >= THROTTLE_NOTE_WINDOW_MS || now < note.since) {
      if (this.#throttled.size > 1000) for (const [k, n] of this.#throttled) if (now - n.since >= THROTTLE_NOTE_WINDOW_MS) this.#throttled.delete(k);
      const before = note;
      note = { since: now, refused: new Map(), requester };
      this.#throttled.set(key, note);
      this.#writeThrottleNote(requester, before, false);
    }
    note.refused.set(reason, (note.refused.get(reason) ?? 0) + 1);
    return new LatchkeyError('RATE_LIMITED', `Too many audited calls from ${requester.displayName}; slow down and try again in a moment.`);
  }

  /** The summary: at the start of a throttled window (with the previous window's counts), or its final counts at close. */
  #writeThrottleNote(requester: Requester, before: { since: number; refused: Map<string, number> } | undefined, final: boolean): void {
    const rate = this.#budget.rate(requester.kind);
    const counts = before?.refused.size ? [...before.refused].map(([reason, n]) => `${n.toLocaleString('en-US')} × ${reason}`).join(', ') : '';
    const detail = final
      ? `${requester.displayName} was refused past its audit budget since ${iso(before!.since)}: ${counts}.`
      : `${requester.displayName} passed its audit budget (${rate.perSecond}/s, bursts of ${rate.burst}, ${rate.perHour}/h); its calls are refused until it slows down${counts ? ` (refused before, since ${iso(before!.since)}: ${counts})` : ''}.`;
    void this.#append({ type: 'audit.throttled', outcome: 'denied', requester, detail: detail.slice(0, DETAIL_MAX) }).catch(() => undefined);
  }

  /** A new key chains events at once; they reach the log only after the key itself is durable. */
  #startKey(cipher: Cipher, secrets: SecretStore): void {
    const key = newAuditKey(this.#seq);
    this.#key = key;
    this.#held = [];
    void this.#append({ type: 'audit.checkpoint', outcome: 'ok', detail: `The audit chain is keyed from event ${key.since} on: HMAC-SHA256 under a key the ${cipher.backend} cipher protects.` }).catch(() => undefined);
    storeAuditKey(cipher, secrets, key).then(
      () => {
        this.#keyState = { status: 'keyed', key };
        this.#release(null);
      },
      (error: unknown) => {
        this.#key = null;
        this.#anchor?.stop(); // nothing more is sealed with a key that was never saved
        this.#keyState = { status: 'none', reason: `the audit key could not be saved (${describe(error)})` };
        this.#release(error);
      },
    );
  }

  /** An event chained with a pending key is durable: store the key again, no longer pending. */
  #confirmKey(key: AuditKey): void {
    if (this.#confirming || !this.#keyStore) return;
    this.#confirming = true;
    const confirmed = { key: key.key, since: key.since };
    const done = storeAuditKey(this.#keyStore.cipher, this.#keyStore.secrets, confirmed).then(
      () => {
        key.pending = false;
      },
      () => undefined, // still pending: the next durable event tries again
    );
    const tracked = done.finally(() => {
      this.#confirming = false;
      this.#pending.delete(tracked);
    });
    this.#pending.add(tracked);
  }

  #release(error: unknown): void {
    const held = this.#held ?? [];
    this.#held = null;
    if (error) {
      this.#verifierKeyLost();
      for (const h of held) h.reject(error);
      return;
    }
    for (const h of held) this.sink.append(h.event, h.seal).then(h.resolve, h.reject);
  }

  #verifierKeyLost(): void {
    // Held events never reached the sink: chain again from its tail, unkeyed.
    this.#reanchor();
  }

  #checkpointRetention(drop: AuditRetention): void {
    const count = Math.max(0, drop.toSeq - drop.fromSeq + 1);
    const done = this.#append({ type: 'audit.checkpoint', outcome: 'ok', detail: `Retention dropped ${drop.file}: events ${drop.fromSeq}–${drop.toSeq}.`, retention: drop }).then(
      () => {
        this.#index.dropThrough(drop.toSeq);
        this.#verifier.dropped(count);
      },
      () => undefined, // The sink announces the file again after a failed write.
    );
    // flush() waits for this too, so after it the index matches the files.
    this.#pending.add(done);
    void done.then(() => this.#pending.delete(done));
  }

  /** Brings the index and the verifier up to the end of the durable log, a chunk at a time. */
  #catchUp(): Promise<void> {
    this.#scanning ??= this.#scan().finally(() => {
      this.#scanning = null;
    });
    return this.#scanning;
  }

  async #scan(): Promise<void> {
    for (;;) {
      let fresh = 0;
      let n = 0;
      const from = this.#scanFrom;
      for (const line of this.sink.lines(from ?? 0)) {
        if (line.position === undefined) break; // not durable yet: the next scan sees it
        if (from !== undefined && line.position <= from) continue;
        const event = this.#verifier.feed(line);
        if (event) this.#index.add(event, line.position);
        this.#scanFrom = line.position;
        fresh++;
        if (++n >= SCAN_CHUNK) {
          n = 0;
          await yieldToLoop();
        }
      }
      if (fresh === 0) return;
    }
  }

  /** The stored text of the lines at these positions, reading on from one to the next when they are close. */
  #readAt(positions: number[]): Map<number, string> {
    const wanted = [...positions].sort((a, b) => a - b);
    const found = new Map<number, string>();
    let i = 0;
    while (i < wanted.length) {
      const target = wanted[i]!;
      for (const line of this.sink.lines(target)) {
        const p = line.position ?? Infinity;
        while (i < wanted.length && wanted[i]! < p) i++;
        if (i >= wanted.length) break;
        if (wanted[i] === p) {
          found.set(p, line.text);
          i++;
          if (i >= wanted.length) break;
        }
        if (wanted[i]! - p > 256 * 1024) break; // far ahead: open it there instead of reading through
      }
      if (i < wanted.length && wanted[i] === target) i++; // gone (retention): skip it
    }
    return found;
  }

  #eventAt(seq: number): { hash: string; keyed: boolean } | null {
    const position = this.#index.positionOf(seq);
    if (position === null) return null;
    const text = this.#readAt([position]).get(position);
    try {
      const e = text ? (JSON.parse(text) as { hash?: unknown; alg?: unknown }) : null;
      return e && typeof e.hash === 'string' ? { hash: e.hash, keyed: e.alg === 'hmac-sha256' } : null;
    } catch {
      return null;
    }
  }
}

/** A problem about a store file (not the log) put back from an older copy. */
const STORE_FILE_ROLLBACK = /^[\w.]+\.json was replaced by an older copy/;

/** What a store file rolled back to an older copy brings back, in words. */
const ROLLED_BACK: Record<string, string> = {
  'connections.json': 'connections deleted, grants revoked and variables changed since then may be back',
  'secrets.json': 'secrets replaced or deleted since then may be back',
};

/** A long detail (a test message, say) is cut to what the contract allows instead of failing the audit. */
function fitDetail(input: AuditEventInputT): AuditEventInputT {
  const detail = (input as { detail?: unknown }).detail;
  if (typeof detail !== 'string' || detail.length <= DETAIL_MAX) return input;
  return { ...input, detail: `${detail.slice(0, DETAIL_MAX - 1)}…` };
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message.slice(0, 200) : 'unknown error';
}
