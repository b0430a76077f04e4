/**
 * Group commit. Before the journal, every change rewrote the whole connections.json (88.6 ms per
 * create at 10,000 connections); now a change is one journal record, and every change asked for
 * in one turn, or while an append runs, shares the next append and its one fsync.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileStore } from './index.js';
import { scanJournal } from './journal-format.js';
import { connection, durableConnections, grant, journalIo, tempDir } from './test-helpers.js';

const records = (dir: string, name: string) => scanJournal(readFileSync(join(dir, name))).records;

describe('group commit', () => {
  it('appends one record per change, and fsyncs once, for many puts and deletes made in one tick; the snapshot is not rewritten', async () => {
    const dir = tempDir();
    const io = journalIo();
    const store = await openFileStore(dir, { io });
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) pending.push(store.connections.put(connection(i)));
    pending.push(store.grants.put(grant(1)), store.connections.delete('conn-0'));
    // Memory shows only what is durable: nothing yet, all of it once the append landed.
    expect(store.connections.all()).toHaveLength(0);
    await Promise.all(pending);
    expect(store.connections.all()).toHaveLength(99);
    expect(io.syncs.get('connections.journal')).toBe(1);
    expect(io.opens.get('.connections.json')).toBeUndefined();
    expect(records(dir, 'connections.journal')).toHaveLength(102);
    const onDisk = durableConnections(dir);
    expect(onDisk.connections).toHaveLength(99);
    expect(onDisk.grants).toHaveLength(1);
    await store.close();
  });

  it('settles each promise only once its change is on disk', async () => {
    const dir = tempDir();
    const store = await openFileStore(dir);
    const ids = ['a', 'b', 'c'];
    await Promise.all(
      ids.map((id) =>
        store.connections.put(connection(0, { id })).then(() => {
          expect(readFileSync(join(dir, 'connections.journal'), 'utf8')).toContain(`"id":"${id}"`);
        }),
      ),
    );
    await store.close();
  });

  it('never runs two appends at once: changes made during an append go out in exactly one more', async () => {
    const dir = tempDir();
    let inSync = 0;
    let overlapped = false;
    let syncStarted!: () => void;
    const firstInSync = new Promise<void>((resolve) => (syncStarted = resolve));
    const io = journalIo({
      async beforeSync(name) {
        if (name !== 'connections.journal') return;
        inSync++;
        if (inSync > 1) overlapped = true;
        syncStarted();
        // Holds the fsync open: the window in which an overlapping append would show itself
        // (a slow machine only widens it; nothing here depends on being fast).
        await new Promise((resolve) => setTimeout(resolve, 20));
        inSync--;
      },
    });
    const store = await openFileStore(dir, { io });
    const first = store.connections.put(connection(1));
    await firstInSync;
    const later = [2, 3, 4].map((n) => store.connections.put(connection(n)));
    await Promise.all([first, ...later]);
    expect(overlapped).toBe(false);
    expect(io.syncs.get('connections.journal')).toBe(2);
    await store.close();
    const reopened = await openFileStore(dir);
    expect(reopened.connections.all()).toHaveLength(4);
    await reopened.close();
  });

  it('appends secrets once for many blobs in one tick, independently of connections', async () => {
    const dir = tempDir();
    const io = journalIo();
    const store = await openFileStore(dir, { io });
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.secrets.put(`sec-${i}`, new Uint8Array([1, i, 3]))));
    expect(io.syncs.get('secrets.journal')).toBe(1);
    expect(io.syncs.get('connections.journal')).toBeUndefined();
    expect(records(dir, 'secrets.journal')).toHaveLength(50);
    await store.close();
  });

  it('folds the journal into the snapshot at close: one file, an empty journal, nothing lost', async () => {
    const dir = tempDir();
    const store = await openFileStore(dir);
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.connections.put(connection(i))));
    await store.secrets.put('sec-1', new Uint8Array([1]));
    await store.close();
    expect(readFileSync(join(dir, 'connections.journal'))).toHaveLength(0);
    expect(readFileSync(join(dir, 'secrets.journal'))).toHaveLength(0);
    const snapshot = JSON.parse(readFileSync(join(dir, 'connections.json'), 'utf8')) as { journalSeq: number; connections: unknown[] };
    expect(snapshot).toMatchObject({ journalSeq: 10 });
    expect(snapshot.connections).toHaveLength(10);
    const reopened = await openFileStore(dir);
    expect(reopened.connections.all()).toHaveLength(10);
    expect(reopened.secrets.get('sec-1')).toEqual(new Uint8Array([1]));
    await reopened.close();
  });

  it('compacts in the background past its threshold while appends go on, and loses nothing', async () => {
    const dir = tempDir();
    const store = await openFileStore(dir, { compaction: { maxBytes: 1 << 30, maxRecords: 5 } });
    for (let i = 0; i < 40; i++) await store.connections.put(connection(i, { name: `v${i}` }));
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.connections.put(connection(100 + i))));
    await store.settle();
    expect(store.journalStats().connections.compactions).toBeGreaterThan(0);
    const snapshot = JSON.parse(readFileSync(join(dir, 'connections.json'), 'utf8')) as { journalSeq: number };
    // Compactions ran during the session (not only at close), and the journal was cut after them.
    expect(snapshot.journalSeq).toBeGreaterThan(0);
    expect(records(dir, 'connections.journal').length).toBeLessThan(60);
    expect(records(dir, 'connections.journal').every((r) => r.seq > snapshot.journalSeq)).toBe(true);
    expect(durableConnections(dir).connections).toHaveLength(60);
    await store.close();
    const reopened = await openFileStore(dir);
    expect(reopened.connections.all()).toHaveLength(60);
    expect(reopened.connections.get('conn-39')?.name).toBe('v39');
    await reopened.close();
  });

  it('compacts a large snapshot less often: the limits grow with it, so a change pays a bounded share of the rewrite', async () => {
    const dir = tempDir();
    const policy = { maxBytes: 2_000, maxRecords: 5 };
    const seed = await openFileStore(dir, { compaction: policy });
    await Promise.all(Array.from({ length: 60 }, (_, i) => seed.connections.put(connection(i))));
    await seed.close();
    // A ~25 KB snapshot against 2 KB limits: about six times the records before a compaction.
    const store = await openFileStore(dir, { compaction: policy });
    for (let i = 0; i < 20; i++) await store.connections.put(connection(i, { name: `again ${i}` }));
    await store.settle();
    expect(store.journalStats().connections.compactions).toBe(0);
    for (let i = 0; i < 40; i++) await store.connections.put(connection(i, { name: `more ${i}` }));
    await store.settle();
    expect(store.journalStats().connections.compactions).toBeGreaterThan(0);
    await store.close();
  });
});
