import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createAgentConfigFiles } from '@latchkey/agent-config/node';

/** The checkout's `latchkey` command (src/ and dist/ both sit one level under apps/headless). */
const CLI_BIN = fileURLToPath(new URL('../../../packages/cli/bin/latchkey.mjs', import.meta.url));

/**
 * Import from agent configs, headless: the agents' files under this user's home, and a rewritten
 * entry that starts this checkout's `latchkey mcp-proxy` against this host's data folder — with
 * the same Node that runs the host, as `latchkey import-mcp` writes it.
 */
export function headlessAgentConfigFiles(dataDir: string, env: Record<string, string | undefined>) {
  const launcher = existsSync(CLI_BIN) ? { command: process.execPath, args: [CLI_BIN, '--data-dir', dataDir] } : null;
  return createAgentConfigFiles({ machine: { home: homedir(), platform: process.platform, env }, launcher });
}
