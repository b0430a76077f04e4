// Same-run A/B of the resolve path (grant check + decrypt + durable audit), old vs new code.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBroker } from '@latchkey/broker';
import { createFetchTransports, ScriptedPrompter, testHttpProvider } from '@latchkey/broker/testing';
import { createNodeCipher } from '@latchkey/node-cipher';
import { openFileStore } from '@latchkey/store';
const ext = { kind: 'extension' as const, id: 'bench.ext', displayName: 'Bench' };
const app = { requester: { kind: 'app' as const, id: 'bench', displayName: 'Bench' } };
const unlimited = { perSecond: 1e9, burst: 1e9, perHour: 1e12 };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const out: string[] = [];
for (let round = 0; round < 3; round++) {
  const dir = mkdtempSync(join(tmpdir(), 'ab-'));
  const store = await openFileStore(dir);
  const broker = createBroker({ ...store, cipher: await createNodeCipher({ env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') } }), transports: createFetchTransports(), prompter: new ScriptedPrompter(() => ({ decision: 'always', duration: 'forever' })), host: 'headless', options: { auditRates: { app: unlimited, extension: unlimited, agent: unlimited } } as never });
  broker.providers.register(testHttpProvider, 'bench');
  const c = await broker.app['connections:create']({ providerId: 'http', name: 'API', scope: 'user', config: { baseUrl: 'https://a.example.test', authType: 'bearer' }, secrets: { token: 't' } } as never, app);
  const g = await broker.internals.consent.request(ext, { connectionId: (c as { id: string }).id, reason: 'b', scopes: ['http.fetch'] });
  if (!g.granted) throw new Error('refused');
  const lat: number[] = [];
  for (let i = 0; i < 400; i++) {
    const t = performance.now();
    await broker.internals.operations.resolve(ext, g.secretRef, 'http.fetch');
    lat.push(performance.now() - t);
  }
  const t0 = performance.now();
  for (let i = 0; i < 4096; i += 64) await Promise.all(Array.from({ length: 64 }, () => broker.internals.operations.resolve(ext, g.secretRef, 'http.fetch')));
  const par = 4096 / ((performance.now() - t0) / 1000);
  out.push(`resolve sequential p50 ${median(lat).toFixed(3)} ms; 64 in flight ${Math.round(par)}/s`);
  await broker.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
console.warn(out.join('\n'));
