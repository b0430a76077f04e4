import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileStore } from './index.js';
import { connection, countingIo, grant, tempDir } from './test-helpers.js';

describe('write coalescing', () => {
  it('writes connections.json once for many puts and deletes made in one tick', async () => {
    const dir = tempDir();
    const io = countingIo();
    const store = await openFileStore(dir, { io });
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 100; i++) pending.push(store.connections.put(connection(i)));
    pending.push(store.grants.put(grant(1)), store.connections.delete('conn-0'));
    // Memory shows only what is durable: nothing yet, all of it once the write landed.
    expect(store.connections.all()).toHaveLength(0);
    await Promise.all(pending);
    expect(store.connections.all()).toHaveLength(99);
    expect(io.renames.get('connections.json')).toBe(1);

    const onDisk = JSON.parse(readFileSync(join(dir, 'connections.json'), 'utf8')) as { connections: unknown[]; grants: unknown[] };
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
          const onDisk = readFileSync(join(dir, 'connections.json'), 'utf8');
          expect(onDisk).toContain(`"id":"${id}"`);
        }),
      ),
    );
    await store.close();
  });

  it('never runs two writes at once: changes made during a write go out in exactly one more', async () => {
    const dir = tempDir();
    const io = countingIo();
    let inRename = 0;
    let overlapped = false;
    let renameStarted!: () => void;
    const firstInRename = new Promise<void>((resolve) => (renameStarted = resolve));
    const slowIo = {
      async rename(from: string, to: string) {
        inRename++;
        if (inRename > 1) overlapped = true;
        if (to.endsWith('connections.json')) renameStarted();
        // Holds the rename open: the window in which an overlapping write would show itself
        // (a slow machine only widens it; nothing here depends on being fast).
        await new Promise((resolve) => setTimeout(resolve, 20));
        await io.rename(from, to);
        inRename--;
      },
    };
    const store = await openFileStore(dir, { io: slowIo });
    const first = store.connections.put(connection(1));
    await firstInRename; // the first write is now in its rename, whatever the machine's speed
    const later = [2, 3, 4].map((n) => store.connections.put(connection(n)));
    await Promise.all([first, ...later]);
    expect(overlapped).toBe(false);
    expect(io.renames.get('connections.json')).toBe(2);
    await store.close();
    const reopened = await openFileStore(dir);
    expect(reopened.connections.all()).toHaveLength(4);
    await reopened.close();
  });

  it('writes secrets.json once for many blobs in one tick, independently of connections.json', async () => {
    const dir = tempDir();
    const io = countingIo();
    const store = await openFileStore(dir, { io });
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.secrets.put(`sec-${i}`, new Uint8Array([1, i, 3]))));
    expect(io.renames.get('secrets.json')).toBe(1);
    expect(io.renames.get('connections.json')).toBeUndefined();
    await store.close();
  });
});
