import type { CommandGate, DatabaseKind, PreparedHttpRequest, ResolvedConnection, TestOutcome, Transports } from '@latchkey/broker';
import { TransportError } from '@latchkey/broker';
import type { McpCallRequest, SmtpMessage, SqlQueryRequest, WebhookSendRequest } from '@latchkey/contracts';
import { ClientRegistry } from './clients.js';
import type { McpSessions } from './mcp.js';
import type { SqliteDriver } from './sql/sqlite.js';

// Light (node:crypto and fetch only), so a static export costs nothing at start.
export { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook.js';

// Each driver (pg, mysql2, tedious, nodemailer, the MCP SDK, sql.js) is loaded on its first use:
// importing them all at start cost the host about a second before it could serve its page.
const http = () => import('./http.js');
const mcpDriver = () => import('./mcp.js');
const smtp = () => import('./smtp.js');
const mssql = () => import('./sql/mssql.js');
const mysql = () => import('./sql/mysql.js');
const postgres = () => import('./sql/postgres.js');
const webhook = () => import('./webhook.js');

/** Builds a stateful driver once, on first use; close() leaves alone what was never built. */
function lazy<T>(make: () => Promise<T>) {
  let made: Promise<T> | undefined;
  return { get: () => (made ??= make()), ifMade: () => made };
}
// TRANSPORT_FIELDS (./fields.js) is not re-exported here: it imports every driver module, which
// would load every driver at start again. Import it from './fields.js' where it is needed.

export interface TransportsOptions {
  /** Clients kept open per connection (database pools). */
  maxClientsPerConnection: number;
  /** A pooled client or MCP session unused this long is closed. */
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  /** Bound on one SQL statement, enforced by the server where it can (PostgreSQL statement_timeout). */
  statementTimeoutMs: number;
  /** Bound on smtp.send, webhook.send and one MCP tool call. */
  operationTimeoutMs: number;
  /** Where sql-wasm.wasm is when it is not next to sql.js (a packaged Electron app's resources). */
  sqliteWasmPath?: string;
  /** Where sqlite-worker.mjs is when a bundler moved this package (default: beside sql/sqlite.ts). */
  sqliteWorkerPath?: string | URL;
  /** Webhook signature timestamps; tests pin it. */
  now: () => number;
  /**
   * Asked before a local process starts. The broker installs its own (useCommandGate); until
   * then every command line is refused, so a composition root that forgets starts nothing.
   */
  commandGate?: CommandGate;
}

const refuseEveryCommand: CommandGate = async () => {
  throw new TransportError('refused', 'Latchkey did not start the command: nothing here can approve a command line');
};

const DEFAULTS: TransportsOptions = {
  maxClientsPerConnection: 4,
  idleTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  statementTimeoutMs: 30_000,
  operationTimeoutMs: 30_000,
  now: () => Date.now(),
};

export function createTransports(options: Partial<TransportsOptions> = {}): Transports {
  const o: TransportsOptions = { ...DEFAULTS, ...options };
  const registry = new ClientRegistry();
  const sqlite = lazy(async () => new (await import('./sql/sqlite.js')).SqliteDriver({ wasmPath: o.sqliteWasmPath, workerPath: o.sqliteWorkerPath, statementTimeoutMs: o.statementTimeoutMs, idleTimeoutMs: o.idleTimeoutMs }) as SqliteDriver);
  let gate: CommandGate = o.commandGate ?? refuseEveryCommand;
  const mcp = lazy(async () => new (await mcpDriver()).McpSessions(registry, { callTimeoutMs: o.operationTimeoutMs, connectTimeoutMs: o.connectTimeoutMs, idleTimeoutMs: o.idleTimeoutMs }, () => gate) as McpSessions);
  const pool = { connectTimeoutMs: o.connectTimeoutMs, statementTimeoutMs: o.statementTimeoutMs, idleTimeoutMs: o.idleTimeoutMs, maxClients: o.maxClientsPerConnection };
  const clock = { now: o.now };

  return {
    http: async (request: PreparedHttpRequest) => (await http()).executeHttp(request),

    async test(kind: string, c: ResolvedConnection, timeoutMs: number): Promise<TestOutcome> {
      switch (kind) {
        case 'postgres':
          return (await postgres()).testPostgres(c, timeoutMs);
        case 'mysql':
          return (await mysql()).testMysql(c, timeoutMs);
        case 'sqlite':
          return (await sqlite.get()).test(c, timeoutMs);
        case 'mssql':
          return (await mssql()).testMssql(c, timeoutMs);
        case 'smtp':
          return (await smtp()).testSmtp(c, timeoutMs);
        case 'webhook':
          return (await webhook()).testWebhook(c, timeoutMs, clock);
        case 'mcp':
          return (await mcpDriver()).testMcp(c, timeoutMs, gate);
        default:
          return { ok: false, code: 'invalid_config', message: `No transport can test "${kind}"`, latencyMs: 0 };
      }
    },

    async sqlQuery(kind: DatabaseKind, c: ResolvedConnection, query: Required<SqlQueryRequest>) {
      switch (kind) {
        case 'postgres':
          return (await postgres()).queryPostgres(registry, c, query, pool);
        case 'mysql':
          return (await mysql()).queryMysql(registry, c, query, pool);
        case 'sqlite':
          return (await sqlite.get()).query(c, query);
        case 'mssql':
          return (await mssql()).queryMssql(registry, c, query, pool);
        default:
          throw new TransportError('invalid_config', `"${String(kind)}" is not a database`);
      }
    },

    smtpSend: async (c: ResolvedConnection, message: SmtpMessage) => (await smtp()).sendSmtp(c, message, o.operationTimeoutMs),
    webhookSend: async (c: ResolvedConnection, request: Required<WebhookSendRequest>) => (await webhook()).sendWebhook(c, request, o.operationTimeoutMs, clock),
    mcpCallTool: async (c: ResolvedConnection, call: Required<McpCallRequest>) => (await mcp.get()).call(c, call),

    useCommandGate(next: CommandGate) {
      gate = next;
    },

    async release(connectionId: string) {
      (await mcp.ifMade())?.forget(connectionId);
      await registry.release(connectionId);
    },

    async close() {
      (await mcp.ifMade())?.clear();
      await Promise.all([registry.closeAll(), sqlite.ifMade()?.then((d) => d.close())]);
    },
  };
}
