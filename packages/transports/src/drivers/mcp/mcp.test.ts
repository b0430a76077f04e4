import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransports } from '../../index.js';
import { EVERYTHING_SERVER, FILESYSTEM_SERVER, startEverythingHttp, startTokenMcpServer } from '../../testing/mcp-peers.js';
import { resolvedConnection } from '../../testing/packs.js';
import { freePort } from '../../testing/ports.js';

// These tests are about the protocol: every command line is approved. The gate itself is tested
// in commands.exploit.test.ts.
const approveAll = async () => undefined;
const transports = createTransports({ idleTimeoutMs: 5000, commandGate: approveAll });
let folder: string;

const stdio = (args: string[], env?: Record<string, string>) =>
  resolvedConnection('mcp', 'mcp', { transport: 'stdio', command: process.execPath, args: JSON.stringify(args) }, env ? { env: JSON.stringify(env) } : {});
const http = (url: string, token?: string) => resolvedConnection('mcp', 'mcp', { transport: 'http', url }, token ? { token } : {});

beforeAll(() => {
  folder = realpathSync(mkdtempSync(join(tmpdir(), 'latchkey-mcp-')));
  writeFileSync(join(folder, 'hello.txt'), 'Hello from a real MCP server');
});
afterAll(async () => {
  await transports.close();
  rmSync(folder, { recursive: true, force: true });
});

async function expectProcessGone(pid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(alive(), `process ${pid} still running`).toBe(false);
}

