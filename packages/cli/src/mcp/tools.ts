import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { isLatchkeyError, Json, ProviderCategory, Scope } from '@latchkey/contracts';
import type { Session } from '../session.js';
import { AgentRefs } from './agent-refs.js';

/** Most characters of one tool result the agent gets; more is cut and `truncated` says so. */
export const MAX_RESULT_CHARS = 100_000;

const reasonField = z.string().min(1).max(400).optional().describe('Why you need this, in one sentence the person will read in the consent dialog (asked only when no access is held yet).');
const connectionField = z.string().min(1).max(64).describe('The connection id, from list_connections.');

/** Results are masked by the broker before they reach this process; here they are only capped. */
export function toolResult(value: unknown): CallToolResult {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  const truncated = text.length > MAX_RESULT_CHARS || (typeof value === 'object' && value !== null && (value as { truncated?: unknown }).truncated === true);
  const body = text.length > MAX_RESULT_CHARS ? `${text.slice(0, MAX_RESULT_CHARS)}\n…` : text;
  return { content: [{ type: 'text', text: body }], structuredContent: { truncated }, isError: false };
}

export function toolError(error: unknown): CallToolResult {
  const payload = isLatchkeyError(error) ? error.toPayload() : { code: 'INTERNAL', message: 'Something went wrong in Latchkey' };
  return { content: [{ type: 'text', text: `${payload.code}: ${payload.message}` }], isError: true };
}

const guard = (fn: () => Promise<unknown>): Promise<CallToolResult> => fn().then(toolResult, toolError);

/**
 * The tools `latchkey mcp` offers an agent. Each operation names a connection; Latchkey asks the
 * person in its app the first time (showing the reason and this exact call), injects the
 * credential itself, and masks every stored secret out of the result. The agent never holds a
 * password, token or key.
 */
