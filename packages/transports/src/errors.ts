import { TransportError } from '@latchkey/broker';
import type { TestCode } from '@latchkey/contracts';

export interface Classified {
  code: TestCode;
  message: string;
}

/** Where a client was trying to go, to name it in "Connection refused (host:port)". */
export interface Target {
  host?: string;
  port?: number;
  timeoutMs: number;
}

/** Node's TLS verification codes (OpenSSL's X509_V_ERR_* names) that mean "TLS failed". */
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'EPROTO',
]);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ETIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ESOCKETTIMEDOUT', 'ETIME']);

export function timeoutMessage(ms: number): string {
  const seconds = Math.round(ms / 100) / 10;
  return `Timed out after ${seconds} s`;
}

/** The error and everything it wraps (cause chains, AggregateError from happy-eyeballs connects). */
export function errorChain(err: unknown): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && out.length < 20) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object' || out.includes(e as Record<string, unknown>)) continue;
    const rec = e as Record<string, unknown>;
    out.push(rec);
    if ('cause' in rec) queue.push(rec.cause);
    if (Array.isArray(rec.errors)) queue.push(...(rec.errors as unknown[]));
  }
  return out;
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  return String(err);
}

function capitalise(s: string): string {
  return s.length > 0 ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/**
 * Classifies a network-level failure: timeout, refused, DNS, TLS. Returns null when the error is
 * none of those, so a driver can look for its own codes (auth, database not found) first or after.
 */
export function classifyNetwork(err: unknown, target: Target): Classified | null {
  const chain = errorChain(err);
  for (const e of chain) {
    if (e instanceof TransportError) return { code: e.code, message: e.message };
  }
  for (const e of chain) {
    const code = typeof e.code === 'string' ? e.code : '';
    const name = typeof e.name === 'string' ? e.name : '';
    const message = typeof e.message === 'string' ? e.message : '';
    if (code === 'ECONNREFUSED') {
      const host = typeof e.address === 'string' ? e.address : target.host;
      const port = typeof e.port === 'number' ? e.port : target.port;
      const shown = host === undefined ? 'unknown host' : host.includes(':') ? `[${host}]` : host;
      return { code: 'refused', message: `Connection refused (${shown}${port !== undefined ? `:${port}` : ''})` };
    }
    if (DNS_CODES.has(code)) {
      const host = typeof e.hostname === 'string' ? e.hostname : target.host;
      return { code: 'dns', message: `Host not found: ${host ?? 'unknown host'}` };
    }
    if (TIMEOUT_CODES.has(code) || name === 'TimeoutError') {
      return { code: 'timeout', message: timeoutMessage(target.timeoutMs) };
    }
    if (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
      return { code: 'tls', message: `TLS failed: ${message || code}` };
    }
  }
  for (const e of chain) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (code === 'ECONNRESET') return { code: 'other', message: 'The server closed the connection (connection reset)' };
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return { code: 'other', message: `Host unreachable: ${target.host ?? ''}`.trim() };
  }
  return null;
}

/** The most specific human message in an error chain: the innermost non-generic one. */
export function bestMessage(err: unknown): string {
  const chain = errorChain(err);
  const generic = new Set(['fetch failed', '']);
  for (const e of chain) {
    const m = typeof e.message === 'string' ? e.message : '';
    if (!generic.has(m)) return capitalise(m);
  }
  return capitalise(messageOf(err)) || 'Unknown error';
}

export function toTransportError(c: Classified): TransportError {
  return new TransportError(c.code, c.message);
}
