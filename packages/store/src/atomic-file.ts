import { randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';

/**
 * The file operations a write goes through, replaceable to inject faults in tests (a full disk
 * at `write`, a read-only folder at `open`, a crash before `rename`).
 */
export interface FileIo {
  open(path: string, flags: number, mode: number): Promise<fsp.FileHandle>;
  write(handle: fsp.FileHandle, bytes: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  sync(handle: fsp.FileHandle): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}
export const realIo: FileIo = {
  open: (path, flags, mode) => fsp.open(path, flags, mode),
  write: (handle, bytes, offset, length, position) => handle.write(bytes, offset, length, position),
  sync: (handle) => handle.sync(),
  rename: (from, to) => fsp.rename(from, to),
};

/** Real operations, with whichever ones a test replaces. */
export const withIo = (io: Partial<FileIo> = {}): FileIo => ({ ...realIo, ...io });

const TEMP_SUFFIX = '.tmp';

/** Temp files live beside their target (same filesystem, so the rename is atomic) and are hidden. */
export function isTempFileOf(name: string, target: string): boolean {
  return name.startsWith(`.${target}.`) && name.endsWith(TEMP_SUFFIX);
}

/** fsync a folder so a rename or a new file in it survives a power cut. */
export async function syncFolder(folder: string): Promise<void> {
  // Windows cannot open a folder for fsync; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await fsp.open(folder, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const TRANSIENT = new Set(['EBUSY', 'EPERM', 'EACCES']);

/**
 * On Windows a virus scanner or indexer briefly holding the target makes the rename fail with
 * EBUSY/EPERM/EACCES; a few short retries ride that out (elsewhere they cost only ~0.1 s once).
 */
async function renameWithRetry(io: FileIo, from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await io.rename(from, to);
    } catch (error) {
      if (attempt >= 4 || !TRANSIENT.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt));
    }
  }
}

/**
 * Replaces `path` with `text` so that a reader or a crash sees either the old file or the new
 * one, never a mix: write a temp file in the same folder, fsync it, rename it over the target,
 * fsync the folder.
 */
export async function writeFileAtomic(path: string, text: string, io: Partial<FileIo> = realIo, beforeRename?: () => Promise<void>): Promise<void> {
  const ops = withIo(io);
  const folder = dirname(path);
  const temp = join(folder, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  // 0600: connections.json names hosts and users, secrets.json holds ciphertext: the owner's only.
  const handle = await ops.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    try {
      // One write call: FileHandle.writeFile would split 5 MB into ten 512 KiB round trips.
      const bytes = Buffer.from(text, 'utf8');
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesWritten } = await ops.write(handle, bytes, offset, bytes.length - offset, offset);
        // A write that makes no progress would loop for ever; on a full disk it is ENOSPC in all but name.
        if (bytesWritten <= 0) throw Object.assign(new Error(`ENOSPC: short write to ${basename(temp)}`), { code: 'ENOSPC' });
        offset += bytesWritten;
      }
      await ops.sync(handle);
    } finally {
      await handle.close();
    }
    await beforeRename?.();
    await renameWithRetry(ops, temp, path);
  } catch (error) {
    await fsp.rm(temp, { force: true });
    throw error;
  }
  await syncFolder(folder);
}

/** A lowdb adapter that reads JSON text as it is (validation is the loader's job) and writes atomically. */
export class AtomicJsonFile<T> implements Adapter<T> {
  constructor(
    readonly path: string,
    private readonly io: Partial<FileIo> = realIo,
    private readonly serialize: (data: T) => string = (data) => JSON.stringify(data),
    /** Runs once the new version is durable in its temp file, before it replaces the file (keeps a generation). */
    private readonly beforeRename?: () => Promise<void>,
  ) {}

  /** Raw text, or null when the file does not exist. */
  async readText(): Promise<string | null> {
    try {
      return await fsp.readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async read(): Promise<T | null> {
    const text = await this.readText();
    return text === null ? null : (JSON.parse(text) as T);
  }

  write(data: T): Promise<void> {
    return writeFileAtomic(this.path, this.serialize(data), this.io, this.beforeRename);
  }
}
