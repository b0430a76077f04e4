/**
 * The journal's crash argument, one case at a time (torture.test.ts kills a real process at
 * random; journal-torture.test.ts aims the kills at append, compaction and truncation):
 * - a torn tail is dropped, never misread; damage in the middle is reported like a corrupt file;
 * - records the snapshot already holds are never applied twice (seq), whatever was left behind.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileStore } from './index.js';
import { encodeRecord, scanJournal } from './journal-format.js';
import { connection, tempDir } from './test-helpers.js';

const journalOf = (dir: string) => join(dir, 'connections.journal');

/** A store whose last session was killed: its journal holds `n` records and no snapshot was written. */
async function killedAfter(dir: string, n: number): Promise<Buffer> {
  const store = await openFileStore(dir);
  for (let i = 1; i <= n; i++) await store.connections.put(connection(i));
  const bytes = readFileSync(journalOf(dir));
  await store.close();
  // As the kill left it: no compaction at close, the journal as it was.
  for (const name of ['connections.json', 'connections.json.prev', '.connections.json.verified']) rmSync(join(dir, name), { force: true });
  writeFileSync(journalOf(dir), bytes);
  return bytes;
}

describe('the journal format', () => {
  it('round-trips records, and rejects a record whose length, checksum or newline does not match', () => {
    const text = encodeRecord(1, { c: [{ d: 'a' }] }) + encodeRecord(2, { c: [{ d: 'b' }] });
    expect(scanJournal(Buffer.from(text))).toMatchObject({ records: [{ seq: 1, body: { c: [{ d: 'a' }] } }, { seq: 2 }], tornBytes: 0, damage: null });
    // One character changed inside the JSON, same length: the checksum catches it.
    const flipped = Buffer.from(text.replace('"a"', '"x"'));
    expect(scanJournal(flipped)).toMatchObject({ records: [], damage: { issue: 'the record fails its checksum' } });
    // The last record cut anywhere: a torn tail, dropped.
    for (let cut = 1; cut < encodeRecord(2, { c: [{ d: 'b' }] }).length; cut++) {
      const torn = scanJournal(Buffer.from(text.slice(0, text.length - cut)));
      expect(torn.records.map((r) => r.seq)).toEqual([1]);
      expect(torn.damage).toBeNull();
      expect(torn.tornBytes).toBeGreaterThan(0);
    }
    // Zeros where a power cut left the file longer than what reached the disk: torn too.
    expect(scanJournal(Buffer.concat([Buffer.from(text), Buffer.alloc(4096)]))).toMatchObject({ records: [{ seq: 1 }, { seq: 2 }], damage: null, tornBytes: 4096 });
    // A seq that goes backwards is damage, not a record.
    expect(scanJournal(Buffer.from(encodeRecord(2, {}) + encodeRecord(1, {}) + encodeRecord(3, {})))).toMatchObject({ records: [{ seq: 2 }], damage: { issue: 'the record is out of order' } });
  });
});

