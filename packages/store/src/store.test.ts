import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreProblem } from '@latchkey/contracts';
import { describe, expect, it } from 'vitest';
import { openFileStore } from './index.js';
import { connection, grant, T0, tempDir } from './test-helpers.js';

const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');

describe('openFileStore', () => {
  it('keeps connections, grants and secrets across a reopen, in order', async () => {
    const dir = tempDir();
    const store = await openFileStore(dir);
    expect(store.connections.all()).toEqual([]);
    expect(store.hasSecrets()).toBe(false);
    await store.connections.put(connection(1));
    await store.connections.put(connection(2));
    await store.connections.put(connection(1, { name: 'Renamed' }));
    await store.grants.put(grant(1));
    await store.grants.put(grant(2));
    await store.grants.delete('grant-1');
    await store.secrets.put('sec-1', new Uint8Array([1, 2, 3, 250]));
    await store.secrets.put('sec-2', new Uint8Array([9]));
    await store.secrets.delete('sec-2');
    await store.close();

    const again = await openFileStore(dir);
    expect(again.connections.all()).toEqual([connection(1, { name: 'Renamed' }), connection(2)]);
    expect(again.connections.get('conn-2')).toEqual(connection(2));
    expect(again.connections.get('nope')).toBeUndefined();
    expect(again.grants.all()).toEqual([grant(2)]);
    expect(again.secrets.get('sec-1')).toEqual(new Uint8Array([1, 2, 3, 250]));
    expect(again.secrets.get('sec-2')).toBeUndefined();
    expect(again.hasSecrets()).toBe(true);
    expect(again.problems()).toEqual([]);
    await again.close();

    expect(JSON.parse(read(dir, 'connections.json'))).toMatchObject({ schemaVersion: 1, variables: {} });
    expect(JSON.parse(read(dir, 'secrets.json'))).toEqual({ version: 1, journalSeq: 3, blobs: { 'sec-1': Buffer.from([1, 2, 3, 250]).toString('base64') } });
  });

  it('refuses a record that would make the file unreadable, and changes nothing', async () => {
    const dir = tempDir();
    const store = await openFileStore(dir);
    await store.connections.put(connection(1));
    const bad = { ...connection(2), name: '' };
    await expect(store.connections.put(bad)).rejects.toThrow(/This connection was not saved: name: /);
    const extra = { ...grant(3), secret: 'x' } as ReturnType<typeof grant>;
    await expect(store.grants.put(extra)).rejects.toThrow(/This grant was not saved/);
    expect(store.connections.all().map((c) => c.id)).toEqual(['conn-1']);
    expect(store.grants.all()).toEqual([]);
    await expect(store.secrets.put('', new Uint8Array([1]))).rejects.toThrow(/id is not valid/);
    await store.close();
  });

  it('holds its own frozen copy: a caller can change it neither by aliasing nor by editing what it got', async () => {
    const dir = tempDir();
    const store = await openFileStore(dir);
    const mine = connection(1);
    await store.connections.put(mine);
    mine.name = 'changed after put';
    const held = store.connections.get('conn-1')!;
    expect(held.name).toBe('API 1');
    expect(() => {
      (held as { name: string }).name = 'x';
    }).toThrow(TypeError);
    expect(store.connections.all()[0]?.name).toBe('API 1');
    expect(() => (store.connections.all() as unknown[]).push(connection(9))).toThrow(TypeError);
    const blob = store.secrets.get('missing');
    expect(blob).toBeUndefined();
    await store.secrets.put('s', new Uint8Array([1, 2]));
    store.secrets.get('s')![0] = 99;
    expect(store.secrets.get('s')).toEqual(new Uint8Array([1, 2]));
    await store.close();
  });

  it('returns the same list object until something changes, so listing stays cheap', async () => {
    const store = await openFileStore(tempDir());
    await store.connections.put(connection(1));
    const list = store.connections.all();
    expect(store.connections.all()).toBe(list);
    await store.connections.put(connection(2));
    expect(store.connections.all()).not.toBe(list);
    expect(list).toHaveLength(1);
    await store.close();
  });
});

