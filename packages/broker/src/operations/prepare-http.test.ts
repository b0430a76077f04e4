import { ProviderManifest } from '@latchkey/contracts';
import { describe, expect, it } from 'vitest';
import { testHttpProvider } from '../testing/index.js';
import { prepareHttp, resolveTarget } from './prepare-http.js';

const manifest = ProviderManifest.parse(testHttpProvider);
const conn = (config: Record<string, string>, secrets: Record<string, string> = {}) => ({ id: 'c', manifest, config, secrets });

describe('prepareHttp', () => {
  it('pins requests to the base origin and resolves paths under the base path', () => {
    const base = new URL('https://api.example.com/v1');
    expect(resolveTarget(base, '/users').toString()).toBe('https://api.example.com/v1/users');
    expect(resolveTarget(base, 'users?x=1').toString()).toBe('https://api.example.com/v1/users?x=1');
    expect(resolveTarget(base, 'https://api.example.com/other').toString()).toBe('https://api.example.com/other');
    for (const evil of ['https://api.example.com.evil.dev/', 'http://api.example.com/v1', '//evil.dev/', 'https://api.example.com:444/', 'file:///etc/passwd']) {
      expect(() => resolveTarget(base, evil)).toThrow(/may only go to https:\/\/api.example.com/);
    }
  });

  it('injects bearer, basic and query credentials from the manifest, overriding caller headers', () => {
    const bearer = prepareHttp(conn({ baseUrl: 'https://a.dev', authType: 'bearer' }, { token: 'T' }), { method: 'GET', url: '/x', headers: { authorization: 'Bearer forged' }, timeoutMs: 1000 });
    expect(bearer.headers).toEqual({ Authorization: 'Bearer T' });
    const basic = prepareHttp(conn({ baseUrl: 'https://a.dev', authType: 'basic', username: 'ann' }, { password: 'pw' }), { method: 'GET', url: '/x', timeoutMs: 1000 });
    expect(basic.headers['Authorization']).toBe(`Basic ${Buffer.from('ann:pw').toString('base64')}`);
    const query = prepareHttp(conn({ baseUrl: 'https://a.dev', authType: 'apiKeyQuery' }, { apiKey: 'K&1' }), { method: 'GET', url: '/x?y=2', timeoutMs: 1000 });
    expect(query.url).toBe('https://a.dev/x?y=2&api_key=K%261');
    const none = prepareHttp(conn({ baseUrl: 'https://a.dev', authType: 'none' }, { token: 'T' }), { method: 'GET', url: '/x', timeoutMs: 1000 });
    expect(none.headers).toEqual({});
  });

  it('refuses a base URL with embedded credentials or a non-http scheme', () => {
    expect(() => prepareHttp(conn({ baseUrl: 'https://u:p@a.dev', authType: 'none' }), { method: 'GET', url: '/', timeoutMs: 1 })).toThrow('must not carry credentials');
    expect(() => prepareHttp(conn({ baseUrl: 'ftp://a.dev', authType: 'none' }), { method: 'GET', url: '/', timeoutMs: 1 })).toThrow('must be http or https');
  });
});
