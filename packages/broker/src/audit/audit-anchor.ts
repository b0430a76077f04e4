import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuditAnchorStore, StoreSeqs } from '../ports.js';
import type { AuditKey } from './audit-key.js';

/**
 * The audit log's anchor: its head (seq and hash of a durable event) and the store files' journal
 * seqs, keyed with the audit key, kept where a rollback of the data folder does not reach (the OS
 * keychain). The head file beside the log catches a cut or a rewrite; only this catches the log
 * AND its head replaced together by an older copy (a backup, a snapshot).
 *
 * It never runs ahead of the log: it names only events already durable, so a crash leaves it
 * behind the log, never ahead (no false alarm). It is written every `events` durable events or
 * `ms` after an unanchored one, whichever comes first, and exactly at a clean close. The window
 * that remains: a rollback to a copy taken after the last anchor write, when Latchkey did not close
 * cleanly afterwards (a crash, a kill), loses at most those last events undetected.
 */
export const DEFAULT_ANCHOR_EVERY = { events: 64, ms: 5_000 };

export interface AnchorMark {
  seq: number;
  hash: string;
  /** Journal seqs of the store files when the mark was made. */
  files: Record<string, number>;
}

export type AnchorReading =
  | { status: 'found'; mark: AnchorMark }
  | { status: 'missing' }
  /** Present but not sealed under this audit key: someone else wrote it. */
  | { status: 'forged' }
  | { status: 'unreadable'; reason: string };

/** The keychain item's name: per audit key, so each data folder has its own, and none names the folder's path. */
export function anchorName(key: AuditKey): string {
  return `audit-anchor-${createHmac('sha256', key.key).update('latchkey-audit-anchor-name').digest('hex').slice(0, 32)}`;
}

function macOf(key: AuditKey, mark: AnchorMark): string {
  const files = Object.keys(mark.files)
    .sort()
    .map((name) => `${name}=${mark.files[name]}`)
    .join('\n');
  return createHmac('sha256', key.key).update(`latchkey-audit-anchor\n${mark.seq}\n${mark.hash}\n${files}`).digest('hex');
}

function parse(text: string): { mark: AnchorMark; mac: string } | null {
  try {
    const raw = JSON.parse(text) as { v?: unknown; seq?: unknown; hash?: unknown; files?: unknown; mac?: unknown };
    if (raw.v !== 1 || !Number.isInteger(raw.seq) || typeof raw.hash !== 'string' || typeof raw.mac !== 'string') return null;
    const files: Record<string, number> = {};
    if (typeof raw.files === 'object' && raw.files !== null) {
      for (const [name, seq] of Object.entries(raw.files)) if (Number.isInteger(seq)) files[name] = seq as number;
    }
    return { mark: { seq: raw.seq as number, hash: raw.hash, files }, mac: raw.mac };
  } catch {
    return null;
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Keeps the anchor following the durable log. Off until `start` (after the startup check has
 * compared the stored anchor with the log), and whenever there is no audit key to seal it with.
 */
export class AuditAnchor {
  #key: AuditKey | null = null;
  #latest: { seq: number; hash: string } | null = null;
  #writtenSeq = -1;
  #since = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #writing: Promise<void> | null = null;
  #again = false;
  #anchored = false;
  #closed = false;
  #failure: string | null = null;

  constructor(
    readonly store: AuditAnchorStore,
    private readonly every: { events: number; ms: number },
    private readonly storeSeqs: (() => StoreSeqs) | undefined,
  ) {}

  /** An anchor exists for this log (read or written this run): heads are sealed as anchored. */
  get anchored(): boolean {
    return this.#anchored;
  }

  /** Why the last write failed, while it keeps failing; null once one succeeds. */
  get failure(): string | null {
    return this.#failure;
  }

  async read(key: AuditKey): Promise<AnchorReading> {
    let text: string | null;
    try {
      text = await this.store.read(anchorName(key));
    } catch (error) {
      return { status: 'unreadable', reason: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
    }
    if (text === null) return { status: 'missing' };
    const stored = parse(text);
    if (!stored || !same(stored.mac, macOf(key, stored.mark))) return { status: 'forged' };
    this.#anchored = true;
    return { status: 'found', mark: stored.mark };
  }

  /** The store files' seqs now, those that are known. */
  files(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, seq] of Object.entries(this.storeSeqs?.() ?? {})) if (seq !== null) out[name] = seq;
    return out;
  }

  /** Anchors from now on under `key`, starting with the newest durable event (written at once). */
  start(key: AuditKey, tail: { seq: number; hash: string } | null): Promise<void> {
    this.#key = key;
    if (tail && (!this.#latest || tail.seq > this.#latest.seq)) this.#latest = tail;
    this.#writtenSeq = -1;
    return this.#kick();
  }

  /** No key to seal with any more: nothing is written until `start` again. */
  stop(): void {
    this.#key = null;
    this.#clearTimer();
  }

  /** An event is durable (called in log order). */
  noteDurable(seq: number, hash: string): void {
    if (this.#latest && seq <= this.#latest.seq) return;
    this.#latest = { seq, hash };
    this.#since++;
    if (!this.#key || this.#closed) return;
    if (this.#since >= this.every.events) void this.#kick();
    else this.#arm();
  }

  /** At a clean close: the anchor names exactly the last durable event. */
  async settle(): Promise<void> {
    this.#closed = true;
    this.#clearTimer();
    while (this.#writing) await this.#writing;
    if (this.#key && this.#latest && this.#latest.seq !== this.#writtenSeq) await this.#write();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(): void {
    if (this.#timer || !this.#key || this.#closed) return;
    this.#timer = setTimeout(() => void this.#kick(), this.every.ms);
    this.#timer.unref?.();
  }

  #kick(): Promise<void> {
    this.#clearTimer();
    if (this.#writing) {
      this.#again = true;
      return this.#writing;
    }
    this.#writing = this.#write().finally(() => {
      this.#writing = null;
      const again = this.#again;
      this.#again = false;
      if (this.#closed || !this.#latest || this.#latest.seq === this.#writtenSeq) return;
      // More arrived while writing (or the write failed): at once past the count, else on the timer.
      if (again && this.#since >= this.every.events) void this.#kick();
      else this.#arm();
    });
    return this.#writing;
  }

  async #write(): Promise<void> {
    const key = this.#key;
    // An empty log is anchored too (seq -1): the anchor then exists before the first event, so
    // every head seal from this start on says so, and a missing anchor is news at the next start.
    const latest = this.#latest ?? { seq: -1, hash: '' };
    if (!key) return;
    const since = this.#since;
    // Read now, after the event is durable: each seq only grows, so the anchor stays behind the files.
    const mark: AnchorMark = { seq: latest.seq, hash: latest.hash, files: this.files() };
    try {
      await this.store.write(anchorName(key), JSON.stringify({ v: 1, ...mark, mac: macOf(key, mark) }));
      this.#writtenSeq = mark.seq;
      this.#since = Math.max(0, this.#since - since);
      this.#anchored = true;
      this.#failure = null;
    } catch (error) {
      // Behind is safe (never a false alarm), only less protective: said in the status, tried again later.
      this.#failure = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    }
  }
}