describe('mcp transport over stdio (server-filesystem, server-everything)', () => {
  it('connects and lists the tools', async () => {
    const outcome = await transports.test('mcp', stdio([FILESYSTEM_SERVER, folder]), 15_000);
    expect(outcome).toMatchObject({ ok: true, code: 'ok' });
    const tools = outcome.details?.tools as string[];
    expect(tools).toContain('read_text_file');
    expect(tools).toContain('list_directory');
    expect(outcome.message).toBe(`Connected; ${tools.length} tools`);
  });

  it('calls a tool and reuses the session for the next call', async () => {
    const c = stdio([FILESYSTEM_SERVER, folder]);
    let start = performance.now();
    const first = await transports.mcpCallTool(c, { name: 'read_text_file', args: { path: join(folder, 'hello.txt') } });
    const withSpawn = performance.now() - start;
    expect(first).toEqual({ content: [{ type: 'text', text: 'Hello from a real MCP server' }], isError: false });
    start = performance.now();
    const second = await transports.mcpCallTool(c, { name: 'list_directory', args: { path: folder } });
    // No second process start: a reused session answers in a fraction of the first call's time.
    expect(performance.now() - start).toBeLessThan(withSpawn / 3);
    expect(JSON.stringify(second.content)).toContain('hello.txt');
  });

  it('passes a tool error back as isError, and an unknown tool as an error, keeping the session', async () => {
    const c = stdio([FILESYSTEM_SERVER, folder]);
    const outside = await transports.mcpCallTool(c, { name: 'read_text_file', args: { path: '/etc/hostname' } });
    expect(outside.isError).toBe(true);
    const unknown = await transports.mcpCallTool(c, { name: 'no_such_tool', args: {} });
    expect(unknown).toEqual({ content: [{ type: 'text', text: 'MCP error -32602: Tool no_such_tool not found' }], isError: true });
    expect((await transports.mcpCallTool(c, { name: 'list_allowed_directories', args: {} })).isError).toBe(false);
  });

  it('gives the secret environment variables to the server process', async () => {
    const c = stdio([EVERYTHING_SERVER, 'stdio'], { LATCHKEY_TEST_KEY: 'env-Canary-2f81' });
    const result = await transports.mcpCallTool(c, { name: 'get-env', args: {} });
    expect(JSON.stringify(result.content)).toContain('env-Canary-2f81');
    await transports.release(c.id);
  });

  it('reports a missing command as not found', async () => {
    const c = resolvedConnection('mcp', 'mcp', { transport: 'stdio', command: '/nonexistent/mcp-server', args: '[]' });
    expect(await transports.test('mcp', c, 10_000)).toMatchObject({ ok: false, code: 'not_found', message: 'Command not found: /nonexistent/mcp-server' });
  });

  // Changed on purpose: what a server prints never comes back (it used to, scrubbed), only how it ended.
  it('reports a server that exits by its exit code, never with what it printed', async () => {
    const canary = 'exit-Canary-77d0';
    const c = stdio(['-e', 'console.error("bad key " + process.env.API_KEY + " " + process.env.PATH); console.log("stdout " + process.env.API_KEY); process.exit(3)'], { API_KEY: canary });
    const outcome = await transports.test('mcp', c, 10_000);
    expect(outcome).toMatchObject({ ok: false, code: 'other', message: 'The server exited with code 3 before it answered' });
    expect(JSON.stringify(outcome)).not.toContain('bad key');
    expect(JSON.stringify(outcome)).not.toContain(canary);
  });

  it('reports a server that never answers as a timeout, and ends its process', async () => {
    const pidFile = join(folder, 'silent.pid');
    const script = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`;
    const outcome = await transports.test('mcp', stdio(['-e', script]), 500);
    expect(outcome).toMatchObject({ ok: false, code: 'timeout', message: 'Timed out after 0.5 s' });
    await expectProcessGone(Number(readFileSync(pidFile, 'utf8')));

    const callFile = join(folder, 'silent-call.pid');
    const quick = createTransports({ connectTimeoutMs: 500, commandGate: approveAll });
    try {
      const err = await quick.mcpCallTool(stdio(['-e', script.replace(JSON.stringify(pidFile), JSON.stringify(callFile))]), { name: 'x', args: {} }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'timeout' });
      await expectProcessGone(Number(readFileSync(callFile, 'utf8')));
    } finally {
      await quick.close();
    }
  });
});

describe('mcp transport over Streamable HTTP', () => {
  let everything: { url: string; stop(): Promise<void> };
  let guarded: { url: string; stop(): Promise<void> };
  beforeAll(async () => {
    [everything, guarded] = await Promise.all([startEverythingHttp(), startTokenMcpServer('mcp-Token-Canary-5a')]);
  });
  afterAll(async () => {
    await Promise.all([everything?.stop(), guarded?.stop()]);
  });

  it('connects to server-everything, lists tools and calls one', async () => {
    const c = http(everything.url);
    const outcome = await transports.test('mcp', c, 10_000);
    expect(outcome).toMatchObject({ ok: true, code: 'ok' });
    expect(outcome.details?.tools).toContain('echo');
    const result = await transports.mcpCallTool(c, { name: 'echo', args: { message: 'hi there' } });
    expect(result).toEqual({ content: [{ type: 'text', text: 'Echo: hi there' }], isError: false });
  });

  it('sends the bearer token, and a wrong one is an authentication failure', async () => {
    const good = http(guarded.url, 'mcp-Token-Canary-5a');
    expect(await transports.test('mcp', good, 10_000)).toMatchObject({ ok: true, details: { tools: ['whoami'] } });
    expect(await transports.mcpCallTool(good, { name: 'whoami', args: {} })).toEqual({ content: [{ type: 'text', text: 'pong' }], isError: false });
    const bad = await transports.test('mcp', http(guarded.url, 'wrong'), 10_000);
    expect(bad).toMatchObject({ ok: false, code: 'auth', message: 'Authentication failed: the server answered HTTP 401' });
    const err = await transports.mcpCallTool(http(guarded.url, 'wrong'), { name: 'whoami', args: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'auth' });
  });

  it('reports a refused port and a wrong path', async () => {
    const port = await freePort();
    expect(await transports.test('mcp', http(`http://127.0.0.1:${port}/mcp`), 10_000)).toMatchObject({ ok: false, code: 'refused', message: `Connection refused (127.0.0.1:${port})` });
    const wrongPath = guarded.url.replace('/mcp', '/nope');
    expect(await transports.test('mcp', http(wrongPath, 'x'), 10_000)).toMatchObject({ ok: false, code: 'not_found', message: `No MCP endpoint at ${wrongPath} (HTTP 404)` });
  });
});
