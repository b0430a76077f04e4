import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-file.js';
import { openFileStore } from './index.js';
import { connection, countingIo, journalIo, tempDir } from './test-helpers.js';

describe('writeFileAtomic', () => {
  it('replaces the file, owner-only, and leaves no temp file behind', async () => {
    const dir = tempDir();
    const path = join(dir, 'doc.json');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new contents');
    expect(readFileSync(path, 'utf8')).toBe('new contents');
    expect(readdirSync(dir)).toEqual(['doc.json']);
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('leaves the old file intact when the process dies between the temp write and the rename', async () => {
    const dir = tempDir();
    const path = join(dir, 'doc.json');
    writeFileSync(path, '{"old":true}');
    const io = countingIo();
    io.failing = true;
    await expect(writeFileAtomic(path, '{"new":true}', io)).rejects.toThrow(/simulated crash before rename/);
    expect(readFileSync(path, 'utf8')).toBe('{"old":true}');
    expect(readdirSync(dir)).toEqual(['doc.json']);
    expect(io.renames.get('doc.json')).toBe(1);
  });

  it('retries a rename that fails for a moment (a scanner holding the file on Windows)', async () => {
    const dir = tempDir();
    const path = join(dir, 'doc.json');
    writeFileSync(path, 'old');
    const io = countingIo();
    let busy = 2;
    const flaky = {
      rename: (from: string, to: string) => (busy-- > 0 ? Promise.reject(Object.assign(new Error('EBUSY'), { code: 'EBUSY' })) : io.rename(from, to)),
    };
    await writeFileAtomic(path, 'new', flaky);
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['doc.json']);
  });
});

describe('a store write whose journal append fails (the fsync reports EIO)', () => {
  it('rejects the put with a typed error, cuts the journal back, and the refused change is never written later', async () => {
    const dir = tempDir();
    let failing = false;
    const io = journalIo({
      beforeSync: async (name) => {
        if (failing && name === 'connections.journal') throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
      },
    });
    const store = await openFileStore(dir, { io });
    await store.connections.put(connection(1));
    const before = readFileSync(join(dir, 'connections.journal'), 'utf8');

    failing = true;
    await expect(store.connections.put(connection(2))).rejects.toMatchObject({ code: 'STORAGE_FAILED', message: expect.stringContaining('Nothing was changed') });
    expect(store.connections.get('conn-2')).toBeUndefined();
    // The bytes the failed append wrote were cut back: a replay could never apply them.
    expect(readFileSync(join(dir, 'connections.journal'), 'utf8')).toBe(before);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    failing = false;
    await store.connections.put(connection(3));
    await store.close();
    const reopened = await openFileStore(dir);
    // Before: conn-2, refused with an error, was carried out by the next write anyway.
    expect(reopened.connections.all().map((c) => c.id)).toEqual(['conn-1', 'conn-3']);
    await reopened.close();
  });

  it('removes temp files a crash left behind when the store opens', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.connections.json.123.abcdef.tmp'), '{"half":');
    writeFileSync(join(dir, '.secrets.json.123.abcdef.tmp'), '');
    writeFileSync(join(dir, 'unrelated.tmp'), 'keep me');
    const store = await openFileStore(dir);
    expect(readdirSync(dir).sort()).toEqual(['audit', 'latchkey.lock', 'unrelated.tmp']);
    expect(store.problems()).toEqual([]);
    await store.close();
  });
});
