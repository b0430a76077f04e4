import { createHash } from 'node:crypto';
import { LatchkeyError } from '@latchkey/contracts';
import type { Requester, SignInStarted } from '@latchkey/contracts';
import type { AuditService } from '../audit/audit-service.js';
import { iso } from '../clock.js';
import type { ConnectionsService } from '../connections/connections-service.js';
import type { StoredSecretsMasking } from '../masking/stored-secrets.js';
import type { Clock, ResolvedConnection } from '../ports.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import { checkedEndpoints, clientOf, configuredClientId, endpointsOf, oauth2SpecOf, resourceUrlOf, scopesOf } from './endpoints.js';
import type { OAuth2ClientCredentials, OAuth2Endpoints } from './protocol.js';
import { OAuth2Error } from './protocol.js';
import type { OAuth2Protocol, TokenResponse } from './protocol.js';
import { SingleFlight } from './single-flight.js';
import { TOKEN_FIELD, isFresh, nextTokenSet, parseTokenSet } from './token-set.js';
import type { TokenSet } from './token-set.js';

export interface OAuth2Deps {
  connections: ConnectionsService;
  registry: ProviderRegistry;
  audit: AuditService;
  clock: Clock;
  /** Every stored secret: a provider's error text is masked like any echo, not only for this connection's. */
  masking: StoredSecretsMasking;
  /** Absent when the host wired no OAuth2 protocol: sign-in is refused, nothing is faked. */
  protocol: OAuth2Protocol | undefined;
  /** How long a sign-in waits for the browser's redirect. */
  signInTimeoutMs: number;
  /** How often to poll in the device flow when the provider names no interval (RFC 8628: 5 s). */
  deviceIntervalMs: number;
  /** The host's system browser; absent, the page opens the link. */
  openExternal?: ((url: string) => Promise<void>) | undefined;
}

/** A sign-in waiting for its redirect; a new "Sign in" for the same connection replaces it. */
interface WaitingSignIn {
  abort: AbortController;
}

/**
 * OAuth2 for connections: sign-in (authorization code + PKCE on a loopback redirect, or client
 * credentials), refresh ahead of expiry one request at a time per connection, expiry that shows,
 * and revocation on delete. Tokens live only in the connection's TOKEN_FIELD blob and in memory
 * for the call that uses them.
 */
export class OAuth2Service {
  readonly #refreshes = new SingleFlight<TokenSet>();
  readonly #waiting = new Map<string, WaitingSignIn>();

  constructor(private readonly d: OAuth2Deps) {}

