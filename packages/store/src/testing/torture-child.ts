/**
 * Run by torture.test.ts and killed with SIGKILL at a random moment: the real store and broker
 * (no UI) doing create/update/replace/delete/restore/purge in a loop, a few at a time on different
 * connections. After each operation resolves it prints `ack {json}` with the audit event ids it
 * produced. Names and tokens follow the audit: after U updates and R replaces, connection n is
 * named `c-<n> v<U>` and holds the token `t-<n>-<R>`, so the parent can tell from the audit log
 * alone what the data must be.
 */
import { createBroker, type AuditSink } from '@latchkey/broker';
import { createFetchTransports, testHttpProvider } from '@latchkey/broker/testing';
import type { AuditEvent } from '@latchkey/contracts';
import { openFileStore } from '../index.js';
import { fixedKeyCipher, seededRandom } from './torture-support.js';

const [dir, seedText] = process.argv.slice(2) as [string, string];
const random = seededRandom(Number(seedText));
// A small compaction threshold, so kills also land in background compactions and journal cuts
// (and every start after a kill folds the journal into the snapshots).
const store = await openFileStore(dir, { audit: { maxFileBytes: 64 * 1024, maxFiles: 10_000 }, compaction: { maxBytes: 1 << 30, maxRecords: 25 } });

// Which events each operation produced, by connection id, as the sink received them.
const appended = new Map<string, string[]>();
// A recording wrapper must pass everything through: the seal goes to the head kept outside the
// log (a head written without it is, rightly, reported as not written by Latchkey), and the
// stored head and retention listener are what the startup check and retention rely on.
const sink: AuditSink = {
  tail: () => store.audit.tail(),
  lines: (from?: number) => store.audit.lines(from),
  storedHead: () => store.audit.storedHead?.() ?? null,
  onRetention: (listener) => store.audit.onRetention?.(listener),
  append: async (event: AuditEvent, seal?: string) => {
    await store.audit.append(event, seal);
    if (event.eventId && event.connectionId) appended.set(event.connectionId, [...(appended.get(event.connectionId) ?? []), event.eventId]);
  },
};
const broker = createBroker({ cipher: fixedKeyCipher(), ...store, audit: sink, storeProblems: () => store.problems(), transports: createFetchTransports(), host: 'headless' });
broker.providers.register(testHttpProvider, '@latchkey/ext-http');
await broker.ready;
const actor = { kind: 'app' as const, id: 'torture', displayName: 'Torture' };
const service = broker.internals.connections;

interface Model {
  n: number;
  updates: number;
  replaces: number;
}
const models = new Map<string, Model>();
const existing = service.list({}).concat(service.list({ deleted: true }));
// Continue from what the store holds: counts come from the names and tokens it has.
for (const c of existing) {
  const match = /^c-(\d+)(?: v(\d+))?$/.exec(c.name);
  if (!match) continue;
  const record = store.connections.get(c.id)!;
  const token = (await service.resolve(record)).secrets.token ?? '';
  models.set(c.id, { n: Number(match[1]), updates: Number(match[2] ?? 0), replaces: Number(token.split('-')[2] ?? 0) });
}
let next = Math.max(-1, ...[...models.values()].map((m) => m.n)) + 1;
const busy = new Set<string>();

const nameOf = (m: Model) => (m.updates ? `c-${m.n} v${m.updates}` : `c-${m.n}`);
const pick = (deleted: boolean) => {
  const ids = [...models.keys()].filter((id) => !busy.has(id) && (store.connections.get(id)?.deletedAt !== null) === deleted);
  return ids.length ? ids[Math.floor(random() * ids.length)]! : null;
};

async function step(): Promise<void> {
  const roll = random();
  let op: string;
  let id: string | null = null;
  const run = async (what: string, target: string, action: () => Promise<unknown>) => {
    op = what;
    busy.add(target);
    const before = appended.get(target)?.length ?? 0;
    try {
      await action();
      const eventIds = (appended.get(target) ?? []).slice(before);
      process.stdout.write(`ack ${JSON.stringify({ op, id: target, eventIds })}\n`);
    } finally {
      busy.delete(target);
    }
  };
  if (roll < 0.3 || models.size < 4) {
    const n = next++;
    const created = await service.create({ providerId: 'http', name: `c-${n}`, scope: 'user', config: { baseUrl: `https://c${n}.example.test`, authType: 'bearer' }, secrets: { token: `t-${n}-0` } }, actor);
    models.set(created.id, { n, updates: 0, replaces: 0 });
    const eventIds = appended.get(created.id) ?? [];
    process.stdout.write(`ack ${JSON.stringify({ op: 'create', id: created.id, eventIds })}\n`);
    return;
  }
  if (roll < 0.5 && (id = pick(false))) {
    const m = models.get(id)!;
    return run('update', id, async () => {
      await service.update({ id: id!, name: nameOf({ ...m, updates: m.updates + 1 }) }, actor);
      m.updates++;
    });
  }
  if (roll < 0.7 && (id = pick(false))) {
    const m = models.get(id)!;
    // A Replace that also renames: one commit with a connection.update and a secret.replace.
    return run('replace', id, async () => {
      await service.update({ id: id!, name: nameOf({ ...m, updates: m.updates + 1 }), secrets: { token: `t-${m.n}-${m.replaces + 1}` } }, actor);
      m.updates++;
      m.replaces++;
    });
  }
  if (roll < 0.82 && (id = pick(false))) return run('delete', id, () => service.remove(id!, actor));
  if (roll < 0.91 && (id = pick(true))) return run('restore', id, () => service.restore(id!, actor));
  if ((id = pick(true))) {
    const target = id;
    return run('purge', target, async () => {
      await service.purge(target, actor);
      models.delete(target);
    });
  }
}

process.stdout.write('ready\n');
// Four workers on different connections, so writes coalesce and interleave as they do in use.
await Promise.all(
  Array.from({ length: 4 }, async () => {
    for (;;) await step();
  }),
);
