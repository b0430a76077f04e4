import { appChannels, createDispatcher, extensionChannels, type ProviderManifestInput, type Requester, type Scope } from '@latchkey/contracts';
import { ScriptedPrompter, createTestBroker } from '../testing/index.js';
import type { BrokerPorts } from '../types.js';

/** The PostgreSQL provider as the built-in databases pack declares it (fields and roles). */
export const pgProvider: ProviderManifestInput = {
  id: 'postgres',
  name: 'PostgreSQL',
  category: 'database',
  operations: ['sql.query'],
  fields: [
    { name: 'host', role: 'host', label: 'Host', type: 'string', required: true, default: 'localhost' },
    { name: 'port', role: 'port', label: 'Port', type: 'number', required: true, default: 5432 },
    { name: 'database', role: 'database', label: 'Database', type: 'string', required: true },
    { name: 'user', role: 'username', label: 'User', type: 'string', required: true },
    { name: 'password', label: 'Password', type: 'string', secret: true },
    { name: 'ssl', role: 'tls', label: 'Use SSL/TLS', type: 'boolean', default: false },
    { name: 'options', label: 'Server options', type: 'string' },
  ],
  test: { transport: 'postgres' },
};

export const person: Requester = { kind: 'app', id: 'renderer', displayName: 'Latchkey' };
export const tool: Requester = { kind: 'extension', id: 'tool.ext', displayName: 'Tool' };
export const otherTool: Requester = { kind: 'extension', id: 'other.ext', displayName: 'Other' };

/** A broker with the PostgreSQL provider, one stored connection "warehouse" and helpers to grant and call. */
export async function programsBroker(ports: Partial<BrokerPorts> = {}, password = 'pw-CANARY-5e1f9a77c3') {
  const t = createTestBroker({ prompter: new ScriptedPrompter(() => ({ decision: 'always', duration: '1h' })), ...ports });
  t.broker.providers.register(pgProvider, '@latchkey/ext-databases');
  const app = createDispatcher(appChannels, t.broker.app);
  const ext = createDispatcher(extensionChannels, t.broker.extension);
  const appCall = async <T>(channel: keyof typeof appChannels, input: unknown): Promise<T> => {
    const r = await app(channel, input, { requester: person });
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value as T;
  };
  const created = await appCall<{ id: string }>('connections:create', { providerId: 'postgres', name: 'warehouse', config: { host: 'db.internal', port: 5432, database: 'sales', user: 'etl' }, secrets: { password } });
  const grant = async (requester: Requester, scopes: Scope[], connectionId = created.id) => {
    const r = await ext('secrets:requestAccess', { connectionId, reason: 'spec', scopes }, { requester });
    if (!r.ok || !(r.value as { granted: boolean }).granted) throw new Error('not granted');
  };
  const audit = () => t.mem.audit.lines_.map((l) => JSON.parse(l.text) as { type: string; requester?: Requester; connectionId?: string; detail?: string; scopes?: string[] });
  return { ...t, appCall, ext, grant, connectionId: created.id, password, audit };
}