export function registerLatchkeyTools(server: McpServer, session: () => Promise<Session>): void {
  const refs = new AgentRefs(session);
  // The agent's reason, or failing one a plain account of the tool; what the call does goes beside
  // it as an intent (method and path, the SQL text, recipients), which the modal shows apart.
  const reasonFor = (given: string | undefined, tool: string, what: string) => (given ?? `${tool}: ${what}`).slice(0, 500);
  const clip = (t: string, n: number) => (t.length > n ? `${t.slice(0, n - 1)}…` : t);

  server.registerTool('list_connections', {
    title: 'List connections',
    description:
      'Lists the connections the person keeps in Latchkey (databases, HTTP APIs, email, webhooks, MCP servers, Redis): id, name, type, target and which operations each supports. No secrets. Call this first to find the connection_id the other tools need.',
    inputSchema: { category: ProviderCategory.optional().describe('Only this kind: database, http, email, webhook, ai, oauth2, mcp or other.') },
    annotations: { readOnlyHint: true, openWorldHint: false },
  }, ({ category }) => guard(async () => (await session()).api.connections.catalog(category ? { category } : {})));

  server.registerTool('request_access', {
    title: 'Request access to a connection',
    description:
      'Asks the person, in the Latchkey app, to let you use a connection for the given scopes (http.fetch, sql.query, smtp.send, webhook.send, mcp.callTool, redis.command). Optional: the operation tools ask by themselves when needed. Use it to ask once up front with a clear reason. Returns whether access was given; the credential itself never reaches you.',
    inputSchema: {
      connection_id: connectionField,
      reason: z.string().min(1).max(400).describe('Why you need this connection, in one sentence the person will read.'),
      scopes: z.array(Scope.exclude(['reveal'])).min(1).max(6).describe('What you will do with it.'),
    },
    annotations: { openWorldHint: false },
  }, ({ connection_id, reason, scopes }) => guard(() => refs.request(connection_id, scopes, reason)));

  server.registerTool('http_request', {
    title: 'HTTP request through a connection',
    description:
      'Sends an HTTP request to an HTTP API connection. Latchkey adds the authentication (token, key, basic auth); requests go only to that connection\'s base URL. `path` is relative to the base URL (e.g. "/v1/users?limit=10"). Returns status, headers and body (text, size-capped; `truncated` is true when cut).',
    inputSchema: {
      connection_id: connectionField,
      method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
      path: z.string().min(1).max(8192).describe('Path under the base URL, or an absolute URL on the same origin.'),
      headers: z.record(z.string(), z.string()).optional().describe('Extra request headers (no Authorization: Latchkey adds it).'),
      body: z.string().max(1_000_000).optional().describe('Request body, e.g. JSON text.'),
      reason: reasonField,
    },
    annotations: { openWorldHint: true },
  }, (a) =>
    guard(() =>
      refs.with(a.connection_id, 'http.fetch', reasonFor(a.reason, 'http_request', `${a.method} ${a.path}`), { kind: 'http', method: a.method, path: clip(a.path, 2000) }, (s, ref) =>
        s.api.http.fetch({ ref, request: { method: a.method, url: a.path, headers: a.headers ?? {}, ...(a.body === undefined ? {} : { body: a.body }) } }),
      ),
    ),
  );

  server.registerTool('sql_query', {
    title: 'SQL query on a database connection',
    description:
      'Runs one parameterised SQL statement on a database connection (PostgreSQL, MySQL/MariaDB, SQLite, SQL Server). Put values in `params` and refer to them as $1, $2 (PostgreSQL) or ? (others) — never paste values into the SQL text. Returns columns and rows (capped at max_rows; `truncated` is true when cut).',
    inputSchema: {
      connection_id: connectionField,
      sql: z.string().min(1).max(100_000),
      params: z.array(Json).max(1000).optional(),
      max_rows: z.number().int().min(1).max(10_000).optional(),
      reason: reasonField,
    },
    annotations: { openWorldHint: false },
  }, (a) =>
    guard(() =>
      refs.with(a.connection_id, 'sql.query', reasonFor(a.reason, 'sql_query', a.sql), { kind: 'sql', sql: clip(a.sql, 10_000) }, (s, ref) =>
        s.api.sql.query({ ref, query: { sql: a.sql, params: a.params ?? [], maxRows: a.max_rows ?? 1000 } }),
      ),
    ),
  );

  server.registerTool('send_email', {
    title: 'Send an email',
    description: 'Sends an email through an SMTP connection (Latchkey logs in). Give recipients, subject and a text and/or HTML body.',
    inputSchema: {
      connection_id: connectionField,
      to: z.array(z.email()).min(1).max(100),
      cc: z.array(z.email()).max(100).optional(),
      subject: z.string().max(998),
      text: z.string().max(1_000_000).optional(),
      html: z.string().max(1_000_000).optional(),
      reason: reasonField,
    },
    annotations: { openWorldHint: true, destructiveHint: false },
  }, (a) =>
    guard(() =>
      refs.with(a.connection_id, 'smtp.send', reasonFor(a.reason, 'send_email', `to ${a.to.join(', ')}: ${a.subject}`), { kind: 'email', to: a.to, subject: a.subject }, (s, ref) =>
        s.api.smtp.send({ ref, message: { to: a.to, subject: a.subject, ...(a.cc ? { cc: a.cc } : {}), ...(a.text === undefined ? {} : { text: a.text }), ...(a.html === undefined ? {} : { html: a.html }) } }),
      ),
    ),
  );

  server.registerTool('send_webhook', {
    title: 'Send a webhook',
    description: 'Posts a JSON payload to an outbound webhook connection; Latchkey adds its signature or bearer token. Returns the status and the response body (size-capped).',
    inputSchema: { connection_id: connectionField, payload: Json, headers: z.record(z.string(), z.string()).optional(), reason: reasonField },
    annotations: { openWorldHint: true },
  }, (a) =>
    guard(() => refs.with(a.connection_id, 'webhook.send', reasonFor(a.reason, 'send_webhook', 'post a payload'), { kind: 'call', summary: clip(`post ${JSON.stringify(a.payload)}`, 500) }, (s, ref) => s.api.webhook.send({ ref, request: { payload: a.payload, headers: a.headers ?? {} } }))),
  );

  server.registerTool('call_mcp_tool', {
    title: 'Call a tool of a connected MCP server',
    description: 'Calls one tool on an MCP server the person connected in Latchkey (its keys stay in Latchkey). Give the tool name and its arguments as an object.',
    inputSchema: { connection_id: connectionField, tool: z.string().min(1).max(200), arguments: z.record(z.string(), Json).optional(), reason: reasonField },
    annotations: { openWorldHint: true },
  }, (a) =>
    guard(() => refs.with(a.connection_id, 'mcp.callTool', reasonFor(a.reason, 'call_mcp_tool', a.tool), { kind: 'call', summary: clip(`call the tool ${a.tool} with ${JSON.stringify(a.arguments ?? {})}`, 500) }, (s, ref) => s.api.mcp.callTool({ ref, call: { name: a.tool, args: a.arguments ?? {} } }))),
  );

  server.registerTool('redis_command', {
    title: 'Redis command',
    description: 'Runs one read command (GET, MGET, HGETALL, KEYS, SCAN, TTL, …) on a Redis connection. Give the command word and its arguments as separate strings.',
    inputSchema: { connection_id: connectionField, command: z.string().min(1).max(64), args: z.array(z.string().max(65_536)).max(1000).optional(), reason: reasonField },
    annotations: { readOnlyHint: true, openWorldHint: false },
  }, (a) =>
    guard(() =>
      refs.with(a.connection_id, 'redis.command', reasonFor(a.reason, 'redis_command', `${a.command} ${(a.args ?? []).join(' ')}`), { kind: 'call', summary: clip(`${a.command} ${(a.args ?? []).join(' ')}`, 500) }, (s, ref) => s.api.redis.command({ ref, command: a.command, args: a.args ?? [] })),
    ),
  );
}
