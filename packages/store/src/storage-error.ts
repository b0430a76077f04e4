import { LatchkeyError, isLatchkeyError } from '@latchkey/contracts';
import { dirname } from 'node:path';

const FULL = new Set(['ENOSPC', 'EDQUOT']);
const READ_ONLY = new Set(['EROFS', 'EACCES', 'EPERM']);

/**
 * Turns a failed write into an error the person can act on. Every caller of a refused write gets
 * it, and nothing of the refused change stays in memory, so "try again" means what it says.
 */
export function storageError(error: unknown, path: string): LatchkeyError {
  if (isLatchkeyError(error)) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code ?? '';
  const folder = dirname(path);
  if (FULL.has(code)) {
    return new LatchkeyError('STORAGE_FULL', `The disk is full: free space on the drive holding ${folder} and try again. Nothing was changed.`);
  }
  if (READ_ONLY.has(code)) {
    return new LatchkeyError(
      'STORAGE_READ_ONLY',
      `Latchkey cannot write to its data folder ${folder} (${code === 'EROFS' ? 'the drive is read-only' : 'permission denied'}): make it writable and try again. Nothing was changed.`,
    );
  }
  return new LatchkeyError('STORAGE_FAILED', `Latchkey could not save to ${folder}${code ? ` (${code})` : ''}. Nothing was changed; try again.`);
}

/** The file cannot be written at all this session (closed, or made by a newer Latchkey). */
export const readOnlyError = (reason: string): LatchkeyError => new LatchkeyError('STORAGE_READ_ONLY', reason);
