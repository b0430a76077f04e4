import type { CommandGate, DatabaseKind, PreparedHttpRequest, ResolvedConnection, TestOutcome, Transports } from '@latchkey/broker';
import { TransportError } from '@latchkey/broker';
import type { McpCallRequest, SmtpMessage, SqlQueryRequest, WebhookSendRequest } from '@latchkey/contracts';
import { ClientRegistry } from './clients.js';
import { executeHttp } from './http.js';
import { McpSessions, testMcp } from './mcp.js';
import { sendSmtp, testSmtp } from './smtp.js';
import { queryMssql, testMssql } from './sql/mssql.js';
import { queryMysql, testMysql } from './sql/mysql.js';
import { queryPostgres, testPostgres } from './sql/postgres.js';
import { SqliteDriver } from './sql/sqlite.js';
import { sendWebhook, testWebhook } from './webhook.js';

export { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './webhook.js';
export { scrubSecrets } from './scrub.js';
export { TRANSPORT_FIELDS } from './fields.js';

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
  const sqlite = new SqliteDriver({ wasmPath: o.sqliteWasmPath, workerPath: o.sqliteWorkerPath, statementTimeoutMs: o.statementTimeoutMs, idleTimeoutMs: o.idleTimeoutMs });
  let gate: CommandGate = o.commandGate ?? refuseEveryCommand;
  const mcp = new McpSessions(registry, { callTimeoutMs: o.operationTimeoutMs, connectTimeoutMs: o.connectTimeoutMs, idleTimeoutMs: o.idleTimeoutMs }, () => gate);
  const pool = { connectTimeoutMs: o.connectTimeoutMs, statementTimeoutMs: o.statementTimeoutMs, idleTimeoutMs: o.idleTimeoutMs, maxClients: o.maxClientsPerConnection };
  const clock = { now: o.now };

  return {
    http: (request: PreparedHttpRequest) => executeHttp(request),

    async test(kind: string, c: ResolvedConnection, timeoutMs: number): Promise<TestOutcome> {
      switch (kind) {
        case 'postgres':
          return testPostgres(c, timeoutMs);
        case 'mysql':
          return testMysql(c, timeoutMs);
        case 'sqlite':
          return sqlite.test(c, timeoutMs);
        case 'mssql':
          return testMssql(c, timeoutMs);
        case 'smtp':
          return testSmtp(c, timeoutMs);
        case 'webhook':
          return testWebhook(c, timeoutMs, clock);
        case 'mcp':
          return testMcp(c, timeoutMs, gate);
        default:
          return { ok: false, code: 'invalid_config', message: `No transport can test "${kind}"`, latencyMs: 0 };
      }
    },

    async sqlQuery(kind: DatabaseKind, c: ResolvedConnection, query: Required<SqlQueryRequest>) {
      switch (kind) {
        case 'postgres':
          return queryPostgres(registry, c, query, pool);
        case 'mysql':
          return queryMysql(registry, c, query, pool);
        case 'sqlite':
          return sqlite.query(c, query);
        case 'mssql':
          return queryMssql(registry, c, query, pool);
        default:
          throw new TransportError('invalid_config', `"${String(kind)}" is not a database`);
      }
    },

    smtpSend: (c: ResolvedConnection, message: SmtpMessage) => sendSmtp(c, message, o.operationTimeoutMs),
    webhookSend: (c: ResolvedConnection, request: Required<WebhookSendRequest>) => sendWebhook(c, request, o.operationTimeoutMs, clock),
    mcpCallTool: (c: ResolvedConnection, call: Required<McpCallRequest>) => mcp.call(c, call),

    useCommandGate(next: CommandGate) {
      gate = next;
    },

    async release(connectionId: string) {
      mcp.forget(connectionId);
      await registry.release(connectionId);
    },

    async close() {
      mcp.clear();
      await Promise.all([registry.closeAll(), sqlite.close()]);
    },
  };
}
