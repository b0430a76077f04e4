/**
 * Files for the Import from agent configs tests: a home folder holding Claude Desktop's config,
 * the real file adapter the hosts use, and the MCP pack's providers. Test-only, never bundled.
 */
// eslint-disable-next-line no-restricted-imports -- the test writes a real agent config file
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports -- as above
import { tmpdir } from 'node:os';
// eslint-disable-next-line no-restricted-imports -- as above
import { join } from 'node:path';
import { createAgentConfigFiles } from '@latchkey/agent-config/node';
import type { ProviderManifestInput } from '@latchkey/contracts';

export const readText = (path: string) => readFileSync(path, 'utf8');
export const filesIn = (dir: string) => readdirSync(dir);

export function mcpProviders(): ProviderManifestInput[] {
  const pack = JSON.parse(readFileSync(join(process.cwd(), '../../extensions/mcp/package.json'), 'utf8')) as { latchkey: { contributes: { providers: ProviderManifestInput[] } } };
  return pack.latchkey.contributes.providers;
}

/** A home folder with `.config/Claude/claude_desktop_config.json` holding `doc`, and the hosts' adapter over it. */
export function claudeDesktopHome(doc: unknown) {
  const home = mkdtempSync(join(tmpdir(), 'lk-home-'));
  const dir = join(home, '.config', 'Claude');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'claude_desktop_config.json');
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  writeFileSync(file, text);
  const files = createAgentConfigFiles({ machine: { home, platform: 'linux', env: {} }, launcher: { command: '/usr/bin/latchkey', args: [] } });
  return { dir, file, text, files };
}
