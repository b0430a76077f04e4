import { z } from 'zod';
import { Id } from './common.js';

/**
 * Import from agent configs (issue 13): the secrets in an agent's config file (Claude Desktop,
 * a project's `.mcp.json`, VS Code's `mcp.json`) move into MCP connections and the entries start
 * through `latchkey mcp-proxy`. The page only ever sees names and masked values.
 */
export const AgentConfigPath = z.string().min(1).max(4096);
export const AgentConfigPathInput = z.strictObject({ path: AgentConfigPath });

export const AgentConfigFile = z.strictObject({
  /** Which agent keeps its servers there, in words ("Claude Desktop"). */
  agent: z.string().max(100),
  path: AgentConfigPath,
  /** Why it cannot be imported as it is (a link, too large, not readable), or null. */
  problem: z.string().max(500).nullable(),
});
export type AgentConfigFile = z.infer<typeof AgentConfigFile>;

export const AgentConfigList = z.strictObject({
  /** The known agent config files that exist on this machine. */
  files: z.array(AgentConfigFile),
  /** Why this Latchkey cannot import agent configs, or null when it can. */
  unavailable: z.string().max(500).nullable(),
});
export type AgentConfigList = z.infer<typeof AgentConfigList>;

export const AgentConfigMove = z.strictObject({ kind: z.enum(['env', 'header']), name: z.string().max(200) });

export const AgentConfigServerChange = z.strictObject({
  server: z.string().max(200),
  /** The connection its secrets move into, named as it will be created. */
  connectionName: z.string().max(100),
  moves: z.array(AgentConfigMove),
  /** Values that look secret but stay in the file (a header other than a bearer Authorization). */
  left: z.array(z.string().max(200)),
  /** The entry now and after, as JSON text; every env and header value reads ••••. */
  before: z.string().max(20_000),
  after: z.string().max(20_000),
});
export type AgentConfigServerChange = z.infer<typeof AgentConfigServerChange>;

export const AgentConfigPreview = z.strictObject({
  path: AgentConfigPath,
  changes: z.array(AgentConfigServerChange),
  /** Servers with nothing to move. */
  unchanged: z.array(z.string().max(200)),
});
export type AgentConfigPreview = z.infer<typeof AgentConfigPreview>;

export const AgentConfigImportResult = z.strictObject({
  path: AgentConfigPath,
  /** The original, kept beside it (owner-only: it still holds the secrets). */
  backup: AgentConfigPath,
  connections: z.array(z.strictObject({ id: Id, name: z.string().max(100), server: z.string().max(200) })),
});
export type AgentConfigImportResult = z.infer<typeof AgentConfigImportResult>;
