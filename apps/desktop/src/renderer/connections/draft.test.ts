import { describe, expect, it } from 'vitest';
import { ProviderManifest } from '@latchkey/contracts';
import { checkDraft, hostFieldName, initialConfig, tlsDefaultFor, tlsField } from './draft';

const manifest = (fields: unknown[]) => ProviderManifest.parse({ id: 'p', name: 'P', category: 'database', transport: 'postgres', fields });

describe('draft', () => {
  it('finds the TLS switch by its role, not its name', () => {
    expect(tlsField(manifest([{ name: 'ssl', label: 'SSL', type: 'boolean', role: 'tls' }]))).toEqual({ name: 'ssl', on: true, off: false });
    expect(tlsField(manifest([{ name: 'encrypt', label: 'Encrypt', type: 'boolean', default: true, role: 'tls' }]))).toEqual({ name: 'encrypt', on: true, off: false });
    const smtp = manifest([{ name: 'encryption', label: 'Encryption', type: 'select', default: 'tls', role: 'tls', options: [{ value: 'tls', label: 'STARTTLS' }, { value: 'ssl', label: 'TLS' }, { value: 'none', label: 'None' }] }]);
    expect(tlsField(smtp)).toEqual({ name: 'encryption', on: 'tls', off: 'none' });
    const pgMode = manifest([{ name: 'sslMode', label: 'SSL mode', type: 'select', role: 'tls', options: [{ value: 'disable', label: 'Off' }, { value: 'require', label: 'On' }] }]);
    expect(tlsField(pgMode)).toEqual({ name: 'sslMode', on: 'require', off: 'disable' });
    // A field named like a TLS switch but without the role is not one; a role on any name is.
    expect(tlsField(manifest([{ name: 'ssl', label: 'SSL', type: 'boolean' }]))).toBeNull();
    expect(tlsField(manifest([{ name: 'secureLink', label: 'Secure link', type: 'boolean', role: 'tls' }]))).toEqual({ name: 'secureLink', on: true, off: false });
    expect(hostFieldName(manifest([{ name: 'server', label: 'Server', type: 'string', role: 'host' }, { name: 'host', label: 'Host', type: 'string' }]))).toBe('server');
    expect(tlsField(manifest([{ name: 'host', label: 'Host', type: 'string', role: 'host' }]))).toBeNull();
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
