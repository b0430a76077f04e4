// Template resolution beside the resolve figure, over the real file store and Node cipher (1,000 connections).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBroker, DEFAULT_AUDIT_RATES } from '@latchkey/broker';
import { ScriptedPrompter, createFetchTransports, testHttpProvider } from '@latchkey/broker/testing';
import type { Requester } from '@latchkey/contracts';
import { createNodeCipher } from '@latchkey/node-cipher';
import { openFileStore } from '@latchkey/store';
import { templateRows } from './template-rows.js';

const app = { requester: { kind: 'app', id: 'bench', displayName: 'Bench' } as Requester };
const ext: Requester = { kind: 'extension', id: 'bench.ext', displayName: 'Bench extension' };
const unlimited = { perSecond: 1e9, burst: 1e9, perHour: 1e12 };
const dir = mkdtempSync(join(tmpdir(), 'latchkey-template-bench-'));
try {
  const store = await openFileStore(dir);
  const broker = createBroker({
    ...store,
    cipher: await createNodeCipher({ env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') } }),
    transports: createFetchTransports(),
    prompter: new ScriptedPrompter(() => ({ decision: 'always', duration: 'forever' })),
    host: 'headless',
    options: { auditRates: { ...DEFAULT_AUDIT_RATES, extension: unlimited, app: unlimited } },
  });
  broker.providers.register(testHttpProvider, 'bench');
  const n = 1000;
  for (let i = 0; i < n; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, j) => broker.app['connections:create']({ providerId: 'http', name: `conn ${i + j}`, scope: 'user', config: { baseUrl: `https://api${i + j}.example.com`, authType: 'bearer' }, secrets: { token: `token-${i + j}-${randomBytes(8).toString('hex')}` } } as never, app)));
  }
  const id = broker.internals.connections.list({})[0]!.id;
  const granted = await broker.internals.consent.request(ext, { connectionId: id, reason: 'bench', scopes: ['http.fetch'] });
  if (!granted.granted) throw new Error('bench grant was refused');
  const resolve = async () => {
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) await broker.internals.operations.resolve(ext, granted.secretRef, 'http.fetch');
    return Math.round(1000 / ((performance.now() - t0) / 1000));
  };
  const resolved = await resolve();
  const rows = await templateRows(broker, ext, id, n);
  console.warn(`Template resolution — Node ${process.version}, ${new Date().toISOString()}, ${n} stored connections`);
  console.warn('| operation | ops/s | p50 ms | p99 ms |\n|---|---:|---:|---:|');
  console.warn(`| resolve (ref, sequential, coalesced audit) | ${resolved.toLocaleString('en-US')} | | |`);
  for (const r of rows) console.warn(`| ${r.op} | ${r.opsPerSec.toLocaleString('en-US')} | ${r.p50.toFixed(4)} | ${r.p99.toFixed(4)} |`);
  await broker.close();
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
