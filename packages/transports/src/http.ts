import type { PreparedHttpRequest } from '@latchkey/broker';
import type { HttpFetchResponse } from '@latchkey/contracts';
import { elapsedSince } from './deadline.js';
import { bestMessage, classifyNetwork, timeoutMessage, toTransportError } from './errors.js';
import { TransportError, createMasker, readLines } from '@latchkey/broker';

/**
 * Executes a request the broker has already authenticated and origin-checked. Redirects come back
 * as they are: following one could carry the credential to another origin.
 */
export async function executeHttp(request: PreparedHttpRequest): Promise<HttpFetchResponse> {
  const start = performance.now();
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    // The URL is not echoed: with query-parameter auth it carries the key.
    throw new TransportError('invalid_config', 'Not a valid URL');
  }
  const target = { host: url.hostname, port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80, timeoutMs: request.timeoutMs };
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal,
    });
    const { body, truncated } = await readCapped(response, request.maxBodyBytes);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return { status: response.status, statusText: response.statusText, headers, body, truncated, latencyMs: elapsedSince(start) };
  } catch (err) {
    if (signal.aborted) throw new TransportError('timeout', timeoutMessage(request.timeoutMs));
    const classified = classifyNetwork(err, target);
    if (classified) throw toTransportError(classified);
    // fetch's own messages can quote a header value ("… is an invalid header value"); the broker
    // put the credential in a header or the query, so neither is repeated here.
    const sent = [...Object.values(request.headers), ...url.searchParams.values()].filter((v) => v.length >= 4);
    throw new TransportError('other', createMasker(sent).mask(bestMessage(err)));
  }
}

/**
 * Streams a request's response body line by line (Ollama's pull progress), whatever its status.
 * The caller's signal bounds it (cancel, idle and overall deadlines are the caller's); redirects
 * come back as they are, as in executeHttp.
 */
export async function executeHttpLines(request: PreparedHttpRequest, onLine: (line: string) => void, signal: AbortSignal): Promise<{ status: number; statusText: string }> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new TransportError('invalid_config', 'Not a valid URL');
  }
  const target = { host: url.hostname, port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80, timeoutMs: request.timeoutMs };
  try {
    const response = await fetch(request.url, { method: request.method, headers: request.headers, body: request.body, redirect: 'manual', signal });
    await readLines(response.body, onLine, request.maxBodyBytes);
    return { status: response.status, statusText: response.statusText };
  } catch (err) {
    if (signal.aborted) throw new TransportError('timeout', signal.reason instanceof Error ? signal.reason.message : 'Stopped');
    const classified = classifyNetwork(err, target);
    if (classified) throw toTransportError(classified);
    const sent = [...Object.values(request.headers), ...url.searchParams.values()].filter((v) => v.length >= 4);
    throw new TransportError('other', createMasker(sent).mask(bestMessage(err)));
  }
}

/** Reads at most `max` bytes, then cancels the rest of the body. */
export async function readCapped(response: Response, max: number): Promise<{ body: string; truncated: boolean }> {
  if (!response.body) return { body: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > max) {
      chunks.push(value.subarray(0, max - size));
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  // A cut may split a UTF-8 sequence; the decoder replaces the broken tail instead of throwing.
  return { body: new TextDecoder().decode(Buffer.concat(chunks)), truncated };
}
