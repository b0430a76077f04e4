import { LatchkeyError, parseBoundedJson } from '@latchkey/contracts';
import { findSecrets, serversKey, type FoundSecrets, type ServerEntry, type ServersKey } from './formats.js';

/** What a moved secret reads as wherever the change is shown. */
export const MASK = '••••';

export interface SecretMove {
  kind: 'env' | 'header';
  name: string;
}

export interface ServerPlan {
  name: string;
  entry: ServerEntry;
  found: FoundSecrets;
  /** What moves into Latchkey: env names (stdio) or the Authorization header (remote). */
  moves: SecretMove[];
}

export interface AgentConfigPlan {
  file: string;
  doc: Record<string, unknown>;
  key: ServersKey;
  servers: ServerPlan[];
  /** Every value that moves, for masking whatever shows the change. */
  secrets: string[];
}

/** How an agent starts `latchkey`: the command and the words before `mcp-proxy <connection>`. */
export interface Launcher {
  command: string;
  args: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const baseName = (file: string) => file.split(/[\\/]/).pop() ?? file;

/** Reads the text of an agent config: which servers hold secrets, and which of those can move. */
export function planAgentConfig(text: string, file: string, maxLength = 4 * 1024 * 1024): AgentConfigPlan {
  let doc: unknown;
  try {
    doc = parseBoundedJson(text, { maxLength });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new LatchkeyError('VALIDATION', `${file} is not a JSON file Latchkey can read (${message.slice(0, 200)})`);
  }
  const key = isObject(doc) ? serversKey(doc) : null;
  if (!isObject(doc) || !key) throw new LatchkeyError('VALIDATION', `${file} holds no "mcpServers" or "servers"`);
  const servers: ServerPlan[] = [];
  for (const [name, entry] of Object.entries(doc[key] as Record<string, unknown>)) {
    if (!isObject(entry)) continue;
    const found = findSecrets(name, entry as ServerEntry);
    const moves: SecretMove[] = [...Object.keys(found.env).map((n) => ({ kind: 'env' as const, name: n })), ...(found.bearer ? [{ kind: 'header' as const, name: 'Authorization' }] : [])];
    servers.push({ name, entry: entry as ServerEntry, found, moves });
  }
  const secrets = servers.flatMap((s) => [...Object.values(s.found.env), ...(s.found.bearer ? [s.found.bearer] : [])]);
  return { file, doc, key, servers, secrets };
}

/** The MCP connection a server's secrets move into (the fields of extensions/mcp's manifest). */
export function connectionDraft(server: ServerPlan, file: string): { providerId: string; name: string; config: Record<string, string | string[]>; secrets: Record<string, string> } {
  const { entry, found } = server;
  const stdio = typeof entry.command === 'string';
  return {
    providerId: 'mcp',
    name: `${server.name} (imported from ${baseName(file)})`.slice(0, 100),
    config: stdio ? { transport: 'stdio', command: entry.command!, args: (entry.args ?? []).map(String) } : { transport: 'http', url: String(entry.url ?? '') },
    secrets: stdio ? { env: JSON.stringify(found.env) } : { token: found.bearer! },
  };
}

/** The entry as it will read: started through `latchkey mcp-proxy <connection>`; secrets gone. */
export function rewriteEntry(server: ServerPlan, connectionId: string, launcher: Launcher): ServerEntry {
  const moved = new Set(Object.keys(server.found.env));
  const keep: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(server.entry.env ?? {})) if (!moved.has(k)) keep[k] = v;
  const out: ServerEntry = { command: launcher.command, args: [...launcher.args, 'mcp-proxy', connectionId] };
  if (server.entry.type) out.type = 'stdio';
  if (Object.keys(keep).length) out.env = keep;
  return out;
}

/** The whole file as it will read, each server in `connectionIds` rewritten; the rest as it was. */
export function rewrittenText(plan: AgentConfigPlan, connectionIds: ReadonlyMap<string, string>, launcher: Launcher): string {
  const next: Record<string, unknown> = { ...(plan.doc[plan.key] as Record<string, unknown>) };
  for (const s of plan.servers) {
    const id = connectionIds.get(s.name);
    if (id) next[s.name] = rewriteEntry(s, id, launcher);
  }
  return `${JSON.stringify({ ...plan.doc, [plan.key]: next }, null, 2)}\n`;
}

/**
 * A copy for showing: the values that move, the headers that look secret, and every string
 * holding a moved value, as ••••. Masked on the parsed value, so a value with quotes or
 * backslashes cannot survive in its JSON-escaped form.
 */
export function shownEntry(server: ServerPlan, secrets: readonly string[]): ServerEntry {
  const moved = new Set(Object.keys(server.found.env));
  const hide = (v: unknown): unknown => {
    if (typeof v === 'string') return secrets.reduce((text, s) => (s ? text.split(s).join(MASK) : text), v);
    if (Array.isArray(v)) return v.map(hide);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hide(x)]));
    return v;
  };
  const copy = hide(server.entry) as ServerEntry;
  if (isObject(copy.env)) for (const k of Object.keys(copy.env)) if (moved.has(k)) copy.env[k] = MASK;
  if (isObject(copy.headers)) {
    const left = new Set(server.found.left);
    for (const k of Object.keys(copy.headers)) if ((server.found.bearer && k.toLowerCase() === 'authorization') || left.has(`header ${k}`)) copy.headers[k] = MASK;
  }
  return copy;
}
