import { copyFileSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LatchkeyError, parseBoundedJson } from '@latchkey/contracts';
import { writePrivateFile } from '../inject.js';
import type { Session } from '../session.js';
import { findSecrets, serversKey, type ServerEntry } from './agent-config.js';

const BIN = fileURLToPath(new URL('../../bin/latchkey.mjs', import.meta.url));
const MASK = '••••';

export interface ImportPlan {
  file: string;
  servers: { name: string; moves: string[]; left: string[]; before: ServerEntry; after: ServerEntry | null }[];
}

/** The entry as it will read: started through `latchkey mcp-proxy <connection>`; secrets gone. */
function rewritten(entry: ServerEntry, connectionId: string, moved: Set<string>, dataDir: string): ServerEntry {
  const keep: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry.env ?? {})) if (!moved.has(k)) keep[k] = v;
  const out: ServerEntry = { command: process.execPath, args: [BIN, '--data-dir', dataDir, 'mcp-proxy', connectionId] };
  if (entry.type) out.type = 'stdio';
  if (Object.keys(keep).length) out.env = keep;
  return out;
}

/** A copy for showing: every moved value, and every value that looks secret, as ••••. */
function masked(entry: ServerEntry, secrets: string[]): ServerEntry {
  let text = JSON.stringify(entry);
  for (const s of secrets) text = text.split(s).join(MASK);
  return JSON.parse(text) as ServerEntry;
}

export function planImport(file: string): { doc: Record<string, unknown>; key: 'mcpServers' | 'servers'; found: ReturnType<typeof findSecrets>[] } {
  const doc = parseBoundedJson(readFileSync(file, 'utf8'), { maxLength: 4 * 1024 * 1024 }) as Record<string, unknown>;
  const key = doc && typeof doc === 'object' ? serversKey(doc) : null;
  if (!key) throw new LatchkeyError('VALIDATION', `${file} holds no "mcpServers" or "servers"`);
  const servers = doc[key] as Record<string, ServerEntry>;
  return { doc, key, found: Object.entries(servers).map(([name, entry]) => findSecrets(name, entry)) };
}

/**
 * `latchkey import-mcp`: each server entry with a secret in its `env` (stdio) or a bearer
 * Authorization header (remote) becomes a Latchkey MCP connection holding that secret, and the
 * entry starts through `latchkey mcp-proxy <connection>` instead. The original file is copied
 * first (owner-only: it still holds the secrets — delete it once the agent works). `dryRun`
 * changes nothing and shows the change with every secret as ••••.
 */
export async function importMcp(session: Session | null, file: string, options: { dryRun: boolean; dataDir: string; out: (line: string) => void }): Promise<ImportPlan> {
  const { doc, key, found } = planImport(file);
  const servers = doc[key] as Record<string, ServerEntry>;
  const plan: ImportPlan = { file, servers: [] };
  const allSecrets = found.flatMap((f) => [...Object.values(f.env), ...(f.bearer ? [f.bearer] : [])]);
  const next: Record<string, ServerEntry> = { ...servers };

  for (const f of found) {
    const entry = servers[f.server]!;
    const moves = [...Object.keys(f.env).map((k) => `env ${k}`), ...(f.bearer ? ['header Authorization'] : [])];
    if (!moves.length) {
      if (f.left.length) plan.servers.push({ name: f.server, moves, left: f.left, before: entry, after: null });
      continue;
    }
    let connectionId = `(new connection for ${f.server})`;
    if (!options.dryRun) {
      if (!session) throw new LatchkeyError('UNAVAILABLE', 'Importing needs the running app');
      const stdio = typeof entry.command === 'string';
      const created = await session.api.connections.import({
        providerId: 'mcp',
        name: `${f.server} (imported from ${basename(file)})`.slice(0, 100),
        config: stdio
          ? { transport: 'stdio', command: entry.command!, args: (entry.args ?? []).map(String) }
          : { transport: 'http', url: String(entry.url ?? '') },
        secrets: stdio ? { env: JSON.stringify(f.env) } : { token: f.bearer! },
      });
      connectionId = created.id;
    }
    const after = rewritten(entry, connectionId, new Set(Object.keys(f.env)), options.dataDir);
    next[f.server] = after;
    plan.servers.push({ name: f.server, moves, left: f.left, before: entry, after });
  }

  for (const s of plan.servers) {
    options.out(`${s.name}: ${s.moves.length ? `moves ${s.moves.join(', ')} into Latchkey` : 'nothing to move'}${s.left.length ? `; left in place (not supported): ${s.left.join(', ')}` : ''}`);
    if (!s.after) continue;
    for (const line of JSON.stringify(masked(s.before, allSecrets), null, 2).split('\n')) options.out(`- ${line}`);
    for (const line of JSON.stringify(s.after, null, 2).split('\n')) options.out(`+ ${line}`);
  }
  if (!plan.servers.some((s) => s.after)) options.out(`${file}: no secrets to move`);
  if (options.dryRun || !plan.servers.some((s) => s.after)) return plan;

  // The backup first, owner-only; then the rewrite, atomically.
  const backup = `${file}.latchkey-backup-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  copyFileSync(file, backup);
  const { chmodSync } = await import('node:fs');
  chmodSync(backup, 0o600);
  writePrivateFile(file, `${JSON.stringify({ ...doc, [key]: next }, null, 2)}\n`);
  options.out(`${file} rewritten; the original is in ${backup} (it still holds the secrets: delete it once the agent works).`);
  return plan;
}
