import { LatchkeyError, expandTemplate } from '@latchkey/contracts';
import type { OAuth2Spec } from '@latchkey/contracts';
import type { ResolvedConnection } from '../ports.js';
import type { OAuth2ClientCredentials, OAuth2Endpoints } from './protocol.js';

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** https, or http on this machine only: a token or a code never crosses a network in the clear. */
export function checkedUrl(label: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LatchkeyError('VALIDATION', `The ${label} "${raw.slice(0, 200)}" is not a valid URL`);
  }
  if (url.username || url.password) throw new LatchkeyError('VALIDATION', `The ${label} must not carry credentials`);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) return url.toString();
  throw new LatchkeyError('VALIDATION', `The ${label} must be https (http only on this machine), not ${url.protocol}//${url.host}`);
}

export function oauth2SpecOf(connection: Pick<ResolvedConnection, 'manifest'>): OAuth2Spec {
  const spec = connection.manifest.oauth2;
  if (!spec) throw new LatchkeyError('VALIDATION', `${connection.manifest.name} does not sign in with OAuth2`);
  return spec;
}

export function endpointsOf(connection: Pick<ResolvedConnection, 'manifest' | 'config'>): OAuth2Endpoints {
  const spec = oauth2SpecOf(connection);
  // An optional URL left blank in the form (no revocation endpoint, say) is absent, not "".
  const expand = (label: string, t: string | undefined) => {
    const raw = t ? expandTemplate(t, { config: connection.config }).trim() : '';
    return raw ? checkedUrl(label, raw) : undefined;
  };
  if (!spec.tokenUrl) throw new LatchkeyError('VALIDATION', `${connection.manifest.name} names no token URL`);
  const out: OAuth2Endpoints = { tokenUrl: checkedUrl('token URL', expandTemplate(spec.tokenUrl, { config: connection.config })) };
  const authorizeUrl = expand('authorization URL', spec.authorizeUrl);
  const revocationUrl = expand('revocation URL', spec.revocationUrl);
  const deviceAuthorizationUrl = expand('device authorization URL', spec.deviceAuthorizationUrl);
  // The issuer is compared, never fetched: the template's text is used as written (no trailing slash added).
  const issuer = spec.issuer ? expandTemplate(spec.issuer, { config: connection.config }).trim() || undefined : undefined;
  if (issuer) checkedUrl('issuer', issuer);
  return { ...out, ...(authorizeUrl ? { authorizeUrl } : {}), ...(revocationUrl ? { revocationUrl } : {}), ...(deviceAuthorizationUrl ? { deviceAuthorizationUrl } : {}), ...(issuer ? { issuer } : {}) };
}

/** RFC 9728: the protected resource whose metadata names the authorization server. */
export function resourceUrlOf(connection: Pick<ResolvedConnection, 'manifest' | 'config'>): string {
  const spec = oauth2SpecOf(connection);
  const template = spec.resourceUrl ?? connection.manifest.baseUrl;
  const raw = template ? expandTemplate(template, { config: connection.config }).trim() : '';
  if (!raw) throw new LatchkeyError('VALIDATION', 'Enter the server URL first');
  return checkedUrl('server URL', raw);
}

/** Discovered endpoints are held to the same rule as written ones: https, or http on this machine. */
export function checkedEndpoints(e: OAuth2Endpoints): OAuth2Endpoints {
  const out: OAuth2Endpoints = { ...e, tokenUrl: checkedUrl('token URL', e.tokenUrl) };
  if (e.authorizeUrl) out.authorizeUrl = checkedUrl('authorization URL', e.authorizeUrl);
  if (e.revocationUrl) out.revocationUrl = checkedUrl('revocation URL', e.revocationUrl);
  if (e.deviceAuthorizationUrl) out.deviceAuthorizationUrl = checkedUrl('device authorization URL', e.deviceAuthorizationUrl);
  return out;
}

/** A client id in the settings, if the manifest reads one and the person filled it. */
export function configuredClientId(connection: Pick<ResolvedConnection, 'manifest' | 'config'>): string | undefined {
  const id = connection.config[oauth2SpecOf(connection).clientIdField];
  return typeof id === 'string' && id ? id : undefined;
}

export function clientOf(connection: ResolvedConnection): OAuth2ClientCredentials {
  const spec = oauth2SpecOf(connection);
  const id = connection.config[spec.clientIdField];
  if (typeof id !== 'string' || !id) throw new LatchkeyError('VALIDATION', 'Enter the client id first');
  const secretField = spec.clientSecretField;
  const secret = secretField ? (connection.secrets[secretField] ?? (typeof connection.config[secretField] === 'string' ? (connection.config[secretField] as string) : undefined)) : undefined;
  const auth = spec.clientAuth ?? (secret ? 'client_secret_basic' : 'none');
  if (auth !== 'none' && !secret) throw new LatchkeyError('VALIDATION', 'Enter the client secret first');
  return { clientId: id, ...(secret ? { clientSecret: secret } : {}), auth };
}

export function scopesOf(connection: Pick<ResolvedConnection, 'manifest' | 'config'>): string[] {
  const spec = oauth2SpecOf(connection);
  const chosen = connection.config[spec.scopesField];
  if (typeof chosen === 'string') return chosen.split(/\s+/).filter(Boolean);
  return spec.scopes.filter((s) => s.default).map((s) => s.value);
}
