import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDispatcher, appChannels, type Requester } from '@latchkey/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_KEY_ID } from '../audit/audit-key.js';
import { createTestBroker, createUnavailableCipher } from '../testing/index.js';

const me: Requester = { kind: 'app', id: 'renderer', displayName: 'Latchkey' };
const ctx = { requester: me };

let server: Server;
let baseUrl: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.headers.authorization === 'Bearer right-token') res.writeHead(200).end('{"ok":true}');
    else res.writeHead(401, 'Unauthorized').end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** The connections' own blobs: the store also holds the audit key (encrypted), under its reserved id. */
const connectionBlobs = (mem: { secrets: { blobs: Map<string, unknown> } }) => [...mem.secrets.blobs.keys()].filter((id) => id !== AUDIT_KEY_ID);

function setup(overrides = {}) {
  const t = createTestBroker(overrides);
  const dispatch = createDispatcher(appChannels, t.broker.app);
  const call = async (channel: keyof typeof appChannels, input: unknown) => dispatch(channel, input, ctx);
  return { ...t, call };
}

describe('ConnectionsService', () => {
  it('creates a connection, keeps secrets out of the metadata and reports which are set', async () => {
    const { call, mem } = setup();
    const res = await call('connections:create', { providerId: 'http', name: 'Acme', config: { baseUrl, authType: 'bearer' }, secrets: { token: 'right-token' } });
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    const conn = res.value as { id: string; secretFields: Record<string, string>; config: Record<string, unknown>; isDefault: boolean; status: string };
    expect(conn.secretFields).toEqual({ token: 'set' });
    expect(conn.config).toEqual({ baseUrl, authType: 'bearer', healthPath: undefined } as never);
    expect(JSON.stringify(conn)).not.toContain('right-token');
    expect(conn.isDefault).toBe(true);
    expect(conn.status).toBe('untested');
    const record = mem.connections.get(conn.id)!;
    expect(JSON.stringify(record)).not.toContain('right-token');
    expect(connectionBlobs(mem).length).toBe(1);
    expect(Buffer.from(mem.secrets.blobs.get(connectionBlobs(mem)[0]!)!).toString('latin1')).not.toContain('right-token');
  });

  it('moves a secret sent in config into the secret store', async () => {
    const { call, mem } = setup();
    const res = await call('connections:create', { providerId: 'http', name: 'A', config: { baseUrl, authType: 'bearer', token: 'sneaky-token' } });
    expect(res.ok).toBe(true);
    expect(JSON.stringify([...mem.connections.all()])).not.toContain('sneaky-token');
  });

  it('refuses invalid settings with a VALIDATION error and writes nothing', async () => {
    const { call, mem } = setup();
    const res = await call('connections:create', { providerId: 'http', name: 'Bad', config: { baseUrl: 'ftp://x', authType: 'bearer' } });
    expect(res).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    if (!res.ok) expect(res.error.message).toContain('Base URL must be an http:// or https:// URL');
    const unknown = await call('connections:create', { providerId: 'http', name: 'Bad', config: { baseUrl, authType: 'none', extra: 1 } });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const noProvider = await call('connections:create', { providerId: 'nope', name: 'X' });
    expect(noProvider).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(mem.connections.all()).toHaveLength(0);
    expect(connectionBlobs(mem).length).toBe(0);
  });

  it('keeps names unique per provider with a CONFLICT error', async () => {
    const { call } = setup();
    await call('connections:create', { providerId: 'http', name: 'Acme', config: { baseUrl, authType: 'none' } });
    const dup = await call('connections:create', { providerId: 'http', name: 'acme', config: { baseUrl, authType: 'none' } });
    expect(dup).toEqual({ ok: false, error: { code: 'CONFLICT', message: 'A HTTP API connection named "acme" already exists' } });
  });

  it('blocks secret writes without a secure cipher but still saves a metadata-only draft', async () => {
    const { call, mem } = setup({ cipher: createUnavailableCipher('basic_text', 'Linux is using the basic_text backend, whose key is hard-coded') });
    const withSecret = await call('connections:create', { providerId: 'http', name: 'S', config: { baseUrl, authType: 'bearer' }, secrets: { token: 't0ken-value' } });
    expect(withSecret).toMatchObject({ ok: false, error: { code: 'CIPHER_UNAVAILABLE' } });
    if (!withSecret.ok) expect(withSecret.error.message).toContain('basic_text');
    expect(mem.connections.all()).toHaveLength(0);
    const draft = await call('connections:create', { providerId: 'http', name: 'S', config: { baseUrl, authType: 'bearer' } });
    expect(draft.ok).toBe(true);
    if (!draft.ok) return;
    const id = (draft.value as { id: string }).id;
    const set = await call('connections:setSecret', { id, field: 'token', value: 't0ken-value' });
    expect(set).toMatchObject({ ok: false, error: { code: 'CIPHER_UNAVAILABLE' } });
    expect(connectionBlobs(mem).length).toBe(0);
  });

  it('set is write-once, replace swaps the blob and drops the old one', async () => {
    const { call, mem } = setup();
    const c = await call('connections:create', { providerId: 'http', name: 'A', config: { baseUrl, authType: 'bearer' } });
    const id = (c as { value: { id: string } }).value.id;
    expect(await call('connections:replaceSecret', { id, field: 'token', value: 'first-token' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await call('connections:setSecret', { id, field: 'token', value: 'first-token' })).toMatchObject({ ok: true, value: { secretFields: { token: 'set' } } });
    expect(await call('connections:setSecret', { id, field: 'token', value: 'again-token' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const before = connectionBlobs(mem);
    expect(await call('connections:replaceSecret', { id, field: 'token', value: 'second-token' })).toMatchObject({ ok: true });
    const after = connectionBlobs(mem);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    expect(await call('connections:setSecret', { id, field: 'baseUrl', value: 'x' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('drops a secret whose field is no longer shown after the auth type changes', async () => {
    const { call, mem } = setup();
    const c = await call('connections:create', { providerId: 'http', name: 'A', config: { baseUrl, authType: 'bearer' }, secrets: { token: 'tok-tok-tok' } });
    const id = (c as { value: { id: string } }).value.id;
    const u = await call('connections:update', { id, config: { baseUrl, authType: 'none' } });
    expect(u).toMatchObject({ ok: true, value: { secretFields: {} } });
    expect(connectionBlobs(mem).length).toBe(0);
  });

  it('soft-deletes to the Trash, restores, and purges only from the Trash', async () => {
    const { call, mem } = setup();
    const c = await call('connections:create', { providerId: 'http', name: 'A', config: { baseUrl, authType: 'bearer' }, secrets: { token: 'tok-tok-tok' } });
    const id = (c as { value: { id: string } }).value.id;
    expect(await call('connections:purge', { id })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await call('connections:delete', { id })).toMatchObject({ ok: true, value: { deletedAt: expect.any(String) } });
    expect(await call('connections:list', {})).toEqual({ ok: true, value: [] });
    expect(await call('connections:list', { deleted: true })).toMatchObject({ ok: true, value: [{ id }] });
    expect(await call('connections:restore', { id })).toMatchObject({ ok: true, value: { deletedAt: null, isDefault: true } });
    await call('connections:delete', { id });
    expect(await call('connections:purge', { id })).toEqual({ ok: true, value: { ok: true } });
    expect(mem.connections.all()).toHaveLength(0);
    expect(connectionBlobs(mem).length).toBe(0);
    expect(await call('connections:get', { id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('keeps one default per provider', async () => {
    const { call } = setup();
    const a = (await call('connections:create', { providerId: 'http', name: 'A', config: { baseUrl, authType: 'none' } })) as { value: { id: string; isDefault: boolean } };
    const b = (await call('connections:create', { providerId: 'http', name: 'B', config: { baseUrl, authType: 'none' } })) as { value: { id: string; isDefault: boolean } };
    expect([a.value.isDefault, b.value.isDefault]).toEqual([true, false]);
    await call('connections:setDefault', { id: b.value.id });
    const list = (await call('connections:list', {})) as { value: { id: string; isDefault: boolean }[] };
    expect(list.value.filter((c) => c.isDefault).map((c) => c.id)).toEqual([b.value.id]);
    await call('connections:delete', { id: b.value.id });
    const after = (await call('connections:list', {})) as { value: { id: string; isDefault: boolean }[] };
    expect(after.value).toEqual([expect.objectContaining({ id: a.value.id, isDefault: true })]);
  });

  it('tests a saved connection against a live server, stores the result and classifies auth failure', async () => {
    const { call } = setup();
    const c = await call('connections:create', { providerId: 'http', name: 'A', config: { baseUrl, authType: 'bearer' }, secrets: { token: 'wrong-token' } });
    const id = (c as { value: { id: string } }).value.id;
    const bad = await call('connections:test', { id });
    expect(bad).toMatchObject({ ok: true, value: { ok: false, code: 'auth', message: 'Authentication failed: 401 Unauthorized' } });
    await call('connections:replaceSecret', { id, field: 'token', value: 'right-token' });
    const good = await call('connections:test', { id });
    expect(good).toMatchObject({ ok: true, value: { ok: true, code: 'ok' } });
    expect(await call('connections:get', { id })).toMatchObject({ ok: true, value: { status: 'ok', lastTest: { ok: true } } });
  });

  it('tests an unsaved draft, and an edit using the stored secret', async () => {
    const { call } = setup();
    const draft = await call('connections:testDraft', { providerId: 'http', config: { baseUrl, authType: 'bearer' }, secrets: { token: 'right-token' } });
    expect(draft).toMatchObject({ ok: true, value: { ok: true } });
    const missing = await call('connections:testDraft', { providerId: 'http', config: { baseUrl, authType: 'bearer' } });
    expect(missing).toMatchObject({ ok: true, value: { ok: false, code: 'invalid_config', message: 'Token is required to test' } });
    const c = await call('connections:create', { providerId: 'http', name: 'A', config: { baseUrl, authType: 'bearer' }, secrets: { token: 'right-token' } });
    const id = (c as { value: { id: string } }).value.id;
    const edit = await call('connections:testDraft', { providerId: 'http', connectionId: id, config: { baseUrl, authType: 'bearer' } });
    expect(edit).toMatchObject({ ok: true, value: { ok: true } });
  });

  it('classifies a refused port', async () => {
    const { call } = setup();
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const res = await call('connections:testDraft', { providerId: 'http', config: { baseUrl: `http://127.0.0.1:${port}`, authType: 'none' } });
    expect(res).toMatchObject({ ok: true, value: { ok: false, code: 'refused', message: `Connection refused (127.0.0.1:${port})` } });
  });

  it('marks only the connection whose blob fails to decrypt as invalid', async () => {
    const { call, mem } = setup();
    const a = (await call('connections:create', { providerId: 'http', name: 'A', config: { baseUrl, authType: 'bearer' }, secrets: { token: 'right-token' } })) as { value: { id: string } };
    const b = (await call('connections:create', { providerId: 'http', name: 'B', config: { baseUrl, authType: 'bearer' }, secrets: { token: 'right-token' } })) as { value: { id: string } };
    const blobId = mem.connections.get(a.value.id)!.secretIds['token']!;
    const blob = Buffer.from(mem.secrets.blobs.get(blobId)!);
    blob[blob.length - 1] = blob[blob.length - 1]! ^ 0xff;
    mem.secrets.blobs.set(blobId, blob);
    const res = await call('connections:test', { id: a.value.id });
    expect(res).toMatchObject({ ok: true, value: { ok: false, code: 'invalid_config' } });
    expect(await call('connections:get', { id: a.value.id })).toMatchObject({ ok: true, value: { status: 'invalid', secretFields: { token: 'invalid' } } });
    expect(await call('connections:test', { id: b.value.id })).toMatchObject({ ok: true, value: { ok: true } });
    // Replacing the secret heals it.
    await call('connections:replaceSecret', { id: a.value.id, field: 'token', value: 'right-token' });
    expect(await call('connections:test', { id: a.value.id })).toMatchObject({ ok: true, value: { ok: true } });
  });

  it('refuses input outside the contract on every channel and changes nothing', async () => {
    const { call, mem } = setup();
    for (const [channel, input] of [
      ['connections:create', { providerId: 'http', name: '', config: {} }],
      ['connections:create', { providerId: 'http', name: 'x', config: {}, isDefault: true }],
      ['connections:update', { id: '../../etc', name: 'x' }],
      ['connections:setSecret', { id: 'x', field: 'token' }],
      ['grants:revoke', {}],
      ['audit:list', { limit: 100000 }],
    ] as const) {
      expect(await call(channel, input)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    expect(mem.connections.all()).toHaveLength(0);
  });

  it('keeps a draft\'s test result when the draft is saved unchanged, and drops it after a settings change', async () => {
    const { call } = setup();
    const draft = { providerId: 'http', config: { baseUrl, authType: 'bearer' }, secrets: { token: 'right-token' } };
    await call('connections:testDraft', draft);
    const saved = await call('connections:create', { ...draft, name: 'Tested' });
    expect(saved).toMatchObject({ ok: true, value: { status: 'ok', lastTest: { ok: true, code: 'ok' } } });
    const other = await call('connections:create', { ...draft, name: 'Untested', secrets: { token: 'other-token' } });
    expect(other).toMatchObject({ ok: true, value: { status: 'untested', lastTest: null } });
    const id = (saved as { value: { id: string } }).value.id;
    expect(await call('connections:update', { id, name: 'Renamed' })).toMatchObject({ ok: true, value: { status: 'ok', lastTest: { ok: true } } });
    expect(await call('connections:replaceSecret', { id, field: 'token', value: 'another-token' })).toMatchObject({ ok: true, value: { status: 'untested', lastTest: null } });
  });

  it('honours the connection\'s own test timeout', async () => {
    const { call } = setup();
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const started = Date.now();
    const res = await call('connections:testDraft', { providerId: 'http', config: { baseUrl: url, authType: 'none', timeoutMs: 300 } });
    expect(res).toMatchObject({ ok: true, value: { ok: false, code: 'timeout', message: 'Timed out after 0.3 s' } });
    expect(Date.now() - started).toBeLessThan(5000);
    silent.closeAllConnections();
    await new Promise<void>((r) => silent.close(() => r()));
  });
});
