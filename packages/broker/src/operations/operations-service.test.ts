/**
 * OperationsService, as rules: every operation a SecretRef can do checks the ref before
 * anything leaves the broker, audits the use, runs with the secret and masks everything that
 * comes back. Requests go only to the connection's own origin, only with a scope the ref
 * carries, and plaintext leaves only through reveal, with the reveal scope the person saw.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appChannels, createDispatcher, extensionChannels, type Requester, type Scope } from '@latchkey/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScriptedPrompter, createTestBroker, findCanary } from '../testing/index.js';

const TOKEN = 'canary-TOKEN-9f8e7d6c5b4a';
const app: Requester = { kind: 'app', id: 'renderer', displayName: 'Latchkey' };
const ext: Requester = { kind: 'extension', id: 'ops.ext', displayName: 'Ops' };
const other: Requester = { kind: 'extension', id: 'other.ext', displayName: 'Other' };

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
}
function loopback(handler: (url: string, headers: IncomingHttpHeaders) => string) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'content-type': 'text/plain', 'x-echo': String(req.headers.authorization ?? '') }).end(handler(req.url ?? '', req.headers));
  });
  return { server, seen, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
const api = loopback((_u, h) => `you sent ${String(h.authorization)}`);
const elsewhere = loopback(() => 'elsewhere');
const listen = (s: Server) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));
beforeAll(() => Promise.all([listen(api.server), listen(elsewhere.server)]));
afterAll(() => Promise.all([close(api.server), close(elsewhere.server)]));

async function setup(scopes: Scope[] = ['http.fetch']) {
  api.seen.length = 0;
  elsewhere.seen.length = 0;
  const t = createTestBroker({ prompter: new ScriptedPrompter(() => ({ decision: 'always', duration: '1h' })) });
  const created = await createDispatcher(appChannels, t.broker.app)('connections:create', { providerId: 'http', name: 'API', config: { baseUrl: api.url(), authType: 'bearer' }, secrets: { token: TOKEN } }, { requester: app });
  if (!created.ok) throw new Error(created.error.message);
  const connectionId = (created.value as { id: string }).id;
  const d = createDispatcher(extensionChannels, t.broker.extension);
  const call = (channel: keyof typeof extensionChannels, input: unknown, requester = ext) => d(channel, input, { requester });
  const access = await call('secrets:requestAccess', { connectionId, reason: 'spec', scopes });
  if (!access.ok || !(access.value as { granted: boolean }).granted) throw new Error('access was not granted');
  const ref = (access.value as { secretRef: string }).secretRef;
  const audit = () => t.mem.audit.lines_.map((l) => JSON.parse(l.text) as { type: string; outcome?: string; requester?: Requester; connectionId?: string; scopes?: string[]; detail?: string });
  return { ...t, call, ref, connectionId, audit };
}

describe('OperationsService', () => {
  describe('http.fetch', () => {
    it('sends the request with the credential to the connection\'s own origin, and audits the use', async () => {
      const t = await setup();
      const res = await t.call('http:fetch', { ref: t.ref, request: { url: '/items?x=1' } });
      expect(res).toMatchObject({ ok: true, value: { status: 200 } });
      expect(api.seen).toEqual([expect.objectContaining({ url: '/items?x=1', headers: expect.objectContaining({ authorization: `Bearer ${TOKEN}` }) })]);
      expect(t.audit()).toContainEqual(expect.objectContaining({ type: 'ref.use', connectionId: t.connectionId, scopes: ['http.fetch'], requester: expect.objectContaining({ id: ext.id }) }));
    });

    it('masks the secret in everything that comes back: body, headers, status', async () => {
      const t = await setup();
      const res = await t.call('http:fetch', { ref: t.ref, request: { url: '/' } });
      expect(res.ok).toBe(true);
      // The server echoed the token in a header and the body; none of it, in any encoding, reaches the caller.
      expect(findCanary(JSON.stringify(res), TOKEN)).toEqual([]);
      expect(findCanary(JSON.stringify(t.audit()), TOKEN)).toEqual([]);
    });

    it('refuses a request to another origin before a byte is sent, and audits the error', async () => {
      const t = await setup();
      const res = await t.call('http:fetch', { ref: t.ref, request: { url: `${elsewhere.url()}/steal` } });
      expect(res).toMatchObject({ ok: false, error: { code: 'DENIED', message: expect.stringMatching(/may only go to/) } });
      expect(elsewhere.seen).toEqual([]);
      expect(api.seen).toEqual([]);
      expect(t.audit()).toContainEqual(expect.objectContaining({ type: 'ref.use', outcome: 'error' }));
    });

    it('an unknown ref is refused before anything leaves, and the refusal is audited without naming a connection', async () => {
      const t = await setup();
      const res = await t.call('http:fetch', { ref: `lkref_${'x'.repeat(32)}`, request: { url: '/' } });
      expect(res).toMatchObject({ ok: false, error: { code: 'DENIED', message: 'This SecretRef is not valid for you' } });
      expect(api.seen).toEqual([]);
      const refused = t.audit().filter((e) => e.type === 'ref.refused');
      expect(refused).toEqual([expect.objectContaining({ outcome: 'denied', scopes: ['http.fetch'] })]);
      expect(refused[0]!.connectionId).toBeUndefined();
    });

    it('another requester\'s ref is refused exactly as an unknown one, and its connection is not named to them', async () => {
      const t = await setup();
      const res = await t.call('http:fetch', { ref: t.ref, request: { url: '/' } }, other);
      expect(res).toMatchObject({ ok: false, error: { code: 'DENIED', message: 'This SecretRef is not valid for you' } });
      expect(api.seen).toEqual([]);
      const refused = t.audit().filter((e) => e.type === 'ref.refused');
      expect(refused).toHaveLength(1);
      expect(refused[0]!.connectionId).toBeUndefined();
      expect(refused[0]!.requester).toMatchObject({ id: other.id });
    });

    it('an expired ref is refused before anything leaves', async () => {
      const t = await setup();
      t.clock.advance(2 * 3_600_000);
      const res = await t.call('http:fetch', { ref: t.ref, request: { url: '/' } });
      expect(res).toMatchObject({ ok: false, error: { code: 'DENIED' } });
      expect(api.seen).toEqual([]);
    });

    it('a ref is void once the connection\'s target changed since it was issued', async () => {
      const t = await setup();
      const moved = await createDispatcher(appChannels, t.broker.app)('connections:update', { id: t.connectionId, config: { baseUrl: elsewhere.url(), authType: 'bearer' } }, { requester: app });
      expect(moved.ok).toBe(true);
      const res = await t.call('http:fetch', { ref: t.ref, request: { url: '/' } });
      expect(res).toMatchObject({ ok: false, error: { code: 'DENIED', message: expect.stringMatching(/target changed/) } });
      expect(elsewhere.seen).toEqual([]);
      expect(api.seen).toEqual([]);
    });
  });

  describe('scopes', () => {
    it('refuses an operation whose scope the ref lacks, before anything leaves', async () => {
      const t = await setup(['http.fetch']);
      const res = await t.call('webhook:send', { ref: t.ref, request: { payload: { hi: 1 } } });
      expect(res).toMatchObject({ ok: false, error: { code: 'DENIED', message: expect.stringMatching(/does not allow webhook\.send/) } });
      expect(api.seen).toEqual([]);
      expect(t.audit()).toContainEqual(expect.objectContaining({ type: 'ref.refused', scopes: ['webhook.send'], connectionId: t.connectionId }));
    });

    it('reveal without the reveal scope is refused, and no plaintext leaves', async () => {
      const t = await setup(['http.fetch']);
      const res = await t.call('secrets:reveal', { ref: t.ref });
      expect(res).toMatchObject({ ok: false, error: { code: 'DENIED', message: expect.stringMatching(/does not allow reveal/) } });
      expect(findCanary(JSON.stringify(res), TOKEN)).toEqual([]);
    });

    it('reveal with the reveal scope returns the plaintext, and each reveal is its own audit record', async () => {
      const t = await setup(['reveal']);
      expect(await t.call('secrets:reveal', { ref: t.ref })).toMatchObject({ ok: true, value: { values: { token: TOKEN } } });
      await t.call('secrets:reveal', { ref: t.ref });
      expect(t.audit().filter((e) => e.type === 'secret.reveal')).toHaveLength(2);
    });
  });
});
