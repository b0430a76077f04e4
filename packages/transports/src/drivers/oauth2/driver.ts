import * as oauth from 'oauth4webapi';
import { OAuth2Error, TOKEN_FIELD } from '@latchkey/broker';
import type { DevicePoll, OAuth2ClientCredentials, OAuth2Endpoints, OAuth2Protocol, PendingAuthorization, ResolvedConnection, TestOutcome, TokenResponse } from '@latchkey/broker';
import { boundedFetch, MAX_RESPONSE_BYTES } from './bounded-fetch.js';
import { listenForRedirect } from './loopback-redirect.js';
import { discoverProtectedResource, metadataUrlAllowed } from './resource-discovery.js';

const TIMEOUT_MS = 30_000;

/** oauth4webapi refuses http; endpoints.ts already allowed it only for this machine (127.0.0.1, ::1). */
function server(e: OAuth2Endpoints, url: string): oauth.AuthorizationServer {
  return {
    issuer: e.issuer ?? new URL(url).origin,
    token_endpoint: e.tokenUrl,
    ...(e.authorizeUrl ? { authorization_endpoint: e.authorizeUrl } : {}),
    ...(e.revocationUrl ? { revocation_endpoint: e.revocationUrl } : {}),
    ...(e.deviceAuthorizationUrl ? { device_authorization_endpoint: e.deviceAuthorizationUrl } : {}),
    code_challenge_methods_supported: ['S256'],
  };
}

const insecureOnLoopback = (url: string) => {
  const u = new URL(url);
  return u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]' || u.hostname === 'localhost');
};

/** Every request: http only on this machine, a deadline, and a bounded body (bounded-fetch.ts). */
function requestOptions(timeoutMs: number) {
  return (url: string, resource?: string) => ({
    [oauth.allowInsecureRequests]: insecureOnLoopback(url),
    [oauth.customFetch]: boundedFetch,
    signal: AbortSignal.timeout(timeoutMs),
    ...(resource ? { additionalParameters: { resource } } : {}),
  });
}

function clientAuth(c: OAuth2ClientCredentials): oauth.ClientAuth {
  if (c.auth === 'client_secret_post') return oauth.ClientSecretPost(c.clientSecret ?? '');
  if (c.auth === 'client_secret_basic') return oauth.ClientSecretBasic(c.clientSecret ?? '');
  return oauth.None();
}

/** The provider's answer as the broker keeps it: tokens, lifetime, and the other plain members. */
function toResponse(r: oauth.TokenEndpointResponse): TokenResponse {
  const extra: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(r)) {
    if (['access_token', 'refresh_token', 'id_token'].includes(k)) continue;
    if (typeof v === 'string' || typeof v === 'number') extra[k] = v;
  }
  return {
    accessToken: r.access_token,
    ...(r.refresh_token ? { refreshToken: r.refresh_token } : {}),
    ...(r.id_token ? { idToken: r.id_token } : {}),
    ...(typeof r.expires_in === 'number' ? { expiresIn: r.expires_in } : {}),
    ...(typeof r.scope === 'string' ? { scope: r.scope } : {}),
    extra,
  };
}

/**
 * oauth4webapi's errors, as the broker's: the provider's error code and description, never a body.
 * Not shortened here: the broker masks every stored secret in them first and shortens after (a cut
 * before masking could fall inside an echoed secret). The answer itself is bounded (bounded-fetch).
 */
function classify(error: unknown): OAuth2Error {
  if (error instanceof OAuth2Error) return error;
  if (error instanceof oauth.ResponseBodyError) return new OAuth2Error('refused', `${error.error}${error.error_description ? `: ${error.error_description}` : ''} (HTTP ${error.status})`);
  if (error instanceof oauth.AuthorizationResponseError) return new OAuth2Error('refused', `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`);
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const p = error.cause[0]?.parameters;
    return new OAuth2Error('refused', `${p?.error ?? 'the provider refused the client'}${p?.error_description ? `: ${p.error_description}` : ''} (HTTP ${error.status})`);
  }
  if (error instanceof oauth.OperationProcessingError) return new OAuth2Error('invalid_response', error.message);
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return new OAuth2Error('timeout', 'The provider did not answer in time');
  if (error instanceof TypeError) return new OAuth2Error('network', `The provider could not be reached (${(error.cause as Error | undefined)?.message ?? error.message})`);
  return new OAuth2Error('invalid_response', error instanceof Error ? error.message : 'The provider answered in a way Latchkey does not understand');
}

