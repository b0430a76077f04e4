import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Validating 10,000 records with zod costs more than the whole cold-load budget (200 ms) on a
 * cold JIT. Every record the store writes was validated by `put`, so a file this code wrote and
 * nobody touched since need not be validated again. The proof is a stamp beside the file: the
 * file's identity (device, inode, size, mtime and ctime in ns; any write or replacement changes
 * ctime, and no API can set it back) and a fingerprint of the schemas it was validated against.
 * A file with no stamp, an old stamp, or a stamp from other schemas is validated in full. The
 * stamp is only a hint: losing it, or a torn one, costs one full validation, never data.
 */
export function stampPathOf(path: string): string {
  return join(dirname(path), `.${basename(path)}.verified`);
}

function identity(path: string): string | null {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return null;
  }
}

export function fingerprintOf(...schemas: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(schemas)).digest('hex');
}

export function isVerified(path: string, fingerprint: string): boolean {
  const id = identity(path);
  if (id === null) return false;
  try {
    const stamp = JSON.parse(readFileSync(stampPathOf(path), 'utf8')) as { file?: unknown; fingerprint?: unknown };
    return stamp.file === id && stamp.fingerprint === fingerprint;
  } catch {
    return false;
  }
}

/** Records that `path`, as it is now, holds only valid records. Not synced: see above. */
export function stampVerified(path: string, fingerprint: string): void {
  const id = identity(path);
  if (id === null) return;
  try {
    writeFileSync(stampPathOf(path), JSON.stringify({ file: id, fingerprint }), { mode: 0o600 });
  } catch {
    // Only an optimisation: the next start validates in full.
  }
}
