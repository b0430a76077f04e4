import { randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The previous durable version of a store file sits beside it under this suffix. */
export const GENERATION_SUFFIX = '.prev';

export const generationPathOf = (path: string): string => `${path}${GENERATION_SUFFIX}`;

/**
 * Keeps the file as it is now as `<name>.prev`, just before a new version is renamed over it.
 * A hard link, so it copies nothing: measured at ~0.05 ms per write where copying 5 MB would cost
 * milliseconds. The link goes to a temp name first and is renamed over the old `.prev`, so a crash
 * leaves either the old `.prev` or the new one. The folder fsync that follows the main rename
 * makes both durable.
 */
export async function keepGeneration(path: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}${GENERATION_SUFFIX}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fsp.link(path, temp);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // the first write: no earlier version
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw error;
    // Filesystems without hard links (FAT, some network shares): a copy.
    await fsp.copyFile(path, temp, constants.COPYFILE_EXCL);
  }
  try {
    await fsp.rename(temp, generationPathOf(path));
  } catch (error) {
    await fsp.rm(temp, { force: true });
    throw error;
  }
}

/** The kept generation's text and when it was written, or null when there is none. */
export async function readGeneration(path: string): Promise<{ text: string; savedAt: Date } | null> {
  const prev = generationPathOf(path);
  try {
    const [text, stats] = await Promise.all([fsp.readFile(prev, 'utf8'), fsp.stat(prev)]);
    return { text, savedAt: stats.mtime };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
