/**
 * One damaged file must not cost everything: before, a damaged connections.json was moved aside
 * and the app started with no connections and no grants, with no older copy to go back to.
 */
import { createBroker } from '@latchkey/broker';
import { createFetchTransports, createTestCipher, testHttpProvider } from '@latchkey/broker/testing';
import { appChannels, createDispatcher, type StoreGeneration } from '@latchkey/contracts';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileStore } from './index.js';
import { tempDir } from './test-helpers.js';

const ctx = { requester: { kind: 'app' as const, id: 'window:main', displayName: 'Latchkey' } };
const cipher = createTestCipher();

async function start(dir: string) {
  const store = await openFileStore(dir);
  const broker = createBroker({ cipher, ...store, storeProblems: () => store.problems(), transports: createFetchTransports(), host: 'headless' });
  broker.providers.register(testHttpProvider, '@latchkey/ext-http');
  await broker.ready;
  const dispatch = createDispatcher(appChannels, broker.app);
  const call = async <T = { id: string }>(channel: string, input: unknown): Promise<T> => {
    const result = await dispatch(channel, input, ctx);
    if (!result.ok) throw Object.assign(new Error(result.error.message), result.error);
    return result.value as T;
  };
  return { store, broker, call, stop: async () => (await broker.close(), await store.close()) };
}

const create = (name: string, token?: string) => ({
  providerId: 'http',
  name,
  scope: 'user',
  config: { baseUrl: `https://${name.toLowerCase()}.example.test`, authType: token ? 'bearer' : 'none' },
  secrets: token ? { token } : {},
});

describe('the last good generation of connections.json', () => {
  it('is kept at every compaction, offered with what differs when the file is damaged, and restored (audited)', async () => {
    const dir = tempDir();
    const first = await start(dir);
    await first.call('connections:create', create('Billing', 'tok-billing'));
    await first.call('connections:create', create('Search'));
    await first.call('connections:create', create('Mail'));
    await first.stop();
    // The snapshot is rewritten at each compaction (here: at close); the one before is kept. The
    // first session's close made the first snapshot, so the second session's close keeps it.
    expect(existsSync(join(dir, 'connections.json.prev'))).toBe(false);
    const second = await start(dir);
    await second.call('connections:create', create('Later'));
    await second.stop();
    expect(existsSync(join(dir, 'connections.json.prev'))).toBe(true);

    writeFileSync(join(dir, 'connections.json'), '{"schemaVersion":1,"connections":[{"trunc');
    const damaged = await start(dir);
    expect(damaged.store.connections.all()).toEqual([]);
    expect(damaged.store.problems()).toHaveLength(1);
    // The person adds one connection before restoring: the restore says it would go.
    await damaged.call('connections:create', create('Scratch'));
    const { generations } = await damaged.call<{ generations: StoreGeneration[] }>('store:generations', {});
    const offered = generations.find((g) => g.file === 'connections.json')!;
    expect(offered).toMatchObject({ counts: { connections: 3, grants: 0 }, current: { connections: 1 }, added: ['Billing', 'Mail', 'Search'], removed: ['Scratch'], truncated: false });

    const restored = await damaged.call<{ ok: true; message: string }>('store:restore', { file: 'connections.json' });
    expect(restored.message).toMatch(/restored from its last good version: 3 connections and 0 grants/);
    expect(damaged.store.connections.all().map((c) => c.name).sort()).toEqual(['Billing', 'Mail', 'Search']);
    expect(damaged.store.problems()).toEqual([]);
    const status = await damaged.call<{ storeProblems: unknown[] }>('system:status', {});
    expect(status.storeProblems).toEqual([]);
    const audit = await damaged.call<{ events: Array<{ type: string; detail?: string }> }>('audit:list', { types: ['store.restore'] });
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]!.detail).toMatch(/connections\.json restored/);
    // The restored secret still decrypts: its blob was never dropped.
    const billing = damaged.store.connections.all().find((c) => c.name === 'Billing')!;
    expect((await damaged.broker.internals.connections.resolve(billing)).secrets).toEqual({ token: 'tok-billing' });
    await damaged.stop();

    const after = await start(dir);
    expect(after.store.problems()).toEqual([]);
    expect(after.store.connections.all().map((c) => c.name).sort()).toEqual(['Billing', 'Mail', 'Search']);
    expect((await after.broker.internals.audit.verify()).ok).toBe(true);
    await after.stop();
  });

  it('is not overwritten by the writes of a session that started from a damaged file', async () => {
    const dir = tempDir();
    const first = await start(dir);
    await first.call('connections:create', create('A'));
    await first.call('connections:create', create('B'));
    await first.stop();
    const second = await start(dir);
    await second.call('connections:create', create('C'));
    await second.stop();
    const kept = readFileSync(join(dir, 'connections.json.prev'), 'utf8');
    writeFileSync(join(dir, 'connections.json'), 'not json');
    const damaged = await start(dir);
    for (const name of ['X', 'Y', 'Z']) await damaged.call('connections:create', create(name));
    await damaged.stop();
    expect(readFileSync(join(dir, 'connections.json.prev'), 'utf8')).toBe(kept);
  });

  it('refuses a restore when no generation is kept', async () => {
    const s = await start(tempDir());
    await expect(s.call('store:restore', { file: 'connections.json' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await s.call<{ generations: unknown[] }>('store:generations', {})).generations).toEqual([]);
    await s.stop();
  });
});

describe('the last good generation of secrets.json', () => {
  it('gives back the secrets a damaged secrets.json lost, without replacing any that are there', async () => {
    const dir = tempDir();
    const first = await start(dir);
    const a = await first.call('connections:create', create('A', 'tok-a'));
    await first.call('connections:create', create('B', 'tok-b'));
    await first.stop();
    const second = await start(dir);
    await second.call('connections:create', create('C', 'tok-c'));
    await second.stop();
    writeFileSync(join(dir, 'secrets.json'), '{"version":1,"blobs":');
    const damaged = await start(dir);
    const { generations } = await damaged.call<{ generations: StoreGeneration[] }>('store:generations', {});
    // The generation is one compaction behind: it has A's and B's secrets, not C's.
    expect(generations.find((g) => g.file === 'secrets.json')).toMatchObject({ added: ['A', 'B'] });
    await damaged.call('store:restore', { file: 'secrets.json' });
    const record = damaged.store.connections.get(a.id)!;
    expect((await damaged.broker.internals.connections.resolve(record)).secrets).toEqual({ token: 'tok-a' });
    expect(damaged.store.problems()).toEqual([]);
    await damaged.stop();
  });
});
