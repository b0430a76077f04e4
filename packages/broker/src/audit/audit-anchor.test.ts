import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryAnchorStore } from '../testing/memory-anchor.js';
import { AuditAnchor, anchorName } from './audit-anchor.js';

const key = { key: randomBytes(32), since: 0 };
const hash = (n: number) => n.toString(16).padStart(64, '0');
const stored = (store: ReturnType<typeof createMemoryAnchorStore>) => JSON.parse(store.items.get(anchorName(key))!) as { seq: number; files: Record<string, number> };

afterEach(() => void vi.useRealTimers());

describe('the audit anchor', () => {
  it('follows the durable log every N events or after a pause, never ahead of it, and exactly at close', async () => {
    vi.useFakeTimers();
    const store = createMemoryAnchorStore();
    let seqs = { 'connections.json': 3, 'secrets.json': null as number | null };
    const anchor = new AuditAnchor(store, { events: 4, ms: 5_000 }, () => seqs);
    anchor.noteDurable(0, hash(0)); // before start: remembered, not written
    expect(store.writes).toBe(0);
    await anchor.start(key, { seq: 0, hash: hash(0) });
    expect(stored(store)).toMatchObject({ seq: 0, files: { 'connections.json': 3 } });
    for (let seq = 1; seq <= 3; seq++) anchor.noteDurable(seq, hash(seq));
    await vi.advanceTimersByTimeAsync(0);
    expect(store.writes).toBe(1); // fewer than N: waits for the timer
    anchor.noteDurable(4, hash(4));
    await vi.advanceTimersByTimeAsync(0);
    expect(stored(store).seq).toBe(4); // the Nth: written at once
    anchor.noteDurable(5, hash(5));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(stored(store).seq).toBe(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(stored(store).seq).toBe(5); // the pause: written after `ms`
    seqs = { 'connections.json': 7, 'secrets.json': 2 };
    anchor.noteDurable(6, hash(6));
    await anchor.settle();
    expect(stored(store)).toMatchObject({ seq: 6, files: { 'connections.json': 7, 'secrets.json': 2 } });
    const writes = store.writes;
    anchor.noteDurable(7, hash(7)); // after close: nothing more
    await vi.advanceTimersByTimeAsync(60_000);
    expect(store.writes).toBe(writes);
  });

  it('a keychain that refuses a write leaves the anchor behind (never a false alarm), says why, and tries again', async () => {
    vi.useFakeTimers();
    const store = createMemoryAnchorStore();
    const anchor = new AuditAnchor(store, { events: 2, ms: 1_000 }, undefined);
    await anchor.start(key, { seq: 0, hash: hash(0) });
    store.failing = true;
    anchor.noteDurable(1, hash(1));
    anchor.noteDurable(2, hash(2));
    await vi.advanceTimersByTimeAsync(0);
    expect(stored(store).seq).toBe(0);
    expect(anchor.failure).toMatch(/locked/);
    store.failing = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stored(store).seq).toBe(2);
    expect(anchor.failure).toBeNull();
  });

  it('reads back what it wrote, and calls an anchor sealed under another key (or none) forged', async () => {
    const store = createMemoryAnchorStore();
    const anchor = new AuditAnchor(store, { events: 1, ms: 1_000 }, () => ({ 'connections.json': 9 }));
    expect(await anchor.read(key)).toEqual({ status: 'missing' });
    await anchor.start(key, { seq: 41, hash: hash(41) });
    expect(await anchor.read(key)).toEqual({ status: 'found', mark: { seq: 41, hash: hash(41), files: { 'connections.json': 9 } } });
    const other = { key: randomBytes(32), since: 0 };
    store.items.set(anchorName(other), store.items.get(anchorName(key))!);
    expect(await anchor.read(other)).toEqual({ status: 'forged' });
    store.items.set(anchorName(key), JSON.stringify({ ...JSON.parse(store.items.get(anchorName(key))!), seq: 99 }));
    expect(await anchor.read(key)).toEqual({ status: 'forged' });
    await anchor.settle();
  });
});
