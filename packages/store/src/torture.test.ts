/**
 * kill -9 at random points while the real store and broker create, update, replace, delete,
 * restore and purge connections; after each kill the folder is opened again and checked:
 * - every acknowledged operation's audit events are in the log, and the chain verifies;
 * - the data is exactly what the audit log says happened (so no landed change lacks its record,
 *   and no record names a change that did not land, acknowledged or not);
 * - every record's secret decrypts to the token the log implies; no blob is left without a record;
 * - no file is corrupt or moved aside.
 * The child compacts its journals every 25 records, so kills land in appends, background
 * compactions, journal cuts and the compaction at start alike.
 * 30 kills by default; LATCHKEY_TORTURE_KILLS=120 for more, LATCHKEY_TORTURE_SEED to replay.
 */
import { AUDIT_KEY_ID, createBroker } from '@latchkey/broker';
import { createFetchTransports, testHttpProvider } from '@latchkey/broker/testing';
import type { AuditEvent } from '@latchkey/contracts';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openFileStore } from './index.js';
import { tempDir } from './test-helpers.js';
import { fixedKeyCipher, seededRandom } from './testing/torture-support.js';

const KILLS = Number(process.env.LATCHKEY_TORTURE_KILLS ?? 30);
const SEED = Number(process.env.LATCHKEY_TORTURE_SEED ?? 20261130);
const AUDIT = { maxFileBytes: 64 * 1024, maxFiles: 10_000 };
const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

interface Ack {
  op: string;
  id: string;
  eventIds: string[];
}

/** Events each acknowledged operation must have produced. */
const EVENTS_PER_OP: Record<string, number> = { create: 2, update: 1, replace: 2, delete: 1, restore: 1, purge: 1 };

/** Runs the child until the kill; `killAt` is ms after spawn, or ms after "ready" when `afterReady`. */
function runUntilKilled(dir: string, seed: number, killAt: number, afterReady: boolean): Promise<{ acks: Ack[]; readyMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/testing/torture-child.ts', dir, String(seed)], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Ack[] = [];
    let readyMs = 0;
    let buffered = '';
    let stderr = '';
    const kill = () => child.kill('SIGKILL');
    if (!afterReady) setTimeout(kill, killAt);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') {
          readyMs = Date.now() - started;
          if (afterReady) setTimeout(kill, killAt);
        } else if (line.startsWith('ack ')) acks.push(JSON.parse(line.slice(4)) as Ack);
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve({ acks, readyMs }) : reject(new Error(`the child exited (${code}) before the kill: ${stderr}`))));
  });
}

interface Expected {
  n: number;
  updates: number;
  replaces: number;
  deleted: boolean;
  exists: boolean;
}

/** What the data must be, replayed from the audit log alone. */
function replay(events: AuditEvent[]): Map<string, Expected> {
  const state = new Map<string, Expected>();
  for (const e of events) {
    if (!e.connectionId) continue;
    const s = state.get(e.connectionId);
    if (e.type === 'connection.create') {
      const n = Number(/"c-(\d+)"/.exec(e.detail ?? '')?.[1]);
      state.set(e.connectionId, { n, updates: 0, replaces: 0, deleted: false, exists: true });
      continue;
    }
    if (!s) continue;
    if (e.type === 'connection.update') s.updates++;
    else if (e.type === 'secret.replace') s.replaces++;
    else if (e.type === 'connection.delete') s.deleted = true;
    else if (e.type === 'connection.restore') s.deleted = false;
    else if (e.type === 'connection.purge') s.exists = false;
  }
  return state;
}

async function checkFolder(dir: string, acks: Ack[], round: number): Promise<void> {
  const where = `after kill ${round} (seed ${SEED})`;
  const store = await openFileStore(dir, { audit: AUDIT });
  expect(store.problems(), where).toEqual([]);
  expect(readdirSync(dir).filter((name) => name.includes('corrupt')), where).toEqual([]);
  const broker = createBroker({ cipher: fixedKeyCipher(), ...store, storeProblems: () => store.problems(), transports: createFetchTransports(), host: 'headless', options: {} });
  broker.providers.register(testHttpProvider, '@latchkey/ext-http');
  await broker.ready;
  await broker.internals.audit.flush();
  try {
    const verified = await broker.internals.audit.verify();
    expect(verified, `${where}: ${JSON.stringify(verified)}`).toMatchObject({ ok: true });
    const events = [...store.audit.lines()].map((line) => JSON.parse(line.text) as AuditEvent);
    const logged = new Set(events.flatMap((e) => (e.eventId ? [e.eventId] : [])));
    for (const ack of acks) {
      expect(ack.eventIds, `${where}: ${ack.op} ${ack.id}`).toHaveLength(EVENTS_PER_OP[ack.op]!);
      for (const id of ack.eventIds) expect(logged.has(id), `${where}: the event of acknowledged ${ack.op} ${ack.id}`).toBe(true);
    }
    // No event twice (a recovery that appended what the log already had).
    expect(logged.size, where).toBe(events.filter((e) => e.eventId).length);

    const expected = replay(events);
    const live = [...expected].filter(([, s]) => s.exists);
    expect(store.connections.all().map((r) => r.id).sort(), `${where}: connections`).toEqual(live.map(([id]) => id).sort());
    for (const [id, s] of live) {
      const record = store.connections.get(id)!;
      expect(record.name, `${where}: ${id}`).toBe(s.updates ? `c-${s.n} v${s.updates}` : `c-${s.n}`);
      expect(record.deletedAt !== null, `${where}: ${id} in the Trash`).toBe(s.deleted);
      const resolved = await broker.internals.connections.resolve(record);
      expect(resolved.secrets.token, `${where}: ${id} token`).toBe(`t-${s.n}-${s.replaces}`);
    }
    // Every blob belongs to a record, except the broker's own audit key.
    const referenced = new Set(store.connections.all().flatMap((r) => Object.values(r.secretIds)));
    expect([...store.secrets.ids()].filter((id) => id !== AUDIT_KEY_ID).sort(), `${where}: blobs`).toEqual([...referenced].sort());
    expect(store.secrets.get(AUDIT_KEY_ID), `${where}: the audit key`).toBeDefined();
  } finally {
    await broker.close();
    await store.close();
  }
}

describe('kill -9 during connection changes (torture)', () => {
  it(`loses no acknowledged write or audit event and audits nothing that did not land, over ${KILLS} kills`, async () => {
    const dir = tempDir();
    const random = seededRandom(SEED);
    let lastReadyMs = 1000;
    let acknowledged = 0;
    for (let round = 1; round <= KILLS; round++) {
      // Most kills land in the operation loop; the first and every fourth land anywhere from
      // start-up on: the very first start (the audit key being made) and recovery included.
      const duringStart = round === 1 || round % 4 === 0;
      const killAt = duringStart ? random() * lastReadyMs * 1.2 : random() * 250;
      const { acks, readyMs } = await runUntilKilled(dir, Math.floor(random() * 2 ** 31), killAt, !duringStart);
      if (readyMs) lastReadyMs = readyMs;
      acknowledged += acks.length;
      await checkFolder(dir, acks, round);
    }
    console.warn(`torture: ${KILLS} kills, ${acknowledged} acknowledged operations (seed ${SEED})`);
    expect(acknowledged).toBeGreaterThan(KILLS);
  }, 600_000);
});
