import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { ChildProcess } from 'node:child_process';
import { TOKEN_FIELD, TransportError } from '@latchkey/broker';
import type { CommandGate, CommandLine, ResolvedConnection, TestOutcome } from '@latchkey/broker';
import type { Json, McpCallRequest, McpCallResult } from '@latchkey/contracts';
import type { ClientRegistry } from '../../clients.js';
import { json, str, stringMap } from '../../config.js';
import { withDeadline } from '../../deadline.js';
import type { Classified, Target } from '../../errors.js';
import { failure, runTest } from '../../outcome.js';
import { toJson } from '../../sql/values.js';

const CLIENT_INFO = { name: 'latchkey', version: '0.1.0' };
const MAX_TOOL_NAMES = 200;

interface Session {
  client: Client;
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
 * close it and end a stdio server that never answers) and how a stdio server ended, the clue when
 * it exits before answering. What the server printed is never kept: a child's output does not
 * leave the broker raw (it could be anything the command chose to print, the master key included).
 */
interface Attempt {
  client?: Client;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

/** The local process a stdio connection starts, exactly as it starts it; null for HTTP. */
export function stdioCommandLine(c: ResolvedConnection): CommandLine | null {
  if (str(c.config, 'transport', 'stdio') === 'http') return null;
  const command = str(c.config, 'command');
  if (command === '') throw new TransportError('invalid_config', 'No command is set');
  return { command, args: argsOf(c), env: stringMap(c.secrets.env, 'Environment') };
}

/**
 * The SDK's stdio transport, also noting how the process ended (the SDK drops the exit code).
 * stderr is not read at all: 'ignore' also keeps a child from writing lines into the host's
 * terminal that look like Latchkey's own (a forged command-approval code).
 */
class StdioProcess extends StdioClientTransport {
  constructor(
    line: CommandLine,
    private readonly attempt: Attempt,
  ) {
    super({ command: line.command, args: line.args, env: line.env, stderr: 'ignore', ...(line.cwd ? { cwd: line.cwd } : {}) });
  }

  override start(): Promise<void> {
    const started = super.start();
    // Set synchronously by start(); private in the SDK, hence the cast.
    const child = (this as unknown as { _process?: ChildProcess })._process;
    child?.once('exit', (code, signal) => (this.attempt.exit = { code, signal }));
    return started;
  }
}

async function open(c: ResolvedConnection, sink: Attempt = {}): Promise<Session> {
  const client = new Client(CLIENT_INFO);
  sink.client = client;
  if (str(c.config, 'transport', 'stdio') === 'http') {
    const url = str(c.config, 'url');
    if (url === '') throw new TransportError('invalid_config', 'No server URL is set');
    // A pasted token, or the one the broker keeps for a server the person signed in to (OAuth2).
    const token = c.secrets.token ?? signedInToken(c.secrets[TOKEN_FIELD]);
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      requestInit: token ? { headers: { Authorization: `Bearer ${token}` } } : {},
    });
    await client.connect(transport);
    return { client };
  }
  const line = stdioCommandLine(c)!;
  // Secret environment variables go to the server process only, over the SDK's explicit minimal
  // base (HOME, LOGNAME, PATH, SHELL, TERM, USER): never the host's own environment.
  const transport = new StdioProcess(line, sink);
  try {
    await client.connect(transport);
  } catch (err) {
    // The exit code may arrive just after "Connection closed".
    if (!sink.exit) await new Promise((r) => setTimeout(r, 100));
    await client.close().catch(() => undefined);
    throw err;
  }
  return { client };
}

/** A stdio server that failed, in words that carry nothing it printed. */
function classifyStdio(c: ResolvedConnection, err: unknown, exit: Attempt['exit']): Classified | null {
  const e = err as { code?: unknown; syscall?: unknown };
  const command = str(c.config, 'command');
  if (typeof e.syscall === 'string' && e.syscall.startsWith('spawn')) {
    if (e.code === 'ENOENT') return { code: 'not_found', message: `Command not found: ${command}` };
    if (e.code === 'EACCES') return { code: 'other', message: `The command cannot be run (permission denied): ${command}` };
    return { code: 'other', message: `The command could not be started: ${command}` };
  }
  if (err instanceof TransportError) return null;
  if (exit?.signal) return { code: 'other', message: `The server was ended by ${exit.signal} before it answered` };
  if (exit && exit.code !== null) return { code: 'other', message: `The server exited with code ${exit.code} before it answered` };
  // A JSON-RPC error (McpError, or the SDK's protocol error classes): its number, never its words.
  // Nothing below passes on a message: each can carry the server's own words.
  const rpcCode = typeof e.code === 'number' ? e.code : null;
  if (rpcCode === ErrorCode.RequestTimeout) return { code: 'timeout', message: 'The server did not answer in time' };
  if (rpcCode === ErrorCode.ConnectionClosed) return { code: 'other', message: 'The server closed its connection before it answered' };
  if (rpcCode !== null) return { code: 'other', message: `The server refused: MCP error ${rpcCode}` };
  return { code: 'other', message: 'The server did not speak MCP' };
}

function classifier(c: ResolvedConnection, attempt: Attempt) {
  return (err: unknown): Classified | null => {
    if (str(c.config, 'transport', 'stdio') !== 'http') return classifyStdio(c, err, attempt.exit);
    if (err instanceof StreamableHTTPError && typeof err.code === 'number') {
      if (err.code === 401 || err.code === 403) return { code: 'auth', message: `Authentication failed: the server answered HTTP ${err.code}` };
      if (err.code === 404) return { code: 'not_found', message: `No MCP endpoint at ${str(c.config, 'url')} (HTTP 404)` };
      return { code: 'http_status', message: `The server answered HTTP ${err.code}` };
    }
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

/** Asks the broker's gate before a stdio server starts, outside any deadline (the person is reading). */
async function approveStart(c: ResolvedConnection, gate: CommandGate): Promise<void> {
  const line = stdioCommandLine(c);
  if (line) await gate(c, line);
}

export async function testMcp(c: ResolvedConnection, timeoutMs: number, gate: CommandGate): Promise<TestOutcome> {
  try {
    await approveStart(c, gate);
  } catch (err) {
    if (err instanceof TransportError) return { ok: false, code: err.code, message: err.message, latencyMs: 0 };
    throw err;
  }
  const sink: Attempt = {};
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
    classifier(c, sink),
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
    private readonly gate: () => CommandGate,
  ) {}

  async call(c: ResolvedConnection, call: Required<McpCallRequest>): Promise<McpCallResult> {
    const sink: Attempt = {};
    let session: Session | undefined;
    try {
      this.busy(c.id, +1);
      // Every call, not only when a process starts: cheap once approved, and a pooled session
      // never outlives a change of its command line (release() drops it) unapproved.
      await approveStart(c, this.gate());
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
      throw failure(err, c, target(c, this.o.callTimeoutMs), classifier(c, sink));
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

/** The access token of an OAuth2 token set (already refreshed ahead of expiry by the broker). */
function signedInToken(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const t = JSON.parse(raw) as { accessToken?: unknown };
    return typeof t.accessToken === 'string' ? t.accessToken : undefined;
  } catch {
    return undefined;
  }
}
