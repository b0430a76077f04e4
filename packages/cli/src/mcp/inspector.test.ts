/**
 * The MCP Inspector's CLI mode (npm @modelcontextprotocol/inspector, an MCP client nobody here
 * wrote) starts `latchkey mcp` over stdio, lists its tools and calls one.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, CANARY, canaryForms, startTestApp } from '../test-support.js';

const INSPECTOR = fileURLToPath(new URL('../../node_modules/.bin/mcp-inspector', import.meta.url));

function inspector(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(INSPECTOR, ['--cli', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LATCHKEY_MASTER_KEY: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const apps: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

describe('latchkey mcp under the MCP Inspector CLI', () => {
  it('tools/list shows the Latchkey tools', async () => {
    const a = await startTestApp();
    apps.push(a);
    const r = await inspector([BIN, '--data-dir', a.dir, 'mcp', '--method', 'tools/list']);
    expect(r.code).toBe(0);
    const names = (JSON.parse(r.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['list_connections', 'request_access', 'http_request', 'sql_query', 'send_email', 'send_webhook', 'call_mcp_tool', 'redis_command']));
  });

  it('tools/call list_connections and http_request: the credential is used, never shown', async () => {
    const a = await startTestApp();
    apps.push(a);
    const listed = await inspector([BIN, '--data-dir', a.dir, 'mcp', '--method', 'tools/call', '--tool-name', 'list_connections']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(a.connectionId);
    const called = await inspector([BIN, '--data-dir', a.dir, 'mcp', '--method', 'tools/call', '--tool-name', 'http_request', '--tool-arg', `connection_id=${a.connectionId}`, '--tool-arg', 'path=/inspected']);
    expect(called.code).toBe(0);
    expect(called.stdout).toContain('/inspected');
    expect(called.stdout).toContain('Bearer');
    for (const f of canaryForms(CANARY)) expect(called.stdout + called.stderr).not.toContain(f);
    expect(a.prompter.seen[0]!.requester.displayName).toMatch(/inspector/i);
  });
});
