import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface ReceivedWebhook {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether the signature checked out (null when the receiver has no secret). */
  verified: boolean | null;
}

/**
 * What a receiver does with a signed Latchkey webhook, written from the scheme in the webhook pack's
 * README: recompute HMAC-SHA256 over "<timestamp>.<raw body>", compare in constant time, and
 * refuse a timestamp more than five minutes away.
 */
export function verifyLatchkeySignature(secret: string, headers: IncomingHttpHeaders, rawBody: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const timestamp = headers['x-latchkey-timestamp'];
  const signature = headers['x-latchkey-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string' || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  stop(): Promise<void>;
}

/** A loopback receiver: 401 for a bad signature or bearer token, otherwise `status` (default 204). */
export async function startWebhookReceiver(options: { hmacSecret?: string; bearer?: string; status?: number; redirectTo?: string } = {}): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verified = options.hmacSecret ? verifyLatchkeySignature(options.hmacSecret, req.headers, body) : null;
      received.push({ method: req.method ?? '', headers: req.headers, body, verified });
      if (options.redirectTo) {
        res.writeHead(307, { Location: options.redirectTo }).end();
        return;
      }
      const bearerOk = options.bearer === undefined || req.headers.authorization === `Bearer ${options.bearer}`;
      if (verified === false || !bearerOk) {
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end('bad credentials');
        return;
      }
      res.writeHead(options.status ?? 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks/latchkey`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
