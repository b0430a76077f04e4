import { constants, promises as fsp } from 'node:fs';
import { basename, dirname } from 'node:path';
import { syncFolder } from './atomic-file.js';

/** 2026-11-23T01:02:03.456Z → 2026-11-23T01-02-03Z: sortable, and legal in Windows file names. */
export function fileStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
}

/**
 * Keeps a copy of `path` under `<name>.<label>-<stamp>` without ever overwriting an existing
 * file: a second copy in the same second gets `-2`, `-3`, … The original stays in place.
 * Returns the path of the copy.
 */
export async function preserveCopy(path: string, label: string, now: number, options: { bytes?: boolean } = {}): Promise<string> {
  const base = `${path}.${label}-${fileStamp(now)}`;
  for (let n = 1; ; n++) {
    const target = n === 1 ? base : `${base}-${n}`;
    try {
      // A hard link is an atomic "create only if absent" copy, and costs nothing for big files.
      // Not for a file that is later cut in place (a journal): the link would be cut with it.
      if (options.bytes) throw Object.assign(new Error('a copy of the bytes is wanted'), { code: 'ENOTSUP' });
      await fsp.link(path, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw error;
      // Filesystems without hard links (FAT, some network shares): an exclusive copy instead.
      try {
        await fsp.copyFile(path, target, constants.COPYFILE_EXCL);
      } catch (copyError) {
        if ((copyError as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw copyError;
      }
    }
    await syncFolder(dirname(path));
    return target;
  }
}

/** Moves `path` aside to `<name>.corrupt-<stamp>` (never over another file) and returns where. */
export async function moveAside(path: string, now: number): Promise<string> {
  const target = await preserveCopy(path, 'corrupt', now);
  await fsp.rm(path);
  await syncFolder(dirname(path));
  return target;
}

export function nameOf(path: string): string {
  return basename(path);
}
