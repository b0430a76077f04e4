/** A real headless host in a temp folder, and a bridge client for it, for tests. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { createHeadlessHost, type HeadlessHost, type HeadlessHostOptions } from '../host.js';
import { BRIDGE_SOCKET_PATH } from '../bridge/protocol.js';

export interface CallResult {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
}

export interface TestHost {
  host: HeadlessHost;
  /** The session cookie (`name=value`) this test got for the launch token. */
  cookie: string;
  dataDir: string;
  socketHeaders(): Record<string, string>;
  /** Opens the bridge as the page would, and calls channels over it. */
  connect(): Promise<{ ws: WebSocket; frames: string[]; call(channel: string, input: unknown): Promise<CallResult> }>;
  stop(): Promise<void>;
}

export function httpGet(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
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

export async function startTestHost(options: Partial<HeadlessHostOptions> = {}): Promise<TestHost> {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-headless-'));
  const rendererDir = mkdtempSync(join(tmpdir(), 'latchkey-renderer-'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><html><head><title>t</title></head><body>renderer</body></html>');
  const host = await createHeadlessHost({ dataDir, rendererDir, env: { LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') }, ...options });
  const token = new URL(host.url).searchParams.get('token')!;
  const exchange = await httpGet(host.port, `/?token=${encodeURIComponent(token)}`);
  const cookie = String((exchange.headers['set-cookie'] as string[] | undefined)?.[0]).split(';')[0]!;
  const socketHeaders = () => ({ Origin: `http://127.0.0.1:${host.port}`, Cookie: cookie, Host: `127.0.0.1:${host.port}` });

  async function connect() {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}${BRIDGE_SOCKET_PATH}`, { headers: socketHeaders() });
    const frames: string[] = [];
    ws.on('message', (d) => frames.push(d.toString()));
    ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`socket refused with ${res.statusCode}`)));
      ws.once('close', () => reject(new Error('socket closed before opening')));
    });
    let nextId = 1;
    const call = (channel: string, input: unknown) =>
      new Promise<CallResult>((resolve, reject) => {
        const id = nextId++;
        const onMessage = (d: Buffer) => {
          const frame = JSON.parse(d.toString()) as { id?: number; result?: CallResult };
          if (frame.id === id) {
            ws.off('message', onMessage);
            resolve(frame.result!);
          }
        };
        ws.on('message', onMessage);
        ws.once('close', () => reject(new Error(`socket closed during ${channel}`)));
        ws.send(JSON.stringify({ id, channel, input }));
      });
    return { ws, frames, call };
  }

  return {
    host,
    cookie,
    dataDir,
    socketHeaders,
    connect,
    async stop() {
      await host.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(rendererDir, { recursive: true, force: true });
    },
  };
}
