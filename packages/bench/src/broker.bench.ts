import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBroker, DEFAULT_AUDIT_RATES, type Broker, type BrokerInternals } from '@latchkey/broker';
import { ScriptedPrompter, createFetchTransports, testHttpProvider } from '@latchkey/broker/testing';
import type { Requester } from '@latchkey/contracts';
import { createNodeCipher } from '@latchkey/node-cipher';
import { openFileStore, type FileStore } from '@latchkey/store';
import { templateRows } from './template-rows.js';

const app: Requester = { kind: 'app', id: 'bench', displayName: 'Bench' };
const ext: Requester = { kind: 'extension', id: 'bench.ext', displayName: 'Bench extension' };
const env = { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') };

async function open(dir: string): Promise<{ store: FileStore; broker: Broker & { internals: BrokerInternals } }> {
  const store = await openFileStore(dir);
  const broker = createBroker({
    ...store,
    cipher: await createNodeCipher({ env }),
    transports: createFetchTransports(),
    prompter: new ScriptedPrompter(() => ({ decision: 'always', duration: 'forever' })),
    host: 'headless',
    storeProblems: () => store.problems(),
    // The default per-requester audit budget (20/s, bursts of 100) refuses a resolve flood by
    // design; this bench measures the path's throughput, so the bench extension has none.
    options: { auditRates: { ...DEFAULT_AUDIT_RATES, extension: { perSecond: 1e9, burst: 1e9, perHour: 1e12 }, app: { perSecond: 1e9, burst: 1e9, perHour: 1e12 } } },
  });
  broker.providers.register(testHttpProvider, 'bench');
  return { store, broker };
}

const input = (i: number, prefix = 'conn') => ({
  providerId: 'http',
  name: `${prefix} ${i}`,
  scope: 'user',
  config: { baseUrl: `https://api${i}.example.com`, authType: 'bearer' },
  secrets: { token: `token-${i}-${randomBytes(8).toString('hex')}` },
});

interface Row {
  op: string;
  n: number;
  opsPerSec: number;
  p50: number;
  p99: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `fn` `count` times, `concurrency` at a time; latency is per call, throughput over the whole run. */
async function measure(op: string, n: number, count: number, concurrency: number, fn: (i: number) => unknown): Promise<Row> {
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i += concurrency) {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, count - i) }, async (_, j) => {
        const s = performance.now();
        await fn(i + j);
        lat.push(performance.now() - s);
      }),
    );
  }
  const total = performance.now() - t0;
  lat.sort((a, b) => a - b);
  return { op, n, opsPerSec: Math.round((count / total) * 1000), p50: pct(lat, 50), p99: pct(lat, 99) };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
function folderSize(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => sum + (e.isDirectory() ? folderSize(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
}

async function run(n: number): Promise<{ rows: Row[]; extra: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), `latchkey-bench-${n}-`));
  try {
    let { store, broker } = await open(dir);
    // Seed concurrently: writes in one tick coalesce into one durable file write.
    for (let i = 0; i < n; i += 500) await Promise.all(Array.from({ length: Math.min(500, n - i) }, (_, j) => broker.app['connections:create'](input(i + j) as never, { requester: app })));
    const rows: Row[] = [];
    rows.push(await measure('create (sequential)', n, 50, 1, (i) => broker.app['connections:create'](input(i, 'seq') as never, { requester: app })));
    rows.push(await measure('create (100 concurrent)', n, 500, 100, (i) => broker.app['connections:create'](input(i, 'par') as never, { requester: app })));
    const ids = broker.internals.connections.list({}).map((c) => c.id);
    // The handler alone (no contract parse, no JSON): the real path a window uses is in paths.bench.ts.
    rows.push(await measure('list (handler only; real path: paths.bench)', ids.length, 50, 1, () => broker.app['connections:list']({ deleted: false }, { requester: app })));
    rows.push(await measure('get', n, 5000, 1, (i) => broker.app['connections:get']({ id: ids[i % ids.length]! }, { requester: app })));
    rows.push(await measure('set-secret (replace, sequential)', n, 50, 1, (i) => broker.app['connections:replaceSecret']({ id: ids[i]!, field: 'token', value: `new-${i}` }, { requester: app })));
    rows.push(await measure('set-secret (replace, 100 concurrent)', n, 500, 100, (i) => broker.app['connections:replaceSecret']({ id: ids[i]!, field: 'token', value: `new2-${i}` }, { requester: app })));
    const granted = await broker.internals.consent.request(ext, { connectionId: ids[0]!, reason: 'bench', scopes: ['http.fetch'] });
    if (!granted.granted) throw new Error('bench grant was refused');
    rows.push(await measure('resolve (sequential, durable audit)', n, 1000, 1, () => broker.internals.operations.resolve(ext, granted.secretRef, 'http.fetch')));
    // 64 in flight: what one extension can have open through the host (16 running, the rest queued);
    // 500 at once, as this row once measured, no caller could reach.
    rows.push(await measure('resolve (64 in flight)', n, 20000, 64, () => broker.internals.operations.resolve(ext, granted.secretRef, 'http.fetch')));
    rows.push(...(await templateRows(broker, ext, ids[0]!, n)));
    await broker.close();
    await store.close();

    const sizes = [
      `connections.json ${kib(statSync(join(dir, 'connections.json')).size)}`,
      `secrets.json ${kib(statSync(join(dir, 'secrets.json')).size)}`,
      `audit/ ${kib(folderSize(join(dir, 'audit')))}`,
    ];
    const t0 = performance.now();
    ({ store, broker } = await open(dir));
    const listed = broker.app['connections:list']({ deleted: false }, { requester: app }) as unknown[];
    const cold = performance.now() - t0;
    await store.close();
    return { rows, extra: [`cold load in this process (open store + broker + first list of ${listed.length}; no process start or imports — start-up with both is in startup.bench): ${cold.toFixed(1)} ms`, `files: ${sizes.join(', ')}`] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.warn(`Latchkey broker bench — Node ${process.version}, ${new Date().toISOString()}`);
for (const n of [1000, 10000]) {
  const { rows, extra } = await run(n);
  console.warn(`\n## ${n.toLocaleString('en-US')} stored connections`);
  console.warn('| operation | stored | ops/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|');
  for (const r of rows) console.warn(`| ${r.op} | ${r.n} | ${r.opsPerSec.toLocaleString('en-US')} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} |`);
  for (const e of extra) console.warn(`- ${e}`);
}
