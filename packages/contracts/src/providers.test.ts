import { describe, expect, it } from 'vitest';
import { ExtensionConnection } from './extensions.js';
import { FieldSpec, ProviderManifest, targetFields } from './providers.js';

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

describe('ProviderManifest transport', () => {
  const base = { id: 'p', name: 'P', category: 'other', fields: [{ name: 'host', label: 'Host', type: 'string', role: 'host' }] };

  it('is named at the top level, and the test carries only what that transport reads', () => {
    const m = ProviderManifest.parse({ ...base, transport: 'http', test: { method: 'GET', path: '/health' } });
    expect(m.transport).toBe('http');
    expect(m.test).toEqual({ method: 'GET', path: '/health' });
    expect(ProviderManifest.parse({ ...base, transport: 'postgres' }).test).toEqual({});
  });

  it('reads the older place (test.transport) and lifts it, so a pack written for it still loads', () => {
    const m = ProviderManifest.parse({ ...base, test: { transport: 'webhook', payload: { text: 'hi' } } });
    expect(m.transport).toBe('webhook');
    expect(m.test).toEqual({ payload: { text: 'hi' } });
    // Parsing what parsing produced changes nothing: a manifest crosses several boundaries.
    expect(ProviderManifest.parse(m)).toEqual(m);
  });

  it('refuses a manifest with no transport, two different ones, or test fields its transport does not read', () => {
    const problem = (input: unknown) => {
      const r = ProviderManifest.safeParse(input);
      return r.success ? null : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(problem(base)).toMatch(/^transport: A provider names its transport/);
    expect(problem({ ...base, transport: 'http', test: { transport: 'postgres' } })).toMatch(/^test\.transport: The test names the transport postgres, the provider http/);
    expect(problem({ ...base, transport: 'postgres', test: { path: '/x' } })).toMatch(/^test\.path: Only an HTTP provider's test has a path/);
    expect(problem({ ...base, transport: 'http', test: { payload: {} } })).toMatch(/^test\.payload: Only a webhook provider's test has a payload/);
    expect(problem({ ...base, transport: 'ftp' })).toMatch(/^transport: /);
  });
});
