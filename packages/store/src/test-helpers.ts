import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { realIo, type FileIo } from './atomic-file.js';
import { scanJournal } from './journal-format.js';

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

/** Real file operations, counting opens and fsyncs per file name (a journal group is one of each). */
export function journalIo(hooks: { beforeSync?: (name: string) => Promise<void> } = {}): FileIo & { opens: Map<string, number>; syncs: Map<string, number> } {
  const names = new WeakMap<object, string>();
  const bump = (map: Map<string, number>, name: string) => map.set(name, (map.get(name) ?? 0) + 1);
  const io = {
    opens: new Map<string, number>(),
    syncs: new Map<string, number>(),
    open: async (path: string, flags: number, mode: number) => {
      const name = path.split(/[\\/]/).at(-1)!;
      bump(io.opens, name);
      const handle = await realIo.open(path, flags, mode);
      names.set(handle, name);
      return handle;
    },
    write: realIo.write,
    sync: async (handle: Parameters<FileIo['sync']>[0]) => {
      const name = names.get(handle) ?? '?';
      await hooks.beforeSync?.(name);
      bump(io.syncs, name);
      return realIo.sync(handle);
    },
    rename: realIo.rename,
  };
  return io;
}

/**
 * What a store file holds on disk right now, as the next open would read it: the snapshot with
 * the journal's records after its `journalSeq` applied. Only for checks in tests.
 */
export function durableConnections(dir: string): { connections: Array<{ id: string; name: string; deletedAt: string | null; isDefault: boolean }>; grants: Array<{ id: string }> } {
  const snapshot = readJson(join(dir, 'connections.json')) ?? { journalSeq: 0, connections: [], grants: [] };
  const connections = new Map<string, { id: string; name: string; deletedAt: string | null; isDefault: boolean }>((snapshot.connections as Array<{ id: string; name: string; deletedAt: string | null; isDefault: boolean }>).map((c) => [c.id, c]));
  const grants = new Map<string, { id: string }>((snapshot.grants as Array<{ id: string }>).map((g) => [g.id, g]));
  for (const record of journalRecords(join(dir, 'connections.journal'), Number(snapshot.journalSeq ?? 0))) {
    const body = record as { c?: Array<{ p?: { id: string; name: string; deletedAt: string | null; isDefault: boolean }; d?: string }>; g?: Array<{ p?: { id: string }; d?: string }> };
    for (const op of body.c ?? []) {
      if (op.p) connections.set(op.p.id, op.p);
      else connections.delete(op.d!);
    }
    for (const op of body.g ?? []) {
      if (op.p) grants.set(op.p.id, op.p);
      else grants.delete(op.d!);
    }
  }
  return { connections: [...connections.values()], grants: [...grants.values()] };
}

/** secrets.json with secrets.journal applied, as the next open would read it. */
export function durableSecrets(dir: string): { keyCheck?: string; blobs: Record<string, string> } {
  const snapshot = readJson(join(dir, 'secrets.json')) ?? { journalSeq: 0, blobs: {} };
  const blobs = { ...(snapshot.blobs as Record<string, string>) };
  let keyCheck = snapshot.keyCheck as string | undefined;
  for (const record of journalRecords(join(dir, 'secrets.journal'), Number(snapshot.journalSeq ?? 0))) {
    const body = record as { p?: [string, string]; d?: string; k?: string };
    if (body.p) blobs[body.p[0]] = body.p[1];
    else if (body.d) delete blobs[body.d];
    else if (body.k) keyCheck = body.k;
  }
  return keyCheck === undefined ? { blobs } : { keyCheck, blobs };
}

function readJson(path: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function journalRecords(path: string, after: number): unknown[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return [];
  }
  return scanJournal(bytes).records.filter((r) => r.seq > after).map((r) => r.body);
}
