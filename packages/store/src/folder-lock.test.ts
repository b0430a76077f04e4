import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processStartTime } from './folder-lock.js';
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

describe('a lock naming a pid that was reused (attack: a stale lock blocks every start)', () => {
  const linux = process.platform === 'linux';

  it.runIf(linux)('takes over a lock whose pid is alive but started at another time', async () => {
    const dir = tempDir();
    // The parent is alive; the lock claims a process with that pid that started at another time.
    writeFileSync(join(dir, 'latchkey.lock'), JSON.stringify({ pid: process.ppid, host: hostname(), started: '1' }));
    const store = await openFileStore(dir);
    await store.close();
  });

  it.runIf(linux)('takes over a lock naming this very pid from an earlier process (a container restarted as pid 1)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'latchkey.lock'), JSON.stringify({ pid: process.pid, host: hostname(), started: '1' }));
    const store = await openFileStore(dir);
    await store.close();
  });

  it.runIf(linux)('still refuses the live process that really holds it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'latchkey.lock'), JSON.stringify({ pid: process.ppid, host: hostname(), started: processStartTime(process.ppid) }));
    await expect(openFileStore(dir)).rejects.toThrow(DataFolderInUseError);
  });

  it.runIf(linux)('records its own start time in the lock', async () => {
    const dir = tempDir();
    const store = await openFileStore(dir);
    const lock = JSON.parse(readFileSync(join(dir, 'latchkey.lock'), 'utf8')) as { pid: number; started: string };
    expect(lock).toMatchObject({ pid: process.pid, started: processStartTime(process.pid) });
    expect(lock.started).toMatch(/^\d+$/);
    await store.close();
  });
});

describe('a folder that cannot be opened', () => {
  it('fails with the reason and leaves no lock behind', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'audit'), 'a file where the audit folder belongs');
    // Before: a raw "EEXIST: file already exists, mkdir …/audit".
    await expect(openFileStore(dir)).rejects.toMatchObject({ code: 'STORAGE_FAILED', message: expect.stringMatching(/audit log in the folder .*audit, but a file is there/) });
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
