/**
 * `latchkey import-mcp` on a real `.mcp.json`, then the rewritten entry started by the MCP SDK's
 * Client exactly as an agent would: `latchkey mcp-proxy` launches server-everything with the
 * environment Latchkey filled; its `get-env` tool shows the variable reached the server, masked.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { ProviderManifestInput } from '@latchkey/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { canaryForms, runCli, startTestApp } from '../test-support.js';

const require = createRequire(import.meta.url);
const MCP_PACK = require('../../../../extensions/mcp/package.json') as { latchkey: { contributes: { providers: ProviderManifestInput[] } } };
const EVERYTHING = (() => {
  const root = fileURLToPath(new URL('../../../../node_modules/.pnpm', import.meta.url));
  const dir = readdirSync(root).find((d) => d.startsWith('@modelcontextprotocol+server-everything@'));
  return dir ? join(root, dir, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js') : '';
})();

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function appWithMcpProvider() {
  // The person approves the imported server's command line when the agent first starts it.
  const a = await startTestApp(undefined, { commandApprover: { approve: async () => true } });
  cleanups.push(() => a.close());
  for (const m of MCP_PACK.latchkey.contributes.providers) a.broker.providers.register(m, '@latchkey/ext-mcp');
  return a;
}

function agentConfig(secret: string, bearer: string): { dir: string; file: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lkimp-'));
  const file = join(dir, '.mcp.json');
  const text = `${JSON.stringify(
    {
      mcpServers: {
        everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], env: { API_TOKEN: secret, DEBUG: '1' } },
        remote: { type: 'http', url: 'http://127.0.0.1:9/mcp', headers: { Authorization: `Bearer ${bearer}` } },
        plain: { command: 'echo', args: ['hi'] },
      },
    },
    null,
    2,
  )}\n`;
  writeFileSync(file, text);
  return { dir, file, text };
}

describe('latchkey import-mcp', () => {
  it('--dry-run shows the change with secrets as ••••, and changes nothing', async () => {
    const a = await appWithMcpProvider();
    const secret = `imp-canary-${randomBytes(8).toString('hex')}`;
    const bearer = `bear-canary-${randomBytes(8).toString('hex')}`;
    const { file, text } = agentConfig(secret, bearer);
    const r = await runCli(['--data-dir', a.dir, 'import-mcp', file, '--dry-run']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('everything: moves env API_TOKEN into Latchkey');
    expect(r.stdout).toContain('remote: moves header Authorization into Latchkey');
    expect(r.stdout).toContain('+     "mcp-proxy",');
    for (const f of [...canaryForms(secret), ...canaryForms(bearer)]) expect(r.stdout).not.toContain(f);
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(a.mem.connections.all()).toHaveLength(1); // only the app's own test connection
  });

  it('moves the secrets into connections, backs up the original, and the agent still reaches the server through mcp-proxy', async () => {
    const a = await appWithMcpProvider();
    const secret = `imp-canary-${randomBytes(8).toString('hex')}`;
    const bearer = `bear-canary-${randomBytes(8).toString('hex')}`;
    const { dir, file, text } = agentConfig(secret, bearer);
    const r = await runCli(['--data-dir', a.dir, 'import-mcp', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);

    const backups = readdirSync(dir).filter((f) => f.startsWith('.mcp.json.latchkey-backup-'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(dir, backups[0]!), 'utf8')).toBe(text);
    expect(statSync(join(dir, backups[0]!)).mode & 0o777).toBe(0o600);
    const after = readFileSync(file, 'utf8');
    for (const f of [...canaryForms(secret), ...canaryForms(bearer)]) expect(after).not.toContain(f);
    const servers = (JSON.parse(after) as { mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }> }).mcpServers;
    expect(servers.plain).toEqual({ command: 'echo', args: ['hi'] });
    expect(servers.everything!.args).toContain('mcp-proxy');
    expect(servers.everything!.env).toEqual({ DEBUG: '1' });
    expect(a.mem.connections.all().filter((c) => c.providerId === 'mcp')).toHaveLength(2);

    // The agent starts the rewritten entry; the person allows the reveal once (the test prompter).
    const entry = servers.everything!;
    const client = new Client({ name: 'agent', version: '1' });
    await client.connect(new StdioClientTransport({ command: entry.command, args: entry.args, env: { ...(process.env as Record<string, string>), ...entry.env, LATCHKEY_MASTER_KEY: '' }, stderr: 'pipe' }));
    cleanups.push(() => client.close());
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain('get-env');
    const env = await client.callTool({ name: 'get-env', arguments: {} });
    const shown = JSON.stringify(env);
    expect(shown).toContain('API_TOKEN');
    expect(shown).toContain('DEBUG');
    for (const f of canaryForms(secret)) expect(shown).not.toContain(f);
    expect(a.prompter.seen.at(-1)!.scopes.map((s) => s.scope)).toEqual(['reveal']);
  });

  it('a server-everything build is present for the proxy test', () => {
    expect(existsSync(EVERYTHING)).toBe(true);
  });
});
