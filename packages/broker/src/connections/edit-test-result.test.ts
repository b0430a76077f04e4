/**
 * A status that tells the truth: an edit tested as a draft and then saved unchanged is "Working"
 * (it was proved with exactly what is saved), while a save that differs from what was tested,
 * or another connection's save, is not.
 */
import { appChannels, createDispatcher, type Requester } from '@latchkey/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackServer, type LoopbackServer } from '../testing/loopback-server.js';
import { createTestBroker } from '../testing/index.js';

const app: Requester = { kind: 'app', id: 'window:main', displayName: 'Latchkey' };
let peer: LoopbackServer;
beforeAll(async () => {
  peer = await startLoopbackServer((req, res) => res.writeHead(req.headers.authorization === 'Bearer good' ? 200 : 401).end('ok'));
});
afterAll(() => peer.close());

function setup() {
  const t = createTestBroker();
  const dispatch = createDispatcher(appChannels, t.broker.app);
  const call = async <T = Record<string, unknown>>(channel: keyof typeof appChannels, input: unknown): Promise<T> => {
    const r = await dispatch(channel, input, { requester: app });
    if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
    return r.value as T;
  };
  return call;
}

describe('an edit tested, then saved', () => {
  it('is Working when saved exactly as tested (stored secret kept, a setting changed)', async () => {
    const call = setup();
    const { id } = await call<{ id: string }>('connections:create', { providerId: 'http', name: 'A', config: { baseUrl: peer.url, authType: 'bearer' }, secrets: { token: 'good' } });
    const config = { baseUrl: peer.url, authType: 'bearer', healthPath: '/health' };
    expect(await call('connections:testDraft', { providerId: 'http', config, connectionId: id })).toMatchObject({ ok: true });
    expect(await call('connections:update', { id, config })).toMatchObject({ status: 'ok', lastTest: { ok: true } });
  });

  it('is Not tested when the save differs from what was tested', async () => {
    const call = setup();
    const { id } = await call<{ id: string }>('connections:create', { providerId: 'http', name: 'A', config: { baseUrl: peer.url, authType: 'bearer' }, secrets: { token: 'good' } });
    await call('connections:testDraft', { providerId: 'http', config: { baseUrl: peer.url, authType: 'bearer', healthPath: '/a' }, connectionId: id });
    expect(await call('connections:update', { id, config: { baseUrl: peer.url, authType: 'bearer', healthPath: '/b' } })).toMatchObject({ status: 'untested', lastTest: null });
  });

  it('another connection saved with the same settings does not inherit the result', async () => {
    const call = setup();
    const a = await call<{ id: string }>('connections:create', { providerId: 'http', name: 'A', config: { baseUrl: peer.url, authType: 'bearer' }, secrets: { token: 'good' } });
    const b = await call<{ id: string }>('connections:create', { providerId: 'http', name: 'B', config: { baseUrl: peer.url, authType: 'bearer' }, secrets: { token: 'bad' } });
    const config = { baseUrl: peer.url, authType: 'bearer', healthPath: '/x' };
    expect(await call('connections:testDraft', { providerId: 'http', config, connectionId: a.id })).toMatchObject({ ok: true });
    expect(await call('connections:update', { id: b.id, config })).toMatchObject({ status: 'untested' });
  });
});
