import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { FileIo } from './atomic-file.js';

export { auditEvent, connection, grant, T0 } from './test-helpers-data.js';

const folders: string[] = [];

/** A fresh real folder under the OS temp dir, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-store-'));
  folders.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Real renames, counted per target file name, and made to fail on demand. */
export function countingIo(): Pick<FileIo, 'rename'> & { renames: Map<string, number>; failing: boolean } {
  const io = {
    renames: new Map<string, number>(),
    failing: false,
    async rename(from: string, to: string) {
      const name = to.split(/[\\/]/).at(-1)!;
      io.renames.set(name, (io.renames.get(name) ?? 0) + 1);
      if (io.failing) throw Object.assign(new Error(`EIO: simulated crash before rename, ${name}`), { code: 'EIO' });
      const { rename } = await import('node:fs/promises');
      await rename(from, to);
    },
  };
  return io;
}
