import type { CommandGate, DriverOperation, OAuth2Protocol, DriverOperations, PreparedHttpRequest, ResolvedConnection, TestOutcome, Transports } from '@latchkey/broker';
import { TransportError } from '@latchkey/broker';
import { ClientRegistry } from './clients.js';
import type { Driver, DriverContext } from './drivers/descriptor.js';
import { DRIVERS } from './drivers/registry.js';

// Light (node:crypto and fetch only), so a static export costs nothing at start.
export { signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './drivers/webhook/driver.js';
// The descriptors are light too: only their `load` imports a driver.
export { DRIVERS } from './drivers/registry.js';
export { TRANSPORT_FIELDS, type TransportFields } from './fields.js';
export type { Driver, DriverContext, DriverDescriptor } from './drivers/descriptor.js';

// Each driver (pg, mysql2, tedious, nodemailer, the MCP SDK, sql.js) is loaded on its first use:
// importing them all at start cost the host about a second before it could serve its page.
const http = () => import('./http.js');
const oauth2Protocol = async () => (await import('./drivers/oauth2/driver.js')).oauth4webapiProtocol;

/** The OAuth2 protocol (oauth4webapi), loaded on the first sign-in or refresh. */
const lazyOAuth2: OAuth2Protocol = {
  listen: async (signal) => (await oauth2Protocol()).listen(signal),
  authorize: async (e, c, i) => (await oauth2Protocol()).authorize(e, c, i),
  exchangeCode: async (e, c, i) => (await oauth2Protocol()).exchangeCode(e, c, i),
  refresh: async (e, c, t) => (await oauth2Protocol()).refresh(e, c, t),
  clientCredentials: async (e, c, s) => (await oauth2Protocol()).clientCredentials(e, c, s),
  revoke: async (e, c, t, h) => (await oauth2Protocol()).revoke(e, c, t, h),
  discover: async (r) => (await oauth2Protocol()).discover!(r),
  register: async (e, i) => (await oauth2Protocol()).register!(e, i),
  deviceAuthorization: async (e, c, s) => (await oauth2Protocol()).deviceAuthorization!(e, c, s),
  pollDeviceCode: async (e, c, d) => (await oauth2Protocol()).pollDeviceCode!(e, c, d),
};

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
  /** Where sqlite-worker.mjs is when a bundler moved this package (default: beside drivers/sqlite/driver.ts). */
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

/** Database kinds whose driver runs a read-only grant's query in a read-only transaction. */
const READ_ONLY_SQL: ReadonlySet<string> = new Set(['postgres']);

export function createTransports(options: Partial<TransportsOptions> = {}): Transports {
  const o: TransportsOptions = { ...DEFAULTS, ...options };
  const clients = new ClientRegistry();
  let gate: CommandGate = o.commandGate ?? refuseEveryCommand;
  const context: DriverContext = {
    clients,
    pool: { connectTimeoutMs: o.connectTimeoutMs, statementTimeoutMs: o.statementTimeoutMs, idleTimeoutMs: o.idleTimeoutMs, maxClients: o.maxClientsPerConnection },
    connectTimeoutMs: o.connectTimeoutMs,
    statementTimeoutMs: o.statementTimeoutMs,
    operationTimeoutMs: o.operationTimeoutMs,
    idleTimeoutMs: o.idleTimeoutMs,
    sqliteWasmPath: o.sqliteWasmPath,
    sqliteWorkerPath: o.sqliteWorkerPath,
    clock: { now: o.now },
    gate: () => gate,
  };
  // One driver per kind, built on first use; close() and release() leave alone what was never built.
  const loaded = new Map<string, Promise<Driver>>();
  const driver = (kind: string): Promise<Driver> | undefined => {
    const descriptor = DRIVERS.get(kind);
    if (!descriptor) return undefined;
    let made = loaded.get(kind);
    if (!made) {
      made = descriptor.load(context);
      // A failed load (a missing wasm file) is retried on the next use rather than kept.
      made.catch(() => loaded.delete(kind));
      loaded.set(kind, made);
    }
    return made;
  };
  const supports = (kind: string, operation: DriverOperation) => DRIVERS.get(kind)?.operations.includes(operation) ?? false;

  async function operate<O extends DriverOperation>(kind: string, operation: O, c: ResolvedConnection, input: DriverOperations[O]['input']): Promise<DriverOperations[O]['output']> {
    const handler = supports(kind, operation) ? (await driver(kind)!).operations[operation] : undefined;
    if (!handler) throw new TransportError('invalid_config', `"${kind}" does not offer ${operation}`);
    return handler(c, input);
  }

  return {
    http: async (request: PreparedHttpRequest) => (await http()).executeHttp(request),
    httpLines: async (request: PreparedHttpRequest, onLine: (line: string) => void, signal: AbortSignal) => (await http()).executeHttpLines(request, onLine, signal),

    async test(kind: string, c: ResolvedConnection, timeoutMs: number): Promise<TestOutcome> {
      const made = driver(kind);
      if (!made) return { ok: false, code: 'invalid_config', message: `No transport can test "${kind}"`, latencyMs: 0 };
      return (await made).test(c, timeoutMs);
    },

    supports,
    operate,
    async sqlQuery(kind, c, query) {
      if (!supports(kind, 'sql.query')) throw new TransportError('invalid_config', `"${String(kind)}" is not a database`);
      // Only drivers that run a read-only transaction take a read-only grant's query; others refuse.
      if (query.readOnly && !READ_ONLY_SQL.has(kind)) throw new TransportError('invalid_config', `Read-only queries are not supported for "${String(kind)}" yet; ask without "Read-only"`);
      return operate(kind, 'sql.query', c, query);
    },
    smtpSend: (c, message) => operate('smtp', 'smtp.send', c, message),
    webhookSend: (c, request) => operate('webhook', 'webhook.send', c, request),
    mcpCallTool: (c, call) => operate('mcp', 'mcp.callTool', c, call),
    // The same line the MCP driver would start, for the broker's command consent (loaded on use).
    mcpCommandLine: async (c) => (await import('./drivers/mcp/driver.js')).stdioCommandLine(c),
    oauth2: lazyOAuth2,

    useCommandGate(next: CommandGate) {
      gate = next;
    },

    async release(connectionId: string) {
      for (const made of loaded.values()) await (await made.catch(() => undefined))?.release?.(connectionId);
      await clients.release(connectionId);
    },

    async close() {
      const drivers = await Promise.all([...loaded.values()].map((made) => made.catch(() => undefined)));
      await Promise.all([...drivers.map((d) => d?.close?.()), clients.closeAll()]);
    },
  };
}
