/**
 * Environment overrides for CI: LATCHKEY_CONN_<ID> and LATCHKEY_VAR_<KEY> win over the store,
 * which wins over the providers' defaults; URI secrets stay in memory; the screen is told.
 */
import { describe, expect, it } from 'vitest';
import { programsBroker } from './programs-test-support.js';
import { parseConnectionUri } from './connection-uri.js';
import { ProviderManifest } from '@latchkey/contracts';
import { pgProvider } from './programs-test-support.js';
import { createBroker } from '../create-broker.js';

const pg = ProviderManifest.parse(pgProvider);

describe('parseConnectionUri', () => {
  it("maps an Airflow-style URI onto the provider's fields by role", () => {
    expect(parseConnectionUri('postgresql://etl%40corp:p%40ss%2Fw@db.example:6543/sales%20db?sslmode=require&options=-c%20search_path%3Dapp', pg, 'LATCHKEY_CONN_X')).toEqual({
      config: { host: 'db.example', port: 6543, database: 'sales db', user: 'etl@corp', ssl: true, options: '-c search_path=app' },
      secrets: { password: 'p@ss/w' },
      fields: ['host', 'port', 'database', 'user', 'ssl', 'options', 'password'],
    });
  });

  it('takes an IPv6 host without brackets and sslmode=disable as TLS off', () => {
    expect(parseConnectionUri('postgres://[::1]:5432/db?sslmode=disable', pg, 'V').config).toEqual({ host: '::1', port: 5432, database: 'db', ssl: false });
  });

  it('names the variable, never the URI, in what it refuses', () => {
    expect(() => parseConnectionUri('not a uri with secret-pw', pg, 'LATCHKEY_CONN_X')).toThrow(/LATCHKEY_CONN_X/);
    expect(() => parseConnectionUri('postgres://u:secret-pw@h/db?nope=1', pg, 'LATCHKEY_CONN_X')).toThrow(expect.objectContaining({ code: 'VALIDATION', message: expect.not.stringContaining('secret-pw') }));
  });
});

