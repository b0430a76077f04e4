/**
 * Agent config files that hold MCP servers, and the one shape they share after reading:
 * Claude Desktop's `claude_desktop_config.json` and `.mcp.json` keep them under `mcpServers`,
 * VS Code's `mcp.json` under `servers`.
 */
export interface ServerEntry {
  command?: string;
  args?: unknown[];
  env?: Record<string, unknown>;
  url?: string;
  type?: string;
  headers?: Record<string, unknown>;
  [key: string]: unknown;
}

export type ServersKey = 'mcpServers' | 'servers';

export function serversKey(doc: Record<string, unknown>): ServersKey | null {
  if (doc.mcpServers && typeof doc.mcpServers === 'object') return 'mcpServers';
  if (doc.servers && typeof doc.servers === 'object') return 'servers';
  return null;
}

const SECRET_NAME = /(key|token|secret|passw|pwd|credential|auth|cookie|session)/i;
/** `${input:x}`, `${env:X}`, `$X`: a reference, not a value — nothing to move. */
const REFERENCE = /^\$(\{[^}]*\}|[A-Z_][A-Z0-9_]*)$/i;

export const looksSecret = (name: string, value: unknown): value is string =>
  typeof value === 'string' && value.length >= 8 && SECRET_NAME.test(name) && !REFERENCE.test(value.trim());

export interface FoundSecrets {
  server: string;
  /** stdio: the env entries to move; remote: the bearer token. */
  env: Record<string, string>;
  bearer: string | null;
  /** Secrets seen that cannot move (a header other than a bearer Authorization), by name only. */
  left: string[];
}

export function findSecrets(server: string, entry: ServerEntry): FoundSecrets {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(entry.env ?? {})) if (looksSecret(k, v)) env[k] = v;
  let bearer: string | null = null;
  const left: string[] = [];
  for (const [k, v] of Object.entries(entry.headers ?? {})) {
    if (typeof v !== 'string') continue;
    const m = /^Bearer\s+(\S+)$/i.exec(v.trim());
    if (k.toLowerCase() === 'authorization' && m && !REFERENCE.test(m[1]!)) bearer = m[1]!;
    else if (looksSecret(k, v)) left.push(`header ${k}`);
  }
  return { server, env, bearer, left };
}
