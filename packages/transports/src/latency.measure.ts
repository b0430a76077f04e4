import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { afterAll, expect, it } from 'vitest';
import type { ResolvedConnection, TestOutcome } from '@latchkey/broker';
import { createTransports } from './index.js';
import { startAiServer } from './testing/ai-server.js';
import { mariadbUnavailable, startMariadb } from './testing/mariadb-peer.js';
import { EVERYTHING_SERVER, FILESYSTEM_SERVER, startEverythingHttp } from './testing/mcp-peers.js';
import { resolvedConnection } from './testing/packs.js';
import { postgresUnavailable, startPostgres } from './testing/postgres-peer.js';
import { startSmtp } from './testing/smtp-peer.js';
import { startWebhookReceiver } from './testing/webhook-receiver.js';

const RUNS = 7;
// Measures the protocol, so every command line is approved (the gate is tested in commands.exploit.test.ts).
const transports = createTransports({ commandGate: async () => undefined });
const rows: string[] = [];
const stops: (() => Promise<void>)[] = [];

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measure(label: string, once: () => Promise<TestOutcome>): Promise<void> {
  const latencies: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const outcome = await once();
    expect(outcome, `${label}: ${outcome.message}`).toMatchObject({ ok: true });
    latencies.push(outcome.latencyMs);
  }
  rows.push(`| ${label} | ${median(latencies).toFixed(1)} | ${Math.min(...latencies).toFixed(1)} | ${Math.max(...latencies).toFixed(1)} |`);
}

const test = (kind: string, c: ResolvedConnection) => () => transports.test(kind, c, 10_000);
const http = (url: string, headers: Record<string, string> = {}) => async (): Promise<TestOutcome> => {
  const res = await transports.http({ url, method: 'GET', headers, timeoutMs: 10_000, maxBodyBytes: 5 * 1024 * 1024 });
  return { ok: res.status === 200, code: 'ok', message: String(res.status), latencyMs: res.latencyMs };
};

afterAll(async () => {
  await transports.close();
  for (const stop of stops) await stop();
  process.stdout.write(`\n| type | median ms | min | max |\n|---|---|---|---|\n${rows.join('\n')}\n(${RUNS} runs each, first run included)\n`);
});

it('postgres', async () => {
  if (postgresUnavailable()) return void rows.push(`| postgres | skipped: ${postgresUnavailable()} | | |`);
  const peer = await startPostgres();
  stops.push(() => peer.stop());
  await measure('postgres (connect + SELECT 1)', test('postgres', resolvedConnection('databases', 'postgres', { host: peer.host, port: peer.port, database: peer.database, user: peer.user }, { password: peer.password })));
});

it('mysql', async () => {
  if (mariadbUnavailable()) return void rows.push(`| mysql | skipped: ${mariadbUnavailable()} | | |`);
  const peer = await startMariadb();
  stops.push(() => peer.stop());
  await measure('mysql / MariaDB (connect + SELECT 1)', test('mysql', resolvedConnection('databases', 'mysql', { host: peer.host, port: peer.port, database: peer.database, user: peer.user }, { password: peer.password })));
});

it('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-latency-'));
  stops.push(async () => rmSync(dir, { recursive: true, force: true }));
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run('CREATE TABLE t (x)');
  writeFileSync(join(dir, 'app.db'), db.export());
  await measure('sqlite (open + SELECT 1)', test('sqlite', resolvedConnection('databases', 'sqlite', { path: join(dir, 'app.db') })));
});

it('smtp', async () => {
  const peer = await startSmtp({ user: 'u@example.test', password: 'pw-123456' });
  stops.push(() => peer.stop());
  await measure('smtp (EHLO + AUTH, no TLS)', test('smtp', resolvedConnection('smtp', 'smtp', { host: '127.0.0.1', port: peer.port, encryption: 'none', user: 'u@example.test', from: 'u@example.test' }, { password: 'pw-123456' })));
});

it('webhook', async () => {
  const receiver = await startWebhookReceiver({ hmacSecret: 'whsec-1234' });
  stops.push(() => receiver.stop());
  await measure('webhook (HMAC-signed POST)', test('webhook', resolvedConnection('webhook', 'webhook', { url: receiver.url, authType: 'hmac' }, { hmacSecret: 'whsec-1234' })));
});

it('mcp', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'latchkey-latency-mcp-'));
  stops.push(async () => rmSync(folder, { recursive: true, force: true }));
  await measure('mcp stdio (spawn server-filesystem + list tools)', test('mcp', resolvedConnection('mcp', 'mcp', { transport: 'stdio', command: process.execPath, args: JSON.stringify([FILESYSTEM_SERVER, folder]) })));
  await measure('mcp stdio (spawn server-everything + list tools)', test('mcp', resolvedConnection('mcp', 'mcp', { transport: 'stdio', command: process.execPath, args: JSON.stringify([EVERYTHING_SERVER, 'stdio']) })));
  const everything = await startEverythingHttp();
  stops.push(() => everything.stop());
  await measure('mcp Streamable HTTP (server-everything, list tools)', test('mcp', resolvedConnection('mcp', 'mcp', { transport: 'http', url: everything.url })));
});

it('http (AI model lists)', async () => {
  const [openai, anthropic, ollama] = await Promise.all([startAiServer('openai', { apiKey: 'sk-1234' }), startAiServer('anthropic', { apiKey: 'sk-ant-1234' }), startAiServer('ollama')]);
  stops.push(() => openai.stop(), () => anthropic.stop(), () => ollama.stop());
  await measure('http: OpenAI GET /v1/models', http(`${openai.baseUrl}/models`, { Authorization: 'Bearer sk-1234' }));
  await measure('http: Anthropic GET /v1/models', http(`${anthropic.baseUrl}/models`, { 'x-api-key': 'sk-ant-1234', 'anthropic-version': '2023-06-01' }));
  await measure('http: Ollama GET /api/tags', http(`${ollama.baseUrl}/api/tags`));
});
