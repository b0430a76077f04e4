import { describe, expect, it } from 'vitest';
import { testHttpProvider } from '../testing/index.js';
import { ProviderRegistry } from './provider-registry.js';

describe('ProviderRegistry', () => {
  it('registers a valid manifest and refuses a duplicate id', () => {
    const r = new ProviderRegistry();
    r.register(testHttpProvider, 'ext-a');
    expect(r.list().map((p) => p.manifest.id)).toEqual(['http']);
    expect(() => r.register(testHttpProvider, 'ext-b')).toThrow('Provider "http" is already registered by ext-a');
  });

  it('refuses invalid manifests with a readable reason', () => {
    const r = new ProviderRegistry();
    expect(() => r.register({ ...testHttpProvider, id: 'Bad Id' }, 'x')).toThrow(/Provider from x is invalid: id/);
    expect(() => r.register({ ...testHttpProvider, id: 'twice', fields: [testHttpProvider.fields[0], testHttpProvider.fields[0]] }, 'x')).toThrow('declares field "baseUrl" twice');
    expect(() => r.register({ ...testHttpProvider, id: 'sel', fields: [{ name: 'a', label: 'A', type: 'select' }] }, 'x')).toThrow('has no options');
    expect(() => r.register({ ...testHttpProvider, id: 'icon', icon: 'https://evil.example/x.png' }, 'x')).toThrow();
    expect(r.list()).toHaveLength(0);
  });

  it('marks an extension\'s providers unavailable and removes them on unregister', () => {
    const r = new ProviderRegistry();
    r.register(testHttpProvider, 'ext-a');
    r.setAvailable('ext-a', false);
    expect(r.get('http')?.available).toBe(false);
    r.unregisterExtension('ext-a');
    expect(r.get('http')).toBeUndefined();
  });

  it('compiles fields to a schema that honours showWhen, required and types', () => {
    const r = new ProviderRegistry();
    r.register(testHttpProvider, 'ext-a');
    const schema = r.schema('http');
    expect(schema.safeParse({ baseUrl: 'https://api.example.com', authType: 'none', token: 'hidden-ignored' }).data).toEqual({ baseUrl: 'https://api.example.com', authType: 'none' });
    const missing = schema.safeParse({ baseUrl: 'https://api.example.com', authType: 'basic' });
    expect(missing.error?.issues.map((i) => i.message)).toEqual(['Username is required']);
    const strict = r.schema('http', { requireSecrets: true }).safeParse({ baseUrl: 'https://api.example.com', authType: 'basic', username: 'u' });
    expect(strict.error?.issues.map((i) => i.message)).toEqual(['Password is required']);
    expect(schema.safeParse({ baseUrl: 'https://x.dev', authType: 'none', timeoutMs: '2500' }).data).toMatchObject({ timeoutMs: 2500 });
    expect(schema.safeParse({ baseUrl: 'https://x.dev', authType: 'none', timeoutMs: 5 }).error?.issues[0]?.message).toBe('Timeout (ms) must be at least 100');
    expect(schema.safeParse({ baseUrl: 'https://x.dev', authType: 'carrier-pigeon' }).error?.issues[0]?.message).toBe('Authentication must be one of: none, bearer, basic, apiKeyQuery');
  });
});
