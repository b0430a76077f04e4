import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileAuditLog } from './audit-log.js';
import { openFileStore } from './index.js';
import { auditEvent, tempDir } from './test-helpers.js';

const located = (log: FileAuditLog) => [...log.lines()].map(({ file, text }) => ({ file, text }));
const texts = (log: FileAuditLog) => [...log.lines()].map((l) => l.text);
const seqs = (log: FileAuditLog) => texts(log).map((t) => (JSON.parse(t) as { seq: number }).seq);

describe('FileAuditLog', () => {
  it('stores each event as one JSON line, oldest first, and keeps them across a restart', async () => {
    const dir = join(tempDir(), 'audit');
    const log = await FileAuditLog.open(dir);
    expect(log.tail()).toBeNull();
    expect([...log.lines()]).toEqual([]);
    for (let seq = 0; seq < 3; seq++) await log.append(auditEvent(seq));
    expect(located(log)).toEqual([0, 1, 2].map((seq) => ({ file: 'audit/000001.jsonl', text: JSON.stringify(auditEvent(seq)) })));
    expect(log.tail()).toEqual({ seq: 2, hash: 'h2' });
    await log.close();

    expect(readFileSync(join(dir, '000001.jsonl'), 'utf8')).toBe([0, 1, 2].map((s) => `${JSON.stringify(auditEvent(s))}\n`).join(''));
    const again = await FileAuditLog.open(dir);
    expect(again.tail()).toEqual({ seq: 2, hash: 'h2' });
    await again.append(auditEvent(3));
    expect(seqs(again)).toEqual([0, 1, 2, 3]);
    await again.close();
  });

  it('writes and syncs once for all the appends of one tick, in call order', async () => {
    const log = await FileAuditLog.open(join(tempDir(), 'audit'));
    await log.append(auditEvent(0));
    expect(log.writes).toBe(1);
    const appends = Array.from({ length: 200 }, (_, i) => log.append(auditEvent(i + 1)));
    // The tail moves only once the lines are durable (a failed write must not move it).
    expect(log.tail()).toEqual({ seq: 0, hash: 'h0' });
    expect(seqs(log)).toHaveLength(201); // pending lines are visible before they are written
    await Promise.all(appends);
    expect(log.tail()).toEqual({ seq: 200, hash: 'h200' });
    expect(log.writes).toBe(2);
    expect(seqs(log)).toEqual(Array.from({ length: 201 }, (_, i) => i));
    await log.close();
  });

  it('rotates by size and keeps a bounded number of files, deleting the oldest', async () => {
    const dir = join(tempDir(), 'audit');
    const log = await FileAuditLog.open(dir, { maxFileBytes: 2048, maxFiles: 3 });
    const padding = 'x'.repeat(150);
    for (let seq = 0; seq < 100; seq++) await log.append(auditEvent(seq, padding));
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(3);
    const numbers = files.map((f) => Number(f.slice(0, 6)));
    expect(numbers[2]! - numbers[0]!).toBe(2);
    expect(numbers[0]!).toBeGreaterThan(1);
    for (const f of files) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(2048);

    // What is left is the newest events, contiguous, ending with the last one.
    const kept = seqs(log);
    expect(kept.at(-1)).toBe(99);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => kept[0]! + i));
    expect([...log.lines()].at(-1)?.file).toBe(`audit/${files[2]}`);
    await log.close();

    // A burst that spans several files in one write still ends bounded.
    const burst = await FileAuditLog.open(dir, { maxFileBytes: 2048, maxFiles: 3 });
    await Promise.all(Array.from({ length: 60 }, (_, i) => burst.append(auditEvent(100 + i, padding))));
    expect(readdirSync(dir)).toHaveLength(3);
    expect(seqs(burst).at(-1)).toBe(159);
    await burst.close();
  });

  it('after a restart, tail() is the last event of the newest file, even a file just started', async () => {
    const dir = join(tempDir(), 'audit');
    mkdirSync(dir);
    writeFileSync(join(dir, '000004.jsonl'), `${JSON.stringify(auditEvent(40))}\n${JSON.stringify(auditEvent(41))}\n`);
    writeFileSync(join(dir, '000005.jsonl'), '');
    const log = await FileAuditLog.open(dir);
    expect(log.tail()).toEqual({ seq: 41, hash: 'h41' });
    await log.append(auditEvent(42));
    expect(readFileSync(join(dir, '000005.jsonl'), 'utf8')).toBe(`${JSON.stringify(auditEvent(42))}\n`);
    await log.close();
  });

  it('yields a corrupt line raw, keeps appending after it, and takes the tail from the last good line', async () => {
    const dir = join(tempDir(), 'audit');
    const log = await FileAuditLog.open(dir);
    await log.append(auditEvent(0));
    await log.append(auditEvent(1));
    await log.close();
    // A crash mid-write: half a line, no newline.
    appendFileSync(join(dir, '000001.jsonl'), '{"seq":2,"type":"conn');

    const after = await FileAuditLog.open(dir);
    expect(after.tail()).toEqual({ seq: 1, hash: 'h1' });
    await after.append(auditEvent(2));
    expect(texts(after)).toEqual([JSON.stringify(auditEvent(0)), JSON.stringify(auditEvent(1)), '{"seq":2,"type":"conn', JSON.stringify(auditEvent(2))]);
    await after.close();

    const third = await FileAuditLog.open(dir);
    expect(third.tail()).toEqual({ seq: 2, hash: 'h2' });
    await third.close();
  });

  it('creates its files owner-only', async () => {
    if (process.platform === 'win32') return;
    const dir = join(tempDir(), 'audit');
    const log = await FileAuditLog.open(dir);
    await log.append(auditEvent(0));
    await log.close();
    expect(statSync(join(dir, '000001.jsonl')).mode & 0o777).toBe(0o600);
  });
});

