import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { freePort } from './ports.js';
import { stopChild } from './processes.js';

const MODULES = resolve(dirname(fileURLToPath(import.meta.url)), '../../node_modules/@modelcontextprotocol');

/** The reference filesystem server's entry (a devDependency): run as `node <it> <allowed folder>` over stdio. */
export const FILESYSTEM_SERVER = `${MODULES}/server-filesystem/dist/index.js`;
/** The reference "everything" server's entry: `node <it> stdio` or `PORT=N node <it> streamableHttp`. */
export const EVERYTHING_SERVER = `${MODULES}/server-everything/dist/index.js`;

/** server-everything over Streamable HTTP at http://127.0.0.1:PORT/mcp. It binds every interface; tests point only loopback at it. */
export async function startEverythingHttp(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING_SERVER, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`server-everything did not start: ${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes(`listening on port ${port}`)) {
        clearTimeout(timer);
        resolveStart();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server-everything exited (${code}): ${output}`));
    });
  });
  return { url: `http://127.0.0.1:${port}/mcp`, stop: () => stopChild(child) };
}

/**
 * A small MCP server built on the SDK (stateless Streamable HTTP) that requires a bearer token,
 * for the token and 401 paths the reference servers do not have. Tool "whoami" answers "pong".
 */
export async function startTokenMcpServer(token: string): Promise<{ url: string; stop(): Promise<void> }> {
  const http = createServer((req, res) => {
    if (req.url !== '/mcp') return void res.writeHead(404).end();
    if (req.headers.authorization !== `Bearer ${token}`) {
      return void res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer' }).end('{"error":"invalid_token"}');
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const server = new McpServer({ name: 'token-test-server', version: '1.0.0' });
      server.registerTool('whoami', { description: 'Answers pong to an authenticated caller' }, () => ({ content: [{ type: 'text', text: 'pong' }] }));
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
      void server.connect(transport).then(() => transport.handleRequest(req, res, body));
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    stop: () =>
      new Promise<void>((r) => {
        http.closeAllConnections();
        http.close(() => r());
      }),
  };
}