  #protocol(): OAuth2Protocol {
    if (!this.d.protocol) throw new LatchkeyError('UNAVAILABLE', 'This Latchkey cannot sign in with OAuth2 (no OAuth2 transport)');
    return this.d.protocol;
  }

  /** Starts "Sign in" (or "Sign in again"). */
  async signIn(id: string, requester: Requester): Promise<SignInStarted> {
    const record = this.d.connections.require(id);
    const connection = await this.d.connections.resolve(record, { fresh: false });
    const spec = oauth2SpecOf(connection);
    const protocol = this.#protocol();
    const endpoints = await this.#endpointsFor(connection, requester);
    const client = await this.#clientFor(connection, endpoints, parseTokenSet(connection.secrets[TOKEN_FIELD]), requester);
    const target = this.d.connections.currentTarget(record);
    if (spec.grant === 'client_credentials') {
      const response = await this.#call(connection, () => protocol.clientCredentials(endpoints, client, scopesOf(connection)), requester);
      await this.#store(id, target, response, connection, undefined, { type: 'oauth2.signIn', requester, detail: 'client credentials' }, client, endpoints);
      return { authorizeUrl: null, opened: false, expiresAt: null };
    }
    if (spec.grant === 'device_code') return this.#startDeviceFlow(connection, target, requester, endpoints, client);
    if (!endpoints.authorizeUrl) throw new LatchkeyError('VALIDATION', `${connection.manifest.name} has no authorization URL`);

    this.#waiting.get(id)?.abort.abort(new Error('A newer sign-in replaced this one'));
    const abort = new AbortController();
    this.#waiting.set(id, { abort });
    const timer = setTimeout(() => abort.abort(new OAuth2Error('timeout', 'The sign-in timed out')), this.d.signInTimeoutMs);
    timer.unref?.();
    const listener = await protocol.listen(abort.signal);
    const cleanup = () => {
      clearTimeout(timer);
      if (this.#waiting.get(id)?.abort === abort) this.#waiting.delete(id);
      void listener.close();
    };
    let pending;
    try {
      // A discovered server's own scopes (MCP authorization spec, scope selection) join the chosen ones.
      const scopes = [...new Set([...scopesOf(connection), ...(endpoints.scopes ?? [])])];
      pending = await protocol.authorize(endpoints, client, { redirectUri: listener.redirectUri, scopes, openid: endpoints.issuer !== undefined && scopesOf(connection).includes('openid'), ...(spec.authorizeParams ? { extraParams: spec.authorizeParams } : {}) });
    } catch (error) {
      cleanup();
      throw this.#failure(connection, error);
    }
    const waiting = pending;
    void listener
      .next(waiting.state, async (params) => {
        try {
          const response = await protocol.exchangeCode(endpoints, client, { params, redirectUri: listener.redirectUri, pending: waiting });
          await this.#store(id, target, response, connection, undefined, { type: 'oauth2.signIn', requester }, client, endpoints);
          return { ok: true, message: `Signed in to ${connection.manifest.name}. You can close this window and return to Latchkey.` };
        } catch (error) {
          const failure = this.#failure(connection, error);
          await this.d.audit.record({ type: 'oauth2.signIn', outcome: 'denied', connectionId: id, requester, detail: failure.message }).catch(() => undefined);
          return { ok: false, message: `The sign-in did not complete: ${failure.message}` };
        }
      })
      .catch(async (error: unknown) => {
        const failure = this.#failure(connection, error);
        await this.d.audit.record({ type: 'oauth2.signIn', outcome: 'error', connectionId: id, requester, detail: failure.message }).catch(() => undefined);
      })
      .finally(cleanup);
    // RFC 8252: the system browser, where the person's sessions and password manager are, never a frame of ours.
    const opened = this.d.openExternal ? await this.d.openExternal(waiting.url).then(() => true, () => false) : false;
    return { authorizeUrl: waiting.url, opened, expiresAt: iso(this.d.clock.now() + this.d.signInTimeoutMs) };
  }

  /**
   * RFC 8628: the person types a short code on the provider's page (no redirect, which suits a
   * desktop app); the broker polls the token endpoint at the interval the provider asks for.
   */
  async #startDeviceFlow(connection: ResolvedConnection, target: string, requester: Requester, endpoints: OAuth2Endpoints, client: OAuth2ClientCredentials): Promise<SignInStarted> {
    const protocol = this.#protocol();
    if (!protocol.deviceAuthorization || !protocol.pollDeviceCode) throw new LatchkeyError('UNAVAILABLE', 'This Latchkey cannot run the device flow');
    const poll = protocol.pollDeviceCode.bind(protocol);
    const device = await this.#call(connection, () => protocol.deviceAuthorization!(endpoints, client, scopesOf(connection)), requester);
    const id = connection.id;
    this.#waiting.get(id)?.abort.abort(new Error('A newer sign-in replaced this one'));
    const abort = new AbortController();
    this.#waiting.set(id, { abort });
    const lifetimeMs = Math.min(device.expiresIn * 1000, this.d.signInTimeoutMs);
    const deadline = setTimeout(() => abort.abort(new OAuth2Error('timeout', 'The sign-in timed out')), lifetimeMs);
    deadline.unref?.();
    let intervalMs = device.interval !== undefined ? device.interval * 1000 : this.d.deviceIntervalMs;
    const next = (): void => {
      if (abort.signal.aborted) return;
      const timer = setTimeout(() => {
        void poll(endpoints, client, device.deviceCode).then(
          async (r) => {
            if (abort.signal.aborted) return;
            if ('wait' in r) {
              if (r.wait === 'slow_down') intervalMs += 5000;
              return next();
            }
            await this.#store(id, target, r.tokens, connection, undefined, { type: 'oauth2.signIn', requester, detail: 'device flow' }, client, endpoints);
            done();
          },
          async (error: unknown) => {
            const failure = this.#failure(connection, error);
            await this.d.audit.record({ type: 'oauth2.signIn', outcome: 'denied', connectionId: id, requester, detail: failure.message }).catch(() => undefined);
            done();
          },
        );
      }, intervalMs);
      timer.unref?.();
    };
    const done = () => {
      clearTimeout(deadline);
      if (this.#waiting.get(id)?.abort === abort) this.#waiting.delete(id);
      abort.abort();
    };
    next();
    const page = device.verificationUriComplete ?? device.verificationUri;
    const opened = this.d.openExternal && /^https?:\/\//.test(page) ? await this.d.openExternal(page).then(() => true, () => false) : false;
    return {
      authorizeUrl: page,
      opened,
      userCode: device.userCode,
      verificationUri: device.verificationUri,
      expiresAt: iso(this.d.clock.now() + lifetimeMs),
    };
  }

  /**
   * The connection with an access token that will not expire in the next minute, refreshed if
   * needed. Concurrent callers share one refresh; a refresh that the provider refuses marks the
   * connection expired (audited) and the call fails with "sign in again".
   */
  async freshen(connection: ResolvedConnection): Promise<ResolvedConnection> {
    const tokens = parseTokenSet(connection.secrets[TOKEN_FIELD]);
    if (!tokens) return connection;
    if (isFresh(tokens, this.d.clock.now())) return connection;
    const fresh = await this.#refreshes.run(connection.id, () => this.#refresh(connection.id));
    return { ...connection, secrets: { ...connection.secrets, [TOKEN_FIELD]: JSON.stringify(fresh) } };
  }

  async #refresh(id: string): Promise<TokenSet> {
    // The record as it is now: a refresh that landed a moment ago already rotated the refresh token.
    const record = this.d.connections.require(id);
    const connection = await this.d.connections.resolve(record, { fresh: false });
    const tokens = parseTokenSet(connection.secrets[TOKEN_FIELD]);
    if (!tokens) throw new LatchkeyError('DENIED', `"${record.name}" is not signed in; sign in again`);
    if (isFresh(tokens, this.d.clock.now())) return tokens;
    const spec = oauth2SpecOf(connection);
    const target = this.d.connections.currentTarget(record);
    const protocol = this.#protocol();
    let response: TokenResponse;
    let client: OAuth2ClientCredentials | undefined;
    let endpoints: OAuth2Endpoints | undefined;
    try {
      endpoints = await this.#endpointsFor(connection);
      // A discovered server's refresh token goes back only to the authorization server it came from.
      if (spec.discover && tokens.server && tokens.server !== serverDigest(endpoints)) throw new OAuth2Error('refused', 'the server now names another authorization server than the one you signed in with');
      client = tokens.clientId ? { clientId: tokens.clientId, auth: 'none' } : clientOf(connection);
      if (tokens.refreshToken) response = await protocol.refresh(endpoints, client, tokens.refreshToken);
      else if (spec.grant === 'client_credentials') response = await protocol.clientCredentials(endpoints, client, scopesOf(connection));
      else throw new OAuth2Error('refused', 'the access token expired and the provider gave no refresh token');
    } catch (error) {
      const failure = this.#failure(connection, error);
      // Only the provider's refusal ends the sign-in; a network failure leaves the tokens for a retry.
      if (error instanceof OAuth2Error && error.kind !== 'network' && error.kind !== 'timeout') {
        await this.d.connections.markExpired(id, `The sign-in expired: ${failure.message}`);
        throw new LatchkeyError('DENIED', `The sign-in of "${record.name}" expired (${failure.message}); sign in again`);
      }
      await this.d.audit.record({ type: 'oauth2.refresh', outcome: 'error', connectionId: id, detail: failure.message }).catch(() => undefined);
      throw failure;
    }
    return this.#store(id, target, response, connection, tokens, { type: 'oauth2.refresh' }, client, endpoints);
  }

  /** RFC 7009 before a delete, where the provider has a revocation endpoint; best effort, audited. */
  async revoke(id: string, requester: Requester): Promise<void> {
    const record = this.d.connections.require(id);
    const spec = this.d.registry.get(record.providerId)?.manifest.oauth2;
    if (!(spec?.revocationUrl || spec?.discover) || !record.secretIds[TOKEN_FIELD] || !this.d.protocol) return;
    let connection: ResolvedConnection;
    try {
      connection = await this.d.connections.resolve(record, { fresh: false });
    } catch {
      return;
    }
    const tokens = parseTokenSet(connection.secrets[TOKEN_FIELD]);
    if (!tokens) return;
    try {
      const endpoints = await this.#endpointsFor(connection);
      if (!endpoints.revocationUrl) return;
      if (spec.discover && tokens.server && tokens.server !== serverDigest(endpoints)) throw new OAuth2Error('refused', 'not revoked: the server now names another authorization server than the one you signed in with');
      const client: OAuth2ClientCredentials = tokens.clientId ? { clientId: tokens.clientId, auth: 'none' } : clientOf(connection);
      // Revoking the refresh token ends the grant (and, at most providers, its access tokens).
      if (tokens.refreshToken) await this.d.protocol.revoke(endpoints, client, tokens.refreshToken, 'refresh_token');
      await this.d.protocol.revoke(endpoints, client, tokens.accessToken, 'access_token');
      await this.d.audit.record({ type: 'oauth2.revoke', connectionId: id, requester });
    } catch (error) {
      await this.d.audit.record({ type: 'oauth2.revoke', outcome: 'error', connectionId: id, requester, detail: this.#failure(connection, error).message }).catch(() => undefined);
    }
  }

  /** The endpoints as the manifest writes them, or discovered from the protected resource (MCP). */
  async #endpointsFor(connection: ResolvedConnection, requester?: Requester): Promise<OAuth2Endpoints> {
    const spec = oauth2SpecOf(connection);
    if (!spec.discover) return endpointsOf(connection);
    const protocol = this.#protocol();
    if (!protocol.discover) throw new LatchkeyError('UNAVAILABLE', 'This Latchkey cannot discover an authorization server');
    const resourceUrl = resourceUrlOf(connection);
    const found = requester ? await this.#call(connection, () => protocol.discover!(resourceUrl), requester) : await protocol.discover(resourceUrl);
    return checkedEndpoints(found);
  }

  /**
   * The client: the tokens' own registered client, else the id in the settings, else a public
   * native client registered now (RFC 7591) where the authorization server offers registration.
   */
  async #clientFor(connection: ResolvedConnection, endpoints: OAuth2Endpoints, tokens: TokenSet | null, requester: Requester): Promise<OAuth2ClientCredentials> {
    if (tokens?.clientId) return { clientId: tokens.clientId, auth: 'none' };
    if (configuredClientId(connection) || !endpoints.registrationUrl) return clientOf(connection);
    const protocol = this.#protocol();
    if (!protocol.register) throw new LatchkeyError('UNAVAILABLE', 'This Latchkey cannot register a client');
    const clientId = await this.#call(connection, () => protocol.register!(endpoints, { redirectUri: 'http://127.0.0.1/oauth2/callback', clientName: 'Latchkey' }), requester);
    return { clientId, auth: 'none' };
  }

  /** Stops every sign-in waiting for a redirect (shutdown). */
  abortAll(reason: string): void {
    for (const w of this.#waiting.values()) w.abort.abort(new Error(reason));
    this.#waiting.clear();
  }

  async #store(id: string, target: string, response: TokenResponse, connection: ResolvedConnection, previous: TokenSet | undefined, event: { type: 'oauth2.signIn' | 'oauth2.refresh'; requester?: Requester; detail?: string }, client: OAuth2ClientCredentials, endpoints: OAuth2Endpoints): Promise<TokenSet> {
    const made = nextTokenSet(response, oauth2SpecOf(connection), this.d.clock.now(), previous);
    // A client the broker registered itself is kept with the tokens it refreshes, and a discovered
    // authorization server is remembered (as a digest: the masker hides every string of the blob).
    const next: TokenSet = {
      ...made,
      ...(client.clientId !== configuredClientId(connection) ? { clientId: client.clientId } : {}),
      ...(oauth2SpecOf(connection).discover ? { server: serverDigest(endpoints) } : {}),
    };
    await this.d.connections.storeTokens(id, target, JSON.stringify(next), event);
    return next;
  }

  async #call<T>(connection: ResolvedConnection, fn: () => Promise<T>, requester: Requester): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const failure = this.#failure(connection, error);
      await this.d.audit.record({ type: 'oauth2.signIn', outcome: 'denied', connectionId: connection.id, requester, detail: failure.message }).catch(() => undefined);
      throw failure;
    }
  }

  /**
   * A typed error whose message carries no stored secret (this connection's client secret and
   * tokens, or any other). Masked whole, then shortened: shortened first, a cut inside an echoed
   * secret would leave a prefix the masker cannot recognise.
   */
  #failure(connection: ResolvedConnection, error: unknown): LatchkeyError {
    const masker = this.d.masking.maskerFor(connection.secrets);
    const message = masker.mask(error instanceof Error ? error.message : String(error)).slice(0, 500);
    if (error instanceof LatchkeyError) return new LatchkeyError(error.code, message);
    if (error instanceof OAuth2Error) return new LatchkeyError(error.kind === 'timeout' ? 'TIMEOUT' : error.kind === 'network' ? 'UNAVAILABLE' : 'DENIED', message);
    return new LatchkeyError('UNAVAILABLE', message);
  }
}

/** Which authorization server a discovered sign-in belongs to: its issuer and token endpoint. */
function serverDigest(e: OAuth2Endpoints): string {
  return createHash('sha256').update(`${e.issuer ?? ''} ${e.tokenUrl}`).digest('hex').slice(0, 32);
}
