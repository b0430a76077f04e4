import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Session } from '../session.js';
import { registerLatchkeyTools } from './tools.js';

export const MCP_SERVER_INFO = { name: 'latchkey', version: '0.1.0' };

const INSTRUCTIONS =
  'Latchkey keeps the person\'s credentials. Use list_connections to see what exists, then the operation tools (http_request, sql_query, send_email, send_webhook, call_mcp_tool, redis_command) with a connection_id. The person approves access in the Latchkey app; you never receive passwords or tokens, and secrets are masked out of results.';

/**
 * One MCP server per client session. The socket connection to the app opens at the first tool
 * call, after `initialize`, so the consent modal can name the client by its `clientInfo` (shown
 * as what it calls itself); each MCP session is its own issued agent identity.
 */
export function createLatchkeyMcpServer(open: (clientName: string) => Promise<Session>): { server: McpServer; close(): Promise<void> } {
  const server = new McpServer(MCP_SERVER_INFO, { instructions: INSTRUCTIONS });
  let session: Promise<Session> | null = null;
  const get = (): Promise<Session> => {
    if (!session) {
      const client = server.server.getClientVersion();
      const name = client ? `${client.name}${client.version ? ` ${client.version}` : ''}` : 'MCP client';
      session = open(`${name} (via latchkey mcp)`);
      // A failed connect is retried on the next call (the app may have been started meanwhile).
      session.catch(() => (session = null));
    }
    return session;
  };
  registerLatchkeyTools(server, get);
  return {
    server,
    async close() {
      const s = session;
      session = null;
      await server.close().catch(() => undefined);
      if (s) await (await s.catch(() => null))?.close();
    },
  };
}
