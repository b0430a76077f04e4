/**
 * Agent configs (Claude Desktop, `.mcp.json`, VS Code's `mcp.json`): reading them, finding the
 * secrets in their servers, and planning the rewrite through `latchkey mcp-proxy`. Pure logic,
 * no file system: the broker plans with it; `./node` reads and writes the files for the hosts and
 * the CLI.
 */
export { findSecrets, looksSecret, serversKey, type FoundSecrets, type ServerEntry, type ServersKey } from './formats.js';
export { MASK, connectionDraft, planAgentConfig, rewriteEntry, rewrittenText, shownEntry, type AgentConfigPlan, type Launcher, type SecretMove, type ServerPlan } from './plan.js';
