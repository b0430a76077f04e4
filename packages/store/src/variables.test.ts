/**
 * Variables in connections.json: journaled with their audit events in one write, secret values as
 * blobs in secrets.json only, and "Used by" counts in usage.json, never in connections.json.
 */
import { appChannels, createDispatcher, type Requester } from '@latchkey/contracts';
import { createBroker } from '@latchkey/broker';
import { createFetchTransports, createTestCipher, findCanary } from '@latchkey/broker/testing';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openFileStore } from './index.js';

const person: Requester = { kind: 'app', id: 'renderer', displayName: 'Latchkey' };
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(dir: string, key: Uint8Array) {
  const store = await openFileStore(dir);
  const broker = createBroker({ cipher: createTestCipher(key), ...store, transports: createFetchTransports(), host: 'headless' });
  const call = createDispatcher(appChannels, broker.app);
  return { store, broker, call: (c: keyof typeof appChannels, i: unknown) => call(c, i, { requester: person }) };
}

describe('variables on disk', () => {
  it('writes a variable and its audit event together, keeps a secret value only as a blob, and reads both back after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-vars-'));
    dirs.push(dir);
    const key = new Uint8Array(32).fill(7);
    const secret = 'var-CANARY-b71c0de5';
    let s = await open(dir, key);
    await s.broker.ready;
    expect(await s.call('variables:set', { key: 'REGION', value: 'eu-west-1', description: 'where' })).toMatchObject({ ok: true });
    expect(await s.call('variables:set', { key: 'API_KEY', value: secret, secret: true })).toMatchObject({ ok: true, value: { key: 'API_KEY', value: null, secretState: 'set' } });
    // Durable as one journal record each (the variable and its audit event), the value never in it.
    const journal = readFileSync(join(dir, 'connections.journal'), 'utf8');
    expect(journal).toMatch(/"v":\[\{"p":\{"id":"REGION".*"a":\[\{"type":"variable.set"/);
    expect(findCanary(journal, secret)).toEqual([]);
    await s.broker.close();
    await s.store.close();
    // A clean close folds the journal into the snapshot.
    const doc = readFileSync(join(dir, 'connections.json'), 'utf8');
    expect(JSON.parse(doc).variables.REGION).toMatchObject({ value: 'eu-west-1', description: 'where', secret: false });
    expect(findCanary(doc, secret)).toEqual([]);
    expect(doc).not.toContain('usage');
    const log = readFileSync(join(dir, 'audit', '000001.jsonl'), 'utf8');
    expect(log).toContain('"type":"variable.set"');
    expect(findCanary(log, secret)).toEqual([]);

    s = await open(dir, key);
    await s.broker.ready;
    const listed = await s.call('variables:list', {});
    expect(listed).toMatchObject({ ok: true, value: [{ key: 'API_KEY', value: null, secret: true }, { key: 'REGION', value: 'eu-west-1' }] });
    // The blob survived the start-up sweep (a variable points at it) and decrypts.
    const out = await s.broker.programs.executor('spec').renderTemplate('{{ var.API_KEY }}');
    expect(out.text).toBe(secret);
    await s.broker.close();
    await s.store.close();
  });
});
