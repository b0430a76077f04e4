import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { TransportError } from '@latchkey/broker';
import type { ResolvedConnection, TestOutcome } from '@latchkey/broker';
import type { Json, McpCallRequest, McpCallResult } from '@latchkey/contracts';
import type { ClientRegistry } from './clients.js';
import { json, str, stringMap } from './config.js';
import { withDeadline } from './deadline.js';
import type { Classified, Target } from './errors.js';
import { failure, runTest } from './outcome.js';
import { toJson } from './sql/values.js';

export const MCP_FIELDS = { config: ['transport', 'command', 'args', 'url'], secrets: ['token', 'env'] } as const;

const CLIENT_INFO = { name: 'latchkey', version: '0.1.0' };
const MAX_TOOL_NAMES = 200;

interface Session {
  client: Client;
  stderr: () => string;
}

function target(c: ResolvedConnection, timeoutMs: number): Target {
  if (str(c.config, 'transport', 'stdio') !== 'http') return { timeoutMs };
  try {
    const u = new URL(str(c.config, 'url'));
    return { host: u.hostname, port: u.port ? Number(u.port) : undefined, timeoutMs };
  } catch {
    return { timeoutMs };
  }
}

function argsOf(c: ResolvedConnection): string[] {
  const args = json(c.config, 'args');
  if (args === undefined || args === null) return [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) throw new TransportError('invalid_config', 'Arguments must be a JSON array of strings');
  return args as string[];
}

/**
 * What an attempt to open a session left behind: the client as soon as it exists (so a timeout can
 * close it and end a stdio server that never answers) and what a stdio server printed to stderr
 * (the last 2 KB), the clue when it exits before answering.
 */
interface Attempt {
  client?: Client;
  text: string;
}

async function open(c: ResolvedConnection, sink: Attempt = { text: '' }): Promise<Session> {
  const client = new Client(CLIENT_INFO);
  sink.client = client;
  if (str(c.config, 'transport', 'stdio') === 'http') {
    const url = str(c.config, 'url');
    if (url === '') throw new TransportError('invalid_config', 'No server URL is set');
    const token = c.secrets.token;
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      requestInit: token ? { headers: { Authorization: `Bearer ${token}` } } : {},
    });
    await client.connect(transport);
    return { client, stderr: () => '' };
  }
  const command = str(c.config, 'command');
  if (command === '') throw new TransportError('invalid_config', 'No command is set');
  const transport = new StdioClientTransport({
    command,
    args: argsOf(c),
    // Secret environment variables go to the server process only; the SDK adds a safe subset of ours (PATH, HOME…).
    env: stringMap(c.secrets.env, 'Environment'),
    stderr: 'pipe',
  });
  const stream = transport.stderr;
  const drained = new Promise<void>((resolve) => {
    stream?.on('data', (chunk: Buffer) => {
      sink.text = (sink.text + chunk.toString('utf8')).slice(-2000);
    });
    stream?.once('end', resolve);
    stream?.once('close', resolve);
  });
  try {
    await client.connect(transport);
  } catch (err) {
    // The process may have printed why it exited just before "Connection closed" arrived.
    await Promise.race([drained, new Promise((r) => setTimeout(r, 200))]);
    await client.close().catch(() => undefined);
    throw err;
  }
  return { client, stderr: () => sink.text.trim() };
}

function classifier(c: ResolvedConnection, stderr: () => string) {
  return (err: unknown): Classified | null => {
    const e = err as { code?: unknown; syscall?: unknown; message?: unknown };
    if (e.code === 'ENOENT' && typeof e.syscall === 'string' && e.syscall.startsWith('spawn')) {
      return { code: 'not_found', message: `Command not found: ${str(c.config, 'command')}` };
    }
    if (err instanceof StreamableHTTPError && typeof err.code === 'number') {
      if (err.code === 401 || err.code === 403) return { code: 'auth', message: `Authentication failed: the server answered HTTP ${err.code}` };
      if (err.code === 404) return { code: 'not_found', message: `No MCP endpoint at ${str(c.config, 'url')} (HTTP 404)` };
      return { code: 'http_status', message: `The server answered HTTP ${err.code}` };
    }
    const message = typeof e.message === 'string' ? e.message : '';
    if (/Connection closed/i.test(message) && stderr()) return { code: 'other', message: `The server exited: ${stderr().split('\n').slice(-3).join(' ')}` };
    return null;
  };
}

