import type { ConnectionRecord } from '@latchkey/broker';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, promises as fsp, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, bench, describe } from 'vitest';
import { openFileStore, type FileStore } from './index.js';
import { stampPathOf } from './verified-stamp.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** A connection as the HTTP pack stores one, with a last test result, ~0.6 KB of JSON. */
function record(n: number): ConnectionRecord {
  return {
    id: `c${n.toString(36).padStart(8, '0')}XyZ12345`,
    providerId: 'http',
    name: `Service API ${n}`,
    scope: 'user',
    config: { baseUrl: `https://api-${n}.example.test/v2`, authType: 'bearer', healthPath: '/health', timeoutMs: 10_000 },
    secretFields: { token: 'set' },
    status: 'ok',
    lastTest: { ok: true, latencyMs: 42.5, code: 'ok', message: 'HTTP 200 OK in 42 ms', at: '2026-11-23T00:10:00.000Z' },
    isDefault: n === 0,
    createdAt: '2026-11-23T00:00:00.000Z',
    updatedAt: '2026-11-23T00:10:00.000Z',
    deletedAt: null,
    secretIds: { token: `s${n.toString(36).padStart(8, '0')}AbC98765` },
  };
}

const root = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
/** Growth: the store's figures at each size. Only 1,000 and 10,000 also run the vitest tables. */
const SIZES = [100, 1_000, 10_000, 50_000] as const;
const TABLE_SIZES = [1_000, 10_000] as const;
const stores = new Map<number, { dir: string; store: FileStore }>();
const blob = new Uint8Array(1 + 12 + 40 + 16).fill(7);

for (const size of SIZES) {
  // Two copies: `cold` stays closed for the cold loads (a folder is open in one store at a time),
  // `live` stays open for the puts.
  const dir = join(root, String(size), 'cold');
  const seed = await openFileStore(dir);
  await Promise.all(Array.from({ length: size }, (_, i) => [seed.connections.put(record(i)), seed.secrets.put(record(i).secretIds.token!, blob)]).flat());
  await seed.close();
  const live = join(root, String(size), 'live');
  cpSync(dir, live, { recursive: true });
  stores.set(size, { dir, store: await openFileStore(live) });
}

const figures: string[] = [];
const kb = (path: string) => `${(statSync(path).size / 1024).toFixed(0)} KiB`;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ratio = (value: number, limit: number) => `${(value / limit).toFixed(1)}× the limit`;

async function samplesOf(runs: number, fn: (i: number) => unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b);
}

/** Our own p50/p99 (vitest bench prints p75 and p99, not the median), printed after the tables. */
async function latency(label: string, runs: number, fn: (i: number) => Promise<unknown>, limit?: { p50: number; name: string }) {
  const samples = await samplesOf(runs, fn);
  const p50 = pct(samples, 50);
  figures.push(`${label}: p50 ${p50.toFixed(2)} ms, p99 ${pct(samples, 99).toFixed(2)} ms (${runs} runs)${limit ? ` — ${ratio(p50, limit.p50)} (${limit.name})` : ''}`);
  return p50;
}

// The machine's limits, measured in this run beside the figures they bound.
const appendLimit = await (async () => {
  const path = join(root, 'fsync-probe.jsonl');
  const handle = await fsp.open(path, 'a');
  const line = Buffer.from(`${JSON.stringify(record(1))}\n`);
  try {
    const samples = await samplesOf(200, async () => {
      await handle.write(line);
      await handle.datasync();
    });
    return { p50: pct(samples, 50), name: 'append one line + fdatasync' };
  } finally {
    await handle.close();
  }
})();
figures.push(`limit: append one ${Buffer.byteLength(JSON.stringify(record(1)))}-byte line + fdatasync: p50 ${appendLimit.p50.toFixed(2)} ms (200 runs)`);

