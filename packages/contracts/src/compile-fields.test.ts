import { describe, expect, it } from 'vitest';
import { compileFields, expandTemplate, fieldDefaults, splitSecrets, visibleFields } from './compile-fields.js';
import { FieldSpec } from './providers.js';

const fields = [
  { name: 'host', label: 'Host', type: 'string', required: true, format: 'host' },
  { name: 'port', label: 'Port', type: 'number', default: 5432, min: 1, max: 65535 },
  { name: 'ssl', label: 'SSL', type: 'boolean', default: false },
  { name: 'mode', label: 'Mode', type: 'select', options: [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }], default: 'a' },
  { name: 'password', label: 'Password', type: 'string', secret: true, required: true },
  { name: 'caFile', label: 'CA file', type: 'file', showWhen: [{ field: 'ssl', equals: true }] },
  { name: 'options', label: 'Options', type: 'json' },
].map((f) => FieldSpec.parse(f));

describe('compileFields', () => {
  it('validates, coerces numbers and JSON, and drops hidden fields', () => {
    const r = compileFields(fields).safeParse({ host: 'db.local', port: '6543', ssl: false, caFile: '/x', options: '{"a":1}' });
    expect(r.data).toEqual({ host: 'db.local', port: 6543, ssl: false, options: { a: 1 } });
  });

  it('reports each problem against its field', () => {
    const r = compileFields(fields, { requireSecrets: true }).safeParse({ host: 'bad host!', port: 0, mode: 'c', options: '{' });
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['host', 'Host must be a host name or IP address'],
      ['port', 'Port must be at least 1'],
      ['mode', 'Mode must be one of: a, b'],
      ['password', 'Password is required'],
      ['options', 'Options must be valid JSON'],
    ]);
  });

  it('lets a stored secret stand in for a blank one', () => {
    expect(compileFields(fields, { requireSecrets: true, storedSecrets: new Set(['password']) }).safeParse({ host: 'h' }).success).toBe(true);
  });

  it('splits secrets from config and lists visible fields and defaults', () => {
    expect(splitSecrets(fields, { host: 'h', password: 'p' })).toEqual({ config: { host: 'h' }, secrets: { password: 'p' } });
    expect(visibleFields(fields, { ssl: true }).map((f) => f.name)).toContain('caFile');
    expect(visibleFields(fields, { ssl: false }).map((f) => f.name)).not.toContain('caFile');
    expect(fieldDefaults(fields)).toEqual({ port: 5432, ssl: false, mode: 'a' });
  });

  it('expands templates; secrets only when given', () => {
    expect(expandTemplate('Bearer {{secret.token}} for {{ config.user }}', { config: { user: 'ann' } })).toBe('Bearer  for ann');
    expect(expandTemplate('Bearer {{secret.token}}', { config: {}, secret: { token: 't' } })).toBe('Bearer t');
  });
});
