/**
 * Every operation a SecretRef allows, end to end against real peers on loopback: an extension
 * asks for access, the person allows it (scripted), and the extension uses the ref through the
 * broker's extension channels. The secret is a canary that must never come back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedPrompter, createTestBroker } from '@latchkey/broker/testing';
import { appChannels, createDispatcher, extensionChannels, type Requester } from '@latchkey/contracts';
import { createTransports } from './index.js';
import { startAiServer, type AiServer } from './testing/ai-server.js';
import { mariadbUnavailable, startMariadb, type MariadbPeer } from './testing/mariadb-peer.js';
import { startTokenMcpServer } from './testing/mcp-peers.js';
import { BUILT_IN_PACKS, readPack } from './testing/packs.js';
import { postgresUnavailable, startPostgres, type PostgresPeer } from './testing/postgres-peer.js';
import { startSmtp, type SmtpPeer } from './testing/smtp-peer.js';
import { startWebhookReceiver, type WebhookReceiver } from './testing/webhook-receiver.js';

const CANARY = 'Canary-Ref-7e1d';
const person: Requester = { kind: 'app', id: 'renderer', displayName: 'Latchkey' };
const ext: Requester = { kind: 'extension', id: 'acme.tools', displayName: 'Acme tools' };

const transports = createTransports();
const prompter = new ScriptedPrompter(() => ({ decision: 'always', duration: '1h' }));
const { broker, mem } = createTestBroker({ transports, prompter });
for (const pack of BUILT_IN_PACKS) {
  const { name, latchkey } = readPack(pack);
  for (const provider of latchkey.contributes.providers) broker.providers.register(provider, name);
}
const app = createDispatcher(appChannels, broker.app);
const extension = createDispatcher(extensionChannels, broker.extension);
const outputs: unknown[] = [];

async function refFor(providerId: string, config: Record<string, unknown>, secrets: Record<string, string>, scope: string): Promise<string> {
  const created = await app('connections:create', { providerId, name: `${providerId} ${outputs.length}`, config, secrets }, { requester: person });
  if (!created.ok) throw new Error(created.error.message);
  const id = (created.value as { id: string }).id;
  const granted = await extension('secrets:requestAccess', { connectionId: id, reason: 'Integration test', scopes: [scope] }, { requester: ext });
  outputs.push(granted);
  if (!granted.ok || !(granted.value as { granted: boolean }).granted) throw new Error(`access refused: ${JSON.stringify(granted)}`);
  return (granted.value as { secretRef: string }).secretRef;
}

async function use(channel: keyof typeof extensionChannels, input: unknown) {
  const result = await extension(channel, input, { requester: ext });
  outputs.push(result);
  return result;
}

afterAll(async () => {
  await transports.close();
  const everything = [JSON.stringify(outputs), ...mem.audit.lines_.map((l) => l.text), JSON.stringify(mem.connections.all())];
  for (const text of everything) expect(text).not.toContain(CANARY);
});

describe.skipIf(postgresUnavailable() !== null)(`sql.query through a ref: PostgreSQL ${postgresUnavailable() ?? ''}`, () => {
  let pg: PostgresPeer;
  beforeAll(async () => {
    pg = await startPostgres({ password: `${CANARY}-pg` });
  }, 60_000);
  afterAll(() => pg?.stop());

  it('runs a parameterised query; a parameter is data, never SQL', async () => {
    const ref = await refFor('postgres', { host: pg.host, port: pg.port, database: pg.database, user: pg.user }, { password: pg.password }, 'sql.query');
    const res = await use('sql:query', { ref, query: { sql: 'SELECT $1::int + 1 AS n, $2::text AS s', params: [41, "x'); DROP TABLE users; --"] } });
    expect(res).toMatchObject({ ok: true, value: { columns: ['n', 's'], rows: [[42, "x'); DROP TABLE users; --"]], truncated: false } });
    const capped = await use('sql:query', { ref, query: { sql: 'SELECT generate_series(1, 50) AS i', maxRows: 10 } });
    expect(capped).toMatchObject({ ok: true, value: { rowCount: 10, truncated: true } });
  });
});

describe.skipIf(mariadbUnavailable() !== null)(`sql.query through a ref: MariaDB ${mariadbUnavailable() ?? ''}`, () => {
  let db: MariadbPeer;
  beforeAll(async () => {
    db = await startMariadb({ password: `${CANARY}-my` });
  }, 90_000);
  afterAll(() => db?.stop());

  it('runs a parameterised query', async () => {
    const ref = await refFor('mysql', { host: db.host, port: db.port, database: db.database, user: db.user }, { password: db.password }, 'sql.query');
    const res = await use('sql:query', { ref, query: { sql: 'SELECT ? + 1 AS n', params: [41] } });
    expect(res).toMatchObject({ ok: true, value: { columns: ['n'], rows: [[42]] } });
  });
});

describe('sql.query through a ref: SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-ref-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates, writes and reads a file database with parameters', async () => {
    // An empty file is an empty SQLite database; the provider opens files, it does not create them.
    writeFileSync(join(dir, 'app.db'), '');
    const ref = await refFor('sqlite', { path: join(dir, 'app.db'), readOnly: false }, {}, 'sql.query');
    const createdTable = await use('sql:query', { ref, query: { sql: 'CREATE TABLE t (name TEXT)' } });
    if (!createdTable.ok) throw new Error(createdTable.error.message);
    expect(await use('sql:query', { ref, query: { sql: 'INSERT INTO t (name) VALUES (?)', params: ['Ada'] } })).toMatchObject({ ok: true });
    expect(await use('sql:query', { ref, query: { sql: 'SELECT name FROM t WHERE name = ?', params: ['Ada'] } })).toMatchObject({ ok: true, value: { rows: [['Ada']] } });
  });
});

describe('smtp.send, webhook.send, mcp.callTool and http.fetch through refs', () => {
  let smtp: SmtpPeer;
  let hook: WebhookReceiver;
  let mcp: { url: string; stop(): Promise<void> };
  let openai: AiServer;
  beforeAll(async () => {
    [smtp, hook, mcp, openai] = await Promise.all([
      startSmtp({ user: 'mailer', password: `${CANARY}-smtp` }),
      startWebhookReceiver({ hmacSecret: `${CANARY}-hmac` }),
      startTokenMcpServer(`${CANARY}-mcp`),
      startAiServer('openai', { apiKey: `${CANARY}-openai` }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([smtp?.stop(), hook?.stop(), mcp?.stop(), openai?.stop()]);
  });

  it('sends mail with the stored login', async () => {
    const ref = await refFor('smtp', { host: '127.0.0.1', port: smtp.port, encryption: 'none', user: 'mailer', from: 'app@example.test' }, { password: `${CANARY}-smtp` }, 'smtp.send');
    const res = await use('smtp:send', { ref, message: { to: ['ann@example.test'], subject: 'Hello', text: 'Sent through a SecretRef' } });
    expect(res).toMatchObject({ ok: true, value: { accepted: ['ann@example.test'], rejected: [] } });
    expect(smtp.received.at(-1)?.raw).toContain('Sent through a SecretRef');
  });

  it('signs a webhook with the stored HMAC secret, which the receiver verifies', async () => {
    const ref = await refFor('webhook', { url: hook.url, method: 'POST', authType: 'hmac' }, { hmacSecret: `${CANARY}-hmac` }, 'webhook.send');
    const res = await use('webhook:send', { ref, request: { payload: { event: 'deploy', ok: true } } });
    expect(res).toMatchObject({ ok: true, value: { status: 204 } });
    expect(hook.received.at(-1)).toMatchObject({ verified: true, body: '{"event":"deploy","ok":true}' });
  });

  it('calls an MCP tool on a server that demands the stored token', async () => {
    const ref = await refFor('mcp', { transport: 'http', url: mcp.url }, { token: `${CANARY}-mcp` }, 'mcp.callTool');
    const res = await use('mcp:callTool', { ref, call: { name: 'whoami' } });
    expect(res).toMatchObject({ ok: true, value: { isError: false, content: [{ type: 'text', text: 'pong' }] } });
  });

  it('fetches OpenAI\'s model list with the key injected by the broker', async () => {
    const ref = await refFor('openai', { baseUrl: openai.baseUrl }, { apiKey: `${CANARY}-openai` }, 'http.fetch');
    const res = await use('http:fetch', { ref, request: { url: '/models' } });
    if (!res.ok) throw new Error(res.error.message);
    expect(res).toMatchObject({ ok: true, value: { status: 200 } });
    expect(JSON.parse((res as { value: { body: string } }).value.body).data.length).toBeGreaterThan(0);
    expect(await use('http:fetch', { ref, request: { url: 'http://127.0.0.1:9/v1/models' } })).toMatchObject({ ok: false, error: { code: 'DENIED' } });
  });

  it('audits every use', () => {
    const uses = mem.audit.lines_.map((l) => JSON.parse(l.text) as { type: string; outcome: string }).filter((e) => e.type === 'ref.use' && e.outcome === 'ok');
    expect(uses.length).toBeGreaterThanOrEqual(4);
  });
});
