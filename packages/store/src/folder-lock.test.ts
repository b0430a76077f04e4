import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataFolderInUseError, openFileStore } from './index.js';
import { auditEvent, connection, tempDir } from './test-helpers.js';

describe('one process per data folder', () => {
  it('refuses a second opener while the first has it, and lets it in after close', async () => {
    const dir = tempDir();
    const first = await openFileStore(dir);
    await expect(openFileStore(dir)).rejects.toThrow(DataFolderInUseError);
    await first.close();
    expect(existsSync(join(dir, 'latchkey.lock'))).toBe(false);
    const second = await openFileStore(dir);
    await first.close(); // a second close of the first store must not release the second's lock
    await expect(openFileStore(dir)).rejects.toThrow(DataFolderInUseError);
    await second.close();
  });

  it('refuses a folder held by another live process, naming it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'latchkey.lock'), JSON.stringify({ pid: process.ppid, host: hostname() }));
    await expect(openFileStore(dir)).rejects.toThrow(`in use by another Latchkey (process ${process.ppid})`);
    expect(existsSync(join(dir, 'latchkey.lock'))).toBe(true);
  });

  it('takes over a lock left by a process that died', async () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'latchkey.lock'), JSON.stringify({ pid: Number(dead.stdout), host: hostname() }));
    const store = await openFileStore(dir);
    expect(store.problems()).toEqual([]);
    await store.close();
  });
});

describe('a folder that cannot be opened', () => {
  it('fails with the reason and leaves no lock behind', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'audit'), 'a file where the audit folder belongs');
    await expect(openFileStore(dir)).rejects.toThrow(/is not a folder \(a file is in its place\)/);
    expect(existsSync(join(dir, 'latchkey.lock'))).toBe(false);
  });
});

describe('after close', () => {
  it('refuses changes instead of writing behind the back of the next opener', async () => {
    const store = await openFileStore(tempDir());
    await store.close();
    await expect(store.connections.put(connection(1))).rejects.toThrow(/store is closed/);
    await expect(store.grants.delete('x')).rejects.toThrow(/store is closed/);
    await expect(store.secrets.put('s', new Uint8Array([1]))).rejects.toThrow(/store is closed/);
    await expect(store.audit.append(auditEvent(0))).rejects.toThrow(/audit log is closed/);
    expect(store.connections.all()).toEqual([]);
  });
});
