import { LatchkeyError } from '@latchkey/contracts';
import type {
  HttpFetchRequest,
  HttpFetchResponse,
  McpCallRequest,
  McpCallResult,
  McpLaunch,
  RedisCommandRequest,
  RedisCommandResult,
  Requester,
  Scope,
  SmtpMessage,
  SmtpSendResult,
  SqlQueryRequest,
  SqlQueryResult,
  WebhookSendRequest,
  WebhookSendResult,
} from '@latchkey/contracts';
import type { AuditService } from '../audit/audit-service.js';
import type { ConnectionsService } from '../connections/connections-service.js';
import type { ConsentService } from '../consent/consent-service.js';
import type { RefRegistry } from '../consent/ref-registry.js';
import type { Clock, CommandGate, ConnectionRecord, ResolvedConnection, Transports } from '../ports.js';
import { TransportError } from '../ports.js';
import type { StoredSecretsMasking } from '../masking/stored-secrets.js';
import { prepareHttp } from './prepare-http.js';

export interface OperationsDeps {
  refs: RefRegistry;
  consent: ConsentService;
  connections: ConnectionsService;
  audit: AuditService;
  /** Every stored secret: masked in whatever comes back, whichever connection it came through. */
  masking: StoredSecretsMasking;
  transports: Transports;
  clock: Clock;
  testTimeoutMs: number;
  /** Counts a ref's use toward "Used by" (usage/usage-tracker.ts). */
  onUse?: (connectionId: string, requester: Requester) => void;
  /** The broker's command-line consent (commands/command-consent.ts): asked before a program starts a local server for us. */
  commandGate?: CommandGate;
}

/** What a SecretRef can do. Each call: check the ref, audit, run with the secret, mask what comes back. */
export class OperationsService {
  constructor(private readonly d: OperationsDeps) {}

  /**
   * Checks a ref and decrypts its connection. A refusal is audited as `ref.refused` with the
   * requester and, where the ref is real, its connection.
   */
  async resolve(requester: Requester, ref: string, scope: Scope): Promise<{ connection: ResolvedConnection; grantId: string; readOnly: boolean }> {
    const now = this.d.clock.now();
    let grantId: string;
    let readOnly: boolean;
    let connectionId: string;
    let record: ConnectionRecord;
    try {
      const rec = this.d.refs.check(ref, requester, scope, now);
      grantId = rec.grantId;
      readOnly = rec.readOnly === true;
      connectionId = rec.connectionId;
      record = this.d.connections.require(connectionId);
      // A ref is consent for one target; a new host or URL since it was issued voids it.
      if (rec.target !== this.d.connections.currentTarget(record)) throw new LatchkeyError('DENIED', "This connection's target changed since the SecretRef was issued; request access again");
    } catch (error) {
      const known = this.d.refs.peek(ref);
      await this.d.audit.record({
        type: 'ref.refused',
        outcome: 'denied',
        requester,
        scopes: [scope],
        // Only name the connection to its own requester's audit trail, not a guesser's.
        connectionId: known && known.requesterKey === `${requester.kind}:${requester.id}` ? known.connectionId : undefined,
        detail: error instanceof Error ? error.message : 'refused',
      });
      throw error instanceof LatchkeyError ? error : new LatchkeyError('DENIED', 'This SecretRef was refused');
    }
    const connection = await this.d.connections.resolve(record);
    if (scope === 'reveal') {
      // Each reveal of a secret is its own record.
      await this.d.audit.record({ type: 'secret.reveal', connectionId, requester, scopes: [scope], grantId });
    } else {
      // Routine uses: the first per grant and scope in a window is recorded durably (uses made
      // while it is in flight wait for it); the rest are counted into the next record, or at close.
      await this.d.audit.recordCoalesced(`use|${requester.kind}:${requester.id}|${grantId}|${scope}`, { type: 'ref.use', connectionId, requester, scopes: [scope], grantId }, 'uses');
    }
    this.d.consent.markUsed(grantId);
    this.d.onUse?.(connectionId, requester);
    return { connection, grantId, readOnly };
  }

