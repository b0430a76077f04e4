// Same-run A/B of one durable audit append through the broker's AuditService over the real file store.
import { randomBytes } from 'node:crypto';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBroker } from '@latchkey/broker';
import { createFetchTransports } from '@latchkey/broker/testing';
import { createNodeCipher } from '@latchkey/node-cipher';
import { openFileStore } from '@latchkey/store';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (let round = 0; round < 3; round++) {
  const dir = mkdtempSync(join(tmpdir(), 'append-'));
  const store = await openFileStore(dir);
  const broker = createBroker({ ...store, cipher: await createNodeCipher({ env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') } }), transports: createFetchTransports(), host: 'headless' });
  // The machine's limit in the same run: one appended line made durable with fdatasync.
  const fd = openSync(join(dir, 'limit.jsonl'), 'a');
  const sync: number[] = [];
  for (let i = 0; i < 400; i++) {
    const t = performance.now();
    writeSync(fd, `{"line":${i},"pad":"${'x'.repeat(300)}"}\n`);
    fdatasyncSync(fd);
    sync.push(performance.now() - t);
  }
  closeSync(fd);
  const lat: number[] = [];
  for (let i = 0; i < 400; i++) {
    const t = performance.now();
    await broker.internals.audit.record({ type: 'connection.test', outcome: 'ok', detail: `bench ${i}` });
    lat.push(performance.now() - t);
  }
  const t0 = performance.now();
  for (let i = 0; i < 4096; i += 64) await Promise.all(Array.from({ length: 64 }, (_, j) => broker.internals.audit.record({ type: 'connection.test', outcome: 'ok', detail: `b ${i + j}` })));
  console.warn(`append+fdatasync p50 ${median(sync).toFixed(3)} ms; audit append sequential p50 ${median(lat).toFixed(3)} ms (${(median(lat) / median(sync)).toFixed(2)}×); 64 in flight ${Math.round(4096 / ((performance.now() - t0) / 1000))}/s`);
  await broker.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
