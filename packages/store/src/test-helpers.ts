import type { ConnectionRecord } from '@latchkey/broker';
import type { AuditEvent, Grant } from '@latchkey/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { FileIo } from './atomic-file.js';

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

export const T0 = Date.parse('2026-11-23T01:02:03.456Z');

export function connection(n: number, overrides: Partial<ConnectionRecord> = {}): ConnectionRecord {
  return {
    id: `conn-${n}`,
    providerId: 'http.bearer',
    name: `API ${n}`,
    scope: 'user',
    config: { baseUrl: `https://api${n}.example.test`, timeoutMs: 5000, tags: ['a', 'b'] },
    secretFields: { token: 'set' },
    status: 'untested',
    lastTest: null,
    isDefault: false,
    createdAt: '2026-11-23T00:00:00.000Z',
    updatedAt: '2026-11-23T00:00:00.000Z',
    deletedAt: null,
    secretIds: { token: `sec-${n}` },
    ...overrides,
  };
}

export function grant(n: number): Grant {
  return {
    id: `grant-${n}`,
    requester: { kind: 'extension', id: 'acme.tools', displayName: 'Acme Tools' },
    connectionId: `conn-${n}`,
    scopes: ['http.fetch'],
    kind: 'always',
    createdAt: '2026-11-23T00:00:00.000Z',
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
  };
}

export function auditEvent(seq: number, detail = ''): AuditEvent {
  return {
    type: 'connection.create',
    outcome: 'ok',
    connectionId: `conn-${seq}`,
    ...(detail ? { detail } : {}),
    seq,
    at: '2026-11-23T00:00:00.000Z',
    prevHash: seq === 0 ? '0'.repeat(64) : `h${seq - 1}`,
    hash: `h${seq}`,
  };
}

/** Real renames, counted per target file name, and made to fail on demand. */
export function countingIo(): FileIo & { renames: Map<string, number>; failing: boolean } {
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
