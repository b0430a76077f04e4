/**
 * The audit log at the size bound, through the paths callers use (broker channels over the real
 * file store), next to the machine's limits measured in the same run:
 * - one 450-byte append + fdatasync, and one atomic small-file replace (the head);
 * - record latency one at a time (log fsync + head write), and 64 in flight (shared flushes);
 * - filling 100,000 events with the default retention: average line, files, what is kept;
 * - cold start → startup check done, then the first page, a filtered page, and a verify of
 *   everything appended since (incremental), while a concurrent call's latency is measured.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBroker, DEFAULT_AUDIT_RATES } from '@latchkey/broker';
import { createFetchTransports, ScriptedPrompter, testHttpProvider } from '@latchkey/broker/testing';
import type { Requester } from '@latchkey/contracts';
import { createNodeCipher } from '@latchkey/node-cipher';
import { FileAuditLog, openFileStore, writeFileAtomic } from '@latchkey/store';

const app = { requester: { kind: 'app', id: 'bench', displayName: 'Bench' } as Requester };
const ext: Requester = { kind: 'extension', id: 'bench.ext', displayName: 'Bench extension' };
const env = { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') };
const unlimited = { ...DEFAULT_AUDIT_RATES, extension: { perSecond: 1e9, burst: 1e9, perHour: 1e12 }, app: { perSecond: 1e9, burst: 1e9, perHour: 1e12 } };
const N = Number(process.env['AUDIT_EVENTS'] ?? 100_000);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function open(dir: string) {
  const store = await openFileStore(dir);
  const broker = createBroker({ ...store, cipher: await createNodeCipher({ env }), transports: createFetchTransports(), prompter: new ScriptedPrompter(() => ({ decision: 'always', duration: 'forever' })), host: 'headless', options: { auditRates: unlimited } });
  broker.providers.register(testHttpProvider, 'bench');
  return { store, broker, stop: async () => (await broker.close(), await store.close()) };
}

async function limits(dir: string) {
  const line = Buffer.from(`${'x'.repeat(449)}\n`);
  const fd = await fsp.open(join(dir, 'limit.jsonl'), 'a');
  const append: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await fd.write(line);
    await fd.datasync();
    append.push(performance.now() - t);
  }
  await fd.close();
  const atomic: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await writeFileAtomic(join(dir, 'limit.head.json'), JSON.stringify({ seq: i, hash: 'h'.repeat(64), seal: 's'.repeat(64) }));
    atomic.push(performance.now() - t);
  }
  return { append: median(append), atomic: median(atomic) };
}

const dir = mkdtempSync(join(tmpdir(), 'latchkey-audit-bench-'));
try {
  console.warn(`Latchkey audit bench — Node ${process.version}, ${new Date().toISOString()}, ${N.toLocaleString('en-US')} events`);
  const limit = await limits(dir);
  console.warn(`- limit: one 450-byte append + fdatasync p50 ${limit.append.toFixed(3)} ms (${Math.round(1000 / limit.append)}/s); atomic head replace (temp, fsync, rename, fsync folder) p50 ${limit.atomic.toFixed(3)} ms`);

  // What the head outside the log costs an append, one at a time, in interleaved rounds.
  {
    const withHead = await FileAuditLog.open(join(dir, 'with-head', 'audit'));
    const without = await FileAuditLog.open(join(dir, 'without-head', 'audit'), { headPath: null });
    const cost = { with: [] as number[], without: [] as number[] };
    const seqs = { with: 0, without: 0 };
    const prev = { with: '0'.repeat(64), without: '0'.repeat(64) };
    for (let round = 0; round < 10; round++) {
      for (const [name, log] of [['with', withHead], ['without', without]] as const) {
        for (let i = 0; i < 50; i++) {
          const seq = seqs[name]++;
          const hash = randomBytes(32).toString('hex');
          const t = performance.now();
          await log.append({ type: 'ref.use', outcome: 'ok', connectionId: 'c1', seq, at: new Date().toISOString(), prevHash: prev[name], hash, alg: 'hmac-sha256' }, 's'.repeat(64));
          cost[name].push(performance.now() - t);
          prev[name] = hash;
        }
      }
    }
    await withHead.close();
    await without.close();
    console.warn(`- one append, one at a time: p50 ${median(cost.without).toFixed(3)} ms without a head, ${median(cost.with).toFixed(3)} ms with the head written beside it (${(median(cost.with) / median(cost.without)).toFixed(2)}×)`);
  }

  const data = join(dir, 'data');
  let b = await open(data);
  const conn = await b.broker.app['connections:create']({ providerId: 'http', name: 'API', scope: 'user', config: { baseUrl: 'https://api.example.test', authType: 'bearer' }, secrets: { token: 't' } }, app);
  const grant = await b.broker.internals.consent.request(ext, { connectionId: conn.id, reason: 'bench', scopes: ['http.fetch'] });
  if (!grant.granted) throw new Error('grant refused');
  const resolve = () => b.broker.internals.operations.resolve(ext, grant.secretRef, 'http.fetch');

  const seq: number[] = [];
  for (let i = 0; i < 500; i++) {
    const t = performance.now();
    await resolve();
    seq.push(performance.now() - t);
  }
  console.warn(`- resolve one at a time (grant check + decrypt + durable audit: log and head fsyncs side by side): p50 ${median(seq).toFixed(3)} ms (${Math.round(1000 / median(seq))}/s; ${(1000 / median(seq) / (1000 / limit.append)).toFixed(2)} × one-fsync-per-line)`);
  let t0 = performance.now();
  for (let i = 0; i < 5000; i += 64) await Promise.all(Array.from({ length: 64 }, resolve));
  console.warn(`- resolve 64 in flight: ${Math.round(5000 / ((performance.now() - t0) / 1000)).toLocaleString('en-US')}/s`);

  t0 = performance.now();
  const fill = N - (b.store.audit.tail()?.seq ?? 0) - 1;
  for (let i = 0; i < fill; i += 1000) await Promise.all(Array.from({ length: Math.min(1000, fill - i) }, resolve));
  console.warn(`- filled to ${N.toLocaleString('en-US')} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await b.stop();

  const files = readdirSync(join(data, 'audit')).filter((f) => f.endsWith('.jsonl'));
  const bytes = files.reduce((sum, f) => sum + statSync(join(data, 'audit', f)).size, 0);
  t0 = performance.now();
  b = await open(data);
  const opened = performance.now() - t0;
  const checked = await b.broker.internals.audit.checkAtStartup();
  const checkMs = performance.now() - t0;
  const verifiedCount = (await b.broker.app['audit:verify']({}, app)).events;
  console.warn(`- on disk: ${files.length} files, ${(bytes / 1048576).toFixed(1)} MiB, ${Math.round(bytes / verifiedCount)} bytes/event average; ${verifiedCount.toLocaleString('en-US')} events kept (defaults: 8 files of 8 MiB)`);
  console.warn(`- cold open (store + broker): ${opened.toFixed(0)} ms; startup check of the whole log done (in the background, in chunks): ${checkMs.toFixed(0)} ms → ${checked.state}`);

  const page: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await b.broker.app['audit:list']({ limit: 50 }, app);
    page.push(performance.now() - t);
  }
  const filtered: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await b.broker.app['audit:list']({ types: ['access.grant'], limit: 50 }, app);
    filtered.push(performance.now() - t);
  }
  const deep: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await b.broker.app['audit:list']({ limit: 50, before: 1000 + i * 3000 }, app);
    deep.push(performance.now() - t);
  }
  console.warn(`- audit:list first page (50) at ${verifiedCount.toLocaleString('en-US')}: p50 ${median(page).toFixed(2)} ms; filtered by type: ${median(filtered).toFixed(2)} ms; a deep page: ${median(deep).toFixed(2)} ms`);
  await b.stop();

  // A full verify of N events (a fresh broker: nothing checked yet), with a call timed beside it.
  b = await open(data);
  const gaps: number[] = [];
  let done = false;
  t0 = performance.now();
  const verifying = Promise.resolve(b.broker.app['audit:verify']({}, app)).then((r) => ((done = true), r));
  while (!done) {
    const t = performance.now();
    await b.broker.app['connections:list']({ deleted: false }, app);
    await new Promise((r) => setImmediate(r));
    gaps.push(performance.now() - t);
  }
  const verified = await verifying;
  const verifyMs = performance.now() - t0;
  gaps.sort((a, b) => a - b);
  console.warn(
    `- audit:verify of ${verified.events.toLocaleString('en-US')} (from cold): ${verifyMs.toFixed(0)} ms wall, ${verified.ok ? 'ok' : verified.message}; ${gaps.length} other calls completed meanwhile, their p50 ${median(gaps).toFixed(2)} ms, max ${gaps.at(-1)!.toFixed(2)} ms`,
  );
  const t1 = performance.now();
  await b.broker.app['audit:verify']({}, app);
  console.warn(`- audit:verify again (incremental, nothing new): ${(performance.now() - t1).toFixed(2)} ms`);
  await b.stop();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