describe('opening after a crash', () => {
  it('drops a torn last record (its append was never acknowledged) and keeps the rest, with no problem reported', async () => {
    const dir = tempDir();
    await killedAfter(dir, 3);
    appendFileSync(journalOf(dir), encodeRecord(4, { c: [{ p: connection(4) }] }).slice(0, 50));
    const store = await openFileStore(dir);
    expect(store.connections.all().map((c) => c.id)).toEqual(['conn-1', 'conn-2', 'conn-3']);
    expect(store.problems()).toEqual([]);
    // Folded into the snapshot at once: the torn bytes are gone and the next append starts clean.
    expect(readFileSync(journalOf(dir))).toHaveLength(0);
    await store.connections.put(connection(5));
    await store.close();
    const again = await openFileStore(dir);
    expect(again.connections.all().map((c) => c.id)).toEqual(['conn-1', 'conn-2', 'conn-3', 'conn-5']);
    await again.close();
  });

  it('reports damage in the middle as a store problem, applies the records before it, and keeps the file as it was', async () => {
    const dir = tempDir();
    const bytes = await killedAfter(dir, 4);
    const text = bytes.toString('utf8');
    // Damage record 2 (a bit flipped by the disk), records 3 and 4 intact after it.
    writeFileSync(journalOf(dir), text.replace('"name":"API 2"', '"name":"API Z"'));
    const store = await openFileStore(dir);
    expect(store.connections.all().map((c) => c.id)).toEqual(['conn-1']);
    const [problem] = store.problems();
    expect(problem).toMatchObject({ file: journalOf(dir), movedTo: expect.stringContaining('connections.journal.corrupt-') });
    expect(problem!.message).toMatch(/connections\.journal is damaged \(the record fails its checksum\): the 1 changes before the damage were applied/);
    expect(readFileSync(problem!.movedTo!, 'utf8')).toBe(text.replace('"name":"API 2"', '"name":"API Z"'));
    await store.close();
  });

  it('treats a record that passes its checksum but does not validate as damage (e.g. written by another version)', async () => {
    const dir = tempDir();
    await killedAfter(dir, 1);
    appendFileSync(journalOf(dir), encodeRecord(2, { c: [{ p: { ...connection(2), name: '' } }] }) + encodeRecord(3, { c: [{ p: connection(3) }] }));
    const store = await openFileStore(dir);
    expect(store.connections.all().map((c) => c.id)).toEqual(['conn-1']);
    expect(store.problems()[0]!.message).toMatch(/record 2: a connection in it is not valid/);
    await store.close();
  });

  it('never applies twice a record the snapshot already holds (a crash between compaction and truncation)', async () => {
    const dir = tempDir();
    const store = await openFileStore(dir);
    await store.connections.put(connection(1));
    await store.connections.delete('conn-1');
    await store.connections.commit({ put: [connection(2)], audit: [{ type: 'connection.create', outcome: 'ok', connectionId: 'conn-2', eventId: 'ev-2' }] });
    store.connections.auditRecorded(['ev-2']);
    const journal = readFileSync(journalOf(dir));
    expect(scanJournal(journal).records.map((r) => r.seq)).toEqual([1, 2, 3]);
    await store.close();
    expect(JSON.parse(readFileSync(join(dir, 'connections.json'), 'utf8'))).toMatchObject({ journalSeq: 3 });
    // As if the process died after the snapshot's rename and before the journal was cut.
    writeFileSync(journalOf(dir), journal);
    const again = await openFileStore(dir);
    // Replaying record 1 again would bring conn-1 back, and record 3 its confirmed event.
    expect(again.connections.all().map((c) => c.id)).toEqual(['conn-2']);
    expect(again.connections.pendingAudit()).toEqual([]);
    expect(again.problems()).toEqual([]);
    await again.connections.put(connection(3));
    // The next record continues after the snapshot's seq.
    expect(scanJournal(readFileSync(journalOf(dir))).records.map((r) => r.seq)).toEqual([4]);
    await again.close();
  });

  it('removes a half-written journal rewrite (a crash during truncation) and keeps the journal it was replacing', async () => {
    const dir = tempDir();
    await killedAfter(dir, 2);
    writeFileSync(join(dir, '.connections.journal.123.abcdef.tmp'), encodeRecord(9, {}).slice(0, 10));
    const store = await openFileStore(dir);
    expect(store.connections.all().map((c) => c.id)).toEqual(['conn-1', 'conn-2']);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    await store.close();
  });

  it('replays the whole journal over an empty document when the snapshot itself was damaged', async () => {
    const dir = tempDir();
    await killedAfter(dir, 2);
    writeFileSync(join(dir, 'connections.json'), '{"schemaVersion":1,"conn');
    const store = await openFileStore(dir);
    expect(store.problems()).toHaveLength(1);
    expect(store.problems()[0]!.file).toBe(join(dir, 'connections.json'));
    expect(store.connections.all().map((c) => c.id)).toEqual(['conn-1', 'conn-2']);
    await store.close();
    expect(existsSync(join(dir, 'connections.json'))).toBe(true);
  });
});
