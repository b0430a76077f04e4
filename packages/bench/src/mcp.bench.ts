/**
 * A tool call through `latchkey mcp` against a direct driver call, on a real PostgreSQL on
 * loopback. Target: through Latchkey ≤ 1.2 × direct + 2 ms (p50).
 *
 * Direct: `pg.Pool` (as the broker's driver holds one), `SELECT $1::int + 1`.
 * Through Latchkey: the MCP SDK Client → `latchkey mcp` over stdio (JSON-RPC) → the requester
 * socket → the headless host's broker (ref check, decrypt, durable audit record, masking) → the
 * same driver → back. Consent is answered "always" once, before timing.
 *
 * `pnpm --filter @latchkey/bench exec tsx src/mcp.bench.ts` (ITERATIONS=300 by default).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { appChannels, createDispatcher } from '@latchkey/contracts';
import { createHeadlessHost } from '@latchkey/headless';
import { postgresUnavailable, startPostgres } from '@latchkey/transports/testing';

const N = Number(process.env.ITERATIONS ?? 300);
const BIN = fileURLToPath(new URL('../../cli/bin/latchkey.mjs', import.meta.url));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const app = { requester: { kind: 'app' as const, id: 'bench', displayName: 'Bench' } };

const unavailable = postgresUnavailable();
if (unavailable) {
  console.warn(`mcp.bench: skipped — ${unavailable}`);
  process.exit(0);
}

const password = `bench-${randomBytes(8).toString('hex')}`;
const peer = await startPostgres({ user: 'app', password, database: 'appdb' });
const dataDir = mkdtempSync(join(tmpdir(), 'lkb-'));
const host = await createHeadlessHost({ dataDir, env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') }, announceCommandCode: () => undefined, bridge: false });
const dispatch = createDispatcher(appChannels, host.broker.app);
host.broker.on('consent:prompt', (p) => void dispatch('consent:respond', { promptId: p.promptId, response: { decision: 'always', duration: '1h' } }, app));
const created = await dispatch('connections:create', { providerId: 'postgres', name: 'Bench DB', config: { host: peer.host, port: peer.port, database: peer.database, user: peer.user, ssl: false }, secrets: { password } }, app);
if (!created.ok) throw new Error(created.error.message);
const connectionId = (created.value as { id: string }).id;

const pool = new pg.Pool({ host: peer.host, port: peer.port, user: peer.user, password, database: peer.database, max: 4 });
const client = new Client({ name: 'bench', version: '1' });
await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, '--data-dir', dataDir, 'mcp'], env: { PATH: process.env.PATH ?? '' }, stderr: 'ignore' }));

const direct = async (i: number) => void (await pool.query('SELECT $1::int + 1 AS n', [i]));
const viaMcp = async (i: number) => {
  const r = await client.callTool({ name: 'sql_query', arguments: { connection_id: connectionId, sql: 'SELECT $1::int + 1 AS n', params: [i] } });
  if (r.isError) throw new Error(JSON.stringify(r.content));
};

// Warm both paths (pool connections, the grant, JIT), then interleave so drift hits both alike.
for (let i = 0; i < 30; i++) await Promise.all([direct(i), viaMcp(i)]);
const a: number[] = [];
const b: number[] = [];
for (let i = 0; i < N; i++) {
  let t = performance.now();
  await direct(i);
  a.push(performance.now() - t);
  t = performance.now();
  await viaMcp(i);
  b.push(performance.now() - t);
}
const d50 = pct(a, 0.5);
const m50 = pct(b, 0.5);
const limit = 1.2 * d50 + 2;
console.warn(`sql_query through latchkey mcp vs direct pg (PostgreSQL on loopback, ${N} calls each, sequential):`);
console.warn(`  direct pg.Pool     p50 ${d50.toFixed(3)} ms  p90 ${pct(a, 0.9).toFixed(3)} ms  p99 ${pct(a, 0.99).toFixed(3)} ms`);
console.warn(`  latchkey mcp stdio p50 ${m50.toFixed(3)} ms  p90 ${pct(b, 0.9).toFixed(3)} ms  p99 ${pct(b, 0.99).toFixed(3)} ms`);
console.warn(`  overhead p50 ${(m50 - d50).toFixed(3)} ms (${(m50 / d50).toFixed(2)}×); target ≤ 1.2 × direct + 2 ms = ${limit.toFixed(3)} ms: ${m50 <= limit ? 'met' : 'NOT met'}`);

await client.close();
await pool.end();
await host.close();
await peer.stop();
rmSync(dataDir, { recursive: true, force: true });
