import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher, extensionChannels, type Invoke, type Requester, type SecretRef } from '@latchkey/contracts';
import { ScriptedPrompter, createFetchTransports, createMemoryPorts, createTestCipher, testHttpProvider } from '@latchkey/broker/testing';
import { createBroker } from '@latchkey/broker';
import { createExtensionContext, defineExtension, type CommandHandler } from './index.js';

const ME: Requester = { kind: 'extension', id: 'acme-sync', displayName: 'Acme Sync' };
let server: ReturnType<typeof createServer>;
let baseUrl = '';
const seen: { url?: string; auth?: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url, auth: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function wire() {
  const broker = createBroker({ cipher: createTestCipher(), ...createMemoryPorts(), transports: createFetchTransports(), prompter: new ScriptedPrompter(() => ({ decision: 'once' })), host: 'headless' });
  broker.providers.register(testHttpProvider, '@latchkey/ext-http');
  const dispatch = createDispatcher(extensionChannels, broker.extension);
  const calls: { channel: string; input: unknown }[] = [];
  const invoke: Invoke = (channel, input) => (calls.push({ channel, input }), dispatch(channel, input, { requester: ME }));
  const commands = new Map<string, CommandHandler>();
  return { broker, calls, commands, ctx: createExtensionContext({ invoke, commands }) };
}

describe('the extension context', () => {
  it('lists connections, asks for access and fetches through the broker with positional wrappers', async () => {
    const { broker, ctx, calls } = wire();
    const created = await broker.app['connections:create'](
      { providerId: 'http', name: 'API', scope: 'user', config: { baseUrl, authType: 'bearer' }, secrets: { token: 'sdk-canary' } },
      { requester: { kind: 'app', id: 'w', displayName: 'Latchkey' } },
    );
    expect((await ctx.connections.list({ providerId: 'http' })).map((c) => c.id)).toEqual([created.id]);
    const access = await ctx.secrets.requestAccess({ connectionId: created.id, reason: 'Sync', scopes: ['http.fetch'] });
    if (!access.granted) throw new Error('not granted');
    const res = await ctx.http.fetch(access.secretRef, { url: '/things?x=1' });
    expect(res).toMatchObject({ status: 200, body: '{"hello":"world"}' });
    expect(seen.at(-1)).toEqual({ url: '/things?x=1', auth: 'Bearer sdk-canary' });
    expect(calls.map((c) => c.channel)).toEqual(['connections:list', 'secrets:requestAccess', 'http:fetch']);
    expect(calls[2]?.input).toEqual({ ref: access.secretRef, request: { url: '/things?x=1' } });
    // "Allow once" means once.
    await expect(ctx.http.fetch(access.secretRef, { url: '/again' })).rejects.toMatchObject({ code: 'DENIED' });
  });

  it('shapes every operation onto its channel', async () => {
    const calls: { channel: string; input: unknown }[] = [];
    const ctx = createExtensionContext({
      invoke: async (channel, input) => (calls.push({ channel, input }), { ok: false, error: { code: 'DENIED', message: 'no' } }),
      commands: new Map(),
    });
    const ref = `lkref_${'a'.repeat(32)}` as SecretRef;
    await Promise.allSettled([
      ctx.sql.query(ref, 'select $1', [1], { maxRows: 5 }),
      ctx.smtp.send(ref, { to: ['a@b.example'], subject: 'hi' }),
      ctx.webhook.send(ref, { event: 'x' }),
      ctx.mcp.callTool(ref, 'search', { q: 'x' }),
      ctx.redis.command(ref, 'GET', ['k']),
      ctx.secrets.reveal(ref),
    ]);
    expect(calls).toEqual([
      { channel: 'sql:query', input: { ref, query: { sql: 'select $1', params: [1], maxRows: 5 } } },
      { channel: 'smtp:send', input: { ref, message: { to: ['a@b.example'], subject: 'hi' } } },
      { channel: 'webhook:send', input: { ref, request: { payload: { event: 'x' }, headers: {} } } },
      { channel: 'mcp:callTool', input: { ref, call: { name: 'search', args: { q: 'x' } } } },
      { channel: 'redis:command', input: { ref, command: 'GET', args: ['k'] } },
      { channel: 'secrets:reveal', input: { ref } },
    ]);
  });

  it('refuses a response the contract does not allow, such as one carrying an extra field', async () => {
    const ctx = createExtensionContext({
      invoke: async () => ({ ok: true, value: { values: { password: 'x' }, extra: 'leak' } }),
      commands: new Map(),
    });
    await expect(ctx.secrets.reveal(`lkref_${'b'.repeat(32)}` as SecretRef)).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('registers commands by identifier name, once, and disposes them', () => {
    const { ctx, commands } = wire();
    const handle = ctx.commands.register('listThings', () => 1);
    expect([...commands.keys()]).toEqual(['listThings']);
    expect(() => ctx.commands.register('listThings', () => 2)).toThrow(/already registered/);
    expect(() => ctx.commands.register('../etc', () => 2)).toThrow(/identifiers/);
    handle.dispose();
    expect(commands.size).toBe(0);
  });

  it('defineExtension returns the extension unchanged', () => {
    const ext = { activate: () => undefined };
    expect(defineExtension(ext)).toBe(ext);
  });
});