  /**
   * Runs an operation and masks everything it hands back: the result (a peer's status line,
   * headers, body, rows, tool output) and any error, before the caller or the audit log sees it.
   */
  async #run<T extends object>(requester: Requester, connection: ResolvedConnection, scope: Scope, fn: () => Promise<T>): Promise<T> {
    const masker = this.d.masking.maskerFor(connection.secrets);
    try {
      const result = masker.maskFields(await fn());
      // A body cut at its size cap may end in a secret's first characters, which match no needle.
      const cut = result as { truncated?: unknown; body?: unknown };
      return cut.truncated === true && typeof cut.body === 'string' ? { ...result, body: masker.trimCut(cut.body) } : result;
    } catch (error) {
      const message = masker.mask(error instanceof Error ? error.message : String(error)).slice(0, 1000);
      await this.d.audit.record({ type: 'ref.use', outcome: 'error', connectionId: connection.id, requester, scopes: [scope], detail: message });
      if (error instanceof LatchkeyError) throw new LatchkeyError(error.code, message, error.issues);
      if (error instanceof TransportError) throw new LatchkeyError(error.code === 'timeout' ? 'TIMEOUT' : 'UNAVAILABLE', message);
      throw new LatchkeyError('UNAVAILABLE', message);
    }
  }

  async httpFetch(requester: Requester, ref: string, request: Required<Omit<HttpFetchRequest, 'body' | 'timeoutMs'>> & Pick<HttpFetchRequest, 'body' | 'timeoutMs'>): Promise<HttpFetchResponse> {
    const { connection } = await this.resolve(requester, ref, 'http.fetch');
    return this.#run(requester, connection, 'http.fetch', async () => {
      const prepared = prepareHttp(connection, { method: request.method, url: request.url, headers: request.headers, body: request.body, timeoutMs: request.timeoutMs ?? this.d.testTimeoutMs });
      // A response that echoes the credential back (a debugging endpoint, say) is masked by #run:
      // status text, header names and values, body.
      return this.d.transports.http(prepared);
    });
  }

  async sqlQuery(requester: Requester, ref: string, query: Required<SqlQueryRequest>): Promise<SqlQueryResult> {
    const { connection, readOnly } = await this.resolve(requester, ref, 'sql.query');
    // The transports know which kinds are databases; the broker keeps no list of its own.
    const kind = connection.manifest.transport;
    if (!this.d.transports.supports(kind, 'sql.query')) throw new LatchkeyError('VALIDATION', `${connection.manifest.name} is not a database`);
    // A read-only grant's query carries the flag; a driver that cannot honour it refuses (fail closed).
    return this.#run(requester, connection, 'sql.query', () => this.d.transports.sqlQuery(kind, connection, readOnly ? { ...query, readOnly: true } : query));
  }

  async redisCommand(requester: Requester, ref: string, request: RedisCommandRequest): Promise<RedisCommandResult> {
    const { connection } = await this.resolve(requester, ref, 'redis.command');
    const kind = connection.manifest.transport;
    if (!this.d.transports.supports(kind, 'redis.command')) throw new LatchkeyError('VALIDATION', `${connection.manifest.name} does not run Redis commands`);
    return this.#run(requester, connection, 'redis.command', () => this.d.transports.operate(kind, 'redis.command', connection, request));
  }

  async smtpSend(requester: Requester, ref: string, message: SmtpMessage): Promise<SmtpSendResult> {
    const { connection } = await this.resolve(requester, ref, 'smtp.send');
    return this.#run(requester, connection, 'smtp.send', () => this.d.transports.smtpSend(connection, message));
  }

  async webhookSend(requester: Requester, ref: string, request: Required<WebhookSendRequest>): Promise<WebhookSendResult> {
    const { connection } = await this.resolve(requester, ref, 'webhook.send');
    return this.#run(requester, connection, 'webhook.send', () => this.d.transports.webhookSend(connection, request));
  }

  async mcpCallTool(requester: Requester, ref: string, call: Required<McpCallRequest>): Promise<McpCallResult> {
    const { connection } = await this.resolve(requester, ref, 'mcp.callTool');
    return this.#run(requester, connection, 'mcp.callTool', () => this.d.transports.mcpCallTool(connection, call));
  }

  /** The one path by which plaintext leaves the broker, and only with the `reveal` scope the person saw. */
  async reveal(requester: Requester, ref: string): Promise<{ values: Record<string, string> }> {
    const { connection } = await this.resolve(requester, ref, 'reveal');
    return { values: { ...connection.secrets } };
  }

  /**
   * What `latchkey mcp-proxy` starts, resolved in one step with the reveal: a remote server's URL
   * and token, or a stdio server's command line — which must pass the broker's command consent
   * like any local process Latchkey starts (the person approves that exact line, outside the page;
   * a line changed since, by the page or anyone, is a new approval). A proxy that spawned what the
   * settings said would let a page alone choose what runs.
   */
  async mcpLaunch(requester: Requester, ref: string): Promise<McpLaunch> {
    if (requester.kind !== 'program') throw new LatchkeyError('FORBIDDEN', 'Only the person\'s own programs (latchkey mcp-proxy) may start an MCP server');
    const { connection } = await this.resolve(requester, ref, 'reveal');
    if (connection.manifest.transport !== 'mcp') throw new LatchkeyError('VALIDATION', 'This is not an MCP server connection');
    if (connection.config['transport'] === 'http') return { transport: 'http', url: String(connection.config['url'] ?? ''), token: connection.secrets['token'] ?? null };
    const gate = this.d.commandGate;
    const line = await this.d.transports.mcpCommandLine?.(connection).catch((error: unknown) => {
      throw new LatchkeyError('VALIDATION', error instanceof Error ? error.message : 'Not a command line');
    });
    if (!gate || !line) throw new LatchkeyError('UNAVAILABLE', 'This Latchkey cannot start local MCP servers');
    try {
      await gate(connection, line);
    } catch (error) {
      if (error instanceof TransportError) throw new LatchkeyError('DENIED', error.message);
      throw error;
    }
    return { transport: 'stdio', command: line.command, args: [...line.args], env: { ...line.env }, ...(line.cwd ? { cwd: line.cwd } : {}) };
  }
}
