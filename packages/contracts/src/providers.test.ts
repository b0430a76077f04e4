import { describe, expect, it } from 'vitest';
import { ExtensionConnection } from './extensions.js';
import { FieldSpec, targetFields } from './providers.js';

const parse = (fields: unknown[]) => fields.map((f) => FieldSpec.parse(f));

describe('targetFields', () => {
  it('are the fields whose role decides where a secret goes, plus those the base URL reads', () => {
    const fields = parse([
      { name: 'host', label: 'Host', type: 'string', role: 'host' },
      { name: 'port', label: 'Port', type: 'number', role: 'port' },
      { name: 'database', label: 'Database', type: 'string', role: 'database' },
      { name: 'user', label: 'User', type: 'string', role: 'username' },
      { name: 'ssl', label: 'SSL', type: 'boolean', role: 'tls' },
      { name: 'caFile', label: 'CA', type: 'file', role: 'file' },
      { name: 'region', label: 'Region', type: 'string' },
      { name: 'password', label: 'Password', type: 'string', secret: true, role: 'target' },
      { name: 'timeoutMs', label: 'Timeout', type: 'number', role: 'timeout' },
    ]);
    expect(targetFields({ fields }).map((f) => f.name)).toEqual(['host', 'port', 'caFile']);
    expect(targetFields({ fields, baseUrl: 'https://{{ config.region }}.example.com' }).map((f) => f.name)).toEqual(['host', 'port', 'caFile', 'region']);
  });

  it('without any role, every non-secret field counts: nothing says which one is harmless', () => {
    const fields = parse([
      { name: 'endpoint', label: 'Endpoint', type: 'string' },
      { name: 'timeoutMs', label: 'Timeout', type: 'number' },
      { name: 'key', label: 'Key', type: 'string', secret: true },
    ]);
    expect(targetFields({ fields }).map((f) => f.name)).toEqual(['endpoint', 'timeoutMs']);
  });

  it('refuses an unknown role', () => {
    expect(FieldSpec.safeParse({ name: 'x', label: 'X', type: 'string', role: 'origin' }).success).toBe(false);
  });
});

describe('ExtensionConnection', () => {
  it('is strict: a stray field (a last test message, a secret id) fails instead of leaking', () => {
    const base = { id: 'c1', name: 'A', providerId: 'http', isDefault: true, status: 'ok' };
    expect(ExtensionConnection.safeParse(base).success).toBe(true);
    expect(ExtensionConnection.safeParse({ ...base, lastTest: null }).success).toBe(false);
    expect(ExtensionConnection.safeParse({ ...base, secretIds: { token: 'x' } }).success).toBe(false);
  });
});
