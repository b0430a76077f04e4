import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { TransportError } from '@latchkey/broker';
import type { PreparedHttpRequest } from '@latchkey/broker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransports } from './index.js';
import { freePort, startSilentServer } from './testing/ports.js';
import { opensslUnavailable, selfSignedCertificate } from './testing/tls.js';

const transports = createTransports();
let server: Server;
let base: string;
const seen: { url: string; headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (req.url === '/redirect') return void res.writeHead(302, { Location: 'http://127.0.0.2:1/steal' }).end();
      if (req.url === '/big') return void res.writeHead(200).end('x'.repeat(100_000));
      if (req.url === '/echo') return void res.writeHead(201, { 'Content-Type': 'application/json', 'X-Seen': 'yes' }).end(JSON.stringify({ got: Buffer.concat(chunks).toString('utf8') }));
      res.writeHead(404, 'Nope').end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await transports.close();
});

const request = (url: string, extra: Partial<PreparedHttpRequest> = {}): PreparedHttpRequest => ({
  url,
  method: 'GET',
  headers: {},
  timeoutMs: 5000,
  maxBodyBytes: 1024 * 1024,
  ...extra,
});

async function failure(p: Promise<unknown>): Promise<TransportError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TransportError);
  return err as TransportError;
}

describe('http transport', () => {
  it('sends method, headers and body and returns status, headers, body and latency', async () => {
    const res = await transports.http(request(`${base}/echo`, { method: 'POST', headers: { Authorization: 'Bearer t0k', 'Content-Type': 'text/plain' }, body: 'hello' }));
    expect(res).toMatchObject({ status: 201, headers: { 'x-seen': 'yes' }, body: '{"got":"hello"}', truncated: false });
    expect(res.latencyMs).toBeGreaterThan(0);
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer t0k');
  });

  it('returns a redirect as it is instead of following it (the credential stays on its origin)', async () => {
    const res = await transports.http(request(`${base}/redirect`, { headers: { Authorization: 'Bearer t0k' } }));
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('http://127.0.0.2:1/steal');
  });

  it('reads the body only up to maxBodyBytes and says it truncated', async () => {
    const res = await transports.http(request(`${base}/big`, { maxBodyBytes: 1000 }));
    expect(res.body.length).toBe(1000);
    expect(res.truncated).toBe(true);
    const whole = await transports.http(request(`${base}/big`));
    expect(whole).toMatchObject({ truncated: false });
    expect(whole.body.length).toBe(100_000);
  });

  it('passes a non-2xx status through as a response, not an error', async () => {
    const res = await transports.http(request(`${base}/missing`));
    expect(res).toMatchObject({ status: 404, statusText: 'Nope' });
  });

  it('does not repeat a header value fetch rejects (it may be the credential)', async () => {
    const err = await failure(transports.http(request(`${base}/echo`, { headers: { Authorization: 'Bearer tok-Canary-8c\n2' } })));
    expect(err.code).toBe('other');
    expect(err.message).not.toContain('tok-Canary-8c');
  });

  it('classifies a refused connection', async () => {
    const port = await freePort();
    const err = await failure(transports.http(request(`http://127.0.0.1:${port}/`)));
    expect(err.code).toBe('refused');
    expect(err.message).toBe(`Connection refused (127.0.0.1:${port})`);
  });

  it('classifies a server that accepts and never answers as a timeout', async () => {
    const silent = await startSilentServer();
    try {
      const err = await failure(transports.http(request(`http://127.0.0.1:${silent.port}/`, { timeoutMs: 300 })));
      expect(err.code).toBe('timeout');
      expect(err.message).toBe('Timed out after 0.3 s');
    } finally {
      await silent.stop();
    }
  });

  it('classifies an unknown host as a DNS failure', async () => {
    const err = await failure(transports.http(request('http://nope.invalid/')));
    expect(err).toMatchObject({ code: 'dns', message: 'Host not found: nope.invalid' });
  });

  it.skipIf(opensslUnavailable() !== null)('classifies an untrusted certificate as a TLS failure with the reason', async () => {
    const https = createHttpsServer(selfSignedCertificate(), (_req, res) => res.end('secret page'));
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    try {
      const err = await failure(transports.http(request(`https://127.0.0.1:${(https.address() as { port: number }).port}/`)));
      expect(err).toMatchObject({ code: 'tls', message: 'TLS failed: self-signed certificate' });
    } finally {
      await new Promise((r) => https.close(r));
    }
  });
});
