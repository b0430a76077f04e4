/**
 * Refs under load (issue 8): one requester with many calls in flight must not have refs it was
 * just handed killed before their first use. Under an "always" grant a request reuses the live
 * ref of that grant; past the cap of live refs the broker answers a typed BUSY instead of
 * silently retiring refs someone holds.
 */
import { appChannels, createDispatcher, extensionChannels, type ConsentDecision, type Requester } from '@latchkey/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackServer, type LoopbackServer } from '../testing/loopback-server.js';
import { ScriptedPrompter, createTestBroker } from '../testing/index.js';
import { MAX_LIVE_REFS_PER_REQUESTER, requesterKey } from './ref-registry.js';

const app: Requester = { kind: 'app', id: 'renderer', displayName: 'Latchkey' };
const ext: Requester = { kind: 'extension', id: 'busy.ext', displayName: 'Busy' };
let upstream: LoopbackServer;
let baseUrl: string;
beforeAll(async () => {
  upstream = await startLoopbackServer((_req, res) => void res.writeHead(200).end('{}'));
  baseUrl = upstream.url;
});
afterAll(() => upstream.close());

async function setup(answer: () => ConsentDecision) {
  const prompter = new ScriptedPrompter(answer);
  const t = createTestBroker({ prompter });
  const created = await createDispatcher(appChannels, t.broker.app)('connections:create', { providerId: 'http', name: 'API', config: { baseUrl, authType: 'bearer' }, secrets: { token: 'tok' } }, { requester: app });
  if (!created.ok) throw new Error(created.error.message);
  const d = createDispatcher(extensionChannels, t.broker.extension);
  const call = (channel: keyof typeof extensionChannels, input: unknown) => d(channel, input, { requester: ext });
  return { ...t, prompter, call, connectionId: (created.value as { id: string }).id };
}

describe('SecretRefs under load', () => {
  it('200 concurrent requests under an "always" grant: every ref handed out works', async () => {
    const t = await setup(() => ({ decision: 'always', duration: '1h' }));
    // The first request makes the grant; the 200 after it race each other.
    await t.call('secrets:requestAccess', { connectionId: t.connectionId, reason: 'sync', scopes: ['http.fetch'] });
    const answers = await Promise.all(Array.from({ length: 200 }, () => t.call('secrets:requestAccess', { connectionId: t.connectionId, reason: 'sync', scopes: ['http.fetch'] })));
    const refs = answers.map((a) => (a.ok && (a.value as { granted: boolean }).granted ? (a.value as { secretRef: string }).secretRef : null));
    expect(refs.filter((r) => r === null)).toEqual([]);
    const uses = await Promise.all(refs.map((ref) => t.call('http:fetch', { ref, request: { url: '/' } })));
    expect(uses.filter((u) => !u.ok)).toEqual([]);
    expect(t.prompter.seen).toHaveLength(1);
    expect(t.broker.internals.refs.liveCount(requesterKey(ext), t.clock.now())).toBeLessThanOrEqual(2);
  });

  it('past the cap of unused refs the next request is BUSY, and the refs already handed out still work', async () => {
    const t = await setup(() => ({ decision: 'once' }));
    const refs: string[] = [];
    for (let i = 0; i < MAX_LIVE_REFS_PER_REQUESTER; i++) {
      const a = await t.call('secrets:requestAccess', { connectionId: t.connectionId, reason: `r${i}`, scopes: ['http.fetch'] });
      if (!a.ok || !(a.value as { granted: boolean }).granted) throw new Error(`request ${i} was not granted`);
      refs.push((a.value as { secretRef: string }).secretRef);
    }
    const over = await t.call('secrets:requestAccess', { connectionId: t.connectionId, reason: 'one more', scopes: ['http.fetch'] });
    expect(over).toMatchObject({ ok: false, error: { code: 'BUSY', message: expect.stringMatching(/Too many open SecretRefs for this requester; reuse one or wait/) } });
    // Refused before the person was asked: no consent given for nothing.
    expect(t.prompter.seen).toHaveLength(MAX_LIVE_REFS_PER_REQUESTER);
    const uses = await Promise.all(refs.map((ref) => t.call('http:fetch', { ref, request: { url: '/' } })));
    expect(uses.filter((u) => !u.ok)).toEqual([]);
    // Spent refs free their place.
    expect(await t.call('secrets:requestAccess', { connectionId: t.connectionId, reason: 'after', scopes: ['http.fetch'] })).toMatchObject({ ok: true, value: { granted: true } });
  });
});
