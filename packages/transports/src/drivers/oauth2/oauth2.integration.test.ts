/**
 * OAuth2 end to end against a real OpenID provider (oidc-provider) on loopback: sign-in with
 * authorization code + PKCE (the person's login and consent played over plain HTTP), calls
 * through a SecretRef with the bearer injected, one refresh for 64 concurrent calls, a refused
 * refresh → expired → sign in again, client credentials, revocation on delete. The client
 * secret and every token are canaries that must never come back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, SignInStarted } from '@latchkey/contracts';
import { confirmDeviceAsPerson, signInAsPerson } from '../../testing/oidc-peer.js';
import { startOAuthMcpServer } from '../../testing/mcp-oauth-peer.js';
import { createOAuth2World, type OAuth2World } from './oauth2-fixture.js';

const SERVICE_SECRET = 'Canary-Svc-Secret-5b2e9';
let w: OAuth2World;
const tokensSeen = new Set<string>();

beforeAll(async () => {
  w = await createOAuth2World({ serviceClientSecret: SERVICE_SECRET });
}, 30_000);

afterAll(async () => {
  const everything = [JSON.stringify(w.outputs), ...w.mem.audit.lines_.map((l) => l.text), JSON.stringify(w.mem.connections.all())].join('\n');
  for (const secret of [SERVICE_SECRET, ...tokensSeen, ...w.peer.issued]) {
    for (const form of [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]) expect(everything).not.toContain(form);
  }
  await w.close();
});

async function signIn(id: string, login = 'alice'): Promise<{ page: string; status: number }> {
  const started = await w.call<SignInStarted>('connections:signIn', { id });
  expect(started.authorizeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/auth\?/);
  const url = new URL(started.authorizeUrl!);
  expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth2\/callback$/);
  expect(url.searchParams.get('nonce')).toBeTruthy();
  const done = await signInAsPerson(started.authorizeUrl!, login);
  return { page: done.page ?? '', status: done.status ?? 0 };
}

async function remember(id: string) {
  const t = await w.storedTokens(id);
  if (t) {
    tokensSeen.add(t.accessToken);
    if (t.refreshToken) tokensSeen.add(t.refreshToken);
  }
  return t;
}

describe('authorization code + PKCE', () => {
  let id: string;
  let ref: string;

  it('signs in through the provider pages, shows a clear result page, and the connection works', async () => {
    id = await w.createNative();
    const before = await w.call<Connection>('connections:get', { id });
    expect(before.status).toBe('untested');
    const { page, status } = await signIn(id);
    expect(status).toBe(200);
    expect(page).toContain('Signed in to OAuth2 / OpenID app');
    const after = await w.call<Connection>('connections:get', { id });
    expect(after).toMatchObject({ status: 'ok', secretFields: { oauth2Token: 'set' }, lastTest: { ok: true, message: 'Signed in' } });
    const tokens = await remember(id);
    expect(tokens?.refreshToken).toBeTruthy();
    ref = await w.refFor(id);
    const res = await w.fetchThrough(ref);
    expect(res).toMatchObject({ ok: true, value: { status: 200 } });
    expect(JSON.parse((res as { value: { body: string } }).value.body)).toEqual({ sub: 'alice' });
    expect(w.api.seen.at(-1)).toBe(tokens!.accessToken);
    const audit = w.mem.audit.lines_.map((l) => JSON.parse(l.text) as { type: string; outcome: string });
    expect(audit.some((e) => e.type === 'oauth2.signIn' && e.outcome === 'ok')).toBe(true);
  });

  it('64 concurrent calls on an expired token make exactly one refresh request, and rotation is kept', async () => {
    const first = await remember(id);
    const refreshesBefore = w.peer.grants.ok['refresh_token'] ?? 0;
    w.clock.advance(2 * 3600_000);
    const results = await Promise.all(Array.from({ length: 64 }, () => w.fetchThrough(ref)));
    for (const r of results) expect(r).toMatchObject({ ok: true, value: { status: 200 } });
    expect((w.peer.grants.ok['refresh_token'] ?? 0) - refreshesBefore).toBe(1);
    expect(w.peer.grants.failed['refresh_token'] ?? 0).toBe(0);
    const second = await remember(id);
    expect(second!.accessToken).not.toBe(first!.accessToken);
    // rotateRefreshToken: the provider issued a new refresh token, and the broker kept it.
    expect(second!.refreshToken).not.toBe(first!.refreshToken);
    expect(new Set(w.api.seen.slice(-64))).toEqual(new Set([second!.accessToken]));
    // A later call within the lifetime refreshes nothing.
    await w.fetchThrough(ref);
    expect((w.peer.grants.ok['refresh_token'] ?? 0) - refreshesBefore).toBe(1);
  });

  it('a refresh the provider refuses marks the connection expired with the reason, audited; Sign in again restores it', async () => {
    await remember(id);
    expect(await w.peer.revokeAllRefreshTokens()).toBeGreaterThan(0);
    w.clock.advance(2 * 3600_000);
    const refused = await w.fetchThrough(ref);
    expect(refused).toMatchObject({ ok: false, error: { code: 'DENIED' } });
    expect((refused as { error: { message: string } }).error.message).toMatch(/sign in again/i);
    const expired = await w.call<Connection>('connections:get', { id });
    expect(expired.status).toBe('expired');
    expect(expired.lastTest).toMatchObject({ ok: false, code: 'auth' });
    expect(expired.lastTest!.message).toMatch(/invalid_grant/);
    expect(expired.secretFields['oauth2Token']).toBeUndefined();
    const audit = w.mem.audit.lines_.map((l) => JSON.parse(l.text) as { type: string; connectionId?: string });
    expect(audit.some((e) => e.type === 'oauth2.expired' && e.connectionId === id)).toBe(true);

    const again = await signIn(id);
    expect(again.status).toBe(200);
    expect(await w.call<Connection>('connections:get', { id })).toMatchObject({ status: 'ok' });
    await remember(id);
    expect(await w.fetchThrough(ref)).toMatchObject({ ok: true, value: { status: 200 } });
  });

  it('deleting the connection revokes its tokens at the provider (RFC 7009)', async () => {
    const tokens = await remember(id);
    expect(await w.peer.provider.RefreshToken.find(tokens!.refreshToken!)).toBeTruthy();
    await w.call('connections:delete', { id });
    expect(await w.peer.provider.RefreshToken.find(tokens!.refreshToken!)).toBeUndefined();
    expect(await w.peer.provider.AccessToken.find(tokens!.accessToken)).toBeUndefined();
    const audit = w.mem.audit.lines_.map((l) => JSON.parse(l.text) as { type: string; outcome: string; connectionId?: string });
    expect(audit.some((e) => e.type === 'oauth2.revoke' && e.outcome === 'ok' && e.connectionId === id)).toBe(true);
  });
});

describe('client credentials', () => {
  it('fetches a token without a browser, injects it, and fetches a new one after expiry', async () => {
    const c = await w.call<{ id: string }>('connections:create', {
      providerId: 'oauth2-client-credentials',
      name: 'service',
      config: { baseUrl: w.api.url, tokenUrl: `${w.peer.issuer}/token`, clientId: w.peer.serviceClientId, scopes: '' },
      secrets: { clientSecret: SERVICE_SECRET },
    });
    const before = w.peer.grants.ok['client_credentials'] ?? 0;
    const started = await w.call<SignInStarted>('connections:signIn', { id: c.id });
    expect(started.authorizeUrl).toBeNull();
    expect(await w.call<Connection>('connections:get', { id: c.id })).toMatchObject({ status: 'ok' });
    await remember(c.id);
    const ref = await w.refFor(c.id);
    const res = await w.fetchThrough(ref, '/anything');
    expect(res).toMatchObject({ ok: true, value: { status: 200 } });
    expect(JSON.parse((res as { value: { body: string } }).value.body)).toEqual({ sub: w.peer.serviceClientId });
    w.clock.advance(2 * 3600_000);
    const results = await Promise.all(Array.from({ length: 16 }, () => w.fetchThrough(ref, '/anything')));
    for (const r of results) expect(r).toMatchObject({ ok: true, value: { status: 200 } });
    await remember(c.id);
    expect((w.peer.grants.ok['client_credentials'] ?? 0) - before).toBe(2);
  });

  it('a wrong client secret is refused with the provider reason and the secret never shows', async () => {
    const c = await w.call<{ id: string }>('connections:create', {
      providerId: 'oauth2-client-credentials',
      name: 'wrong service',
      config: { baseUrl: w.api.url, tokenUrl: `${w.peer.issuer}/token`, clientId: w.peer.serviceClientId, scopes: '' },
      secrets: { clientSecret: `${SERVICE_SECRET}-wrong` },
    });
    await expect(w.call('connections:signIn', { id: c.id })).rejects.toMatchObject({ code: 'DENIED', message: expect.stringMatching(/invalid_client/) });
    expect(await w.call<Connection>('connections:get', { id: c.id })).toMatchObject({ status: 'untested', secretFields: { clientSecret: 'set' } });
  });
});

describe('device flow (RFC 8628)', () => {
  it('shows a code to type at the provider, polls until the person confirmed, and the connection works', async () => {
    const c = await w.call<{ id: string }>('connections:create', {
      providerId: 'oauth2-device',
      name: 'device',
      config: { baseUrl: w.api.url, deviceAuthorizationUrl: `${w.peer.issuer}/device/auth`, tokenUrl: `${w.peer.issuer}/token`, clientId: w.peer.deviceClientId, scopes: 'openid offline_access' },
    });
    const started = await w.call<SignInStarted>('connections:signIn', { id: c.id });
    expect(started.userCode).toMatch(/^[A-Z]{4}-?[A-Z]{4}$/);
    expect(started.verificationUri).toBe(`${w.peer.issuer}/device`);
    expect(started.authorizeUrl).toContain('user_code=');
    // Polled before the person confirmed: pending, nothing stored.
    await expect.poll(() => w.peer.grants.failed['urn:ietf:params:oauth:grant-type:device_code'] ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
    expect((await w.call<Connection>('connections:get', { id: c.id })).secretFields['oauth2Token']).toBeUndefined();
    const page = await confirmDeviceAsPerson(started.authorizeUrl!, 'dana');
    expect(page).toMatch(/success/i);
    await expect.poll(async () => (await w.call<Connection>('connections:get', { id: c.id })).status, { timeout: 10_000 }).toBe('ok');
    await remember(c.id);
    const ref = await w.refFor(c.id);
    const res = await w.fetchThrough(ref);
    expect(JSON.parse((res as { value: { body: string } }).value.body)).toEqual({ sub: 'dana' });
  });
});

describe('a provider that cannot be reached', () => {
  it('leaves the sign-in alone: the call fails as unavailable, the connection is not marked expired, the tokens stay', async () => {
    const own = await createOAuth2World({ serviceClientSecret: 'Canary-Svc-Down-31f' });
    let stopped = false;
    try {
      const id = await own.createNative();
      const started = await own.call<SignInStarted>('connections:signIn', { id });
      expect((await signInAsPerson(started.authorizeUrl!, 'erin')).status).toBe(200);
      const ref = await own.refFor(id);
      await own.peer.stop();
      stopped = true;
      own.clock.advance(2 * 3600_000);
      const res = await own.fetchThrough(ref);
      expect(res).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE', message: expect.stringMatching(/could not be reached/) } });
      expect(await own.call<Connection>('connections:get', { id })).toMatchObject({ status: 'ok', secretFields: { oauth2Token: 'set' } });
      const audit = own.mem.audit.lines_.map((l) => JSON.parse(l.text) as { type: string; outcome: string });
      expect(audit.some((e) => e.type === 'oauth2.refresh' && e.outcome === 'error')).toBe(true);
      expect(audit.some((e) => e.type === 'oauth2.expired')).toBe(false);
    } finally {
      await own.broker.close();
      await own.api.close();
      if (!stopped) await own.peer.stop();
    }
  });
});

describe('remote MCP server (MCP authorization spec)', () => {
  it('discovers the authorization server (RFC 9728, 8414), registers itself (RFC 7591), signs in for the resource (RFC 8707), and calls a tool', async () => {
    const mcp = await startOAuthMcpServer(w.peer);
    try {
      // Without a token the server refuses and names its metadata: the thing the discovery follows.
      const bare = await fetch(mcp.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(bare.status).toBe(401);
      expect(bare.headers.get('www-authenticate')).toContain('resource_metadata=');

      const c = await w.call<{ id: string }>('connections:create', { providerId: 'mcp-oauth', name: 'remote tools', config: { transport: 'http', url: mcp.url } });
      const started = await w.call<SignInStarted>('connections:signIn', { id: c.id });
      const url = new URL(started.authorizeUrl!);
      expect(url.origin).toBe(w.peer.issuer);
      expect(url.searchParams.get('resource')).toBe(mcp.url);
      expect(url.searchParams.get('client_id')).not.toBe(w.peer.nativeClientId);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      const done = await signInAsPerson(started.authorizeUrl!, 'frank');
      expect(done.status).toBe(200);
      expect(await w.call<Connection>('connections:get', { id: c.id })).toMatchObject({ status: 'ok', secretFields: { oauth2Token: 'set' } });
      const tokens = await remember(c.id);
      expect(tokens?.refreshToken).toBeTruthy();
      expect((await w.peer.provider.AccessToken.find(tokens!.accessToken))?.aud).toBe(mcp.url);

      const granted = await w.extension('secrets:requestAccess', { connectionId: c.id, reason: 'MCP test', scopes: ['mcp.callTool'] }, { requester: { kind: 'extension', id: 'acme.tools', displayName: 'Acme tools' } });
      const ref = (granted as { value: { secretRef: string } }).value.secretRef;
      const called = await w.extension('mcp:callTool', { ref, call: { name: 'whoami', args: {} } }, { requester: { kind: 'extension', id: 'acme.tools', displayName: 'Acme tools' } });
      w.outputs.push(called);
      expect(JSON.stringify(called)).toContain('you are frank');
      // "Refresh tools": the connection's test lists the tools with the signed-in token, stored with it.
      const tested = await w.call<{ ok: boolean; details?: { tools?: string[] } }>('connections:test', { id: c.id });
      expect(tested).toMatchObject({ ok: true, details: { tools: ['whoami'] } });
      expect((await w.call<Connection>('connections:get', { id: c.id })).lastTest?.details).toEqual({ tools: ['whoami'] });

      // Past expiry: one refresh (with the resource again), and the tool still answers.
      const refreshes = w.peer.grants.ok['refresh_token'] ?? 0;
      w.clock.advance(2 * 3600_000);
      const again = await w.extension('mcp:callTool', { ref, call: { name: 'whoami', args: {} } }, { requester: { kind: 'extension', id: 'acme.tools', displayName: 'Acme tools' } });
      w.outputs.push(again);
      expect(JSON.stringify(again)).toContain('you are frank');
      expect((w.peer.grants.ok['refresh_token'] ?? 0) - refreshes).toBe(1);
      const next = await remember(c.id);
      expect((await w.peer.provider.AccessToken.find(next!.accessToken))?.aud).toBe(mcp.url);
    } finally {
      await mcp.stop();
    }
  });
});

describe('remote MCP server: where its metadata is found (MCP authorization spec, discovery order)', () => {
  const agent = { requester: { kind: 'extension' as const, id: 'acme.tools', displayName: 'Acme tools' } };
  const WELL_KNOWN = '/.well-known/oauth-protected-resource';

  it.each([
    { label: "only at a path the 401's resource_metadata names (no well-known document)", opts: { metadataPath: '/meta/tools-resource.json' }, fetched: ['GET /meta/tools-resource.json'], notFetched: [`GET ${WELL_KNOWN}/mcp`, `GET ${WELL_KNOWN}`] },
    { label: 'at the path-suffixed well-known address, the 401 naming none', opts: { announce: false }, fetched: [`GET ${WELL_KNOWN}/mcp`], notFetched: [`GET ${WELL_KNOWN}`] },
    { label: 'at the root well-known address only, the 401 naming none', opts: { announce: false, metadataPath: WELL_KNOWN }, fetched: [`GET ${WELL_KNOWN}/mcp`, `GET ${WELL_KNOWN}`], notFetched: [] },
    { label: "only where the 401 says, with the scope the 401 asks for (the metadata lists none)", opts: { metadataPath: '/meta/scoped.json', requiredScopes: ['mcp:tools'] }, fetched: ['GET /meta/scoped.json'], notFetched: [`GET ${WELL_KNOWN}/mcp`] },
  ])('signs in and calls a tool when the metadata is $label', async ({ opts, fetched, notFetched }) => {
    const mcp = await startOAuthMcpServer(w.peer, opts);
    try {
      const c = await w.call<{ id: string }>('connections:create', { providerId: 'mcp-oauth', name: `tools ${fetched.join(' ')}`, config: { transport: 'http', url: mcp.url } });
      const started = await w.call<SignInStarted>('connections:signIn', { id: c.id });
      const url = new URL(started.authorizeUrl!);
      expect(url.origin).toBe(w.peer.issuer);
      expect(url.searchParams.get('resource')).toBe(mcp.url);
      // The server's scope (its 401's, else its metadata's) joins the form's.
      expect(url.searchParams.get('scope')?.split(' ').sort()).toEqual(['mcp:tools', 'offline_access']);
      expect(mcp.hits.filter((h) => h.startsWith('GET '))).toEqual(fetched);
      for (const h of notFetched) expect(mcp.hits).not.toContain(h);

      expect((await signInAsPerson(started.authorizeUrl!, 'hana')).status).toBe(200);
      expect(await w.call<Connection>('connections:get', { id: c.id })).toMatchObject({ status: 'ok', secretFields: { oauth2Token: 'set' } });
      const tokens = await remember(c.id);
      expect((await w.peer.provider.AccessToken.find(tokens!.accessToken))?.aud).toBe(mcp.url);

      const granted = await w.extension('secrets:requestAccess', { connectionId: c.id, reason: 'MCP test', scopes: ['mcp.callTool'] }, agent);
      const ref = (granted as { value: { secretRef: string } }).value.secretRef;
      const called = await w.extension('mcp:callTool', { ref, call: { name: 'whoami', args: {} } }, agent);
      w.outputs.push(called);
      expect(JSON.stringify(called)).toContain('you are hana');
    } finally {
      await mcp.stop();
    }
  });
});