async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw classify(error);
  }
}

/** The protocol over oauth4webapi; `timeoutMs` bounds each request (tests shorten it to meet a peer that never answers). */
export function createOAuth2Protocol(opts: { timeoutMs?: number } = {}): OAuth2Protocol {
  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  const options = requestOptions(timeoutMs);
  return {
    listen: (signal) => listenForRedirect(signal),

    async authorize(e, c, input): Promise<PendingAuthorization> {
      if (!e.authorizeUrl) throw new OAuth2Error('invalid_response', 'The provider has no authorization URL');
      const codeVerifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const nonce = input.openid ? oauth.generateRandomNonce() : undefined;
      const url = new URL(e.authorizeUrl);
      // set(), not append(): a redirect_uri or state written into the manifest's URL is replaced, never sent beside ours.
      const params: Record<string, string> = {
        ...input.extraParams,
        response_type: 'code',
        client_id: c.clientId,
        redirect_uri: input.redirectUri,
        code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
      };
      if (input.scopes.length) params['scope'] = input.scopes.join(' ');
      if (nonce) params['nonce'] = nonce;
      if (e.resource) params['resource'] = e.resource;
      // A refresh token from OpenID providers needs offline_access granted on a consent screen.
      if (input.scopes.includes('offline_access')) params['prompt'] = 'consent';
      for (const k of ['redirect_uri', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_type', 'client_id', 'scope', 'prompt', 'request', 'request_uri', 'resource']) url.searchParams.delete(k);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return { url: url.toString(), state, codeVerifier, ...(nonce ? { nonce } : {}) };
    },

    exchangeCode: (e, c, input) =>
      guarded(async () => {
        const as = server(e, e.tokenUrl);
        const client: oauth.Client = { client_id: c.clientId };
        const params = oauth.validateAuthResponse(as, client, input.params, input.pending.state);
        const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth(c), params, input.redirectUri, input.pending.codeVerifier, options(e.tokenUrl, e.resource));
        const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: input.pending.nonce ?? oauth.expectNoNonce, requireIdToken: input.pending.nonce !== undefined });
        return toResponse(result);
      }),

    refresh: (e, c, refreshToken) =>
      guarded(async () => {
        const as = server(e, e.tokenUrl);
        const client: oauth.Client = { client_id: c.clientId };
        const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth(c), refreshToken, options(e.tokenUrl, e.resource));
        return toResponse(await oauth.processRefreshTokenResponse(as, client, response));
      }),

    clientCredentials: (e, c, scopes) =>
      guarded(async () => {
        const as = server(e, e.tokenUrl);
        const client: oauth.Client = { client_id: c.clientId };
        const response = await oauth.clientCredentialsGrantRequest(as, client, clientAuth(c), scopes.length ? { scope: scopes.join(' ') } : {}, options(e.tokenUrl));
        return toResponse(await oauth.processClientCredentialsResponse(as, client, response));
      }),

    deviceAuthorization: (e, c, scopes) =>
      guarded(async () => {
        if (!e.deviceAuthorizationUrl) throw new OAuth2Error('invalid_response', 'The provider has no device authorization URL');
        const as = server(e, e.deviceAuthorizationUrl);
        const client: oauth.Client = { client_id: c.clientId };
        const response = await oauth.deviceAuthorizationRequest(as, client, clientAuth(c), scopes.length ? { scope: scopes.join(' ') } : {}, options(e.deviceAuthorizationUrl));
        const r = await oauth.processDeviceAuthorizationResponse(as, client, response);
        return {
          deviceCode: r.device_code,
          userCode: r.user_code,
          verificationUri: r.verification_uri,
          ...(r.verification_uri_complete ? { verificationUriComplete: r.verification_uri_complete } : {}),
          expiresIn: r.expires_in,
          ...(typeof r.interval === 'number' && r.interval > 0 ? { interval: r.interval } : {}),
        };
      }),

    pollDeviceCode: async (e, c, deviceCode): Promise<DevicePoll> => {
      const as = server(e, e.tokenUrl);
      const client: oauth.Client = { client_id: c.clientId };
      try {
        const response = await oauth.deviceCodeGrantRequest(as, client, clientAuth(c), deviceCode, options(e.tokenUrl));
        return { tokens: toResponse(await oauth.processDeviceCodeResponse(as, client, response)) };
      } catch (error) {
        if (error instanceof oauth.ResponseBodyError && (error.error === 'authorization_pending' || error.error === 'slow_down')) return { wait: error.error === 'slow_down' ? 'slow_down' : 'pending' };
        throw classify(error);
      }
    },

    discover: (resourceUrl) =>
      guarded(async () => {
        const rs = await discoverProtectedResource(resourceUrl, { timeoutMs, maxBytes: MAX_RESPONSE_BYTES });
        const issuer = rs.authorizationServers[0];
        if (!issuer) throw new OAuth2Error('invalid_response', 'The server names no authorization server in its protected-resource metadata');
        // The same rule as the metadata URL: the server chose this address, not the person.
        if (!metadataUrlAllowed(resourceUrl, issuer)) throw new OAuth2Error('refused', 'The server names an authorization server Latchkey will not contact (it must be https, or http only between programs on this machine, and carry no credentials)');
        const issuerUrl = new URL(issuer);
        // RFC 8414's well-known path first, OpenID discovery after (the MCP authorization spec asks for both).
        let as: oauth.AuthorizationServer;
        try {
          as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, { ...options(issuer), algorithm: 'oauth2' }));
        } catch {
          as = await oauth.processDiscoveryResponse(issuerUrl, await oauth.discoveryRequest(issuerUrl, { ...options(issuer), algorithm: 'oidc' }));
        }
        if (!as.token_endpoint) throw new OAuth2Error('invalid_response', 'The authorization server names no token endpoint');
        if (as.code_challenge_methods_supported && !as.code_challenge_methods_supported.includes('S256')) throw new OAuth2Error('invalid_response', 'The authorization server does not offer PKCE with S256');
        return {
          issuer: as.issuer,
          tokenUrl: as.token_endpoint,
          resource: rs.resource,
          ...(rs.scopes ? { scopes: rs.scopes } : {}),
          ...(as.authorization_endpoint ? { authorizeUrl: as.authorization_endpoint } : {}),
          ...(as.revocation_endpoint ? { revocationUrl: as.revocation_endpoint } : {}),
          ...(as.device_authorization_endpoint ? { deviceAuthorizationUrl: as.device_authorization_endpoint } : {}),
          ...(as.registration_endpoint ? { registrationUrl: as.registration_endpoint } : {}),
        };
      }),

    register: (e, input) =>
      guarded(async () => {
        if (!e.registrationUrl) throw new OAuth2Error('invalid_response', 'The authorization server offers no client registration');
        const as: oauth.AuthorizationServer = { issuer: e.issuer ?? new URL(e.tokenUrl).origin, token_endpoint: e.tokenUrl, registration_endpoint: e.registrationUrl };
        const response = await oauth.dynamicClientRegistrationRequest(
          as,
          { redirect_uris: [input.redirectUri], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], application_type: 'native', client_name: input.clientName },
          options(e.registrationUrl),
        );
        const client = await oauth.processDynamicClientRegistrationResponse(response);
        return client.client_id;
      }),

    revoke: (e, c, token, hint) =>
      guarded(async () => {
        if (!e.revocationUrl) return;
        const as = server(e, e.revocationUrl);
        const client: oauth.Client = { client_id: c.clientId };
        const response = await oauth.revocationRequest(as, client, clientAuth(c), token, { ...options(e.revocationUrl), additionalParameters: { token_type_hint: hint } });
        await oauth.processRevocationResponse(response);
      }),
  };
}

export const oauth4webapiProtocol: OAuth2Protocol = createOAuth2Protocol();

/**
 * An OAuth2 connection's test: whether it holds a token. The broker refreshed it first
 * (ConnectionsService.resolve), so a refused refresh shows as `expired` before this runs.
 */
export async function testOAuth2(c: ResolvedConnection): Promise<TestOutcome> {
  return typeof c.secrets[TOKEN_FIELD] === 'string'
    ? { ok: true, code: 'ok', message: 'Signed in', latencyMs: 0 }
    : { ok: false, code: 'auth', message: 'Not signed in yet: use Sign in', latencyMs: 0 };
}
