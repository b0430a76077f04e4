import type { ConnectionRecord } from '@latchkey/broker';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
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
const SIZES = [1_000, 10_000] as const;
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

/** Our own p50/p99 (vitest bench prints p75 and p99, not the median), printed after the tables. */
async function latency(label: string, runs: number, fn: (i: number) => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  figures.push(`${label}: p50 ${pct(samples, 50).toFixed(2)} ms, p99 ${pct(samples, 99).toFixed(2)} ms (${runs} runs)`);
}

/** openFileStore timed inside a fresh Node process: a real cold start, JIT and all. */
function freshProcessLoad(dir: string): number {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'src/testing/cold-load-child.ts', dir], { cwd: packageDir, encoding: 'utf8' });
  if (child.status !== 0) throw new Error(child.stderr);
  return (JSON.parse(child.stdout) as { ms: number }).ms;
}

function freshProcessFigures(label: string, runs: number, dir: string, before: () => void) {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    before();
    samples.push(freshProcessLoad(dir));
  }
  samples.sort((a, b) => a - b);
  figures.push(`${label}: p50 ${pct(samples, 50).toFixed(1)} ms, min ${samples[0]!.toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms (${runs} fresh processes)`);
}

for (const size of SIZES) {
  const { dir, store } = stores.get(size)!;
  const n = size.toLocaleString('en-US');
  freshProcessFigures(`${n} stored: cold load in a fresh process, file stamped as verified (after a clean write)`, 7, dir, () => undefined);
  freshProcessFigures(`${n} stored: cold load in a fresh process, no stamp (full zod validation, e.g. after a crash)`, 7, dir, () =>
    rmSync(stampPathOf(join(dir, 'connections.json')), { force: true }),
  );
  figures.push(`${size.toLocaleString('en-US')} stored: connections.json ${kb(join(dir, 'connections.json'))}, secrets.json ${kb(join(dir, 'secrets.json'))}`);
  await latency(`${size.toLocaleString('en-US')} stored: load + close, repeated in one warm process`, 20, async () => (await openFileStore(dir)).close());
  await latency(`${size.toLocaleString('en-US')} stored: put one connection, durable`, 100, (i) => store.connections.put(record(size + i)));
  await latency(`${size.toLocaleString('en-US')} stored: 100 puts in one tick, all durable`, 20, (i) =>
    Promise.all(Array.from({ length: 100 }, (_, j) => store.connections.put(record(j * 7 + i)))),
  );
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
    prevHash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
  });
  let seq = 0;
  await Promise.all(Array.from({ length: 10_000 }, () => store.audit.append(event(seq++))));
  await latency('audit: append one event, durable', 100, () => store.audit.append(event(seq++)));
  await latency('audit: 100 appends in one tick, all durable', 20, () => Promise.all(Array.from({ length: 100 }, () => store.audit.append(event(seq++)))));
  await latency(`audit: read every line (lines()) of ~${(12_000).toLocaleString('en-US')} events`, 20, async () => {
    let n = 0;
    for (const _line of store.audit.lines()) n++;
    return n;
  });
}

describe.each(SIZES)('%i stored connections', (size) => {
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
  process.stdout.write(`\nStore figures\n${figures.map((f) => `  ${f}`).join('\n')}\n`);
});
