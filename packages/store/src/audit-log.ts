import type { AuditHead, AuditLine, AuditRetention, AuditSink } from '@latchkey/broker';
import type { AuditEvent } from '@latchkey/contracts';
import { closeSync, openSync, readdirSync, readFileSync, readSync, fstatSync, statSync, fsyncSync, writeSync, mkdirSync, promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { realAuditIo, writeFully, type AuditFileHandle, type AuditFileIo } from './audit-file-io.js';
import { syncFolder } from './atomic-file.js';
import { AuditHeadFile, readAuditHead } from './audit-head-file.js';

export interface AuditLogOptions {
  /** A file is closed and the next one started before it would grow past this (default 8 MiB). */
  maxFileBytes?: number;
  /**
   * Files kept; the oldest is dropped beyond this (default 8). With the defaults at least 7 full
   * files (56 MiB) stay: about 130,000 events at the ~450 bytes a use event takes.
   */
  maxFiles?: number;
  /**
   * Where the head (seq, hash, seal of the newest durable event) is kept, outside the log folder
   * (default `<dir>.head.json`). `null` keeps no head: only for the bench, to measure its cost.
   */
  headPath?: string | null;
  /** The file calls, for fault injection in tests. */
  io?: AuditFileIo;
}

const FILE_NAME = /^(\d{6,})\.jsonl$/;
const fileName = (n: number) => `${String(n).padStart(6, '0')}.jsonl`;

/** A line's position is file number × FILE_SPAN + byte offset: one number that orders every line. */
export const FILE_SPAN = 2 ** 32;

const TAIL_WINDOW = 64 * 1024;
const READ_CHUNK = 256 * 1024;

/** The last `bytes` of a file, starting at a line boundary (the whole file if it is smaller). */
function readEnd(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(size - start);
    readSync(fd, buffer, 0, buffer.length, start);
    const text = buffer.toString('utf8');
    return start === 0 ? text : text.slice(text.indexOf('\n') + 1);
  } finally {
    closeSync(fd);
  }
}

function parseEvent(line: string): { seq: number; hash: string } | null {
  try {
    const event = JSON.parse(line) as { seq?: unknown; hash?: unknown };
    if (Number.isInteger(event.seq) && typeof event.hash === 'string') return { seq: event.seq as number, hash: event.hash };
  } catch {
    // A corrupt line: the broker's verify reports it.
  }
  return null;
}

function lastEvent(text: string): { seq: number; hash: string } | null {
  const lines = text.split('\n');
  for (let j = lines.length - 1; j >= 0; j--) {
    const found = lines[j] ? parseEvent(lines[j]!) : null;
    if (found) return found;
  }
  return null;
}

interface PendingLine {
  event: AuditEvent;
  text: string;
  bytes: number;
  seal: string | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The audit trail as JSON lines in numbered files (`000001.jsonl`, …). The broker builds the
 * keyed hash chain; this sink keeps the lines in order and durable: appends made in one turn
 * share one write and one fdatasync, and each caller's promise settles after its line is on
 * disk. The tail (and the head file outside the log) move only past lines that are durable; a
 * failed write is cut back and the next append continues from the last durable line.
 */
export class FileAuditLog implements AuditSink {
  readonly #dir: string;
  readonly #label: string;
  readonly #head: AuditHeadFile | null;
  /** The last durable line with its seal, for the head's `seq/hash/seal`. */
  #tailSeal: string | undefined = undefined;
  readonly #io: AuditFileIo;
  readonly #maxFileBytes: number;
  readonly #maxFiles: number;
  /** File numbers on disk, oldest first. */
  #files: number[] = [];
  /** Bytes durably written, per file this sink has written to; older files are read whole. */
  readonly #committed = new Map<number, number>();
  #pending: PendingLine[] = [];
  #inFlight: PendingLine[] = [];
  #tail: { seq: number; hash: string } | null = null;
  #storedHead: AuditHead | null = null;
  #handle: { file: number; fd: AuditFileHandle } | null = null;
  #closed = false;
  #scheduled = false;
  #running: Promise<void> | null = null;
  #writes = 0;
  #retentionListener: ((drop: AuditRetention) => void) | null = null;
  /** Files whose drop was announced; deleted once a checkpoint naming them is durable. */
  readonly #announced = new Set<number>();

