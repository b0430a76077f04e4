import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openConnectionsFile } from './connections-file.js';
import { openFileStore } from './index.js';
import { stampPathOf } from './verified-stamp.js';
import { connection, grant, T0, tempDir } from './test-helpers.js';

const open = (dir: string) => openConnectionsFile(join(dir, 'connections.json'), { now: () => T0 });

async function seeded(): Promise<string> {
  const dir = tempDir();
  const store = await openFileStore(dir);
  await Promise.all([store.connections.put(connection(1)), store.connections.put(connection(2)), store.grants.put(grant(1))]);
  await store.close();
  return dir;
}

describe('skipping validation of a file this code wrote', () => {
  it('trusts a file it wrote and nobody touched, and loads the same records', async () => {
    const dir = await seeded();
    const file = await open(dir);
    expect(file.trusted).toBe(true);
    expect(file.problem).toBeNull();
    expect(file.connections.all()).toEqual([connection(1), connection(2)]);
    expect(file.grants.all()).toEqual([grant(1)]);
    expect(Object.isFrozen(file.connections.get('conn-1'))).toBe(true);
    await file.close();
  });

  it('validates in full once the file is changed by anyone else, even to the same size', async () => {
    const dir = await seeded();
    const path = join(dir, 'connections.json');
    const text = readFileSync(path, 'utf8');
    // Same length, now invalid: "untested" → "untestex" is not a status.
    writeFileSync(path, text.replace('"status":"untested"', '"status":"untestex"'));
    const file = await open(dir);
    expect(file.trusted).toBe(false);
    expect(file.problem?.message).toMatch(/^1 of 3 connections and grants in connections\.json could not be read \(connections\[0\]\.status/);
    expect(file.connections.all().map((c) => c.id)).toEqual(['conn-2']);
    await file.close();
  });

  it('validates in full when the stamp is from other schemas, torn, or missing, and stamps a file that passes', async () => {
    const dir = await seeded();
    const stamp = stampPathOf(join(dir, 'connections.json'));
    const good = readFileSync(stamp, 'utf8');

    writeFileSync(stamp, JSON.stringify({ ...(JSON.parse(good) as object), fingerprint: 'from an older Latchkey' }));
    const other = await open(dir);
    expect(other.trusted).toBe(false);
    expect(other.connections.all()).toHaveLength(2);
    await other.close();

    // The full validation passed, so it left a fresh stamp: the next start is fast again.
    const again = await open(dir);
    expect(again.trusted).toBe(true);
    await again.close();

    writeFileSync(stamp, '{"file":');
    const torn = await open(dir);
    expect(torn.trusted).toBe(false);
    expect(torn.problem).toBeNull();
    await torn.close();
  });
});