describe('corrupt files', () => {
  it.each([
    ['connections.json', '{"schemaVersion":1,"connections":[', /^connections\.json could not be read \(.+\) and was moved to connections\.json\.corrupt-2026-11-23T01-02-03Z; Latchkey started with no connections and no grants\.$/],
    ['connections.json', '[1,2,3]', /could not be read \(it does not hold a JSON object\)/],
    ['connections.json', '{"schemaVersion":1,"connections":{}}', /could not be read \(connections: .+\)/],
    ['connections.json', '{"connections":[],"grants":[]}', /"schemaVersion" is missing/],
    ['secrets.json', 'not json at all', /^secrets\.json could not be read \(.+\) and was moved to secrets\.json\.corrupt-2026-11-23T01-02-03Z; Latchkey started with no stored secrets/],
    ['secrets.json', '{"version":1,"blobs":[]}', /secrets\.json could not be read \(blobs: /],
  ])('%s holding %j is moved aside byte for byte, reported, and the store starts empty', async (name, content, message) => {
    const dir = tempDir();
    writeFileSync(join(dir, name), content);
    const store = await openFileStore(dir, { now: () => T0 });
    const [problem, ...rest] = store.problems();
    expect(rest).toEqual([]);
    expect(StoreProblem.parse(problem)).toEqual(problem);
    expect(problem?.message.length).toBeLessThanOrEqual(1000); // it becomes an audit event's detail
    expect(problem).toEqual({
      file: join(dir, name),
      movedTo: join(dir, `${name}.corrupt-2026-11-23T01-02-03Z`),
      at: '2026-11-23T01:02:03.456Z',
      message: expect.stringMatching(message),
    });
    expect(read(dir, `${name}.corrupt-2026-11-23T01-02-03Z`)).toBe(content);
    expect(store.connections.all()).toEqual([]);
    expect(store.secrets.get('sec-1')).toBeUndefined();

    // The app keeps working, and the moved file is never touched again.
    await store.connections.put(connection(1));
    await store.secrets.put('sec-1', new Uint8Array([7]));
    await store.close();
    const again = await openFileStore(dir, { now: () => T0 });
    expect(again.problems()).toEqual([]);
    expect(again.connections.all()).toHaveLength(1);
    await again.close();
    expect(read(dir, `${name}.corrupt-2026-11-23T01-02-03Z`)).toBe(content);
  });

  it('never overwrites an earlier moved-aside file, even within the same second', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'connections.json'), 'first bad');
    await (await openFileStore(dir, { now: () => T0 })).close();
    writeFileSync(join(dir, 'connections.json'), 'second bad');
    const store = await openFileStore(dir, { now: () => T0 });
    expect(store.problems()[0]?.movedTo).toBe(join(dir, 'connections.json.corrupt-2026-11-23T01-02-03Z-2'));
    expect(read(dir, 'connections.json.corrupt-2026-11-23T01-02-03Z')).toBe('first bad');
    expect(read(dir, 'connections.json.corrupt-2026-11-23T01-02-03Z-2')).toBe('second bad');
    await store.close();
  });

  it('keeps the records that validate when only some do, and keeps the whole file aside', async () => {
    const dir = tempDir();
    const content = JSON.stringify({
      schemaVersion: 1,
      connections: [connection(1), { ...connection(2), status: 'exploded' }, connection(3), connection(1)],
      grants: [grant(1)],
      variables: { region: 'eu' },
    });
    writeFileSync(join(dir, 'connections.json'), content);
    const store = await openFileStore(dir, { now: () => T0 });
    expect(store.connections.all().map((c) => c.id)).toEqual(['conn-1', 'conn-3']);
    expect(store.grants.all()).toEqual([grant(1)]);
    const [problem] = store.problems();
    expect(problem?.message).toBe(
      '2 of 5 connections and grants in connections.json could not be read (connections[1].status: ' +
        `${problem?.message.match(/status: ([^)]*)\)/)?.[1]}). The file as it was is kept as connections.json.corrupt-2026-11-23T01-02-03Z; Latchkey started with the other 3.`,
    );
    expect(read(dir, 'connections.json.corrupt-2026-11-23T01-02-03Z')).toBe(content);
    // The salvaged file is written at once, so the next start is clean, and variables survive.
    const onDisk = JSON.parse(read(dir, 'connections.json')) as { connections: unknown[]; variables: unknown };
    expect(onDisk.connections).toHaveLength(2);
    // A bare value from before variables were used is kept as a plain variable (issue 12's record form).
    expect(onDisk.variables).toEqual({ region: expect.objectContaining({ value: 'eu', secret: false }) });
    expect(store.variables.get('region')).toMatchObject({ value: 'eu' });
    await store.close();
  });

  it('keeps its message short enough for an audit event, however long the bad field', async () => {
    const dir = tempDir();
    const bad = { ...connection(2), secretFields: { ['k'.repeat(5000)]: 'bogus' } };
    writeFileSync(join(dir, 'connections.json'), JSON.stringify({ schemaVersion: 1, connections: [connection(1), bad], grants: [], variables: {} }));
    const store = await openFileStore(dir, { now: () => T0 });
    expect(store.problems()[0]?.message).toMatch(/^1 of 2 connections and grants in connections\.json could not be read \(connections\[1\]\.secretFields\.kkk+…\)/);
    expect(store.problems()[0]!.message.length).toBeLessThanOrEqual(1000);
    expect(store.connections.all()).toEqual([connection(1)]);
    await store.close();
  });

  it('keeps a blob that is not valid base64 (it will fail to decrypt and mark only its connection invalid)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ version: 1, blobs: { good: 'AQID', odd: '@@not base64@@', bad: 42 } }));
    const store = await openFileStore(dir, { now: () => T0 });
    expect(store.secrets.get('good')).toEqual(new Uint8Array([1, 2, 3]));
    expect(store.secrets.get('odd')).toBeInstanceOf(Uint8Array);
    expect(store.secrets.get('bad')).toBeUndefined();
    expect(store.problems()[0]?.message).toMatch(/^1 of 3 secrets in secrets\.json could not be read \(blobs\.bad is not a cipher blob\)/);
    await store.close();
  });

  it('leaves a file from a newer Latchkey untouched, reports it, and refuses to write over it', async () => {
    const dir = tempDir();
    const content = JSON.stringify({ schemaVersion: 7, connections: [{ id: 'future' }], grants: [], variables: {} });
    writeFileSync(join(dir, 'connections.json'), content);
    const store = await openFileStore(dir, { now: () => T0 });
    const [problem] = store.problems();
    expect(problem).toMatchObject({ file: join(dir, 'connections.json'), movedTo: null });
    expect(problem?.message).toBe(
      'connections.json was left untouched because it was written by a newer Latchkey (format 7; this version knows up to 1). ' +
        'Latchkey started with no connections and no grants, and changes to them cannot be saved until Latchkey is updated.',
    );
    expect(store.connections.all()).toEqual([]);
    await expect(store.connections.put(connection(1))).rejects.toThrow(/written by a newer Latchkey/);
    await expect(store.grants.delete('g')).rejects.toThrow(/written by a newer Latchkey/);
    expect(store.connections.all()).toEqual([]);
    // Secrets live in their own file, which is fine: they still save.
    await store.secrets.put('s', new Uint8Array([1]));
    await store.close();
    expect(read(dir, 'connections.json')).toBe(content);
    expect(readdirSync(dir).filter((n) => n.startsWith('connections.json'))).toEqual(['connections.json']);
  });
});
