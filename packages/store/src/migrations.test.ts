import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileStore } from './index.js';
import { applyMigrations, type Migration } from './migrations.js';
import { connection, T0, tempDir } from './test-helpers.js';

/** A made-up version 0 of connections.json that kept connections under "items" and had no grants. */
const fromItems: Migration = {
  from: 0,
  to: 1,
  migrate: ({ items, ...rest }) => ({ ...rest, connections: items, grants: [], variables: {} }),
};

describe('applyMigrations', () => {
  const steps: Migration[] = [
    { from: 1, to: 2, migrate: (d) => ({ ...d, a: 'added in 2' }) },
    { from: 2, to: 3, migrate: (d) => ({ ...d, b: `${String(d.a)}, then 3` }) },
  ];

  it('applies each step in order and stamps the version', () => {
    const input = { v: 1, keep: true };
    expect(applyMigrations(input, 'v', 3, steps)).toEqual({ kind: 'migrated', from: 1, data: { v: 3, keep: true, a: 'added in 2', b: 'added in 2, then 3' } });
    expect(input).toEqual({ v: 1, keep: true });
    expect(applyMigrations({ v: 3 }, 'v', 3, steps)).toEqual({ kind: 'current', data: { v: 3 } });
  });

  it('reports a newer file, a missing step, a failing step and a missing version', () => {
    expect(applyMigrations({ v: 4 }, 'v', 3, steps)).toEqual({ kind: 'newer', version: 4 });
    expect(applyMigrations({ v: 0 }, 'v', 3, steps)).toMatchObject({ kind: 'failed', reason: 'no migration from version 0' });
    const broken: Migration = { from: 1, to: 2, migrate: () => { throw new Error('boom'); } };
    expect(applyMigrations({ v: 1 }, 'v', 2, [broken])).toMatchObject({ kind: 'failed', reason: 'the migration from version 1 failed: boom' });
    expect(applyMigrations({ v: '1' }, 'v', 2, steps)).toMatchObject({ kind: 'failed', version: -1 });
  });
});

describe('connections.json migration at load', () => {
  it('upgrades an old file, saves it at once and keeps the original beside it', async () => {
    const dir = tempDir();
    const original = JSON.stringify({ schemaVersion: 0, items: [connection(1)] });
    writeFileSync(join(dir, 'connections.json'), original);
    const store = await openFileStore(dir, { now: () => T0, connectionsMigrations: [fromItems] });
    expect(store.problems()).toEqual([]);
    expect(store.connections.all()).toEqual([connection(1)]);
    expect(JSON.parse(readFileSync(join(dir, 'connections.json'), 'utf8'))).toEqual({
      schemaVersion: 1,
      journalSeq: 0,
      connections: [connection(1)],
      grants: [],
      variables: {},
    });
    expect(readFileSync(join(dir, 'connections.json.v0-2026-11-23T01-02-03Z'), 'utf8')).toBe(original);
    await store.close();
  });

  it('leaves a file it cannot upgrade untouched and read-only', async () => {
    const dir = tempDir();
    const original = JSON.stringify({ schemaVersion: 0, items: [] });
    writeFileSync(join(dir, 'connections.json'), original);
    const store = await openFileStore(dir, { now: () => T0 });
    expect(store.problems()[0]?.message).toMatch(/^connections\.json was left untouched because it could not be upgraded from format 0: no migration from version 0\./);
    await expect(store.connections.put(connection(1))).rejects.toThrow(/could not be upgraded/);
    await store.close();
    expect(readFileSync(join(dir, 'connections.json'), 'utf8')).toBe(original);
  });
});
