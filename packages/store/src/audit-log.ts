import type { AuditLine, AuditSink } from '@latchkey/broker';
import type { AuditEvent } from '@latchkey/contracts';
import { closeSync, openSync, readdirSync, readFileSync, readSync, fstatSync, fsyncSync, writeSync, mkdirSync, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { syncFolder } from './atomic-file.js';
import { CoalescingWriter } from './coalescing-writer.js';

export interface AuditLogOptions {
  /** A file is closed and the next one started before it would grow past this (default 4 MiB). */
  maxFileBytes?: number;
  /** Files kept; the oldest is deleted beyond this (default 8, so about 32 MiB in all). */
  maxFiles?: number;
}

const FILE_NAME = /^(\d{6,})\.jsonl$/;
const fileName = (n: number) => `${String(n).padStart(6, '0')}.jsonl`;

const TAIL_WINDOW = 64 * 1024;

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

function lastEvent(text: string): { seq: number; hash: string } | null {
  const lines = text.split('\n');
  for (let j = lines.length - 1; j >= 0; j--) {
    const line = lines[j]!;
    if (line === '') continue;
    try {
      const event = JSON.parse(line) as { seq?: unknown; hash?: unknown };
      if (Number.isInteger(event.seq) && typeof event.hash === 'string') return { seq: event.seq as number, hash: event.hash };
    } catch {
      // A corrupt line: the broker's verify reports it; the chain continues from the last good one.
    }
  }
  return null;
}

interface PendingLine {
  file: number;
  text: string;
}

/**
 * The audit trail as JSON lines in numbered files (`000001.jsonl`, …). The broker builds the
 * hash chain; this sink keeps the lines in order and durable: appends made in one turn share
 * one write and one fdatasync, and each caller's promise settles after its line is on disk.
 */
export class FileAuditLog implements AuditSink {
  readonly #dir: string;
  readonly #label: string;
  readonly #maxFileBytes: number;
  readonly #maxFiles: number;
  /** File numbers on disk or about to be, oldest first. */
  #files: number[] = [];
  /** Bytes durably written, per file this sink has written to; older files are read whole. */
  readonly #committed = new Map<number, number>();
  /** Size the current file will have once everything appended so far is written. */
  #plannedSize = 0;
  #pending: PendingLine[] = [];
  #inFlight: PendingLine[] = [];
  #tail: { seq: number; hash: string } | null = null;
  #handle: { file: number; fd: FileHandle } | null = null;
  #closed = false;
  readonly #writer = new CoalescingWriter(() => this.#flush());

  private constructor(dir: string, options: AuditLogOptions) {
    this.#dir = dir;
    this.#label = basename(dir);
    this.#maxFileBytes = Math.max(1024, options.maxFileBytes ?? 4 * 1024 * 1024);
    this.#maxFiles = Math.max(1, options.maxFiles ?? 8);
  }

  static async open(dir: string, options: AuditLogOptions = {}): Promise<FileAuditLog> {
    const log = new FileAuditLog(dir, options);
    await log.#load();
    return log;
  }

  /** How many writes the sink has made; the tests count them. */
  get writes(): number {
    return this.#writer.writes;
  }

  tail(): { seq: number; hash: string } | null {
    return this.#tail;
  }

  append(event: AuditEvent): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('The audit log is closed; nothing more can be saved.'));
    const text = JSON.stringify(event);
    const bytes = Buffer.byteLength(text) + 1;
    if (this.#files.length === 0 || (this.#plannedSize > 0 && this.#plannedSize + bytes > this.#maxFileBytes)) {
      this.#files.push((this.#files.at(-1) ?? 0) + 1);
      this.#plannedSize = 0;
    }
    this.#pending.push({ file: this.#files.at(-1)!, text });
    this.#plannedSize += bytes;
    this.#tail = { seq: event.seq, hash: event.hash };
    return this.#writer.request();
  }

  *lines(): Iterable<AuditLine> {
    // Snapshot first: what is on disk up to the durable length, then what is still in memory,
    // so a write finishing while the caller iterates neither drops nor repeats a line.
    const files = [...this.#files];
    const committed = new Map(this.#committed);
    const inMemory = [...this.#inFlight, ...this.#pending];
    for (const file of files) {
      let buffer: Buffer;
      try {
        buffer = readFileSync(join(this.#dir, fileName(file)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      const text = buffer.toString('utf8', 0, committed.get(file) ?? buffer.length);
      for (const line of text.split('\n')) if (line !== '') yield { file: this.#display(file), text: line };
    }
    for (const line of inMemory) yield { file: this.#display(line.file), text: line.text };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#writer.drain();
    const handle = this.#handle;
    this.#handle = null;
    await handle?.fd.close();
  }

  #display(file: number): string {
    return `${this.#label}/${fileName(file)}`;
  }

  async #load(): Promise<void> {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
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
        this.#plannedSize = size;
      } finally {
        closeSync(fd);
      }
    }
    this.#tail = this.#readTail();
    await this.#prune();
  }

  /** The last line that parses as an event, from the newest file that has one. */
  #readTail(): { seq: number; hash: string } | null {
    for (let i = this.#files.length - 1; i >= 0; i--) {
      const path = join(this.#dir, fileName(this.#files[i]!));
      // The end of the file is enough unless its last lines are all damaged; startup then stays
      // fast with a full 4 MiB file.
      const tail = lastEvent(readEnd(path, TAIL_WINDOW)) ?? lastEvent(readFileSync(path, 'utf8'));
      if (tail) return tail;
    }
    return null;
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#inFlight = batch;
    try {
      let start = 0;
      while (start < batch.length) {
        const file = batch[start]!.file;
        let end = start;
        while (end < batch.length && batch[end]!.file === file) end++;
        const chunk = Buffer.from(batch.slice(start, end).map((line) => `${line.text}\n`).join(''), 'utf8');
        const fd = await this.#handleFor(file);
        await fd.write(chunk, 0, chunk.length, null);
        await fd.datasync();
        this.#committed.set(file, (this.#committed.get(file) ?? 0) + chunk.length);
        start = end;
      }
    } catch (error) {
      // The file may now end in half a line; reopen it (and end that line) before the next write.
      await this.#dropHandle();
      throw error;
    } finally {
      this.#inFlight = [];
    }
    await this.#prune();
  }

  async #handleFor(file: number): Promise<FileHandle> {
    if (this.#handle?.file === file) return this.#handle.fd;
    await this.#dropHandle();
    const path = join(this.#dir, fileName(file));
    const fd = await fsp.open(path, 'a+', 0o600);
    const { size } = await fd.stat();
    if (size > 0 && this.#committed.get(file) !== size) {
      const last = Buffer.alloc(1);
      await fd.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) await fd.write('\n');
      this.#committed.set(file, (await fd.stat()).size);
    } else if (size === 0) {
      this.#committed.set(file, 0);
      await syncFolder(this.#dir);
    }
    this.#handle = { file, fd };
    return fd;
  }

  async #dropHandle(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    if (handle) {
      this.#committed.delete(handle.file);
      await handle.fd.close().catch(() => undefined);
    }
  }

  async #prune(): Promise<void> {
    let removed = false;
    while (this.#files.length > this.#maxFiles) {
      const oldest = this.#files.shift()!;
      this.#committed.delete(oldest);
      await fsp.rm(join(this.#dir, fileName(oldest)), { force: true });
      removed = true;
    }
    if (removed) await syncFolder(this.#dir);
  }
}
