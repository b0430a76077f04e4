import { createBroker, type AuditAnchorStore, type Cipher } from '@latchkey/broker';
import { createFetchTransports, ManualClock, ScriptedPrompter, testHttpProvider } from '@latchkey/broker/testing';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openFileStore } from '../index.js';
import { tempDir } from '../test-helpers.js';

// What the audit-rollback exploit tests share: a broker on a real data folder, with (or without)
// an anchor kept where a copy of the folder does not reach, and byte copies of the folder's files.

export const app = { requester: { kind: 'app' as const, id: 'window:main', displayName: 'Latchkey' } };
/** The audit's own timer, stopped: the anchor is written by event count here, never by time. */
const frozen = { now: () => 0, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

export const AUDIT_FILES = ['audit', 'audit.head.json'];
export const CONNECTION_FILES = ['connections.json', 'connections.journal'];
export const SECRET_FILES = ['secrets.json', 'secrets.journal'];

/** Opens the folder and starts a broker on it, its startup check run. */
export async function startAnchored(dataDir: string, cipher: Cipher, anchor: AuditAnchorStore | null, every = { events: 4, ms: 60_000 }) {
  const store = await openFileStore(dataDir);
  const broker = createBroker({
    cipher,
    ...store,
    clock: new ManualClock(),
    prompter: new ScriptedPrompter(() => ({ decision: 'always', duration: '1h' })),
    transports: createFetchTransports(),
    host: 'headless',
    ...(anchor ? { auditAnchor: anchor, storeSeqs: () => store.journalSeqs() } : {}),
    options: { auditTimer: frozen, auditAnchorEvery: every },
  });
  broker.providers.register(testHttpProvider, '@latchkey/ext-http');
  await broker.ready;
  await broker.internals.audit.checkAtStartup();
  return { broker, store, stop: async () => (await broker.close(), await store.close()) };
}
export type Started = Awaited<ReturnType<typeof startAnchored>>;

/** `n` audited changes (a connection created and deleted, each). */
export async function busy(b: Started, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const c = await b.broker.app['connections:create']({ providerId: 'http', name: `C${i}`, scope: 'user', config: { baseUrl: 'https://a.example.test', authType: 'none' }, secrets: {} }, app);
    await b.broker.app['connections:delete']({ id: c.id }, app);
  }
}

/** What a backup holds: a byte copy of the named files now; the returned function puts it back. */
export function copyOf(dataDir: string, names: string[]): (into: string) => void {
  const saved = join(tempDir(), 'copy');
  for (const name of names) if (existsSync(join(dataDir, name))) cpSync(join(dataDir, name), join(saved, name), { recursive: true });
  return (into) => {
    for (const name of names) {
      rmSync(join(into, name), { recursive: true, force: true });
      if (existsSync(join(saved, name))) cpSync(join(saved, name), join(into, name), { recursive: true });
    }
  };
}
