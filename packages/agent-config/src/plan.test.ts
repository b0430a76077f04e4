import { describe, expect, it } from 'vitest';
import { MASK, connectionDraft, planAgentConfig, rewrittenText, shownEntry } from './index.js';

const secret = 'sk-live-"quoted\\and-long';
const text = JSON.stringify({
  other: { keep: true },
  mcpServers: {
    stdio: { command: 'npx', args: ['server', `--echo=${secret}`], env: { API_KEY: secret, DEBUG: '1', REF: '${env:X}' } },
    remote: { type: 'http', url: 'https://mcp.example/mcp', headers: { Authorization: 'Bearer tok-1234567890', 'X-Api-Key': 'another-secret-1' } },
    plain: { command: 'echo' },
    broken: null,
  },
});

describe('planAgentConfig', () => {
  it('finds env secrets and bearer headers; references and plain values stay', () => {
    const plan = planAgentConfig(text, '/x/.mcp.json');
    expect(plan.key).toBe('mcpServers');
    expect(plan.servers.map((s) => [s.name, s.moves])).toEqual([
      ['stdio', [{ kind: 'env', name: 'API_KEY' }]],
      ['remote', [{ kind: 'header', name: 'Authorization' }]],
      ['plain', []],
    ]);
    expect(plan.servers[1]!.found.left).toEqual(['header X-Api-Key']);
    expect(connectionDraft(plan.servers[0]!, '/x/.mcp.json')).toMatchObject({ providerId: 'mcp', name: 'stdio (imported from .mcp.json)', secrets: { env: JSON.stringify({ API_KEY: secret }) } });
    expect(connectionDraft(plan.servers[1]!, '/x/.mcp.json')).toMatchObject({ config: { transport: 'http', url: 'https://mcp.example/mcp' }, secrets: { token: 'tok-1234567890' } });
  });

  it('shows every moved value, and headers that look secret, as •••• (also where JSON would escape them)', () => {
    const plan = planAgentConfig(text, '/x/.mcp.json');
    const shown = JSON.stringify(plan.servers.map((s) => shownEntry(s, plan.secrets)));
    expect(shown).not.toContain('quoted');
    expect(shown).not.toContain('tok-1234567890');
    expect(shown).not.toContain('another-secret-1');
    expect(shown).toContain(`--echo=${MASK}`);
  });

  it('rewrites only the servers that moved, keeping everything else in the file', () => {
    const plan = planAgentConfig(text, '/x/.mcp.json');
    const out = JSON.parse(rewrittenText(plan, new Map([['stdio', 'c1']]), { command: '/bin/latchkey', args: ['--data-dir', '/d'] }));
    expect(out.other).toEqual({ keep: true });
    expect(out.mcpServers.stdio).toEqual({ command: '/bin/latchkey', args: ['--data-dir', '/d', 'mcp-proxy', 'c1'], env: { DEBUG: '1', REF: '${env:X}' } });
    expect(out.mcpServers.remote.headers.Authorization).toBe('Bearer tok-1234567890');
  });

  it('refuses text that is not JSON or holds no servers, with a typed error', () => {
    expect(() => planAgentConfig('{nope', '/x.json')).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(() => planAgentConfig('{"a":1}', '/x.json')).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(() => planAgentConfig('[1]', '/x.json')).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
  });
});