  private constructor(dir: string, options: AuditLogOptions) {
    this.#dir = dir;
    this.#label = basename(dir);
    this.#head = options.headPath === null ? null : new AuditHeadFile(options.headPath ?? join(dirname(dir), `${basename(dir)}.head.json`));
    this.#io = options.io ?? realAuditIo;
    this.#maxFileBytes = Math.max(1024, options.maxFileBytes ?? 8 * 1024 * 1024);
    this.#maxFiles = Math.max(1, options.maxFiles ?? 8);
  }

  static async open(dir: string, options: AuditLogOptions = {}): Promise<FileAuditLog> {
    const log = new FileAuditLog(dir, options);
    await log.#load();
    return log;
  }

  /** How many writes the sink has made; the tests count them. */
  get writes(): number {
    return this.#writes;
  }

  tail(): { seq: number; hash: string } | null {
    return this.#tail;
  }

  storedHead(): AuditHead | null {
    return this.#storedHead;
  }

  onRetention(listener: (drop: AuditRetention) => void): void {
    this.#retentionListener = listener;
    void this.#retire();
  }

  append(event: AuditEvent, seal?: string): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('The audit log is closed; nothing more can be saved.'));
    const text = JSON.stringify(event);
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ event, text, bytes: Buffer.byteLength(text) + 1, seal, resolve, reject });
      this.#schedule();
    });
  }

  *lines(from?: number): Iterable<AuditLine> {
    // Snapshot first: what is on disk up to the durable length, then (without `from`) what is
    // still in memory, so a write finishing while the caller iterates neither drops nor repeats a line.
    const files = [...this.#files];
    const committed = new Map(this.#committed);
    const inMemory = from === undefined ? [...this.#inFlight, ...this.#pending] : [];
    const startFile = from === undefined ? -1 : Math.floor(from / FILE_SPAN);
    for (const file of files) {
      if (file < startFile) continue;
      yield* this.#readLines(file, file === startFile ? from! % FILE_SPAN : 0, committed.get(file));
    }
    const current = this.#display(files.at(-1) ?? 1);
    for (const line of inMemory) yield { file: current, text: line.text };
  }

  async close(): Promise<void> {
    this.#closed = true;
    while (this.#running || this.#scheduled) await (this.#running ?? new Promise<void>((resolve) => setImmediate(resolve)));
    if (this.#writes > 0) await this.#settleHead();
    await this.#head?.close();
    const handle = this.#handle;
    this.#handle = null;
    await handle?.fd.close();
  }

  /** Lines of one file from `offset`, read a chunk at a time (a 8 MiB file is never one read). */
  *#readLines(file: number, offset: number, limit: number | undefined): Iterable<AuditLine> {
    let fd: number;
    try {
      fd = openSync(join(this.#dir, fileName(file)), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      const end = limit ?? fstatSync(fd).size;
      const display = this.#display(file);
      let position = offset;
      let carry = Buffer.alloc(0);
      let carryStart = position;
      while (position < end) {
        const buffer = Buffer.alloc(Math.min(READ_CHUNK, end - position));
        const read = readSync(fd, buffer, 0, buffer.length, position);
        if (read <= 0) break;
        const data = carry.length ? Buffer.concat([carry, buffer.subarray(0, read)]) : buffer.subarray(0, read);
        position += read;
        let start = 0;
        for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
          if (nl > start) yield { file: display, text: data.toString('utf8', start, nl), position: file * FILE_SPAN + carryStart + start };
          start = nl + 1;
        }
        carry = Buffer.from(data.subarray(start));
        carryStart += start;
      }
      if (carry.length) yield { file: display, text: carry.toString('utf8'), position: file * FILE_SPAN + carryStart };
    } finally {
      closeSync(fd);
    }
  }

  #display(file: number): string {
    return `${this.#label}/${fileName(file)}`;
  }

  async #load(): Promise<void> {
    try {
      mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      // A file where the folder should be: say so in words, not a raw EEXIST/ENOTDIR.
      if (['EEXIST', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) {
        throw new Error(`The audit log folder ${this.#dir} is not a folder (a file is in its place). Move that file aside and start Latchkey again.`, { cause: error });
      }
      throw error;
    }
    this.#files = readdirSync(this.#dir)
      .map((name) => FILE_NAME.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    const newest = this.#files.at(-1);
    if (newest !== undefined) {
      // A crash mid-append can leave half a line. End it here, so the next event starts on a
      // line of its own and the torn one stays visible (raw) to verification.
      const path = join(this.#dir, fileName(newest));
      const fd = openSync(path, 'r+');
      try {
        let size = fstatSync(fd).size;
        const last = Buffer.alloc(1);
        if (size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a) {
          writeSync(fd, '\n', size);
          fsyncSync(fd);
          size += 1;
        }
        this.#committed.set(newest, size);
      } finally {
        closeSync(fd);
      }
    }
    this.#tail = this.#readTail();
    this.#storedHead = this.#head ? readAuditHead(this.#head.path) : null;
    // Carry the seal of the event the log ends at, when the stored head names it.
    const h = this.#storedHead;
    const t = this.#tail;
    if (h && t) this.#tailSeal = h.seq === t.seq && h.hash === t.hash ? h.seal : h.pending?.seq === t.seq && h.pending.hash === t.hash ? h.pending.seal : undefined;
    // No retirement here: the broker registers its retention listener next (onRetention), and a
    // file dropped before that would be dropped without a checkpoint, like a deletion.
  }

  /** The last line that parses as an event, from the newest file that has one. */
  #readTail(): { seq: number; hash: string } | null {
    for (let i = this.#files.length - 1; i >= 0; i--) {
      const path = join(this.#dir, fileName(this.#files[i]!));
      // The end of the file is enough unless its last lines are all damaged; startup then stays
      // fast with a full file.
      const tail = lastEvent(readEnd(path, TAIL_WINDOW)) ?? lastEvent(readFileSync(path, 'utf8'));
      if (tail) return tail;
    }
    return null;
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    // setImmediate rather than a microtask: it also gathers appends made by promise chains that
    // settle within the current turn, so concurrent operations share one fsync.
    setImmediate(() => {
      this.#scheduled = false;
      this.#running = this.#flush().finally(() => {
        this.#running = null;
        if (this.#pending.length) this.#schedule();
      });
    });
  }

  /** Lines that continue the durable tail, in order; the rest are refused without being written. */
  #continuing(batch: PendingLine[]): PendingLine[] {
    const accepted: PendingLine[] = [];
    let expected = this.#tail;
    for (const line of batch) {
      const { seq, prevHash } = line.event;
      if (expected && (seq !== expected.seq + 1 || prevHash !== expected.hash)) {
        line.reject(new Error(`Audit event ${seq} does not continue the log (its last durable event is ${expected.seq}); it was not written.`));
        continue;
      }
      accepted.push(line);
      expected = line.event;
    }
    return accepted;
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#inFlight = batch;
    this.#writes++;
    const accepted = this.#continuing(batch);
    const durable: PendingLine[] = [];
    let failure: unknown = null;
    // The head is written beside the batch, naming where it will end (see audit-head-file.ts).
    const headWrite = accepted.length && this.#head ? this.#writeHead(this.#head, accepted.at(-1)!) : Promise.resolve();
    try {
      let i = 0;
      while (i < accepted.length) {
        let file = this.#files.at(-1);
        let size = file === undefined ? 0 : (this.#committed.get(file) ?? this.#sizeOnDisk(file));
        if (file === undefined || (size > 0 && size + accepted[i]!.bytes > this.#maxFileBytes)) {
          file = (file ?? 0) + 1;
          size = 0;
        }
        const group: PendingLine[] = [];
        let bytes = 0;
        while (i < accepted.length && (group.length === 0 || size + bytes + accepted[i]!.bytes <= this.#maxFileBytes)) {
          bytes += accepted[i]!.bytes;
          group.push(accepted[i++]!);
        }
        const chunk = Buffer.from(group.map((line) => `${line.text}\n`).join(''), 'utf8');
        try {
          const fd = await this.#handleFor(file);
          size = this.#committed.get(file)!;
          await writeFully(fd, chunk, size);
          await fd.datasync();
        } catch (error) {
          failure = error;
          await this.#cutBack(file, size);
          break;
        }
        this.#committed.set(file, size + chunk.length);
        for (const line of group) this.#tail = { seq: line.event.seq, hash: line.event.hash };
        this.#tailSeal = group.at(-1)!.seal;
        durable.push(...group);
      }
    } finally {
      this.#inFlight = [];
      await headWrite;
    }
    for (const line of accepted.slice(durable.length)) line.reject(failure);
    if (failure) this.#announced.clear(); // a checkpoint may have been among the lost lines: ask again
    if (durable.length > 0) await this.#dropAnnounced(durable);
    await this.#retire();
    for (const line of durable) line.resolve();
  }

  #sizeOnDisk(file: number): number {
    try {
      return statSync(join(this.#dir, fileName(file))).size;
    } catch {
      return 0;
    }
  }

  /** `seq/hash` = what is durable now, `pending` = where this batch ends. A failure leaves the head behind (reported at startup). */
  async #writeHead(headFile: AuditHeadFile, last: PendingLine): Promise<void> {
    const t = this.#tail;
    const pending = { seq: last.event.seq, hash: last.event.hash, ...(last.seal ? { seal: last.seal } : {}) };
    try {
      await headFile.write(t ? { seq: t.seq, hash: t.hash, ...(this.#tailSeal ? { seal: this.#tailSeal } : {}), pending } : { seq: -1, hash: '', pending });
    } catch (error) {
      console.error('audit: the head outside the log could not be written', error);
    }
  }

  /** At a clean close the head names exactly the last durable event: no batch is in doubt. */
  async #settleHead(): Promise<void> {
    const t = this.#tail;
    if (!t || !this.#head) return;
    try {
      await this.#head.write({ seq: t.seq, hash: t.hash, ...(this.#tailSeal ? { seal: this.#tailSeal } : {}) });
    } catch (error) {
      console.error('audit: the head outside the log could not be written', error);
    }
  }

  /** A failed write may have left part of a line: cut the file back to its durable length. */
  async #cutBack(file: number, size: number): Promise<void> {
    const handle = this.#handle;
    if (handle?.file !== file) return;
    try {
      await handle.fd.truncate(size);
      await handle.fd.datasync();
    } catch {
      // Could not cut: forget the handle, so the next open ends the torn line instead.
      this.#handle = null;
      this.#committed.delete(file);
      await handle.fd.close().catch(() => undefined);
    }
  }

  async #handleFor(file: number): Promise<AuditFileHandle> {
    if (this.#handle?.file === file) return this.#handle.fd;
    const old = this.#handle;
    this.#handle = null;
    await old?.fd.close().catch(() => undefined);
    const fd = await this.#io.open(join(this.#dir, fileName(file)));
    try {
      let size = await fd.size();
      if (size > 0 && this.#committed.get(file) !== size) {
        const last = Buffer.alloc(1);
        await fd.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) {
          await writeFully(fd, Buffer.from('\n'), size);
          size += 1;
        }
      }
      if (!this.#files.includes(file)) {
        this.#files.push(file);
        await syncFolder(this.#dir);
      }
      this.#committed.set(file, size);
    } catch (error) {
      await fd.close().catch(() => undefined);
      throw error;
    }
    this.#handle = { file, fd };
    return fd;
  }

  /** Deletes the files whose retention checkpoint has just become durable. */
  async #dropAnnounced(durable: PendingLine[]): Promise<void> {
    let removed = false;
    for (const line of durable) {
      const name = line.event.retention?.file;
      const file = this.#files.find((f) => this.#announced.has(f) && this.#display(f) === name);
      if (file === undefined) continue;
      await this.#delete(file);
      removed = true;
    }
    if (removed) await syncFolder(this.#dir);
  }

  async #delete(file: number): Promise<void> {
    this.#files = this.#files.filter((f) => f !== file);
    this.#announced.delete(file);
    this.#committed.delete(file);
    if (this.#handle?.file === file) {
      await this.#handle.fd.close().catch(() => undefined);
      this.#handle = null;
    }
    await fsp.rm(join(this.#dir, fileName(file)), { force: true });
  }

  /**
   * Past `maxFiles`, the oldest file goes. With a retention listener (the broker) it is first
   * announced, and deleted only once the checkpoint naming it is durable (see #dropAnnounced);
   * a crash in between leaves the file, and it is announced again.
   */
  async #retire(): Promise<void> {
    let removed = false;
    while (this.#files.length > this.#maxFiles) {
      const oldest = this.#files[0]!;
      if (this.#announced.has(oldest)) break;
      const drop = this.#retentionListener ? this.#describe(oldest) : null;
      if (!drop) {
        await this.#delete(oldest);
        removed = true;
        continue;
      }
      this.#announced.add(oldest);
      this.#retentionListener!(drop);
      break;
    }
    if (removed) await syncFolder(this.#dir);
  }

  /** The seq range and last hash of a file, for its retention checkpoint; null when it holds no event. */
  #describe(file: number): AuditRetention | null {
    const path = join(this.#dir, fileName(file));
    let first: { seq: number } | null = null;
    for (const line of this.#readLines(file, 0, undefined)) {
      first = parseEvent(line.text);
      if (first) break;
    }
    let last: { seq: number; hash: string } | null;
    try {
      last = lastEvent(readEnd(path, TAIL_WINDOW)) ?? lastEvent(readFileSync(path, 'utf8'));
    } catch {
      return null;
    }
    return first && last ? { file: this.#display(file), fromSeq: first.seq, toSeq: last.seq, lastHash: last.hash } : null;
  }
}
