/**
 * The figures of issue 10, each through the path a caller uses and beside the machine's limit
 * measured in the same run:
 * - limits: fsync of one small append, JSON.parse, AES-256-GCM, plain fetch to the same loopback server;
 * - `connections:list` through dispatcher + JSON + client at 100 / 1k / 10k / 50k (list-path.bench.ts);
 * - resolve (ref check + decrypt + coalesced durable audit) at 1 and 64 in flight, default budgets;
 * - `http.fetch` through a ref at 1 / 16 / 64 in flight: from a real extension process (pipe, call
 *   boundary, broker, transport) and from an agent session, against plain fetch.
 * The broker runs on the real file store, the Node cipher and the real transports, with the
 * default audit budgets: a refusal counts as one.
 * Run: `pnpm --filter @latchkey/bench exec tsx src/paths.bench.ts` (part of `pnpm bench`).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgentSession, createBroker } from '@latchkey/broker';
import { ScriptedPrompter } from '@latchkey/broker/testing';
import type { Requester } from '@latchkey/contracts';
import { startNodeExtensionHost } from '@latchkey/extension-host/node';
import { createNodeCipher } from '@latchkey/node-cipher';
import { openFileStore } from '@latchkey/store';
import { createTransports } from '@latchkey/transports';
import { listPathRows } from './list-path.bench.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const QUICK = process.env.BENCH_QUICK === '1';
const FETCHES = QUICK ? 400 : 2000;

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const pct = (xs: number[], p: number) => sorted(xs)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (x: number) => `${x.toFixed(3)} ms`;
const rate = (n: number, msTotal: number) => `${Math.round((n / msTotal) * 1000).toLocaleString('en-US')}/s`;

interface Run {
  lat: number[];
  refused: Record<string, number>;
  ms: number;
}

/** `total` calls of `fn`, `concurrency` in flight at every moment. */
async function pool(total: number, concurrency: number, fn: () => Promise<unknown>): Promise<Run> {
  const lat: number[] = [];
  const refused: Record<string, number> = {};
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next < total) {
      next++;
      const t = performance.now();
      try {
        await fn();
        lat.push(performance.now() - t);
      } catch (error) {
        const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : 'ERROR';
        refused[code] = (refused[code] ?? 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { lat, refused, ms: performance.now() - started };
}

const refusedText = (r: Run) => {
  const n = Object.values(r.refused).reduce((a, b) => a + b, 0);
  return n === 0 ? '0 refused' : `${n} refused (${Object.entries(r.refused).map(([k, v]) => `${k} ${v}`).join(', ')})`;
};

function fsyncLatency(dir: string): number {
  const fd = openSync(join(dir, 'fsync-probe'), 'a');
  const lat: number[] = [];
  const line = Buffer.from(`${JSON.stringify({ seq: 1, type: 'ref.use', hash: 'x'.repeat(64) })}\n`);
  try {
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      writeSync(fd, line);
      fsyncSync(fd);
      lat.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
  }
  return pct(lat, 50);
}

/** Encrypt + decrypt of a token-sized secret, one core: the cipher's own ceiling for resolve. */
function aesGcmPerSecond(): number {
  const key = randomBytes(32);
  const secret = Buffer.from(JSON.stringify({ token: randomBytes(24).toString('base64') }));
  const n = 20_000;
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    const blob = Buffer.concat([c.update(secret), c.final()]);
    const tag = c.getAuthTag();
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAuthTag(tag);
    Buffer.concat([d.update(blob), d.final()]);
  }
  return (n / (performance.now() - t)) * 1000;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-paths-bench-'));
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const rows: string[] = [];
  const row = (figure: string, measured: string, target: string, limit: string) => rows.push(`| ${figure} | ${measured} | ${target} | ${limit} |`);
  let host: Awaited<ReturnType<typeof startNodeExtensionHost>> | null = null;
  try {
    // The machine's limits, in this run.
    const fsync = fsyncLatency(dir);
    const aes = aesGcmPerSecond();
    const plain: Record<number, Run> = {};
    for (const c of [1, 16, 64]) {
      await pool(200, c, () => fetch(`${base}/warm`).then((r) => r.text()));
      plain[c] = await pool(FETCHES, c, () => fetch(`${base}/plain`).then((r) => r.text()));
    }
    row('limit: fsync of one appended line, p50', ms(fsync), '—', `one fsync per line = ${Math.round(1000 / fsync).toLocaleString('en-US')}/s`);
    row('limit: AES-256-GCM encrypt + decrypt of a token', `${Math.round(aes).toLocaleString('en-US')}/s`, '—', 'one core');

    for (const r of await listPathRows(QUICK ? [100, 1000, 10_000] : [100, 1000, 10_000, 50_000])) rows.push(r);

    // The broker as the headless host wires it, default budgets.
    const store = await openFileStore(join(dir, 'data'));
    const transports = createTransports();
    const prompter = new ScriptedPrompter(() => ({ decision: 'always', duration: 'forever' }));
    const broker = createBroker({ ...store, cipher: await createNodeCipher({ env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') } }), transports, prompter, host: 'headless', storeProblems: () => store.problems() });
    await broker.ready;
    const runtime = join(root, 'apps/headless/dist/extension-runtime.mjs');
    host = await startNodeExtensionHost({
      broker,
      dataDir: join(dir, 'data'),
      roots: [
        { dir: join(root, 'extensions'), builtIn: true },
        { dir: fileURLToPath(new URL('../fixtures', import.meta.url)), builtIn: false },
      ],
      prebuiltRuntime: runtime,
      onOutput: () => undefined,
    });
    for (let i = 0; i < 500 && host.get('bench-ext')?.state !== 'running'; i++) await new Promise((r) => setTimeout(r, 20));
    if (host.get('bench-ext')?.state !== 'running') throw new Error(`the bench extension did not start: ${JSON.stringify(host.get('bench-ext'))}`);
    const app = { requester: { kind: 'app', id: 'bench', displayName: 'Bench' } satisfies Requester };
    const conn = (await broker.app['connections:create']({ providerId: 'http', name: 'Loopback API', scope: 'user', config: { baseUrl: base, authType: 'bearer' }, secrets: { token: randomBytes(16).toString('hex') } } as never, app)) as { id: string };

    // Resolve: what every ref operation starts with, called as the operations do.
    const ext: Requester = { kind: 'extension', id: 'bench-ext', displayName: 'Bench extension' };
    const granted = await broker.internals.consent.request(ext, { connectionId: conn.id, reason: 'bench', scopes: ['http.fetch'] });
    if (!granted.granted) throw new Error('refused');
    const resolve = () => broker.internals.operations.resolve(ext, granted.secretRef, 'http.fetch');
    await pool(500, 64, resolve);
    const r1 = await pool(QUICK ? 1000 : 3000, 1, resolve);
    const r64 = await pool(QUICK ? 4000 : 20_000, 64, resolve);
    row('resolve, one at a time', `${rate(r1.lat.length, r1.ms)}, p50 ${ms(pct(r1.lat, 50))}; ${refusedText(r1)}`, '≥ 0.9 × one fsync per line', `AES-GCM ${Math.round(aes).toLocaleString('en-US')}/s; fsync ${Math.round(1000 / fsync).toLocaleString('en-US')}/s`);
    row('resolve, 64 in flight', `${rate(r64.lat.length, r64.ms)}; ${refusedText(r64)}`, '0 refused, ≥ 20,000/s', `AES-GCM ${Math.round(aes).toLocaleString('en-US')}/s (${((r64.lat.length / r64.ms) * 1000 / aes).toFixed(2)}× of it)`);

    // http.fetch through a ref: from the extension's own process, and from an agent session.
    const grant = (await host.runCommand('bench-ext', 'grant', { connectionId: conn.id })) as { granted: boolean };
    if (!grant.granted) throw new Error('the bench extension was refused');
    const agent = createAgentSession(broker, { displayName: 'Bench agent' });
    const access = await agent.secrets.requestAccess({ connectionId: conn.id, reason: 'bench', scopes: ['http.fetch'] });
    if (!access.granted) throw new Error('the bench agent was refused');
    for (const c of [1, 16, 64]) {
      await host.runCommand('bench-ext', 'fetchRun', { total: 200, concurrency: c, url: '/warm' });
      const viaExt = (await host.runCommand('bench-ext', 'fetchRun', { total: FETCHES, concurrency: c, url: '/ext' })) as unknown as Run;
      await pool(200, c, () => agent.http.fetch({ ref: access.secretRef, request: { url: '/warm' } }));
      const viaAgent = await pool(FETCHES, c, () => agent.http.fetch({ ref: access.secretRef, request: { url: '/agent' } }));
      const p = plain[c]!;
      const pp50 = pct(p.lat, 50);
      for (const [who, r] of [['extension process', viaExt], ['agent session', viaAgent]] as const) {
        const p50 = pct(r.lat, 50);
        row(
          `http.fetch via ref, ${who}, ${c} in flight`,
          `p50 ${ms(p50)} (+${ms(p50 - pp50)}), ${rate(r.lat.length, r.ms)}; ${refusedText(r)}`,
          c === 1 ? '≤ 1 ms added p50' : '0 refused',
          `plain fetch p50 ${ms(pp50)}, ${rate(p.lat.length, p.ms)} (${(p50 / pp50).toFixed(1)}×)`,
        );
      }
    }
    await host.close();
    host = null;
    await broker.close();
    await transports.close();
    await store.close();
  } finally {
    await host?.close().catch(() => undefined);
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const load = loadavg().map((l) => l.toFixed(1)).join(' / ');
  process.stdout.write(`\nLatchkey paths bench — Node ${process.version}, ${new Date().toISOString()}, load average ${load} (1/5/15 min) on ${availableParallelism()} cores\n\n| figure | measured | target | limit in the same run |\n|---|---|---|---|\n${rows.join('\n')}\n`);
}

await main();
