/**
 * `latchkey mcp` driven by the MCP SDK's own Client (code nobody here wrote), over stdio and over
 * Streamable HTTP, against a broker serving the real requester socket.
 */
import { readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, CANARY, canaryForms, startTestApp } from '../test-support.js';
import { MAX_RESULT_CHARS } from './tools.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const TOOLS = ['call_mcp_tool', 'http_request', 'list_connections', 'redis_command', 'request_access', 'send_email', 'send_webhook', 'sql_query'];
const text = (r: unknown) => ((r as { content: { text: string }[] }).content[0]?.text ?? '');

async function stdioClient(dir: string, name = 'test-agent') {
  const client = new Client({ name, version: '9.9' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, '--data-dir', dir, 'mcp'], env: { ...process.env, LATCHKEY_MASTER_KEY: '' } as Record<string, string>, stderr: 'pipe' }));
  cleanups.push(() => client.close());
  return client;
}

describe('latchkey mcp over stdio (MCP SDK Client)', () => {
  it('lists its tools with descriptions, and list_connections shows no secret', async () => {
    const a = await startTestApp();
    cleanups.push(() => a.close());
    const client = await stdioClient(a.dir);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    for (const t of tools) expect(t.description!.length).toBeGreaterThan(60);
    const listed = await client.callTool({ name: 'list_connections', arguments: {} });
    expect(JSON.parse(text(listed))).toEqual([expect.objectContaining({ id: a.connectionId, name: 'Acme API', target: a.baseUrl, operations: ['http.fetch'] })]);
    for (const f of canaryForms(CANARY)) expect(JSON.stringify(listed)).not.toContain(f);
  });

  it('http_request asks the person (naming the client and the call), injects the credential and masks it from the result', async () => {
    const a = await startTestApp();
    cleanups.push(() => a.close());
    const client = await stdioClient(a.dir, 'Claude Desktop');
    const r = await client.callTool({ name: 'http_request', arguments: { connection_id: a.connectionId, method: 'GET', path: '/v1/users', reason: 'List the users for the report' } });
    expect(r.isError).toBeFalsy();
    const body = JSON.parse(text(r)) as { status: number; body: string };
    expect(body.status).toBe(200);
    // The upstream echoed "Bearer <token>": the credential was injected, and masked on the way back.
    expect(JSON.parse(body.body)).toMatchObject({ path: '/v1/users', auth: expect.stringContaining('Bearer ') });
    for (const f of canaryForms(CANARY)) expect(JSON.stringify(r)).not.toContain(f);
    const prompt = a.prompter.seen[0]!;
    expect(prompt.requester).toMatchObject({ kind: 'agent', displayName: expect.stringContaining('Claude Desktop 9.9') });
    expect(prompt.requester.id).toMatch(/^socket-/);
    expect(prompt.reason).toBe('List the users for the report');
    expect(prompt.intent).toEqual({ kind: 'http', method: 'GET', path: '/v1/users' });
    // "Allow once": the next call asks again.
    await client.callTool({ name: 'http_request', arguments: { connection_id: a.connectionId, path: '/again' } });
    expect(a.prompter.seen).toHaveLength(2);
    // Audit names the client (its issued identity) and the operation.
    const events = a.mem.audit.lines_.map((l) => JSON.parse(l.text) as { type: string; requester?: { displayName: string }; detail?: string });
    const uses = events.filter((e) => e.requester?.displayName.includes('Claude Desktop') && e.type.includes('use'));
    expect(uses.length).toBeGreaterThan(0);
    expect(JSON.stringify(uses)).toMatch(/http/);
  });

  it('a denied request is an error result, not a crash; results are size-capped with truncated', async () => {
    const a = await startTestApp((p) => (p.intent?.kind === 'http' && p.intent.path === '/big' ? { decision: 'always', duration: '1h' } : { decision: 'deny' }));
    cleanups.push(() => a.close());
    const client = await stdioClient(a.dir);
    const denied = await client.callTool({ name: 'http_request', arguments: { connection_id: a.connectionId, path: '/x' } });
    expect(denied.isError).toBe(true);
    expect(text(denied)).toContain('DENIED');
    const big = await client.callTool({ name: 'http_request', arguments: { connection_id: a.connectionId, path: '/big' } });
    expect(big.isError).toBeFalsy();
    expect(text(big).length).toBeLessThanOrEqual(MAX_RESULT_CHARS + 2);
    expect(big.structuredContent).toEqual({ truncated: true });
  });
});

describe('latchkey mcp over Streamable HTTP (MCP SDK Client)', () => {
  async function startHttp(dir: string): Promise<{ url: string; child: ChildProcess }> {
    const child = spawn(process.execPath, [BIN, '--data-dir', dir, 'mcp', '--http'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LATCHKEY_MASTER_KEY: '' } });
    cleanups.push(() => new Promise<void>((r) => (child.once('close', () => r()), child.kill('SIGTERM'))));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const nl = out.indexOf('\n');
        if (nl !== -1) resolve((JSON.parse(out.slice(0, nl)) as { url: string }).url);
      });
      child.once('close', () => reject(new Error('mcp --http ended')));
    });
    return { url, child };
  }

  it('refuses a request without the bearer token, serves one with it', async () => {
    const a = await startTestApp();
    cleanups.push(() => a.close());
    const { url } = await startHttp(a.dir);
    const anonymous = new Client({ name: 'anon', version: '1' });
    await expect(anonymous.connect(new StreamableHTTPClientTransport(new URL(url)))).rejects.toThrow();
    const wrong = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, body: '{}' });
    expect(wrong.status).toBe(401);

    const token = readFileSync(join(a.dir, 'mcp-http.token'), 'utf8').trim();
    const client = new Client({ name: 'http-agent', version: '1.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    cleanups.push(() => client.close());
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(TOOLS);
    const r = await client.callTool({ name: 'http_request', arguments: { connection_id: a.connectionId, path: '/h' } });
    expect(JSON.parse(text(r))).toMatchObject({ status: 200 });
    for (const f of canaryForms(CANARY)) expect(JSON.stringify(r)).not.toContain(f);
    expect(a.prompter.seen[0]!.requester.displayName).toContain('http-agent');
  });
});

describe('latchkey mcp with no app running', () => {
  it('never opens the store itself for an agent, even with LATCHKEY_MASTER_KEY in its environment', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'lknoapp-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const client = new Client({ name: 'agent', version: '1' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, '--data-dir', dir, 'mcp'], env: { ...process.env, LATCHKEY_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') } as Record<string, string>, stderr: 'pipe' }));
    cleanups.push(() => client.close());
    const r = await client.callTool({ name: 'list_connections', arguments: {} });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain('agents always ask the person in the app');
  });
});
