/**
 * Variables: key, value, description, secret flag. A secret value is a cipher blob, write-only
 * (listed as "set", replaced by sending a new one); set, replace and delete are audited.
 */
import { describe, expect, it } from 'vitest';
import { findCanary } from '../testing/index.js';
import { programsBroker } from './programs-test-support.js';

const SECRET = 'var-secret-CANARY-1f2e3d';

describe('variables', () => {
  it('lists a secret variable as set, never with its value, and keeps only ciphertext', async () => {
    const t = await programsBroker();
    const saved = await t.appCall('variables:set', { key: 'API_KEY', value: SECRET, description: 'for the nightly job', secret: true });
    expect(saved).toMatchObject({ key: 'API_KEY', value: null, secret: true, secretState: 'set', description: 'for the nightly job' });
    const listed = await t.appCall('variables:list', {});
    expect(findCanary(JSON.stringify(listed), SECRET)).toEqual([]);
    expect(findCanary(JSON.stringify(t.mem.variables.all()), SECRET)).toEqual([]);
    expect(t.mem.variables.get('API_KEY')?.secretId).toBeTruthy();
  });

  it('audits set, replace and delete, and drops the old blob on replace', async () => {
    const t = await programsBroker();
    await t.appCall('variables:set', { key: 'API_KEY', value: SECRET, secret: true });
    const first = t.mem.variables.get('API_KEY')!.secretId!;
    await t.appCall('variables:set', { key: 'API_KEY', value: `${SECRET}-2` });
    expect(t.mem.secrets.blobs.has(first)).toBe(false);
    await t.appCall('variables:set', { key: 'API_KEY', description: 'edited' });
    await t.appCall('variables:delete', { key: 'API_KEY' });
    const types = t.audit().filter((e) => e.type.startsWith('variable.')).map((e) => [e.type, e.detail]);
    expect(types).toEqual([
      ['variable.set', 'API_KEY (secret): created'],
      ['variable.replace', 'API_KEY (secret): value replaced'],
      ['variable.set', 'API_KEY (secret): description changed'],
      ['variable.delete', 'API_KEY'],
    ]);
    expect(t.mem.secrets.blobs.size).toBe(1 + 1); // the connection's password and the audit key
    expect(findCanary(t.mem.audit.lines_.map((l) => l.text).join('\n'), SECRET)).toEqual([]);
  });

  it('refuses to turn a secret plain without a new value, and a new variable without a value', async () => {
    const t = await programsBroker();
    await t.appCall('variables:set', { key: 'API_KEY', value: SECRET, secret: true });
    await expect(t.appCall('variables:set', { key: 'API_KEY', secret: false })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(t.appCall('variables:set', { key: 'EMPTY' })).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(t.appCall('variables:set', { key: 'bad-key', value: 'x' })).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(t.mem.variables.all().map((v) => v.id)).toEqual(['API_KEY']);
  });

  it('turns a plain variable secret by encrypting its value', async () => {
    const t = await programsBroker();
    await t.appCall('variables:set', { key: 'TOKEN', value: SECRET });
    await t.appCall('variables:set', { key: 'TOKEN', secret: true });
    expect(t.mem.variables.get('TOKEN')).not.toHaveProperty('value');
    expect((await t.broker.programs.executor('job').renderTemplate('{{ var.TOKEN }}')).text).toBe(SECRET);
  });

  it('the template tester shows a secret variable masked', async () => {
    const t = await programsBroker();
    await t.appCall('variables:set', { key: 'API_KEY', value: SECRET, secret: true });
    const preview = await t.appCall<{ masked: string; references: unknown[] }>('templates:preview', { template: 'key={{ var.API_KEY }}' });
    expect(preview.masked).toBe('key=••••');
    expect(preview.references).toEqual([{ expression: 'var.API_KEY', secret: true, source: 'store' }]);
  });
});
