import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createHeadlessHost, type HeadlessHost } from './host.js';
import { sessionCookieName } from './access.js';
import { BRIDGE_SCRIPT_PATH, BRIDGE_SOCKET_PATH } from './bridge/protocol.js';

const CANARY = `canary-${randomBytes(12).toString('hex')}`;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let dataDir: string;
let rendererDir: string;
let host: HeadlessHost;
let cookie: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'latchkey-headless-'));
  rendererDir = mkdtempSync(join(tmpdir(), 'latchkey-renderer-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><html><head><title>t</title></head><body>renderer</body></html>');
  writeFileSync(join(rendererDir, 'app.js'), 'console.log(1)');
  host = await createHeadlessHost({ dataDir, rendererDir, env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') } });
  const token = new URL(host.url).searchParams.get('token')!;
  const exchange = await get(host.port, `/?token=${encodeURIComponent(token)}`);
  cookie = String(exchange.headers['set-cookie']?.[0]).split(';')[0]!;
});

afterAll(async () => {
  await host?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(rendererDir, { recursive: true, force: true });
});

function openSocket(headers: Record<string, string>): Promise<{ ws: WebSocket; frames: string[] } | { refused: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}${BRIDGE_SOCKET_PATH}`, { headers });
    const frames: string[] = [];
    ws.on('message', (d) => frames.push(d.toString()));
    ws.on('open', () => resolve({ ws, frames }));
    ws.on('unexpected-response', (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
    ws.on('error', () => undefined);
  });
}

const goodSocketHeaders = () => ({ Origin: `http://127.0.0.1:${host.port}`, Cookie: cookie, Host: `127.0.0.1:${host.port}` });

async function connected() {
  const s = await openSocket(goodSocketHeaders());
  if (!('ws' in s)) throw new Error(`socket refused with ${s.refused}`);
  let nextId = 1;
  const call = (channel: string, input: unknown) =>
    new Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>((resolve) => {
      const id = nextId++;
      const onMessage = (d: Buffer) => {
        const frame = JSON.parse(d.toString()) as { id?: number; result?: never };
        if (frame.id === id) {
          s.ws.off('message', onMessage);
          resolve(frame.result!);
        }
      };
      s.ws.on('message', onMessage);
      s.ws.send(JSON.stringify({ id, channel, input }));
    });
  return { ...s, call };
}

describe('the headless gate (real HTTP requests)', () => {
  it('prints a loopback URL with a fresh token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a request without the cookie, and a wrong token', async () => {
    const bare = await get(host.port, '/');
    expect(bare.status).toBe(401);
    expect(bare.body).not.toContain('renderer');
    const wrong = await get(host.port, '/?token=not-the-token');
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const otherPortCookie = await get(host.port, '/', { cookie: `${sessionCookieName(host.port + 1)}=${cookie.split('=')[1]}` });
    expect(otherPortCookie.status).toBe(401);
  });

  it('exchanges the token for an HttpOnly SameSite=Strict cookie and drops it from the address', async () => {
    const token = new URL(host.url).searchParams.get('token')!;
    const exchange = await get(host.port, `/?token=${token}`);
    expect(exchange.status).toBe(303);
    expect(exchange.headers.location).toBe('/');
    expect(exchange.headers['set-cookie']?.[0]).toMatch(/; HttpOnly; SameSite=Strict; Path=\/$/);
    const page = await get(host.port, '/', { cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<script src="${BRIDGE_SCRIPT_PATH}"></script>`);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect((await get(host.port, BRIDGE_SCRIPT_PATH, { cookie })).body).toContain('latchkey');
  });

  it('refuses a rebinding Host and a foreign Origin even with the cookie', async () => {
    expect((await get(host.port, '/', { cookie, host: `evil.example:${host.port}` })).status).toBe(421);
    expect((await get(host.port, '/', { cookie, host: '127.0.0.1' })).status).toBe(421);
    expect((await get(host.port, '/', { cookie, host: `localhost:${host.port}` })).status).toBe(200);
    expect((await get(host.port, '/', { cookie, origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(host.port, '/', { cookie, origin: `http://127.0.0.1:${host.port}` })).status).toBe(200);
  });

  it('serves only files inside the renderer build', async () => {
    expect((await get(host.port, '/app.js', { cookie })).status).toBe(200);
    expect((await get(host.port, '/%2e%2e/%2e%2e/package.json', { cookie })).status).toBe(404);
    expect((await get(host.port, '/../../etc/passwd', { cookie })).status).toBe(404);
  });

  it('refuses the WebSocket without cookie, Origin or the right Host', async () => {
    const { Cookie: _c, ...noCookie } = goodSocketHeaders();
    expect(await openSocket(noCookie)).toEqual({ refused: 401 });
    const { Origin: _o, ...noOrigin } = goodSocketHeaders();
    expect(await openSocket(noOrigin)).toEqual({ refused: 403 });
    expect(await openSocket({ ...goodSocketHeaders(), Origin: 'http://evil.example' })).toEqual({ refused: 403 });
    expect(await openSocket({ ...goodSocketHeaders(), Host: `rebind.example:${host.port}` })).toEqual({ refused: 421 });
  });
});

describe('the WebSocket bridge', () => {
  it('round-trips channels and pushes events, with no secret in any frame', async () => {
    const { ws, frames, call } = await connected();
    const providers = await call('providers:list', {});
    expect(providers.ok).toBe(true);
    expect((providers.value as { manifest: { id: string } }[]).map((p) => p.manifest.id)).toContain('http');

    const created = await call('connections:create', {
      providerId: 'http',
      name: 'Bridge test',
      config: { baseUrl: 'http://127.0.0.1:9/', authType: 'bearer' },
      secrets: { token: CANARY },
    });
    expect(created).toMatchObject({ ok: true, value: { name: 'Bridge test', secretFields: { token: 'set' } } });
    const list = await call('connections:list', {});
    expect((list.value as { name: string }[]).map((c) => c.name)).toEqual(['Bridge test']);
    await expect.poll(() => frames.some((f) => f.includes('"event":"connections:changed"'))).toBe(true);

    expect(frames.join('\n')).not.toContain(CANARY);
    ws.close();
  });

  it('answers bad input with VALIDATION and changes nothing', async () => {
    const { ws, call } = await connected();
    const before = (await call('connections:list', {})).value;
    const bad = await call('connections:create', { providerId: 'http', name: '', config: {}, secrets: {} });
    expect(bad.ok).toBe(false);
    expect(bad.error?.code).toBe('VALIDATION');
    const extra = await call('connections:create', { providerId: 'http', name: 'x', config: {}, secrets: {}, admin: true });
    expect(extra.error?.code).toBe('VALIDATION');
    expect((await call('connections:list', {})).value).toEqual(before);
    const unknown = await call('secrets:reveal', {});
    expect(unknown.error?.code).toBe('NOT_FOUND');
    ws.close();
  });

  it('closes a socket that sends something other than a call frame', async () => {
    const { ws } = await connected();
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.send('{"id":"x"}');
    expect(await closed).toBe(1008);
  });

  it('denies an open consent prompt when the last window closes', async () => {
    const { ws, call } = await connected();
    const created = (await call('connections:create', { providerId: 'http', name: 'Consent', config: { baseUrl: 'http://127.0.0.1:9/', authType: 'none' } })).value as { id: string };
    const requester = { kind: 'extension' as const, id: 'test-ext', displayName: 'Test extension' };
    const pending = host.broker.extension['secrets:requestAccess']({ connectionId: created.id, reason: 'Testing', scopes: ['http.fetch'] }, { requester });
    await expect.poll(async () => ((await call('consent:pending', {})).value as unknown[]).length).toBe(1);
    ws.close();
    await expect(pending).resolves.toMatchObject({ granted: false, reason: 'aborted' });
  });

  it('leaves no plaintext secret in the data folder', async () => {
    await host.broker.app['connections:list']({ deleted: false }, { requester: { kind: 'app', id: 'renderer', displayName: 'Latchkey' } });
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(dataDir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(readFileSync(f, 'latin1')).not.toContain(CANARY);
  });
});
