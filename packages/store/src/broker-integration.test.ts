import { createBroker, type Cipher } from '@latchkey/broker';
import { createFetchTransports, createTestCipher, testHttpProvider } from '@latchkey/broker/testing';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileStore } from './index.js';
import { tempDir } from './test-helpers.js';

const ctx = { requester: { kind: 'app' as const, id: 'window:main', displayName: 'Latchkey' } };
const CANARY = 'canary-7f3a9c1e-never-on-disk';

async function startBroker(dataDir: string, cipher: Cipher) {
  const store = await openFileStore(dataDir);
  const broker = createBroker({ cipher, ...store, storeProblems: () => store.problems(), transports: createFetchTransports(), host: 'headless' });
  broker.providers.register(testHttpProvider, '@latchkey/ext-http');
  return { broker, store, stop: async () => (await broker.close(), await store.close()) };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

describe('the broker over the file store', () => {
  it('keeps connections, secrets and an unbroken audit chain across restarts, with no plaintext on disk', async () => {
    const dataDir = tempDir();
    const cipher = createTestCipher();
    const first = await startBroker(dataDir, cipher);
    const created = await first.broker.app['connections:create'](
      { providerId: 'http', name: 'Billing API', scope: 'user', config: { baseUrl: 'https://billing.example.test', authType: 'bearer' }, secrets: { token: CANARY } },
      ctx,
    );
    await first.broker.app['connections:create']({ providerId: 'http', name: 'Open API', scope: 'user', config: { baseUrl: 'https://open.example.test', authType: 'none' }, secrets: {} }, ctx);
    const before = first.broker.app['audit:verify']({}, ctx);
    await first.stop();

    const second = await startBroker(dataDir, cipher);
    const listed = await second.broker.app['connections:list']({ deleted: false }, ctx);
    expect(listed.map((c) => c.name).sort()).toEqual(['Billing API', 'Open API']);
    expect(listed.find((c) => c.id === created.id)?.secretFields).toEqual({ token: 'set' });
    expect(second.store.secrets.get(second.store.connections.get(created.id)!.secretIds.token!)).toBeInstanceOf(Uint8Array);
    await second.broker.app['connections:delete']({ id: created.id }, ctx);
    const after = await second.broker.app['audit:verify']({}, ctx);
    expect((await before).ok).toBe(true);
    expect(after).toMatchObject({ ok: true, brokenAt: null });
    expect(after.events).toBeGreaterThan((await before).events);
    await second.stop();

    for (const path of filesUnder(dataDir)) expect(readFileSync(path, 'utf8'), path).not.toContain(CANARY);
  });

  it('reports a moved-aside file through system status and the audit, and verification finds an edited line', async () => {
    const dataDir = tempDir();
    const cipher = createTestCipher();
    const first = await startBroker(dataDir, cipher);
    await first.broker.app['connections:create']({ providerId: 'http', name: 'A', scope: 'user', config: { baseUrl: 'https://a.example.test', authType: 'none' }, secrets: {} }, ctx);
    await first.stop();

    writeFileSync(join(dataDir, 'connections.json'), '{ truncated');
    const second = await startBroker(dataDir, cipher);
    const status = await second.broker.app['system:status']({}, ctx);
    expect(status.storeProblems).toHaveLength(1);
    expect(status.storeProblems[0]?.message).toMatch(/^connections\.json could not be read .* was moved to connections\.json\.corrupt-/);
    await second.stop();

    const auditFile = join(dataDir, 'audit', '000001.jsonl');
    const lines = readFileSync(auditFile, 'utf8').split('\n');
    expect(lines.some((l) => l.includes('"store.corrupt"'))).toBe(true);
    // Line 0 is the checkpoint that keys the chain; the first connection event follows it.
    const edited = lines.findIndex((l) => l.includes('"connection.create"'));
    lines[edited] = lines[edited]!.replace('"connection.create"', '"connection.delete"');
    writeFileSync(auditFile, lines.join('\n'));
    const third = await startBroker(dataDir, cipher);
    const verdict = await third.broker.app['audit:verify']({}, ctx);
    expect(verdict).toMatchObject({ ok: false, brokenAt: { seq: edited, file: 'audit/000001.jsonl' } });
    await third.stop();
  });

  it('a blob corrupted on disk marks only its own connection invalid', async () => {
    const dataDir = tempDir();
    const cipher = createTestCipher();
    const first = await startBroker(dataDir, cipher);
    const input = (name: string) => ({ providerId: 'http', name, scope: 'user' as const, config: { baseUrl: 'http://127.0.0.1:9/', authType: 'bearer' }, secrets: { token: `${name}-token` } });
    const damaged = await first.broker.app['connections:create'](input('Damaged'), ctx);
    const intact = await first.broker.app['connections:create'](input('Intact'), ctx);
    const damagedSecretId = first.store.connections.get(damaged.id)!.secretIds.token!;
    await first.stop();

    const secretsPath = join(dataDir, 'secrets.json');
    const doc = JSON.parse(readFileSync(secretsPath, 'utf8')) as { blobs: Record<string, string> };
    const bytes = Buffer.from(doc.blobs[damagedSecretId]!, 'base64');
    bytes[bytes.length - 1]! ^= 0xff;
    doc.blobs[damagedSecretId] = bytes.toString('base64');
    writeFileSync(secretsPath, JSON.stringify(doc));

    const second = await startBroker(dataDir, cipher);
    expect(second.store.problems()).toEqual([]);
    const result = await second.broker.app['connections:test']({ id: damaged.id }, ctx);
    expect(result.ok).toBe(false);
    const after = await second.broker.app['connections:list']({ deleted: false }, ctx);
    expect(after.find((c) => c.id === damaged.id)).toMatchObject({ status: 'invalid', secretFields: { token: 'invalid' } });
    expect(after.find((c) => c.id === intact.id)).toMatchObject({ status: 'untested', secretFields: { token: 'set' } });
    await second.stop();
  });
});
