/**
 * Finding a remote MCP server's protected-resource metadata (RFC 9728) the way the MCP
 * authorization spec orders it: ask the server itself (an unauthenticated request); a 401 whose
 * `WWW-Authenticate` Bearer challenge names `resource_metadata` is followed, and only that URL;
 * without one, the well-known addresses are tried, path-suffixed first, then the root.
 *
 * Everything the server sends here comes before any sign-in and is treated as hostile: the URL
 * it names must pass the broker's endpoint rule (https, or http on this machine; no
 * credentials), a server elsewhere cannot send the broker to this machine, the document must
 * describe the server that was asked (RFC 9728 §3.3: else it could lend out another resource's
 * authorization server), every answer is size- and time-bounded, and no error repeats its text.
 */
import { OAuth2Error, checkedOAuth2Url } from '@latchkey/broker';
import { boundedFetch } from './bounded-fetch.js';
import { bearerChallenge } from './www-authenticate.js';

export interface DiscoveryLimits {
  /** Per request: the probe and each metadata document. */
  timeoutMs: number;
  maxBytes: number;
}

export interface ProtectedResource {
  /** The document's `resource`, checked equal to the server asked: the RFC 8707 resource to name. */
  resource: string;
  authorizationServers: string[];
  /** From the 401's `scope`, else the document's `scopes_supported`; absent when neither is usable. */
  scopes?: string[];
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';
const MAX_URL = 2048;
const MAX_SERVERS = 20;
const MAX_SCOPES = 50;
// The scope token of RFC 6749 §3.3, as the manifest's scopes are held to (contracts OAuth2Spec).
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/;

/** Addresses that are this machine, as URL parsing normalizes them (no DNS is resolved here). */
export function isThisMachine(url: URL): boolean {
  // A trailing dot names the same host ("localhost." is localhost).
  const h = url.hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '0.0.0.0') return true;
  // IPv6: loopback, unspecified, and IPv4-mapped loopback (URL writes ::ffff:127.0.0.1 as ::ffff:7fxx:xxxx).
  return h === '[::1]' || h === '[::]' || /^\[::ffff:(7f[0-9a-f]{2}:[0-9a-f]{1,4}|0:0)\]$/.test(h);
}

/**
 * Whether discovery may fetch `target` because the server at `serverUrl` named it: the broker's
 * one endpoint rule (endpoints.ts: https, or http on this machine; no credentials), and a server
 * elsewhere may not point the broker at this machine (a local admin page is not its metadata).
 */
export function metadataUrlAllowed(serverUrl: string, target: string): boolean {
  if (target.length > MAX_URL) return false;
  try {
    checkedOAuth2Url('metadata URL', target);
    return !isThisMachine(new URL(target)) || isThisMachine(new URL(serverUrl));
  } catch {
    return false;
  }
}

/** The well-known addresses in the spec's order, each with the `resource` it may describe (RFC 9728 §3.1, §3.3). */
function wellKnownCandidates(server: URL): Array<{ url: URL; resources: string[] }> {
  const root = { url: new URL(WELL_KNOWN, server.origin), resources: [server.href, server.origin, `${server.origin}/`] };
  if (server.pathname === '/' && !server.search) return [root];
  const suffixed = new URL(server.origin);
  suffixed.pathname = `${WELL_KNOWN}${server.pathname === '/' ? '' : server.pathname}`;
  suffixed.search = server.search;
  return [{ url: suffixed, resources: [server.href] }, root];
}

/** An MCP request without a token: the server's answer says where its metadata is, if it says. */
async function probe(server: URL, limits: DiscoveryLimits): Promise<{ resourceMetadata?: string; scope?: string }> {
  const initialize = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'Latchkey', version: '1' } } };
  const response = await fetch(server, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(initialize),
    redirect: 'manual',
    signal: AbortSignal.timeout(limits.timeoutMs),
  });
  // Only the status and the header are read; the body (a stream, perhaps endless) is dropped.
  await response.body?.cancel().catch(() => undefined);
  if (response.status !== 401) return {};
  const header = response.headers.get('www-authenticate');
  if (header === null) return {};
  const bearer = bearerChallenge(header);
  if (!bearer) throw new OAuth2Error('invalid_response', "The server answered 401 with a WWW-Authenticate header Latchkey cannot read; it was not followed");
  return { ...(bearer.resourceMetadata !== undefined ? { resourceMetadata: bearer.resourceMetadata } : {}), ...(bearer.scope !== undefined ? { scope: bearer.scope } : {}) };
}