const parseLimits = new Map<number, number>();
for (const size of SIZES) {
  const text = readFileSync(join(stores.get(size)!.dir, 'connections.json'), 'utf8');
  const samples = await samplesOf(size >= 10_000 ? 10 : 30, () => JSON.parse(text));
  parseLimits.set(size, pct(samples, 50));
}
figures.push(`limit: JSON.parse of connections.json: ${SIZES.map((size) => `${size.toLocaleString('en-US')} → ${parseLimits.get(size)!.toFixed(1)} ms`).join(', ')}`);

/** The bundled cold-load child: the store as an app ships it (one file, imports resolved), without tsx compiling at start. */
const bundled = join(root, 'cold-load.mjs');
{
  // esbuild comes with tsx (a dev dependency already), so the bench adds no package.
  const require = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
  const esbuild = require('esbuild') as { build(options: Record<string, unknown>): Promise<unknown> };
  await esbuild.build({ entryPoints: [join(packageDir, 'src/testing/cold-load-child.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundled, logLevel: 'warning' });
}
const emptyScript = join(root, 'empty.mjs');
writeFileSync(emptyScript, 'process.stdout.write(JSON.stringify({ sinceStart: performance.now() }));');

/** openFileStore timed inside a fresh Node process: a real cold start, JIT and all. */
function freshProcessLoad(dir: string, how: 'tsx' | 'bundled'): { ms: number; sinceStart: number } {
  const args = how === 'tsx' ? ['--import', 'tsx', 'src/testing/cold-load-child.ts', dir] : [bundled, dir];
  const child = spawnSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout) as { ms: number; sinceStart: number };
}

const nodeStart = (() => {
  const samples = Array.from({ length: 9 }, () => (JSON.parse(spawnSync(process.execPath, [emptyScript], { encoding: 'utf8' }).stdout) as { sinceStart: number }).sinceStart).sort((a, b) => a - b);
  return pct(samples, 50);
})();
figures.push(`limit: a bare \`node\` start (empty script, to its first line): p50 ${nodeStart.toFixed(1)} ms (9 fresh processes)`);

function freshProcessFigures(label: string, runs: number, dir: string, how: 'tsx' | 'bundled', before: () => void, limit: number) {
  const loads: number[] = [];
  const whole: number[] = [];
  for (let i = 0; i < runs; i++) {
    before();
    const { ms, sinceStart } = freshProcessLoad(dir, how);
    loads.push(ms);
    whole.push(sinceStart);
  }
  loads.sort((a, b) => a - b);
  whole.sort((a, b) => a - b);
  const p50 = pct(whole, 50);
  figures.push(
    `${label}: process start to loaded p50 ${p50.toFixed(1)} ms (min ${whole[0]!.toFixed(1)}, max ${whole.at(-1)!.toFixed(1)}; less a bare node start: ${(p50 - nodeStart).toFixed(1)} ms), ` +
      `openFileStore alone p50 ${pct(loads, 50).toFixed(1)} ms — ${ratio(pct(loads, 50), limit)} (JSON.parse of the file) (${runs} fresh processes)`,
  );
}

/** A create as the broker makes one: the blob first, then the record with its audit event in one commit. */
const create = (store: FileStore, n: number) =>
  store.secrets.put(record(n).secretIds.token!, blob).then(() =>
    store.connections.commit({ put: [record(n)], audit: [{ type: 'connection.create', outcome: 'ok', connectionId: record(n).id, eventId: `ev-${n}` }] }),
  );

for (const size of SIZES) {
  const { dir, store } = stores.get(size)!;
  const n = size.toLocaleString('en-US');
  const limit = parseLimits.get(size)!;
  figures.push(`${n} stored: connections.json ${kb(join(dir, 'connections.json'))}, secrets.json ${kb(join(dir, 'secrets.json'))}`);
  if (size === 10_000 || size === 50_000) {
    freshProcessFigures(`${n} stored: cold load, fresh process, bundled as shipped, file stamped as verified (after a clean close)`, 7, dir, 'bundled', () => undefined, limit);
  }
  if (size === 10_000) {
    freshProcessFigures(`${n} stored: cold load, fresh process, through tsx (compiles the sources at start)`, 5, dir, 'tsx', () => undefined, limit);
    freshProcessFigures(`${n} stored: cold load, fresh process, bundled, no stamp (full zod validation, e.g. after a crash)`, 5, dir, 'bundled', () => rmSync(stampPathOf(join(dir, 'connections.json')), { force: true }), limit);
  }
  await latency(`${n} stored: load + close, repeated in one warm process`, size >= 10_000 ? 10 : 20, async () => (await openFileStore(dir)).close());
  await latency(`${n} stored: put one connection, durable`, 100, (i) => store.connections.put(record(size + i)), appendLimit);
  await latency(`${n} stored: create (blob, then record + audit event in one commit: two appends), durable`, 100, (i) => create(store, size + 1000 + i), { p50: appendLimit.p50 * 2, name: 'two appends + fdatasync' });
  await latency(`${n} stored: 100 puts in one tick, all durable (group commit)`, 20, (i) => Promise.all(Array.from({ length: 100 }, (_, j) => store.connections.put(record(j * 7 + i)))), appendLimit);
  await store.settle();
  const stats = store.journalStats();
  figures.push(`${n} stored: ${stats.connections.appends} appends and ${stats.connections.compactions} background compactions of connections.json during the runs above`);
}

{
  // The audit sink: a chain-sized event per line, as the broker writes them.
  const { store } = stores.get(10_000)!;
  const event = (seq: number) => ({
    type: 'ref.use' as const,
    outcome: 'ok' as const,
    connectionId: 'c0000001aXyZ12345',
    requester: { kind: 'extension' as const, id: 'acme.tools', displayName: 'Acme Tools' },
    scopes: ['http.fetch' as const],
    grantId: 'g0000001aXyZ12345',
    seq,
    at: '2026-11-23T00:10:00.000Z',
    // Chained, as the log checks: each event continues the one before.
    prevHash: seq === 0 ? '0'.repeat(64) : String(seq - 1).padStart(64, 'a'),
    hash: String(seq).padStart(64, 'a'),
  });
  let seq = 0;
  await Promise.all(Array.from({ length: 10_000 }, () => store.audit.append(event(seq++))));
  await latency('audit: append one event, durable', 100, () => store.audit.append(event(seq++)), appendLimit);
  await latency('audit: 100 appends in one tick, all durable (group commit)', 20, () => Promise.all(Array.from({ length: 100 }, () => store.audit.append(event(seq++)))), appendLimit);
  await latency(`audit: read every line (lines()) of ~${(12_000).toLocaleString('en-US')} events`, 20, async () => {
    let n = 0;
    for (const _line of store.audit.lines()) n++;
    return n;
  });
}

describe.each(TABLE_SIZES)('%i stored connections', (size) => {
  const { dir, store } = stores.get(size)!;
  bench('cold load: openFileStore + close', async () => {
    await (await openFileStore(dir)).close();
  }, { iterations: 10, time: 0 });
  let n = 0;
  bench('put one connection (resolves when durable)', async () => {
    await store.connections.put(record(n++ % size));
  }, { iterations: 50, time: 0 });
  bench('list: connections.all()', () => {
    store.connections.all();
  });
  bench('get + secrets.get', () => {
    const r = store.connections.get(record(n++ % size).id)!;
    store.secrets.get(r.secretIds.token!);
  });
});

afterAll(async () => {
  for (const { store } of stores.values()) await store.close();
  rmSync(root, { recursive: true, force: true });
  process.stdout.write(`\nStore figures (limits measured in this run; targets: create < 20 ms at 10,000, cold load < 200 ms at 10,000)\n${figures.map((f) => `  ${f}`).join('\n')}\n`);
});
