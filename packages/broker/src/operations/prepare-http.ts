import { LatchkeyError, conditionsHold, expandTemplate } from '@latchkey/contracts';
import type { Json } from '@latchkey/contracts';
import type { PreparedHttpRequest, ResolvedConnection } from '../ports.js';
import { TOKEN_FIELD, parseTokenSet } from '../oauth2/token-set.js';

export const MAX_HTTP_BODY_BYTES = 5 * 1024 * 1024;

/** The connection's base URL, which every request through it is pinned to. */
export function baseUrlOf(connection: ResolvedConnection): URL {
  const template = connection.manifest.baseUrl;
  if (!template) throw new LatchkeyError('VALIDATION', `Provider "${connection.manifest.id}" has no base URL; it cannot make HTTP requests`);
  const raw = expandTemplate(template, { config: connection.config });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new LatchkeyError('VALIDATION', `The base URL "${raw}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new LatchkeyError('VALIDATION', `The base URL must be http or https, not ${url.protocol}`);
  if (url.username || url.password) throw new LatchkeyError('VALIDATION', 'The base URL must not carry credentials; use the authentication fields');
  return url;
}

/**
 * Resolves a request URL against the base: a relative path is appended to the base path; an
 * absolute URL must be on the base's origin. Anything else is refused before a byte is sent,
 * because the broker would otherwise attach the credential to a stranger's server.
 */
export function resolveTarget(base: URL, requested: string): URL {
  const isAbsolute = /^[a-z][a-z0-9+.-]*:/i.test(requested) || requested.startsWith('//');
  let target: URL;
  if (isAbsolute) {
    try {
      target = new URL(requested, base.origin);
    } catch {
      throw new LatchkeyError('VALIDATION', `"${requested.slice(0, 200)}" is not a valid URL`);
    }
  } else {
    const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    const rel = requested.startsWith('/') ? requested.slice(1) : requested;
    target = new URL(rel, `${base.origin}${basePath}`);
  }
  if (target.origin !== base.origin) {
    throw new LatchkeyError('DENIED', `Requests through this connection may only go to ${base.origin}; ${target.origin} was refused`);
  }
  return target;
}

function defaultHeaders(config: Record<string, Json>): Record<string, string> {
  const h = config['headers'];
  const out: Record<string, string> = {};
  if (h && typeof h === 'object' && !Array.isArray(h)) for (const [k, v] of Object.entries(h)) if (typeof v === 'string') out[k] = v;
  return out;
}

function setHeader(headers: Record<string, string>, name: string, value: string): void {
  for (const k of Object.keys(headers)) if (k.toLowerCase() === name.toLowerCase()) delete headers[k];
  headers[name] = value;
}

/** Applies the manifest's `authenticate` rules; the credential is injected here and nowhere else. */
export function applyAuth(connection: ResolvedConnection, url: URL, headers: Record<string, string>): void {
  const scope = { config: connection.config, secret: connection.secrets };
  for (const rule of connection.manifest.authenticate) {
    if (!conditionsHold(rule.when, connection.config)) continue;
    switch (rule.type) {
      case 'none':
        break;
      case 'oauth2': {
        // The broker's own token set (refreshed ahead of expiry before the call reached here).
        const tokens = parseTokenSet(connection.secrets[TOKEN_FIELD]);
        if (!tokens) throw new LatchkeyError('DENIED', `"${connection.manifest.name}" is not signed in; use Sign in on the connection first`);
        setHeader(headers, 'Authorization', `Bearer ${tokens.accessToken}`);
        break;
      }
      case 'header':
        setHeader(headers, expandTemplate(rule.name, scope), expandTemplate(rule.value, scope));
        break;
      case 'query':
        url.searchParams.set(expandTemplate(rule.name, scope), expandTemplate(rule.value, scope));
        break;
      case 'basic': {
        const user = expandTemplate(rule.username, scope);
        const pass = expandTemplate(rule.password, scope);
        setHeader(headers, 'Authorization', `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`);
        break;
      }
    }
  }
}

export interface HttpRequestSpec {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export function prepareHttp(connection: ResolvedConnection, spec: HttpRequestSpec): PreparedHttpRequest {
  const base = baseUrlOf(connection);
  const target = resolveTarget(base, spec.url);
  const headers = { ...defaultHeaders(connection.config), ...(spec.headers ?? {}) };
  applyAuth(connection, target, headers);
  return { url: target.toString(), method: spec.method, headers, body: spec.body, timeoutMs: spec.timeoutMs, maxBodyBytes: MAX_HTTP_BODY_BYTES };
}