describe('the store audit sink', () => {
  it('lives under audit/ in the data folder and honours the rotation options', async () => {
    const dataDir = tempDir();
    const store = await openFileStore(dataDir, { audit: { maxFileBytes: 1024, maxFiles: 2 } });
    for (let seq = 0; seq < 40; seq++) await store.audit.append(auditEvent(seq, 'y'.repeat(100)));
    await store.close();
    expect(readdirSync(join(dataDir, 'audit'))).toHaveLength(2);
    const reopened = await openFileStore(dataDir);
    expect(reopened.audit.tail()).toEqual({ seq: 39, hash: 'h39' });
    await reopened.close();
  });
});

describe('tail() with a large newest file', () => {
  it('finds the last event from the end of the file, and looks further back past damaged lines', async () => {
    const dir = join(tempDir(), 'audit');
    mkdirSync(dir);
    const many = Array.from({ length: 2000 }, (_, seq) => `${JSON.stringify(auditEvent(seq, 'z'.repeat(60)))}\n`).join('');
    writeFileSync(join(dir, '000001.jsonl'), many);
    const log = await FileAuditLog.open(dir, { maxFileBytes: 1024 * 1024 });
    expect(log.tail()).toEqual({ seq: 1999, hash: 'h1999' });
    await log.close();

    // 70 KiB of garbage after the last good event: beyond the 64 KiB window read first.
    appendFileSync(join(dir, '000001.jsonl'), `${'#'.repeat(1000)}\n`.repeat(70));
    const damaged = await FileAuditLog.open(dir, { maxFileBytes: 1024 * 1024 });
    expect(damaged.tail()).toEqual({ seq: 1999, hash: 'h1999' });
    await damaged.close();
  });
});

describe('an audit path that is a file', () => {
  it('stops with a message that says what to do, not a raw EEXIST', async () => {
    const dir = join(tempDir(), 'audit');
    writeFileSync(dir, 'not a folder');
    await expect(FileAuditLog.open(dir)).rejects.toThrow(/is not a folder \(a file is in its place\)\. Move that file aside/);
  });
});
