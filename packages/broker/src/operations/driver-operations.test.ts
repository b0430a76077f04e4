/**
 * The broker learns what a connection's transport can do from the Transports port
 * (`supports(kind, operation)`), never from a list of its own, and masks what a driver returns.
 */
import { appChannels, createDispatcher, extensionChannels, type ProviderManifestInput, type Requester } from '@latchkey/contracts';
import { describe, expect, it } from 'vitest';
import { ScriptedPrompter, createTestBroker } from '../testing/index.js';
import { createFetchTransports } from '../testing/fetch-transports.js';
import type { DriverOperation } from '../ports.js';

const CANARY = 'canary-DRIVER-91c2';
const app: Requester = { kind: 'app', id: 'renderer', displayName: 'Latchkey' };
const ext: Requester = { kind: 'extension', id: 'acme.cache', displayName: 'Acme cache' };

const manifest = (transport: 'postgres' | 'redis'): ProviderManifestInput => ({
  id: `some-${transport}`,
  name: `Some ${transport}`,
  category: 'database',
  fields: [
    { name: 'host', label: 'Host', type: 'string', role: 'host', required: true },
    { name: 'password', label: 'Password', type: 'string', secret: true },
  ],
  transport,
  operations: ['sql.query', 'redis.command'],
});

async function setup(transport: 'postgres' | 'redis', offers: DriverOperation[]) {
  const asked: string[] = [];
  const ran: string[] = [];
  const transports = {
    ...createFetchTransports(),
    supports: (kind: string, operation: DriverOperation) => (asked.push(`${kind} ${operation}`), offers.includes(operation)),
    sqlQuery: async (kind: string) => (ran.push(`sql ${kind}`), { columns: ['echo'], rows: [[CANARY]], rowCount: 1, truncated: false, latencyMs: 1 }),
    operate: async (kind: string, operation: string) => (ran.push(`${operation} ${kind}`), { reply: `the password is ${CANARY}`, latencyMs: 1 }),
  };
  const t = createTestBroker({ transports: transports as never, prompter: new ScriptedPrompter(() => ({ decision: 'always', duration: '1h' })) });
  t.broker.providers.register(manifest(transport), '@acme/ext');
  const appD = createDispatcher(appChannels, t.broker.app);
  const extD = createDispatcher(extensionChannels, t.broker.extension);
  const created = await appD('connections:create', { providerId: `some-${transport}`, name: 'C', config: { host: 'db.internal' }, secrets: { password: CANARY } }, { requester: app });
  if (!created.ok) throw new Error(created.error.message);
  const granted = await extD('secrets:requestAccess', { connectionId: (created.value as { id: string }).id, reason: 'test', scopes: ['sql.query', 'redis.command'] }, { requester: ext });
  if (!granted.ok) throw new Error(granted.error.message);
  const ref = (granted.value as { secretRef: string }).secretRef;
  return { asked, ran, ref, call: (channel: keyof typeof extensionChannels, input: unknown) => extD(channel, input, { requester: ext }) };
}

describe('operations dispatched by what the transports support', () => {
  it('refuses sql.query when the transport says its kind is not a database, without running anything', async () => {
    const s = await setup('postgres', ['redis.command']);
    expect(await s.call('sql:query', { ref: s.ref, query: { sql: 'SELECT 1' } })).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: 'Some postgres is not a database' } });
    expect(s.asked).toEqual(['postgres sql.query']);
    expect(s.ran).toEqual([]);
  });

  it('runs sql.query on the kind the manifest names and masks the rows', async () => {
    const s = await setup('postgres', ['sql.query']);
    const result = await s.call('sql:query', { ref: s.ref, query: { sql: 'SELECT 1' } });
    expect(result).toMatchObject({ ok: true, value: { rows: [['••••']] } });
    expect(s.ran).toEqual(['sql postgres']);
  });

  it('runs redis.command through operate() and masks the reply; refuses it where the driver does not offer it', async () => {
    const s = await setup('redis', ['redis.command']);
    const result = await s.call('redis:command', { ref: s.ref, command: 'ECHO', args: ['x'] });
    expect(result).toMatchObject({ ok: true, value: { reply: 'the password is ••••' } });
    expect(JSON.stringify(result)).not.toContain(CANARY);
    expect(s.ran).toEqual(['redis.command redis']);
    const other = await setup('postgres', ['sql.query']);
    expect(await other.call('redis:command', { ref: other.ref, command: 'GET', args: ['k'] })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(other.ran).toEqual([]);
  });
});
