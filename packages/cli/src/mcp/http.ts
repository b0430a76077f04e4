import { randomUUID, createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { parseBoundedJson } from '@latchkey/contracts';
import type { Session } from '../session.js';
import { createLatchkeyMcpServer } from './server.js';

const MAX_BODY = 4 * 1024 * 1024;
const MAX_SESSIONS = 32;
const digest = (s: string) => createHash('sha256').update(s).digest();

export interface McpHttpServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('too large'));
        req.destroy();
      } else parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

const reply = (res: ServerResponse, status: number, message: string) => {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
};

/**
 * `latchkey mcp --http`: Streamable HTTP on 127.0.0.1 only, every request carrying the per-user
 * bearer token (a browser page on this machine cannot read it, and the Host check refuses a
 * rebound DNS name). Each MCP session gets its own server and its own issued agent identity.
 */
export async function startMcpHttp(options: { port: number; token: string; open: (clientName: string) => Promise<Session> }): Promise<McpHttpServer> {
  const tokenDigest = digest(options.token);
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; close: () => Promise<void> }>();
  let port = options.port;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!timingSafeEqual(digest(given), tokenDigest)) return reply(res, 401, 'A bearer token is required (latchkey mcp --http prints where it is)');
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return reply(res, 403, 'Wrong Host header');
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/mcp') return reply(res, 404, 'The endpoint is /mcp');

    let body: unknown;
    if (req.method === 'POST') {
      try {
        body = parseBoundedJson(await readBody(req), { maxLength: MAX_BODY });
      } catch {
        return reply(res, 400, 'The body is not JSON within the size limits');
      }
    }
    const id = req.headers['mcp-session-id'];
    const existing = typeof id === 'string' ? sessions.get(id) : undefined;
    if (existing) return existing.transport.handleRequest(req, res, body);
    if (req.method !== 'POST' || !isInitializeRequest(body)) return reply(res, 400, 'No such session: start with initialize');
    if (sessions.size >= MAX_SESSIONS) return reply(res, 503, 'Too many MCP sessions');

    const mcp = createLatchkeyMcpServer(options.open);
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sid) => void sessions.set(sid, { transport, close: mcp.close }),
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      void mcp.close();
    };
    await mcp.server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => reply(res, 500, 'Internal error'));
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    async close() {
      for (const s of [...sessions.values()]) await s.close();
      sessions.clear();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
