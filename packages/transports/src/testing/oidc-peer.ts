/**
 * A real OpenID provider (`oidc-provider`) on loopback for the OAuth2 tests: a public native
 * client (PKCE, loopback redirect on any port), a confidential client for client credentials,
 * refresh-token rotation, a revocation endpoint, and its built-in login and consent pages
 * (devInteractions). It counts token-endpoint requests by grant, from the provider's own events.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface OidcPeer {
  issuer: string;
  /** The native client (public, PKCE) and the service client (client credentials). */
  nativeClientId: string;
  /** A public client for the device flow (RFC 8628). */
  deviceClientId: string;
  serviceClientId: string;
  serviceClientSecret: string;
  /** Successful and failed token-endpoint requests, by grant type. */
  grants: { ok: Record<string, number>; failed: Record<string, number> };
  /** Every access and refresh token the provider issued (canaries: none may reach the page, a file or the audit). */
  issued: string[];
  /** Tokens destroyed at the provider (revocation, or a rotated refresh token's end). */
  revoked: number;
  provider: Provider;
  /** Revokes every refresh token of the native client at the provider (as if the person signed out there). */
  revokeAllRefreshTokens(): Promise<number>;
  stop(): Promise<void>;
}

export async function startOidcPeer(opts: { serviceClientSecret: string; accessTokenTtl?: number }): Promise<OidcPeer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const refreshTokens = new Map<string, { consume: () => Promise<void>; jti: string }>();
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'latchkey-native',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1/oauth2/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      {
        client_id: 'latchkey-device',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
        response_types: [],
        redirect_uris: [],
      },
      {
        client_id: 'latchkey-service',
        client_secret: opts.serviceClientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    scopes: ['openid', 'offline_access', 'api:read'],
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      deviceFlow: { enabled: true },
      // The MCP authorization spec: open dynamic registration (RFC 7591) and resource indicators (RFC 8707).
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => ({ scope: 'mcp:tools', audience: resourceIndicator, accessTokenFormat: 'opaque', accessTokenTTL: opts.accessTokenTtl ?? 3600 }),
      },
    },
    pkce: { required: () => true },
    rotateRefreshToken: true,
    ttl: { AccessToken: opts.accessTokenTtl ?? 3600, ClientCredentials: opts.accessTokenTtl ?? 3600, RefreshToken: 24 * 3600, Grant: 24 * 3600, Interaction: 600, Session: 600, IdToken: 3600, AuthorizationCode: 60 },
    // The service client's scope is granted without a person (client credentials).
    clientBasedCORS: () => false,
  });
  // Loopback is plain http; the provider must not insist on https cookies here.
  provider.proxy = false;
  const grants = { ok: {} as Record<string, number>, failed: {} as Record<string, number> };
  const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
  const grantType = (ctx: { oidc?: { params?: { grant_type?: unknown } } }) => String(ctx.oidc?.params?.grant_type ?? 'unknown');
  const issued: string[] = [];
  provider.on('grant.success', (ctx) => {
    bump(grants.ok, grantType(ctx));
    const body = ctx.body as { access_token?: unknown; refresh_token?: unknown } | undefined;
    for (const t of [body?.access_token, body?.refresh_token]) if (typeof t === 'string') issued.push(t);
  });
  provider.on('grant.error', (ctx) => bump(grants.failed, grantType(ctx)));
  provider.on('server_error', (_ctx, error) => console.error('oidc-provider', error));
  provider.on('refresh_token.saved', (token: { jti: string; consume: () => Promise<void> }) => refreshTokens.set(token.jti, token));
  const peer: OidcPeer = {
    issuer,
    nativeClientId: 'latchkey-native',
    deviceClientId: 'latchkey-device',
    serviceClientId: 'latchkey-service',
    serviceClientSecret: opts.serviceClientSecret,
    grants,
    issued,
    revoked: 0,
    provider,
    async revokeAllRefreshTokens() {
      let n = 0;
      for (const [jti] of refreshTokens) {
        const t = await provider.RefreshToken.find(jti);
        if (t) {
          await t.destroy();
          n += 1;
        }
      }
      return n;
    },
    stop: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
  // Revocation destroys the token (access or refresh) at the provider.
  provider.on('refresh_token.destroyed', () => (peer.revoked += 1));
  provider.on('access_token.destroyed', () => (peer.revoked += 1));
  server.on('request', provider.callback());
  return peer;
}

/** A tiny cookie jar for driving the provider's pages with fetch. */
function jar() {
  const cookies = new Map<string, string>();
  return {
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    take(res: Response) {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair!.indexOf('=');
        cookies.set(pair!.slice(0, i).trim(), pair!.slice(i + 1));
      }
    },
  };
}

/**
 * Plays the person in the browser with plain HTTP: opens the authorization URL, signs in as
 * `login`, consents, and follows the redirect to the loopback listener. Returns the final
 * redirect URL (to the listener) and the page the listener answered with.
 */
export async function signInAsPerson(authorizeUrl: string, login: string, opts: { deliver?: boolean } = {}): Promise<{ redirect: URL; status?: number; page?: string }> {
  const cookies = jar();
  let url = new URL(authorizeUrl);
  const origin = url.origin;
  for (let hops = 0; hops < 20; hops++) {
    if (url.origin !== origin) {
      if (opts.deliver === false) return { redirect: url };
      const res = await fetch(url, { redirect: 'manual' });
      return { redirect: url, status: res.status, page: await res.text() };
    }
    let res = await fetch(url, { redirect: 'manual', headers: { cookie: cookies.header() } });
    cookies.take(res);
    if (res.status === 200 && url.pathname.startsWith('/interaction/')) {
      const html = await res.text();
      const form: Record<string, string> = html.includes('value="login"') ? { prompt: 'login', login, password: 'any' } : { prompt: 'consent' };
      res = await fetch(url, { method: 'POST', redirect: 'manual', headers: { cookie: cookies.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
      cookies.take(res);
    }
    const location = res.headers.get('location');
    if (!location) throw new Error(`The provider stopped at ${url.pathname} with HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
    url = new URL(location, url);
  }
  throw new Error('Too many redirects');
}

/**
 * Plays the person on the device flow's pages with plain HTTP: opens the verification page,
 * submits every form it meets (the code, its confirmation, login as `login`, consent) and
 * returns the last page, the provider's success page.
 */
export async function confirmDeviceAsPerson(verificationUri: string, login: string): Promise<string> {
  const cookies = jar();
  let res = await fetch(verificationUri, { redirect: 'manual' });
  let at = new URL(verificationUri);
  for (let hops = 0; hops < 30; hops++) {
    cookies.take(res);
    const location = res.headers.get('location');
    if (location) {
      at = new URL(location, at);
      res = await fetch(at, { redirect: 'manual', headers: { cookie: cookies.header() } });
      continue;
    }
    const html = await res.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(html) ?? /<form[^>]*action="([^"]+)"[^>]*>/.exec(html);
    if (!form) return html;
    const fields: Record<string, string> = {};
    for (const tag of html.match(/<input[^>]*>/g) ?? []) {
      const name = /name="([^"]+)"/.exec(tag)?.[1];
      if (name) fields[name] = /value="([^"]*)"/.exec(tag)?.[1] ?? '';
    }
    if ('login' in fields) fields['login'] = login;
    if ('password' in fields) fields['password'] = 'any';
    at = new URL(form[1]!.replace(/&amp;/g, '&'), at);
    res = await fetch(at, { method: 'POST', redirect: 'manual', headers: { cookie: cookies.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  }
  throw new Error('Too many steps on the device pages');
}
