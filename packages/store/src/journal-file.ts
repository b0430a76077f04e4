import { constants, promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { syncFolder, writeFileAtomic, type FileIo } from './atomic-file.js';
import { scanJournal, type JournalScan } from './journal-format.js';

/** `connections.json` → `connections.journal`, beside it. */
export const journalPathOf = (snapshotPath: string): string => snapshotPath.replace(/\.json$/, '') + '.journal';

/** Reads a journal; an absent file is an empty one. */
export async function readJournal(path: string): Promise<{ bytes: Buffer; scan: JournalScan }> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    bytes = Buffer.alloc(0);
  }
  return { bytes, scan: scanJournal(bytes) };
}

/**
 * The journal file's writes. Appends go at the durable length (positional, never O_APPEND), so a
 * failed append is cut back to it and a refused record never stays in the file to be replayed.
 * The file is opened per group commit: the open is ~10 µs beside the fsync, and a fault at open
 * (a folder made read-only) is seen by the next write, not hidden by a handle kept from before.
 */
export class JournalFile {
  #size: number;
  /** seq and end offset of each record in the file, in order (for truncation after a compaction). */
  #index: Array<{ seq: number; end: number }>;
  #exists: boolean;
  /** Set when a failed append could not be cut back: nothing more may be appended after it. */
  #broken: string | null = null;

  constructor(
    readonly path: string,
    private readonly io: FileIo,
    initial: { size: number; records: ReadonlyArray<{ seq: number; end: number }>; exists: boolean },
  ) {
    this.#size = initial.size;
    this.#index = initial.records.map(({ seq, end }) => ({ seq, end }));
    this.#exists = initial.exists;
  }

  get bytes(): number {
    return this.#size;
  }

  get records(): number {
    return this.#index.length;
  }

  get broken(): string | null {
    return this.#broken;
  }

  /** Appends one group of records and makes it durable (fdatasync), or throws with nothing added. */
  async append(text: string, seqs: readonly number[]): Promise<void> {
    if (this.#broken) await this.#repair();
    const bytes = Buffer.from(text, 'utf8');
    const handle = await this.io.open(this.path, constants.O_WRONLY | constants.O_CREAT, 0o600);
    try {
      try {
        let offset = 0;
        while (offset < bytes.length) {
          const { bytesWritten } = await this.io.write(handle, bytes, offset, bytes.length - offset, this.#size + offset);
          if (bytesWritten <= 0) throw Object.assign(new Error('ENOSPC: short write to the journal'), { code: 'ENOSPC' });
          offset += bytesWritten;
        }
        await this.io.sync(handle);
        // A new file's name must be durable too, or a power cut could lose the whole file.
        if (!this.#exists) await syncFolder(dirname(this.path));
      } catch (error) {
        await this.#cutBack(handle);
        throw error;
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
    this.#exists = true;
    // Offsets of each record in the group, for truncation later.
    let i = 0;
    for (let nl = bytes.indexOf(0x0a); nl >= 0; nl = bytes.indexOf(0x0a, nl + 1)) this.#index.push({ seq: seqs[i++]!, end: this.#size + nl + 1 });
    this.#size += bytes.length;
  }

  async #cutBack(handle: fsp.FileHandle): Promise<void> {
    try {
      await handle.truncate(this.#size);
      await handle.datasync();
    } catch (error) {
      this.#broken = `the journal ${this.path} could not be cut back after a failed write (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
    }
  }

  async #repair(): Promise<void> {
    const handle = await fsp.open(this.path, constants.O_WRONLY);
    try {
      await handle.truncate(this.#size);
      await handle.datasync();
      this.#broken = null;
    } finally {
      await handle.close();
    }
  }

  /**
   * Drops every record up to `seq` (now in the snapshot), keeping those after it. A crash at any
   * point leaves either the old file (its records up to `seq` are skipped at load: the snapshot
   * says it holds them) or the new one; nothing is lost and nothing applies twice.
   */
  async dropThrough(seq: number): Promise<void> {
    const keepFrom = this.#index.findIndex((r) => r.seq > seq);
    if (keepFrom === 0 || (this.#size === 0 && !this.#broken)) return;
    if (keepFrom < 0) {
      // Nothing to keep: cut to zero in place (no temp file, no rename).
      const handle = await fsp.open(this.path, constants.O_WRONLY);
      try {
        await handle.truncate(0);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      this.#index = [];
      this.#size = 0;
      this.#broken = null;
      return;
    }
    const from = this.#index[keepFrom - 1]!.end;
    const handle = await fsp.open(this.path, constants.O_RDONLY);
    const rest = Buffer.alloc(this.#size - from);
    try {
      await handle.read(rest, 0, rest.length, from);
    } finally {
      await handle.close();
    }
    // Temp file, fsync, rename, folder fsync: the same atomic replace as the snapshot's.
    await writeFileAtomic(this.path, rest.toString('utf8'), this.io);
    this.#index = this.#index.slice(keepFrom).map((r) => ({ seq: r.seq, end: r.end - from }));
    this.#size = rest.length;
    this.#broken = null;
  }

  /** Cuts a torn tail found at load, so the next append starts on a record boundary. */
  async cutTo(size: number): Promise<void> {
    const handle = await fsp.open(this.path, constants.O_WRONLY);
    try {
      await handle.truncate(size);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    this.#size = size;
  }
}
