import { fileURLToPath } from 'node:url';
import { LatchkeyError } from '@latchkey/contracts';
import { connectionDraft, planAgentConfig, rewriteEntry, rewrittenText, shownEntry, type Launcher, type ServerEntry } from '@latchkey/agent-config';
import { readAgentConfigFile, replaceAgentConfigFile } from '@latchkey/agent-config/node';
import type { Session } from '../session.js';

const BIN = fileURLToPath(new URL('../../bin/latchkey.mjs', import.meta.url));
/** The person at their terminal names the file: read as given (relative, through links), up to the parser's cap. */
const CLI_READ = { strict: false, maxBytes: 16 * 1024 * 1024 };

export interface ImportPlan {
  file: string;
  servers: { name: string; moves: string[]; left: string[]; before: ServerEntry; after: ServerEntry | null }[];
}

/**
 * `latchkey import-mcp`: each server entry with a secret in its `env` (stdio) or a bearer
 * Authorization header (remote) becomes a Latchkey MCP connection holding that secret, and the
 * entry starts through `latchkey mcp-proxy <connection>` instead. The original file is copied
 * first (owner-only: it still holds the secrets — delete it once the agent works). `dryRun`
 * changes nothing and shows the change with every secret as ••••. The reading, planning and
 * writing are @latchkey/agent-config's, shared with the app's Import from agent configs.
 */
export async function importMcp(session: Session | null, file: string, options: { dryRun: boolean; dataDir: string; out: (line: string) => void }): Promise<ImportPlan> {
  const original = await readAgentConfigFile(file, CLI_READ);
  const planned = planAgentConfig(original, file);
  const launcher: Launcher = { command: process.execPath, args: [BIN, '--data-dir', options.dataDir] };
  const plan: ImportPlan = { file, servers: [] };
  const ids = new Map<string, string>();

  for (const s of planned.servers) {
    const moves = s.moves.map((m) => `${m.kind} ${m.name}`);
    if (!moves.length) {
      if (s.found.left.length) plan.servers.push({ name: s.name, moves, left: s.found.left, before: s.entry, after: null });
      continue;
    }
    let connectionId = `(new connection for ${s.name})`;
    if (!options.dryRun) {
      if (!session) throw new LatchkeyError('UNAVAILABLE', 'Importing needs the running app');
      connectionId = (await session.api.connections.import(connectionDraft(s, file))).id;
      ids.set(s.name, connectionId);
    }
    plan.servers.push({ name: s.name, moves, left: s.found.left, before: shownEntry(s, planned.secrets), after: rewriteEntry(s, connectionId, launcher) });
  }

  for (const s of plan.servers) {
    options.out(`${s.name}: ${s.moves.length ? `moves ${s.moves.join(', ')} into Latchkey` : 'nothing to move'}${s.left.length ? `; left in place (not supported): ${s.left.join(', ')}` : ''}`);
    if (!s.after) continue;
    for (const line of JSON.stringify(s.before, null, 2).split('\n')) options.out(`- ${line}`);
    for (const line of JSON.stringify(s.after, null, 2).split('\n')) options.out(`+ ${line}`);
  }
  if (!plan.servers.some((s) => s.after)) options.out(`${file}: no secrets to move`);
  if (options.dryRun || !ids.size) return plan;

  // The backup first, owner-only; then the rewrite, atomically.
  const { backup } = await replaceAgentConfigFile(file, original, rewrittenText(planned, ids, launcher), { ...CLI_READ, now: new Date() });
  options.out(`${file} rewritten; the original is in ${backup} (it still holds the secrets: delete it once the agent works).`);
  return plan;
}
