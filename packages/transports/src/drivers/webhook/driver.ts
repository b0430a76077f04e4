import { createHmac } from 'node:crypto';
import { TransportError } from '@latchkey/broker';
import type { ResolvedConnection, TestOutcome } from '@latchkey/broker';
import type { WebhookSendRequest, WebhookSendResult } from '@latchkey/contracts';
import { json, str, stringMap } from '../../config.js';
import { executeHttp } from '../../http.js';
import { failure, runTest } from '../../outcome.js';

/** The URL from the secrets where the provider stores it as one, else from the settings. */
function urlOf(c: ResolvedConnection): string {
  return c.secrets.url ?? str(c.config, 'url');
}

export const SIGNATURE_HEADER = 'X-Latchkey-Signature';
export const TIMESTAMP_HEADER = 'X-Latchkey-Timestamp';
const MAX_RESPONSE_BYTES = 64 * 1024;

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`: the scheme the webhook pack documents for receivers. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookClock {
  now(): number;
}

async function send(c: ResolvedConnection, payload: unknown, extraHeaders: Record<string, string>, timeoutMs: number, clock: WebhookClock) {
  const url = urlOf(c);
  if (url === '') throw new TransportError('invalid_config', 'No webhook URL is set');
  const method = str(c.config, 'method', 'POST').toUpperCase();
  if (method !== 'POST' && method !== 'PUT') throw new TransportError('invalid_config', `Webhooks are sent with POST or PUT, not ${method}`);
  const body = JSON.stringify(payload);
  // Configured headers, then the caller's; the body's type and what proves who sent it are set
  // last, under names neither can replace in any letter case.
  const reserved = new Set(['authorization', 'content-type', SIGNATURE_HEADER.toLowerCase(), TIMESTAMP_HEADER.toLowerCase()]);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...stringMap(json(c.config, 'headers'), 'Headers'), ...extraHeaders })) {
    if (!reserved.has(name.toLowerCase())) headers[name] = value;
  }
  headers['Content-Type'] = 'application/json';
  const authType = str(c.config, 'authType', 'none');
  if (authType === 'bearer') {
    const token = c.secrets.token;
    if (!token) throw new TransportError('invalid_config', 'The bearer token is not set');
    headers.Authorization = `Bearer ${token}`;
  } else if (authType === 'hmac') {
    const secret = c.secrets.hmacSecret;
    if (!secret) throw new TransportError('invalid_config', 'The HMAC secret is not set');
    const timestamp = Math.floor(clock.now() / 1000);
    headers[TIMESTAMP_HEADER] = String(timestamp);
    headers[SIGNATURE_HEADER] = signWebhook(secret, timestamp, body);
  } else if (authType !== 'none') {
    throw new TransportError('invalid_config', `Unknown authentication type: ${authType}`);
  }
  return executeHttp({ url, method, headers, body, timeoutMs, maxBodyBytes: MAX_RESPONSE_BYTES });
}

function target(c: ResolvedConnection, timeoutMs: number) {
  try {
    const u = new URL(urlOf(c));
    return { host: u.hostname, port: u.port ? Number(u.port) : undefined, timeoutMs };
  } catch {
    return { timeoutMs };
  }
}

export async function testWebhook(c: ResolvedConnection, timeoutMs: number, clock: WebhookClock): Promise<TestOutcome> {
  return runTest(c, target(c, timeoutMs), async () => {
    const spec = c.manifest.test;
    const payload = spec.payload !== undefined ? spec.payload : { test: true };
    const response = await send(c, payload, { 'X-Test': 'true' }, timeoutMs, clock);
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    if (response.status === 401 || response.status === 403) throw new TransportError('auth', `Authentication failed: the receiver answered ${status}`);
    if (response.status < 200 || response.status > 299) throw new TransportError('http_status', `The receiver answered ${status}`);
    return { message: `Delivered (${status})` };
  });
}

export async function sendWebhook(c: ResolvedConnection, request: Required<WebhookSendRequest>, timeoutMs: number, clock: WebhookClock): Promise<WebhookSendResult> {
  try {
    const response = await send(c, request.payload, request.headers, timeoutMs, clock);
    return { status: response.status, latencyMs: response.latencyMs, body: response.body, truncated: response.truncated };
  } catch (err) {
    throw failure(err, c, target(c, timeoutMs));
  }
}
