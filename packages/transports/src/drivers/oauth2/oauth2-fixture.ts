/**
 * The OAuth2 tests' world: a real OpenID provider (oidc-provider) and an API that accepts its
 * access tokens, both on loopback; a broker with the real transports and a manual clock (token
 * lifetimes are the broker's clock, so "wait past expiry" is a clock step, not a sleep).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScriptedPrompter, createTestBroker } from '@latchkey/broker/testing';
import { appChannels, createDispatcher, extensionChannels, type Requester } from '@latchkey/contracts';
import { createTransports } from '../../index.js';
import { startOidcPeer, type OidcPeer } from '../../testing/oidc-peer.js';
import { readPack } from '../../testing/packs.js';

export const person: Requester = { kind: 'app', id: 'renderer', displayName: 'Latchkey' };
export const ext: Requester = { kind: 'extension', id: 'acme.tools', displayName: 'Acme tools' };

/** An API that answers 200 with the token's subject for a live access token of the provider, else 401. */
export async function startApi(peer: OidcPeer): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const auth = req.headers.authorization ?? '';
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
      seen.push(token);
      const found = (await peer.provider.AccessToken.find(token)) ?? (await peer.provider.ClientCredentials.find(token));
      res.writeHead(found ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(found ? { sub: (found as { accountId?: string }).accountId ?? (found as { clientId?: string }).clientId } : { error: 'invalid_token' }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

export async function createOAuth2World(opts: { serviceClientSecret: string; signInTimeoutMs?: number }) {
  const peer = await startOidcPeer({ serviceClientSecret: opts.serviceClientSecret });
  const api = await startApi(peer);
  const transports = createTransports();
  const prompter = new ScriptedPrompter(() => ({ decision: 'always', duration: '30d' }));
  const { broker, mem, clock } = createTestBroker({ transports, prompter, options: { oauth2DeviceIntervalMs: 50, ...(opts.signInTimeoutMs ? { oauth2SignInTimeoutMs: opts.signInTimeoutMs } : {}) } });
  const { name, latchkey } = readPack('oauth2');
  for (const provider of latchkey.contributes.providers) broker.providers.register(provider, name);
  const app = createDispatcher(appChannels, broker.app);
  const extension = createDispatcher(extensionChannels, broker.extension);
  const outputs: unknown[] = [];

  async function call<T>(channel: keyof typeof appChannels, input: unknown): Promise<T> {
    const r = await app(channel, input, { requester: person });
    outputs.push(r);
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return r.value as T;
  }

  /** The generic OpenID app connection, pointed at the peer. */
  const nativeConfig = (over: Record<string, unknown> = {}) => ({
    baseUrl: api.url,
    authorizeUrl: `${peer.issuer}/auth`,
    tokenUrl: `${peer.issuer}/token`,
    revocationUrl: `${peer.issuer}/token/revocation`,
    issuer: peer.issuer,
    clientId: peer.nativeClientId,
    scopes: 'openid offline_access',
    ...over,
  });

  let n = 0;
  async function createNative(over: Record<string, unknown> = {}): Promise<string> {
    const c = await call<{ id: string }>('connections:create', { providerId: 'oauth2', name: `app ${++n}`, config: nativeConfig(over) });
    return c.id;
  }

  async function refFor(connectionId: string): Promise<string> {
    const granted = await extension('secrets:requestAccess', { connectionId, reason: 'OAuth2 test', scopes: ['http.fetch'] }, { requester: ext });
    outputs.push(granted);
    if (!granted.ok || !(granted.value as { granted: boolean }).granted) throw new Error(`access refused: ${JSON.stringify(granted)}`);
    return (granted.value as { secretRef: string }).secretRef;
  }

  async function fetchThrough(ref: string, url = '/me') {
    const r = await extension('http:fetch', { ref, request: { method: 'GET', url } }, { requester: ext });
    outputs.push(r);
    return r;
  }

  /** The tokens as the broker stores them (test-only: read through the broker's internals). */
  async function storedTokens(id: string): Promise<{ accessToken: string; refreshToken?: string; expiresAt?: number } | null> {
    const record = broker.internals.connections.require(id);
    const resolved = await broker.internals.connections.resolve(record, { fresh: false });
    const raw = resolved.secrets['oauth2Token'];
    return raw ? (JSON.parse(raw) as { accessToken: string; refreshToken?: string; expiresAt?: number }) : null;
  }

  return {
    peer,
    api,
    broker,
    mem,
    clock,
    outputs,
    call,
    extension,
    nativeConfig,
    createNative,
    refFor,
    fetchThrough,
    storedTokens,
    async close() {
      await broker.close();
      await api.close();
      await peer.stop();
    },
  };
}
export type OAuth2World = Awaited<ReturnType<typeof createOAuth2World>>;
