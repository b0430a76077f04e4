/**
 * Templates against a real PostgreSQL: a URL built by the broker from a stored connection (and
 * from a LATCHKEY_CONN_ override) connects; a requester without reveal gets no password; a secret a
 * template produced is masked when a peer echoes it through another connection's operation.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroker } from '@latchkey/broker';
import { ScriptedPrompter, createMemoryPorts, createTestCipher, findCanary } from '@latchkey/broker/testing';
import { appChannels, createDispatcher, extensionChannels, type Requester } from '@latchkey/contracts';
import { createTransports } from './index.js';
import { readPack } from './testing/packs.js';
import { postgresUnavailable, startPostgres, type PostgresPeer } from './testing/postgres-peer.js';

const PASSWORD = 'p@ss:w/rd CANARY-tmpl-19';
const VARIABLE_SECRET = 'var-CANARY-echo-5521';
const person: Requester = { kind: 'app', id: 'renderer', displayName: 'Latchkey' };
const tool: Requester = { kind: 'extension', id: 'acme.etl', displayName: 'Acme ETL' };
const URL_TEMPLATE = 'postgres://{{ conn.warehouse.user }}:{{ conn.warehouse.password | urlencode }}@{{ conn.warehouse.host }}:{{ conn.warehouse.port }}/{{ conn.warehouse.database }}';

function brokerWith(environment: Record<string, string> = {}) {
  const transports = createTransports();
  const broker = createBroker({ cipher: createTestCipher(), ...createMemoryPorts(), transports, host: 'headless', prompter: new ScriptedPrompter(() => ({ decision: 'always', duration: '1h' })), environment });
  const { name, latchkey } = readPack('databases');
  for (const provider of latchkey.contributes.providers) broker.providers.register(provider, name);
  const app = createDispatcher(appChannels, broker.app);
  const ext = createDispatcher(extensionChannels, broker.extension);
  return { broker, transports, app: (c: keyof typeof appChannels, i: unknown) => app(c, i, { requester: person }), ext: (c: keyof typeof extensionChannels, i: unknown) => ext(c, i, { requester: tool }) };
}

async function currentUser(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u;
  } finally {
    await client.end();
  }
}

describe.skipIf(postgresUnavailable() !== null)(`templates against PostgreSQL ${postgresUnavailable() ?? ''}`, () => {
  let peer: PostgresPeer;
  beforeAll(async () => {
    peer = await startPostgres({ user: 'etl', password: PASSWORD, database: 'sales' });
  }, 120_000);
  afterAll(() => peer?.stop());

  it('a URL an executor builds from the stored connection logs in', async () => {
    const t = brokerWith();
    const created = await t.app('connections:create', { providerId: 'postgres', name: 'warehouse', config: { host: peer.host, port: peer.port, database: peer.database, user: peer.user }, secrets: { password: PASSWORD } });
    expect(created.ok).toBe(true);
    const { text, masked } = await t.broker.programs.executor('nightly').renderTemplate(URL_TEMPLATE);
    expect(await currentUser(text)).toBe('etl');
    expect(findCanary(masked, PASSWORD)).toEqual([]);
    await t.broker.close();
  });

  it('LATCHKEY_CONN_WAREHOUSE alone (no stored connection) is enough in CI', async () => {
    const uri = `postgresql://etl:${encodeURIComponent(PASSWORD)}@${peer.host}:${peer.port}/sales`;
    const t = brokerWith({ LATCHKEY_CONN_WAREHOUSE: uri });
    const { text } = await t.broker.programs.executor('ci').renderTemplate(URL_TEMPLATE);
    expect(await currentUser(text)).toBe('etl');
    await t.broker.close();
  });

  it('a requester with reveal builds the URL; one without gets no password; an echo of a produced secret is masked', async () => {
    const t = brokerWith();
    const created = await t.app('connections:create', { providerId: 'postgres', name: 'warehouse', config: { host: peer.host, port: peer.port, database: peer.database, user: peer.user }, secrets: { password: PASSWORD } });
    const connectionId = (created as { value: { id: string } }).value.id;
    const access = await t.ext('secrets:requestAccess', { connectionId, reason: 'load', scopes: ['sql.query'] });
    await expect(t.broker.programs.renderTemplate(URL_TEMPLATE, tool)).rejects.toMatchObject({ code: 'DENIED' });
    // A secret variable an executor used, echoed by the database through the tool's ref: masked.
    await t.app('variables:set', { key: 'API_TOKEN', value: VARIABLE_SECRET, secret: true });
    await t.broker.programs.executor('nightly').renderTemplate('{{ var.API_TOKEN }}');
    const ref = (access as { value: { secretRef: string } }).value.secretRef;
    const echoed = await t.ext('sql:query', { ref, query: { sql: 'SELECT $1::text AS echoed', params: [VARIABLE_SECRET] } });
    expect(echoed.ok).toBe(true);
    expect(findCanary(JSON.stringify(echoed), VARIABLE_SECRET)).toEqual([]);
    await t.ext('secrets:requestAccess', { connectionId, reason: 'load', scopes: ['sql.query', 'reveal'] });
    const { text } = await t.broker.programs.renderTemplate(URL_TEMPLATE, tool);
    expect(await currentUser(text)).toBe('etl');
    await t.broker.close();
  });
});
