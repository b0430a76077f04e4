/**
 * Run by crash.test.ts as a child process that is killed with SIGKILL mid-write: puts
 * connections, secrets and audit events as fast as it can and prints "ack <n>" after each round
 * is durable. The parent checks that every acknowledged round survived and no file is corrupt.
 */
import { openFileStore } from '../index.js';
import { auditEvent, connection } from '../test-helpers-data.js';

const dir = process.argv[2]!;
const store = await openFileStore(dir, { audit: { maxFileBytes: 16 * 1024, maxFiles: 1000 } });
// A few MB of connections, so every round rewrites a file big enough for the kill to land inside.
if (!store.connections.get('pad-0')) {
  await Promise.all(Array.from({ length: 1500 }, (_, i) => store.connections.put(connection(i, { id: `pad-${i}`, config: { blob: 'p'.repeat(2000) } }))));
}
// The audit log refuses a line that does not continue its tail: carry on from where the last run stopped.
const base = (store.audit.tail()?.seq ?? -1) + 1;
for (let n = 0; ; n++) {
  await Promise.all([
    store.connections.put(connection(n, { name: `Round ${n}` })),
    store.secrets.put(`sec-${n}`, new Uint8Array(64).fill(n % 256)),
    store.audit.append(auditEvent(base + n)),
  ]);
  process.stdout.write(`ack ${n}\n`);
}
