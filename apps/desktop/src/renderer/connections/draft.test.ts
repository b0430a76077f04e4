import { describe, expect, it } from 'vitest';
import { ProviderManifest } from '@latchkey/contracts';
import { checkDraft, initialConfig, tlsDefaultFor, tlsField } from './draft';

const manifest = (fields: unknown[]) => ProviderManifest.parse({ id: 'p', name: 'P', category: 'database', test: { transport: 'postgres' }, fields });

describe('draft', () => {
  it('finds the TLS switch of the built-in kinds of provider', () => {
    expect(tlsField(manifest([{ name: 'ssl', label: 'SSL', type: 'boolean' }]))).toEqual({ name: 'ssl', on: true, off: false });
    expect(tlsField(manifest([{ name: 'encrypt', label: 'Encrypt', type: 'boolean', default: true }]))).toEqual({ name: 'encrypt', on: true, off: false });
    const smtp = manifest([{ name: 'encryption', label: 'Encryption', type: 'select', default: 'tls', options: [{ value: 'tls', label: 'STARTTLS' }, { value: 'ssl', label: 'TLS' }, { value: 'none', label: 'None' }] }]);
    expect(tlsField(smtp)).toEqual({ name: 'encryption', on: 'tls', off: 'none' });
    const pgMode = manifest([{ name: 'sslMode', label: 'SSL mode', type: 'select', options: [{ value: 'disable', label: 'Off' }, { value: 'require', label: 'On' }] }]);
    expect(tlsField(pgMode)).toEqual({ name: 'sslMode', on: 'require', off: 'disable' });
    expect(tlsField(manifest([{ name: 'host', label: 'Host', type: 'string' }]))).toBeNull();
    expect([tlsDefaultFor('db.example.com'), tlsDefaultFor('localhost'), tlsDefaultFor('  ')]).toEqual([true, false, null]);
  });

  it('starts from defaults with blank secrets, and keeps saved secrets when left blank', () => {
    const m = manifest([
      { name: 'host', label: 'Host', type: 'string', required: true },
      { name: 'port', label: 'Port', type: 'number', default: 5432 },
      { name: 'password', label: 'Password', type: 'string', secret: true, required: true },
    ]);
    expect(initialConfig(m)).toEqual({ host: '', port: '5432', password: '' });
    expect(checkDraft(m, { host: 'db', port: '5432', password: '' }, { requireSecrets: true })).toEqual({ ok: false, errors: { password: 'Password is required' } });
    expect(checkDraft(m, { host: 'db', port: '5432', password: '' }, { requireSecrets: true, storedSecrets: new Set(['password']) })).toEqual({ ok: true, config: { host: 'db', port: 5432 }, secrets: {} });
    expect(checkDraft(m, { host: 'db', port: '5432', password: 'pw' }, { requireSecrets: false })).toEqual({ ok: true, config: { host: 'db', port: 5432 }, secrets: { password: 'pw' } });
  });
});
