import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appChannels, createDispatcher, extensionChannels, type ConsentDecision, type Requester } from '@latchkey/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentSession } from '../create-broker.js';
import { ScriptedPrompter, createTestBroker } from '../testing/index.js';

const app: Requester = { kind: 'app', id: 'renderer', displayName: 'Latchkey' };
const extA: Requester = { kind: 'extension', id: 'acme.crm', displayName: 'Acme CRM' };
const extB: Requester = { kind: 'extension', id: 'evil.ext', displayName: 'Evil' };

let server: Server;
let baseUrl: string;
const seenHeaders: IncomingHttpHeaders[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    seenHeaders.push(req.headers);
    if (req.headers.authorization !== 'Bearer canary-TOKEN-7f3a') return void res.writeHead(401).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Prompts that never get an answer, and a promise that settles once `count` of them are on screen (no sleeping). */
function hangingPrompts(count: number) {
  let left = count;
  let allOnScreen!: () => void;
  const allShown = new Promise<void>((resolve) => (allOnScreen = resolve));
  const answer = (): 'hang' => {
    if (--left === 0) allOnScreen();
    return 'hang';
  };
  return { answer, allShown };
}

async function setup(answer: (p: unknown) => ConsentDecision | 'hang' = () => ({ decision: 'once' })) {
  const prompter = new ScriptedPrompter(answer as never);
  const t = createTestBroker({ prompter, options: { consentTimeoutMs: 200 } });
  const appDispatch = createDispatcher(appChannels, t.broker.app);
  const extDispatch = createDispatcher(extensionChannels, t.broker.extension);
  const created = await appDispatch('connections:create', { providerId: 'http', name: 'API', config: { baseUrl, authType: 'bearer' }, secrets: { token: 'canary-TOKEN-7f3a' } }, { requester: app });
  if (!created.ok) throw new Error(created.error.message);
  const connectionId = (created.value as { id: string }).id;
  const as = (requester: Requester) => ({
    call: (channel: keyof typeof extensionChannels, input: unknown) => extDispatch(channel, input, { requester }),
  });
  const auditTypes = () => t.mem.audit.lines_.map((l) => JSON.parse(l.text) as { type: string; outcome: string; requester?: Requester });
  return { ...t, prompter, appDispatch, as, connectionId, auditTypes };
}

const request = (connectionId: string, scopes: string[] = ['http.fetch']) => ({ connectionId, reason: 'Sync contacts', scopes });

describe('consent and SecretRefs', () => {
  it('prompts with who, what, why and plain-words scopes, then issues a bound ref', async () => {
    const t = await setup();
    const res = await t.as(extA).call('secrets:requestAccess', request(t.connectionId, ['http.fetch', 'reveal']));
    expect(res).toMatchObject({ ok: true, value: { granted: true, secretRef: expect.stringMatching(/^lkref_[A-Za-z0-9_-]{32}$/) } });
    const prompt = t.prompter.seen[0]!;
    expect(prompt.requester).toEqual(extA);
    expect(prompt.reason).toBe('Sync contacts');
    expect(prompt.connection).toMatchObject({ id: t.connectionId, name: 'API', providerName: 'HTTP API', target: baseUrl });
    expect(prompt.scopes).toEqual([
      { scope: 'http.fetch', description: `send authenticated requests to ${baseUrl}`, warning: false },
      { scope: 'reveal', description: 'read the password itself (the secret leaves Latchkey)', warning: true },
    ]);
  });

  it('uses a ref through http.fetch: the broker injects auth, the extension never sees it', async () => {
    const t = await setup();
    const g = (await t.as(extA).call('secrets:requestAccess', request(t.connectionId))) as { ok: true; value: { secretRef: string } };
    const res = await t.as(extA).call('http:fetch', { ref: g.value.secretRef, request: { url: '/contacts?page=2' } });
    expect(res).toMatchObject({ ok: true, value: { status: 200 } });
    expect(JSON.parse((res as { value: { body: string } }).value.body)).toEqual({ path: '/api/contacts?page=2' });
    expect(JSON.stringify(res)).not.toContain('canary-TOKEN-7f3a');
    expect(t.auditTypes().map((e) => e.type)).toEqual(expect.arrayContaining(['access.request', 'access.grant', 'ref.use']));
  });

  it('refuses another origin with a valid ref, before any request is sent', async () => {
    const t = await setup(() => ({ decision: 'always', duration: '1h' }));
    const g = (await t.as(extA).call('secrets:requestAccess', request(t.connectionId))) as { ok: true; value: { secretRef: string } };
    const before = t.transports.requests.length;
    for (const url of ['http://127.0.0.2:1/steal', '//evil.example/x', 'https://127.0.0.1/api']) {
      const res = await t.as(extA).call('http:fetch', { ref: g.value.secretRef, request: { url } });
      expect(res).toMatchObject({ ok: false, error: { code: 'DENIED' } });
    }
    expect(t.transports.requests.length).toBe(before);
  });

  it('allow once: a ref for one use; a second call asks again', async () => {
    const t = await setup();
    const g = (await t.as(extA).call('secrets:requestAccess', request(t.connectionId))) as { ok: true; value: { secretRef: string } };
    expect(await t.as(extA).call('http:fetch', { ref: g.value.secretRef, request: { url: '/a' } })).toMatchObject({ ok: true });
    expect(await t.as(extA).call('http:fetch', { ref: g.value.secretRef, request: { url: '/a' } })).toMatchObject({ ok: false, error: { code: 'DENIED' } });
    await t.as(extA).call('secrets:requestAccess', request(t.connectionId));
    expect(t.prompter.seen).toHaveLength(2);
  });

  it('a ref presented by another requester, guessed, expired or revoked fails with DENIED and is audited', async () => {
    const t = await setup(() => ({ decision: 'always', duration: '1h' }));
    const g = (await t.as(extA).call('secrets:requestAccess', request(t.connectionId))) as { ok: true; value: { secretRef: string; grantId: string } };
    const ref = g.value.secretRef;
    expect(await t.as(extB).call('http:fetch', { ref, request: { url: '/a' } })).toEqual({ ok: false, error: { code: 'DENIED', message: 'This SecretRef is not valid for you' } });
    expect(await t.as(extB).call('http:fetch', { ref: `lkref_${'a'.repeat(32)}`, request: { url: '/a' } })).toEqual({ ok: false, error: { code: 'DENIED', message: 'This SecretRef is not valid for you' } });
    expect(await t.as(extB).call('http:fetch', { ref: 'not-a-ref', request: { url: '/a' } })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await t.as(extA).call('secrets:reveal', { ref })).toMatchObject({ ok: false, error: { code: 'DENIED', message: 'This SecretRef does not allow reveal' } });
    // Revoke kills live refs at once.
    expect(await t.appDispatch('grants:revoke', { id: g.value.grantId }, { requester: app })).toMatchObject({ ok: true, value: { revokedAt: expect.any(String) } });
    expect(await t.as(extA).call('http:fetch', { ref, request: { url: '/a' } })).toMatchObject({ ok: false, error: { code: 'DENIED' } });
    const refused = t.auditTypes().filter((e) => e.type === 'ref.refused');
    expect(refused.map((e) => e.requester?.id)).toEqual(['evil.ext', 'evil.ext', 'acme.crm', 'acme.crm']);
    // Expiry.
    const g2 = (await t.as(extA).call('secrets:requestAccess', request(t.connectionId))) as { ok: true; value: { secretRef: string } };
    expect(t.prompter.seen).toHaveLength(2);
    t.clock.advance(3_600_001);
    expect(await t.as(extA).call('http:fetch', { ref: g2.value.secretRef, request: { url: '/a' } })).toMatchObject({ ok: false, error: { code: 'DENIED', message: expect.stringContaining('expired') } });
  });

  it('allow always answers later requests without prompting until the grant is revoked', async () => {
    const t = await setup(() => ({ decision: 'always', duration: 'forever' }));
    const first = (await t.as(extA).call('secrets:requestAccess', request(t.connectionId))) as { ok: true; value: { grantId: string } };
    await t.as(extA).call('secrets:requestAccess', request(t.connectionId));
    expect(t.prompter.seen).toHaveLength(1);
    // Another requester is not covered by A's grant.
    await t.as(extB).call('secrets:requestAccess', request(t.connectionId));
    expect(t.prompter.seen).toHaveLength(2);
    const grants = await t.appDispatch('grants:list', {}, { requester: app });
    expect(grants).toMatchObject({ ok: true, value: expect.arrayContaining([expect.objectContaining({ id: first.value.grantId, kind: 'always', expiresAt: null })]) });
    await t.appDispatch('grants:revoke', { id: first.value.grantId }, { requester: app });
    await t.as(extA).call('secrets:requestAccess', request(t.connectionId));
    expect(t.prompter.seen).toHaveLength(3);
  });

  it('deny, timeout and abort all deny, and each is audited', async () => {
    const deny = await setup(() => ({ decision: 'deny' }));
    expect(await deny.as(extA).call('secrets:requestAccess', request(deny.connectionId))).toMatchObject({ ok: true, value: { granted: false, reason: 'denied' } });
    const hang = await setup(() => 'hang');
    expect(await hang.as(extA).call('secrets:requestAccess', request(hang.connectionId))).toMatchObject({ ok: true, value: { granted: false, reason: 'timeout' } });
    const onScreen = hangingPrompts(1);
    const abort = await setup(onScreen.answer);
    const pending = abort.as(extA).call('secrets:requestAccess', request(abort.connectionId));
    await onScreen.allShown;
    abort.broker.abortConsent('window closed');
    expect(await pending).toMatchObject({ ok: true, value: { granted: false, reason: 'aborted', message: expect.stringContaining('window closed') } });
    for (const t of [deny, hang, abort]) expect(t.auditTypes().filter((e) => e.type === 'access.deny')).toHaveLength(1);
  });

  it('throttles a requester denied repeatedly instead of prompting again and again', async () => {
    const t = await setup(() => ({ decision: 'deny' }));
    for (let i = 0; i < 3; i++) await t.as(extA).call('secrets:requestAccess', request(t.connectionId));
    const res = await t.as(extA).call('secrets:requestAccess', request(t.connectionId));
    expect(res).toMatchObject({ ok: true, value: { granted: false, reason: 'throttled' } });
    expect(t.prompter.seen).toHaveLength(3);
    t.clock.advance(10 * 60_000 + 1);
    await t.as(extA).call('secrets:requestAccess', request(t.connectionId));
    expect(t.prompter.seen).toHaveLength(4);
  });

  it('limits how many prompts one requester can hold open (flooding)', async () => {
    const t = await setup(() => 'hang');
    const calls = Array.from({ length: 10 }, () => t.as(extA).call('secrets:requestAccess', request(t.connectionId)));
    const results = await Promise.all(calls);
    expect(t.prompter.seen.length).toBe(3);
    expect(results.filter((r) => r.ok && (r.value as { reason?: string }).reason === 'throttled')).toHaveLength(7);
  });

  it('the event prompter pushes the prompt and takes the answer from consent:respond', async () => {
    const t = createTestBroker({ options: { consentTimeoutMs: 5_000 } });
    const appD = createDispatcher(appChannels, t.broker.app);
    const c = (await appD('connections:create', { providerId: 'http', name: 'API', config: { baseUrl, authType: 'none' } }, { requester: app })) as { value: { id: string } };
    const prompts: string[] = [];
    const shown = new Promise<void>((resolve) => t.broker.on('consent:prompt', (p) => (prompts.push(p.promptId), resolve())));
    const pending = createDispatcher(extensionChannels, t.broker.extension)('secrets:requestAccess', request(c.value.id), { requester: extA });
    await shown;
    expect(await appD('consent:pending', {}, { requester: app })).toMatchObject({ ok: true, value: [{ promptId: prompts[0] }] });
    expect(await appD('consent:respond', { promptId: prompts[0], response: { decision: 'always', duration: '1d' } }, { requester: app })).toEqual({ ok: true, value: { ok: true } });
    expect(await pending).toMatchObject({ ok: true, value: { granted: true } });
    expect(await appD('consent:respond', { promptId: prompts[0], response: { decision: 'deny' } }, { requester: app })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('refuses scopes the provider does not support and unknown connections', async () => {
    const t = await setup();
    expect(await t.as(extA).call('secrets:requestAccess', request(t.connectionId, ['sql.query']))).toMatchObject({ ok: true, value: { granted: false, reason: 'unsupported_scope' } });
    expect(await t.as(extA).call('secrets:requestAccess', request('nope'))).toMatchObject({ ok: true, value: { granted: false, reason: 'not_found' } });
    expect(t.prompter.seen).toHaveLength(0);
  });

  it('reveal works only with the reveal scope the person saw, and is audited as a reveal', async () => {
    const t = await setup();
    const g = (await t.as(extA).call('secrets:requestAccess', request(t.connectionId, ['reveal']))) as { ok: true; value: { secretRef: string } };
    expect(await t.as(extA).call('secrets:reveal', { ref: g.value.secretRef })).toEqual({ ok: true, value: { values: { token: 'canary-TOKEN-7f3a' } } });
    expect(t.auditTypes().some((e) => e.type === 'secret.reveal')).toBe(true);
  });

  it('agents go through the same consent path', async () => {
    const t = await setup();
    const agent = createAgentSession(t.broker, { displayName: 'Assistant' });
    const res = await agent.secrets.requestAccess({ connectionId: t.connectionId, reason: 'Answer your question', scopes: ['http.fetch'] });
    expect(res.granted).toBe(true);
    expect(t.prompter.seen[0]!.requester).toEqual({ kind: 'agent', id: expect.stringMatching(/^session-/), displayName: 'Assistant' });
    if (!res.granted) return;
    const out = await agent.http.fetch({ ref: res.secretRef, request: { url: '/q' } });
    expect(out.status).toBe(200);
  });

  it('a deleted connection makes its refs fail', async () => {
    const t = await setup(() => ({ decision: 'always', duration: '1h' }));
    const g = (await t.as(extA).call('secrets:requestAccess', request(t.connectionId))) as { ok: true; value: { secretRef: string } };
    await t.appDispatch('connections:delete', { id: t.connectionId }, { requester: app });
    expect(await t.as(extA).call('http:fetch', { ref: g.value.secretRef, request: { url: '/a' } })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('aborting one requester denies only its prompts', async () => {
    const onScreen = hangingPrompts(2);
    const t = await setup(onScreen.answer);
    const a = t.as(extA).call('secrets:requestAccess', request(t.connectionId));
    const b = t.as(extB).call('secrets:requestAccess', request(t.connectionId));
    await onScreen.allShown;
    t.broker.abortConsentFor(extA, 'Acme CRM crashed');
    expect(await a).toMatchObject({ ok: true, value: { granted: false, reason: 'aborted', message: expect.stringContaining('Acme CRM crashed') } });
    expect(await b).toMatchObject({ ok: true, value: { granted: false, reason: 'timeout' } });
  });

  it('forwards the extension host\'s state changes as extensions:changed', async () => {
    const t = await setup();
    const listeners: (() => void)[] = [];
    t.broker.attachExtensions({ list: () => [], setEnabled: async () => { throw new Error('unused'); }, onChange: (l) => (listeners.push(l), () => undefined) });
    let seen = 0;
    t.broker.on('extensions:changed', () => seen++);
    listeners.forEach((l) => l());
    expect(seen).toBe(1);
  });

  it('bounds the live refs one requester can hold: asking in a loop under an always-grant reuses its live ref', async () => {
    // Until issue 8 the oldest refs were retired past 64; now none is retired, and a grant's
    // live ref is handed out again (ref-load.test.ts covers the cap and BUSY).
    const t = await setup(() => ({ decision: 'always', duration: '1h' }));
    const refs: string[] = [];
    for (let i = 0; i < 70; i++) {
      t.clock.advance(1000); // within the requester's audit budget (two events a request)
      const g = (await t.as(extA).call('secrets:requestAccess', request(t.connectionId))) as { ok: true; value: { secretRef: string } };
      refs.push(g.value.secretRef);
    }
    expect(t.prompter.seen).toHaveLength(1);
    expect(new Set(refs).size).toBe(1);
    expect(await t.as(extA).call('http:fetch', { ref: refs[0], request: { url: '/a' } })).toMatchObject({ ok: true });
    expect(await t.as(extA).call('http:fetch', { ref: refs[69], request: { url: '/a' } })).toMatchObject({ ok: true });
  });
});