interface Document {
  resource: string;
  authorizationServers: string[];
  scopesSupported?: unknown;
}

/** One metadata document, or the status when the server did not answer 200 (a fallback address then tries the next). */
async function fetchDocument(url: URL, limits: DiscoveryLimits): Promise<Document | { status: number }> {
  const response = await boundedFetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(limits.timeoutMs) }, limits.maxBytes);
  if (response.status !== 200) return { status: response.status };
  let doc: unknown;
  try {
    doc = JSON.parse(await response.text());
  } catch {
    throw new OAuth2Error('invalid_response', 'The protected-resource metadata is not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new OAuth2Error('invalid_response', 'The protected-resource metadata is not a JSON object');
  const { resource, authorization_servers: servers, scopes_supported: scopesSupported } = doc as Record<string, unknown>;
  if (typeof resource !== 'string' || resource.length > MAX_URL) throw new OAuth2Error('invalid_response', 'The protected-resource metadata names no resource');
  if (servers !== undefined && !(Array.isArray(servers) && servers.length <= MAX_SERVERS && servers.every((s) => typeof s === 'string' && s.length <= MAX_URL))) {
    throw new OAuth2Error('invalid_response', 'The protected-resource metadata lists its authorization servers in a form Latchkey does not read');
  }
  return { resource, authorizationServers: (servers as string[] | undefined) ?? [], scopesSupported };
}

/** Scopes the server suggests, all valid or none used (a scope is sent to the authorization server as written). */
function scopeList(value: unknown): string[] | undefined {
  const list = typeof value === 'string' ? value.split(' ').filter(Boolean) : value;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_SCOPES) return undefined;
  return list.every((s) => typeof s === 'string' && SCOPE.test(s)) ? [...new Set(list as string[])] : undefined;
}

function accepted(doc: Document, server: URL, resources: string[], headerScope: string | undefined): ProtectedResource {
  if (!resources.includes(doc.resource)) {
    throw new OAuth2Error('refused', `The server's metadata describes another resource than ${server.href}; Latchkey does not use it (RFC 9728 §3.3)`);
  }
  const scopes = headerScope !== undefined ? scopeList(headerScope) : scopeList(doc.scopesSupported);
  return { resource: doc.resource, authorizationServers: doc.authorizationServers, ...(scopes ? { scopes } : {}) };
}

export async function discoverProtectedResource(serverUrl: string, limits: DiscoveryLimits): Promise<ProtectedResource> {
  const server = new URL(serverUrl);
  const challenge = await probe(server, limits);
  if (challenge.resourceMetadata !== undefined) {
    // The spec: the named document, and only it. Falling back after a refusal would let a server try its luck twice.
    if (!metadataUrlAllowed(server.href, challenge.resourceMetadata)) {
      throw new OAuth2Error('refused', "The server's 401 names a metadata URL Latchkey will not fetch (it must be https, or http only between programs on this machine, and carry no credentials)");
    }
    const doc = await fetchDocument(new URL(challenge.resourceMetadata), limits);
    if ('status' in doc) throw new OAuth2Error('invalid_response', `The metadata URL the server named answered HTTP ${doc.status}`);
    return accepted(doc, server, [server.href], challenge.scope);
  }
  for (const candidate of wellKnownCandidates(server)) {
    const doc = await fetchDocument(candidate.url, limits);
    if (!('status' in doc)) return accepted(doc, server, candidate.resources, challenge.scope);
  }
  throw new OAuth2Error('invalid_response', 'The server publishes no protected-resource metadata (RFC 9728): its 401 names none and the well-known addresses answer none');
}