async function listToolNames(client: Client): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const result = await client.listTools(cursor ? { cursor } : undefined);
    names.push(...result.tools.map((t) => t.name));
    cursor = result.nextCursor;
    if (!cursor || names.length >= MAX_TOOL_NAMES) break;
  }
  return names.slice(0, MAX_TOOL_NAMES);
}

export async function testMcp(c: ResolvedConnection, timeoutMs: number): Promise<TestOutcome> {
  const sink: Attempt = { text: '' };
  return runTest(
    c,
    target(c, timeoutMs),
    async () => {
      const session = await open(c, sink);
      try {
        const tools = await listToolNames(session.client);
        return { message: `Connected; ${tools.length} tool${tools.length === 1 ? '' : 's'}`, details: { tools } };
      } finally {
        await session.client.close().catch(() => undefined);
      }
    },
    classifier(c, () => sink.text.trim()),
    () => void sink.client?.close().catch(() => undefined),
  );
}

export interface McpOptions {
  callTimeoutMs: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
}

/** Sessions stay open between calls (a stdio server is a process to start) and close when idle. */
export class McpSessions {
  private readonly idle = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly inFlight = new Map<string, number>();
  constructor(
    private readonly registry: ClientRegistry,
    private readonly o: McpOptions,
  ) {}

  async call(c: ResolvedConnection, call: Required<McpCallRequest>): Promise<McpCallResult> {
    const sink: Attempt = { text: '' };
    let session: Session | undefined;
    try {
      this.busy(c.id, +1);
      session = await withDeadline(
        this.o.connectTimeoutMs,
        () => this.registry.get('mcp', c, () => open(c, sink), (s) => s.client.close()),
        () => {
          this.registry.drop('mcp', c.id);
          void sink.client?.close().catch(() => undefined);
        },
      );
      try {
        const result = await session.client.callTool({ name: call.name, arguments: call.args }, undefined, { timeout: this.o.callTimeoutMs });
        const content: Json = toJson('content' in result ? result.content : (result as { toolResult?: unknown }).toolResult);
        return { content, isError: result.isError === true };
      } catch (err) {
        // A session that broke (process exited, HTTP session expired) is not reused.
        const answeredByServer = err instanceof McpError && err.code !== ErrorCode.ConnectionClosed && err.code !== ErrorCode.RequestTimeout;
        if (!answeredByServer) this.registry.drop('mcp', c.id);
        throw err;
      }
    } catch (err) {
      throw failure(err, c, target(c, this.o.callTimeoutMs), classifier(c, () => (sink.text || session?.stderr() || '').trim()));
    } finally {
      this.busy(c.id, -1);
    }
  }

  /** The idle clock runs only while no call is in flight. */
  private busy(id: string, delta: number): void {
    const n = (this.inFlight.get(id) ?? 0) + delta;
    clearTimeout(this.idle.get(id));
    this.idle.delete(id);
    if (n > 0) {
      this.inFlight.set(id, n);
      return;
    }
    this.inFlight.delete(id);
    const timer = setTimeout(() => {
      this.idle.delete(id);
      this.registry.drop('mcp', id);
    }, this.o.idleTimeoutMs);
    timer.unref();
    this.idle.set(id, timer);
  }

  forget(id: string): void {
    clearTimeout(this.idle.get(id));
    this.idle.delete(id);
  }

  clear(): void {
    for (const t of this.idle.values()) clearTimeout(t);
    this.idle.clear();
  }
}
