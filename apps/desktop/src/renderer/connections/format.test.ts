import { describe, expect, it } from 'vitest';
import type { Connection, ProviderManifest } from '@latchkey/contracts';
import { isLoopbackHost, lastTestedText, stalenessWarning, targetSummary, testResultText, timeAgo } from './format';

const now = Date.parse('2026-11-23T12:00:00.000Z');
const conn = (over: Partial<Connection>): Connection => ({
  id: 'c1',
  providerId: 'http',
  name: 'API',
  scope: 'user',
  config: {},
  secretFields: {},
  status: 'untested',
  lastTest: null,
  isDefault: false,
  createdAt: '2026-11-23T11:00:00.000Z',
  updatedAt: '2026-11-23T11:00:00.000Z',
  deletedAt: null,
  ...over,
});

describe('format', () => {
  it('says how long ago in minutes, hours and days', () => {
    expect(timeAgo('2026-11-23T11:59:30.000Z', now)).toBe('just now');
    expect(timeAgo('2026-11-23T11:58:00.000Z', now)).toBe('2 m ago');
    expect(timeAgo('2026-11-23T09:00:00.000Z', now)).toBe('3 h ago');
    expect(timeAgo('2026-11-14T12:00:00.000Z', now)).toBe('9 d ago');
  });

  it('warns only after 7 days without a test', () => {
    const test = (at: string) => ({ ok: true, latencyMs: 5, code: 'ok' as const, message: 'ok', at });
    expect(stalenessWarning(conn({ lastTest: test('2026-11-17T12:00:00.000Z') }), now)).toBeNull();
    expect(stalenessWarning(conn({ lastTest: test('2026-11-15T12:00:00.000Z') }), now)).toBe('Not tested for 8 days');
    expect(stalenessWarning(conn({ createdAt: '2026-11-01T12:00:00.000Z' }), now)).toBe('Never tested in 22 days');
    expect(lastTestedText(conn({ lastTest: test('2026-11-23T11:58:00.000Z') }), now)).toBe('Last tested 2 m ago');
  });

  it('fills the summary template from config only', () => {
    const manifest = { summary: '{{config.host}}:{{config.port}}/{{config.database}}' } as ProviderManifest;
    expect(targetSummary(manifest, { config: { host: 'db', port: 5432, database: 'app' } })).toBe('db:5432/app');
    expect(targetSummary({ summary: '{{secret.password}}' } as ProviderManifest, { config: {} })).toBe('');
  });

  it('writes test results the way the issue shows them', () => {
    expect(testResultText({ ok: true, latencyMs: 81.6, message: 'OK' })).toBe('✓ Connected (82 ms)');
    expect(testResultText({ ok: false, latencyMs: 3, message: 'Authentication failed: 401 Unauthorized' })).toBe('✗ Authentication failed: 401 Unauthorized');
  });

  it('knows loopback hosts', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', 'LOCALHOST']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['db.example.com', '10.0.0.1', '127.0.0.1.nip.io', '']) expect(isLoopbackHost(h)).toBe(false);
  });
});
