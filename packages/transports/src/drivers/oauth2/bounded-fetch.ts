import { OAuth2Error } from '@latchkey/broker';
import { readCapped } from '../../http.js';

/**
 * The most any OAuth2 or discovery answer may weigh. Metadata, token and registration answers are
 * a few kilobytes; this leaves room for long ID tokens while a hostile server's endless body
 * costs the broker at most this much memory.
 */
export const MAX_RESPONSE_BYTES = 256 * 1024;

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * `fetch` with redirects returned as they are and the body read to at most `maxBytes`, then
 * handed back as a fresh Response (so oauth4webapi, given this as its `customFetch`, never reads
 * an unbounded stream). Larger: an `invalid_response` OAuth2Error, and the connection is dropped.
 */
export async function boundedFetch(url: string | URL, init: RequestInit = {}, maxBytes = MAX_RESPONSE_BYTES): Promise<Response> {
  const response = await fetch(url, { ...init, redirect: 'manual' });
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(maxBytes);
  }
  const { body, truncated } = await readCapped(response, maxBytes);
  if (truncated) throw tooLarge(maxBytes);
  return new Response(NULL_BODY.has(response.status) ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

const tooLarge = (max: number) => new OAuth2Error('invalid_response', `The server's answer is too large (more than ${Math.round(max / 1024)} KiB)`);
