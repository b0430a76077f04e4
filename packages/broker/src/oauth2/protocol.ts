/**
 * The OAuth2 protocol as the broker needs it, implemented over `oauth4webapi` in
 * @latchkey/transports (the broker does no network I/O of its own). Every value here that is a
 * token stays inside the broker's process.
 */

/** Where a provider's endpoints are, already expanded from the manifest and checked (endpoints.ts). */
export interface OAuth2Endpoints {
  authorizeUrl?: string;
  tokenUrl: string;
  revocationUrl?: string;
  deviceAuthorizationUrl?: string;
  /** OpenID providers: the ID token's issuer, and a nonce is sent. */
  issuer?: string;
  /** RFC 8707: the resource the tokens are for, sent with the authorization and every token request. */
  resource?: string;
  /** RFC 7591: where a client registers itself, when the server offers it. */
  registrationUrl?: string;
  /**
   * Discovered only: the scopes the protected resource asks for (its 401's `scope`, else its
   * metadata's `scopes_supported`), added to the ones chosen in the form at sign-in.
   */
  scopes?: string[];
}

export interface OAuth2ClientCredentials {
  clientId: string;
  clientSecret?: string;
  auth: 'none' | 'client_secret_post' | 'client_secret_basic';
}

/** A token endpoint's answer, with the provider's own extra members (for `expiresInBody`). */
export interface TokenResponse {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Seconds, from `expires_in`. */
  expiresIn?: number;
  scope?: string;
  /** The body's other top-level numbers and strings that are not tokens. */
  extra: Record<string, string | number>;
}

/** A sign-in waiting for the browser: what to open, and what the redirect must carry back. */
export interface PendingAuthorization {
  url: string;
  state: string;
  codeVerifier: string;
  nonce?: string;
}

/** A loopback listener for one sign-in's redirect (RFC 8252 §7.3), on 127.0.0.1 and a port the OS picks. */
export interface RedirectListener {
  readonly redirectUri: string;
  /**
   * Resolves with the first redirect whose `state` is `expectedState`; others are answered with
   * an error page and ignored. `finish` produces the page the browser shows for it.
   */
  next(expectedState: string, finish: (params: URLSearchParams) => Promise<{ ok: boolean; message: string }>): Promise<void>;
  close(): Promise<void>;
}

/** The protocol failed in a way the person can act on (the provider refused, a check did not hold). */
export class OAuth2Error extends Error {
  constructor(
    readonly kind: 'refused' | 'invalid_response' | 'network' | 'state' | 'timeout',
    message: string,
  ) {
    super(message);
    this.name = 'OAuth2Error';
  }
}

/** RFC 8628: what the person types, where, and how the broker polls. */
export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  expiresIn: number;
  /** Seconds between polls, when the provider says (RFC 8628's default is 5). */
  interval?: number;
}

/** A device-code poll: tokens, or keep waiting (`slow_down` adds 5 s to the interval, RFC 8628 §3.5). */
export type DevicePoll = { tokens: TokenResponse } | { wait: 'pending' | 'slow_down' };

export interface OAuth2Protocol {
  listen(signal: AbortSignal): Promise<RedirectListener>;
  authorize(endpoints: OAuth2Endpoints, client: OAuth2ClientCredentials, input: { redirectUri: string; scopes: string[]; openid: boolean; extraParams?: Record<string, string> }): Promise<PendingAuthorization>;
  /** Validates the redirect (state, iss, error) and exchanges the code with the PKCE verifier. */
  exchangeCode(endpoints: OAuth2Endpoints, client: OAuth2ClientCredentials, input: { params: URLSearchParams; redirectUri: string; pending: PendingAuthorization }): Promise<TokenResponse>;
  refresh(endpoints: OAuth2Endpoints, client: OAuth2ClientCredentials, refreshToken: string): Promise<TokenResponse>;
  clientCredentials(endpoints: OAuth2Endpoints, client: OAuth2ClientCredentials, scopes: string[]): Promise<TokenResponse>;
  /** RFC 9728 then RFC 8414: the authorization server of a protected resource, and its endpoints. */
  discover?(resourceUrl: string): Promise<OAuth2Endpoints>;
  /** RFC 7591: registers a public native client with the loopback redirect; returns its id. */
  register?(endpoints: OAuth2Endpoints, input: { redirectUri: string; clientName: string }): Promise<string>;
  /** RFC 8628 device authorization request. */
  deviceAuthorization?(endpoints: OAuth2Endpoints, client: OAuth2ClientCredentials, scopes: string[]): Promise<DeviceAuthorization>;
  pollDeviceCode?(endpoints: OAuth2Endpoints, client: OAuth2ClientCredentials, deviceCode: string): Promise<DevicePoll>;
  /** RFC 7009; resolves when the provider accepted it. */
  revoke(endpoints: OAuth2Endpoints, client: OAuth2ClientCredentials, token: string, hint: 'access_token' | 'refresh_token'): Promise<void>;
}