describe('precedence: environment over store over defaults', () => {
  it('fills each field from the environment, else the store, else the default, and says which', async () => {
    const t = await programsBroker({ environment: { LATCHKEY_CONN_WAREHOUSE: 'postgres://db.internal:5432/reporting' } });
    const out = await t.broker.programs.executor('ci').renderTemplate('{{conn.warehouse.host}} {{conn.warehouse.database}} {{conn.warehouse.user}} {{conn.warehouse.ssl}} {{conn.warehouse.password}}');
    expect(out.text).toBe(`db.internal reporting etl false ${t.password}`);
    expect(out.references.map((r) => r.source)).toEqual(['environment', 'environment', 'store', 'default', 'store']);
  });

  it('uses the URI password over the stored one, in memory only', async () => {
    const t = await programsBroker({ environment: { LATCHKEY_CONN_WAREHOUSE: 'postgres://etl:ci-only-pw-4411@db.internal:5432/sales' } });
    const out = await t.broker.programs.executor('ci').renderTemplate('{{ conn.warehouse.password }}');
    expect(out.text).toBe('ci-only-pw-4411');
    expect(out.references[0]!.source).toBe('environment');
    const blobs = [...t.mem.secrets.blobs.values()].map((b) => Buffer.from(b).toString('latin1')).join('');
    expect(blobs).not.toContain('ci-only-pw-4411');
    expect(JSON.stringify(t.mem.connections.all())).not.toContain('ci-only-pw-4411');
  });

  it('matches the connection by id (in the environment spelling) as well as by name', async () => {
    const t0 = await programsBroker();
    const spelled = `LATCHKEY_CONN_${t0.connectionId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
    await t0.broker.close();
    const again = createBroker({ ...t0.ports, environment: { [spelled]: 'postgres://db.internal:5432/other' } });
    again.providers.register(pgProvider, '@latchkey/ext-databases');
    expect((await again.programs.executor('ci').renderTemplate(`{{ conn.${t0.connectionId}.database }}`)).text).toBe('other');
    const byName = await programsBroker({ environment: { LATCHKEY_CONN_WAREHOUSE: 'postgres://db.internal:5432/other' } });
    expect((await byName.broker.programs.executor('ci').renderTemplate('{{ conn.warehouse.database }}')).text).toBe('other');
  });

  it('serves a connection that exists only in the environment, to executors, and lists it', async () => {
    const t = await programsBroker({ environment: { LATCHKEY_CONN_SCRATCH: 'postgres://me:scratch-pw-99@127.0.0.1:5433/tmp' } });
    const resolved = await t.broker.programs.executor('ci').resolveConnection('scratch');
    expect(resolved).toMatchObject({ id: 'scratch', config: { host: '127.0.0.1', port: 5433, database: 'tmp', user: 'me' }, secrets: { password: 'scratch-pw-99' } });
    const listed = await t.appCall<{ connections: unknown[] }>('overrides:list', {});
    expect(listed.connections).toContainEqual({ connectionId: 'scratch', variable: 'LATCHKEY_CONN_SCRATCH', providerId: 'postgres', fields: ['host', 'port', 'database', 'user', 'password'], environmentOnly: true });
  });

  it('tells the Connections screen which stored connection is overridden', async () => {
    const t = await programsBroker({ environment: { LATCHKEY_CONN_WAREHOUSE: 'postgres://db.internal:5432/reporting', LATCHKEY_VAR_REGION: 'us-east-1' } });
    expect(await t.appCall('overrides:list', {})).toEqual({
      connections: [{ connectionId: t.connectionId, variable: 'LATCHKEY_CONN_WAREHOUSE', providerId: 'postgres', fields: ['host', 'port', 'database'], environmentOnly: false }],
      variables: ['REGION'],
      problems: [],
    });
  });

  it('LATCHKEY_VAR_<KEY> wins over the stored variable; the stored one over nothing', async () => {
    const t = await programsBroker({ environment: { LATCHKEY_VAR_REGION: 'us-east-1' } });
    await t.appCall('variables:set', { key: 'region', value: 'eu-west-1' });
    await t.appCall('variables:set', { key: 'TIER', value: 'gold' });
    const out = await t.broker.programs.executor('ci').renderTemplate('{{ var.region }}/{{ var.TIER }}');
    expect(out.text).toBe('us-east-1/gold');
    expect(out.references.map((r) => r.source)).toEqual(['environment', 'store']);
    const vars = await t.appCall<{ key: string; overridden: boolean }[]>('variables:list', {});
    expect(vars.map((v) => [v.key, v.overridden])).toEqual([['region', true], ['TIER', false]]);
  });

  it('a missing reference is a typed error naming it', async () => {
    const t = await programsBroker();
    const ex = t.broker.programs.executor('ci');
    await expect(ex.renderTemplate('{{ var.NOPE }}')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('var.NOPE'), issues: [{ path: 'var.NOPE' }] });
    await expect(ex.renderTemplate('{{ conn.warehouse.colour }}')).rejects.toMatchObject({ code: 'NOT_FOUND', issues: [{ path: 'conn.warehouse.colour' }] });
    await expect(ex.renderTemplate('{{ conn.nowhere.host }}')).rejects.toMatchObject({ code: 'NOT_FOUND', issues: [{ path: 'conn.nowhere.host' }] });
    await expect(ex.renderTemplate('{{ conn.warehouse.options }}')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'conn.warehouse.options has no value' });
    await expect(ex.renderTemplate('{{ conn.warehouse.host | upper }}')).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('leaves other engines\' {{ … }} alone', async () => {
    const t = await programsBroker();
    const out = await t.broker.programs.executor('ci').renderTemplate('{{ ds }} {{ conn.warehouse.host }} {{ params.x }}');
    expect(out.text).toBe('{{ ds }} db.internal {{ params.x }}');
  });
});
