import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { LatchkeyError } from '@latchkey/contracts';

/** Agent configs are a few kilobytes; a megabyte is far beyond any real one. */
export const MAX_AGENT_CONFIG_BYTES = 1024 * 1024;

export interface ReadPolicy {
  /**
   * A path a page named: it must be absolute and normal (no `.` or `..`), end in `.json`, and be
   * a regular file that is not itself a symbolic link — a page must not walk Latchkey's reads and
   * writes out to where a link points. The CLI (the person at their terminal) reads as they say.
   */
  strict: boolean;
  maxBytes?: number;
}

/** Writes the replacement goes through; tests swap one to fail on purpose. */
export interface FileOps {
  rename(from: string, to: string): Promise<void>;
}
const NODE_OPS: FileOps = { rename };

function checkNamedPath(path: string): void {
  if (path.includes('\0')) throw new LatchkeyError('VALIDATION', 'That path holds a NUL character');
  if (!isAbsolute(path)) throw new LatchkeyError('VALIDATION', "Type the file's full path (starting with / or a drive letter)");
  if (resolve(path) !== path) throw new LatchkeyError('VALIDATION', 'Type the path without "." or ".." parts or a trailing slash');
  if (!/\.json$/i.test(path)) throw new LatchkeyError('VALIDATION', 'Only JSON files (.json) are agent configs');
}

function openError(error: unknown, path: string): LatchkeyError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new LatchkeyError('NOT_FOUND', `There is no file ${path}`);
  if (code === 'ELOOP') return new LatchkeyError('DENIED', `${path} is a symbolic link; name the file it points to`);
  if (code === 'EACCES' || code === 'EPERM') return new LatchkeyError('DENIED', `Latchkey may not read ${path}`);
  return new LatchkeyError('UNAVAILABLE', `${path} could not be read (${code ?? 'error'})`);
}

/** Reads an agent config: bounded in size, UTF-8, and (strict) only a regular file at a plain path. */
export async function readAgentConfigFile(path: string, policy: ReadPolicy): Promise<string> {
  const max = policy.maxBytes ?? MAX_AGENT_CONFIG_BYTES;
  if (policy.strict) {
    checkNamedPath(path);
    const st = await lstat(path).catch((error: unknown) => {
      throw openError(error, path);
    });
    if (st.isSymbolicLink()) throw new LatchkeyError('DENIED', `${path} is a symbolic link; name the file it points to`);
    if (!st.isFile()) throw new LatchkeyError('VALIDATION', `${path} is not a file`);
  }
  // O_NOFOLLOW: a link put in place after the look above is refused by the open itself.
  // O_NONBLOCK: a FIFO put in place after the look (or named by the person) opens at once instead
  // of waiting for a writer forever, and is refused by the handle's own stat below; it changes
  // nothing for a regular file.
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (policy.strict ? (constants.O_NOFOLLOW ?? 0) : 0);
  const handle = await open(path, flags).catch((error: unknown) => {
    throw openError(error, path);
  });
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new LatchkeyError('VALIDATION', `${path} is not a file`);
    if (st.size > max) throw new LatchkeyError('VALIDATION', `${path} is larger than ${Math.round(max / 1024)} KB; that is no agent config`);
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > max) throw new LatchkeyError('VALIDATION', `${path} is larger than ${Math.round(max / 1024)} KB; that is no agent config`);
    }
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buffer.subarray(0, length));
    } catch {
      throw new LatchkeyError('VALIDATION', `${path} is not UTF-8 text`);
    }
  } finally {
    await handle.close();
  }
}

/** A new file, owner-only, durable before it is used: refused if anything is at the path already. */
async function writeNewFile(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function writeError(error: unknown, path: string): LatchkeyError {
  if (error instanceof LatchkeyError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const unchanged = `${path} is unchanged`;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new LatchkeyError('STORAGE_FULL', `The disk is full; ${unchanged}`);
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return new LatchkeyError('STORAGE_READ_ONLY', `Latchkey may not write beside ${path}; it is unchanged`);
  return new LatchkeyError('STORAGE_FAILED', `The new file could not be written (${code ?? (error instanceof Error ? error.message : 'error')}); ${unchanged}`);
}

/**
 * Replaces an agent config after backing it up. The file must still read `original` (a change
 * made since it was read is not overwritten). The backup (owner-only: it still holds the
 * secrets) is written and synced first; the new text goes to a temporary file beside it, synced,
 * then renamed over the file, so the file reads either all of the old text or all of the new.
 * On any failure the temporary file and the backup are removed and the file is as it was.
 */
export async function replaceAgentConfigFile(path: string, original: string, next: string, options: ReadPolicy & { now: Date; ops?: FileOps }): Promise<{ backup: string }> {
  const ops = options.ops ?? NODE_OPS;
  const current = await readAgentConfigFile(path, options);
  if (current !== original) throw new LatchkeyError('CONFLICT', `${path} changed since it was read; nothing was changed. Look at it again.`);
  const stamp = options.now.toISOString().replace(/[:.]/g, '-');
  let backup = `${path}.latchkey-backup-${stamp}`;
  for (let n = 2; await lstat(backup).then(() => true, () => false); n++) backup = `${path}.latchkey-backup-${stamp}-${n}`;
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.latchkey-tmp`);
  let backedUp = false;
  try {
    await writeNewFile(backup, original);
    backedUp = true;
    await writeNewFile(temp, next);
    await ops.rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    if (backedUp) await rm(backup, { force: true }).catch(() => undefined);
    throw writeError(error, path);
  }
  // The rename is durable once the folder is synced (best effort: not every platform can).
  await open(dirname(path), 'r').then(async (dir) => {
    await dir.sync().catch(() => undefined);
    await dir.close();
  }, () => undefined);
  return { backup };
}
