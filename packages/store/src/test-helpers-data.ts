import type { ConnectionRecord } from '@latchkey/broker';
import type { AuditEvent, Grant } from '@latchkey/contracts';

/** Records for tests and the crash child: valid, small, and numbered. */
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

