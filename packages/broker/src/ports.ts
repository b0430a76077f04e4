import { ConfigValues, Connection as ConnectionSchema } from '@latchkey/contracts';
import { z } from 'zod';
import type { OAuth2Protocol } from './oauth2/protocol.js';
import type {
  ActionPurpose,
  AuditEvent,
  AuditEventInput,
  ConsentDecision,
  ConsentPrompt,
  Grant,
  HttpFetchResponse,
  Json,
  McpCallRequest,
  McpCallResult,
  ProviderManifest,
  RedisCommandRequest,
  RedisCommandResult,
  Requester,
  SmtpMessage,
  SmtpSendResult,
  SqlQueryRequest,
  SqlQueryResult,
  StoreFileName,
  StoreGeneration,
  TestCode,
  UsageVia,
  WebhookSendRequest,
  WebhookSendResult,
} from '@latchkey/contracts';

/**
 * Encrypts secrets at rest. Electron's safeStorage in the desktop app, AES-256-GCM with a
 * keychain or env key in the headless host. Synchronous because both backends are.
 */
/** A query as a driver runs it: `readOnly` (from a read-only grant) means a read-only transaction or a refusal. */
export type SqlQueryRun = Required<SqlQueryRequest> & { readOnly?: boolean };

export interface Cipher {
  /** e.g. "os-keychain", "env", "gnome_libsecret", "basic_text". */
  readonly backend: string;
  /** False when secrets must not be written (no key, or a backend with a known key). */
  isAvailable(): boolean;
  /** Why it is unavailable and how to fix it; null when available. */
  unavailableReason(): string | null;
  encrypt(plaintext: string): Uint8Array;
  /** Throws when the blob was tampered with or was written under another key. */
  decrypt(blob: Uint8Array): string;
}

export interface Clock {
  now(): number;
}

/** A connection as stored: the public shape plus where its secrets live. Never leaves the broker. */
export const ConnectionRecordSchema = ConnectionSchema.extend({
  // Stored records keep the recursive schema (its issues name the bad path, and the store
  // fingerprints this schema as JSON Schema); only responses use the one-pass JsonObject check.
  config: ConfigValues,
  secretIds: z.record(z.string(), z.string().min(1).max(200)),
  /**
   * The target digest (connections/target-binding.ts) the stored secrets were entered for.
   * Optional only for records written before it existed; the broker fills it on load.
   */
  target: z.string().max(128).optional(),
  /** The extension whose provider defined this connection; no other pack gets its secrets. */
  providerOwner: z.string().max(214).optional(),
}).strict();
export type ConnectionRecord = z.infer<typeof ConnectionRecordSchema>;

/**
 * Repositories keep everything in memory and write through. A mutation returns a promise that
 * settles when the change is durable; memory shows the change only from then on, and a write that
 * fails changes nothing and rejects with a typed error (STORAGE_FULL, STORAGE_READ_ONLY,
 * STORAGE_FAILED). Writes in the same tick are coalesced into one file write.
 */
export interface Repository<T extends { id: string }> {
  all(): readonly T[];
  get(id: string): T | undefined;
  put(record: T): Promise<void>;
  delete(id: string): Promise<void>;
}
/** An audit event written ahead with the change it records, found again by its id. */
export type JournaledAuditInput = AuditEventInput & { eventId: string };

/** One atomic change to connections: every put and delete, and the audit events that record it. */
export interface ConnectionChange {
  put?: ConnectionRecord[];
  delete?: string[];
  audit: JournaledAuditInput[];
}

/**
 * Connections, with a write-ahead audit journal: `commit` writes the records and the events that
 * record them in one atomic write, so a change is never durable without its record. The broker
 * appends the events to the audit log after, marks them `auditRecorded`, and at start appends
 * whatever a crash left in `pendingAudit` and is not in the log yet.
 */
export interface ConnectionRepository extends Repository<ConnectionRecord> {
  commit(change: ConnectionChange): Promise<void>;
  /** Events durable with their change whose append to the audit log is not confirmed. */
  pendingAudit(): readonly JournaledAuditInput[];
  /** These are in the audit log now; the next write leaves them out of the journal. */
  auditRecorded(eventIds: readonly string[]): void;
}
export type GrantRepository = Repository<Grant>;

/**
 * The last good generation of each store file (kept beside it), for when the file was damaged:
 * what restoring it would change, and the restore itself.
 */
export interface StoreGenerationsPort {
  list(): Promise<StoreGeneration[]>;
  /**
   * Restores `file` from its generation in one durable write; for connections.json the audit
   * events go in the same write (as with `ConnectionRepository.commit`). Returns a sentence.
   */
  restore(file: StoreFileName, audit: JournaledAuditInput[]): Promise<string>;
}

/** Cipher blobs by secret id, nothing else. */
export interface SecretStore {
  get(id: string): Uint8Array | undefined;
  put(id: string, blob: Uint8Array): Promise<void>;
  delete(id: string): Promise<void>;
  /** Every stored secret id (the broker sweeps blobs no record points at). */
  ids(): Iterable<string>;
  /**
   * The key check value: a blob of a fixed text encrypted under the key the secrets were saved
   * with. A key that cannot decrypt it is not that key (DESIGN.md, invariant 7).
   */
  keyCheck(): Uint8Array | undefined;
  setKeyCheck(blob: Uint8Array): Promise<void>;
  /**
   * Key rotation: every blob and the key check replaced in ONE atomic write, so the file never
   * holds blobs under two keys. Earlier writes land first; `build` then runs on the landed state
   * and other writes are refused until the replacement has landed or failed. `landed` runs
   * synchronously as memory takes the new blobs (the cipher switches keys there, before any other
   * write can run). A failed write changes nothing. Absent on stores that cannot do this.
   */
  replaceAll?(build: () => { blobs: Map<string, Uint8Array>; keyCheck: Uint8Array }, landed: () => void): Promise<void>;
}

/** A master key about to replace the one in use, already stored durably where keys live. */
export interface PreparedKey {
  /** A cipher under the new key, to re-encrypt with. */
  readonly cipher: Cipher;
  /** Where the new key was stored, in words (for the audit and the person). */
  readonly where: string;
  /** Synchronous: the host's cipher encrypts and decrypts with the new key from now on. */
  use(): void;
  /** After the store landed under the new key: the new key becomes the stored one in use. */
  commit(): Promise<void>;
  /** The rotation failed before the store changed: forget the new key. */
  abandon(): Promise<void>;
}

/**
 * The master key behind a key-based cipher (the headless host's), for rotation and recovery
 * kits. Hosts whose cipher keeps its own key (Electron's safeStorage) have none.
 */
export interface MasterKeyVault {
  /**
   * Where the key is kept, in words; whether it was minted on this start; whether the person must
   * keep it themselves (an environment variable or a file they manage), for the first-run notice.
   */
  describe(): { where: string; minted: boolean; personKeepsIt: boolean };
  /** A copy of the key in use, for a recovery kit; null when there is none. */
  exportKey(): Uint8Array | null;
  /**
   * Mints a new key and stores it durably where it can be found after a crash (refuses, with a
   * typed error, when it cannot: a key that lives only in memory would lose every secret).
   */
  prepare(input: { keyFile?: string | undefined }): Promise<PreparedKey>;
  /** A cipher under a key from a recovery kit, to check it against the key check value. */
  cipherFor(key: Uint8Array): Cipher;
  /** Stores a checked recovered key where keys live and uses it from now on; refuses when it cannot. */
  adopt(key: Uint8Array): Promise<{ where: string }>;
}

/** Raw audit lines as the sink holds them, oldest first, for query and verification. */
export interface AuditLine {
  file: string;
  /** The line's text exactly as stored, so verification hashes what is really there. */
  text: string;
  /** Where the line starts, for reading on from it (`lines(from)`); absent on lines not yet durable. */
  position?: number;
}

/** The newest durable event as recorded outside the log, and the broker's seal over it (keyed). */
export interface AuditHead {
  seq: number;
  hash: string;
  seal?: string;
  /** The end of a batch being written when this head was: after a crash the log may end there too. */
  pending?: { seq: number; hash: string; seal?: string };
}

/** A file rotation is about to drop: recorded in a checkpoint event before the file goes. */
export interface AuditRetention {
  file: string;
  fromSeq: number;
  toSeq: number;
  lastHash: string;
}

export interface AuditSink {
  /** The newest event written durably, to continue the chain (after a restart, or a failed append). */
  tail(): { seq: number; hash: string } | null;
  /**
   * Settles when the line is durable. The sink refuses (rejects, writes nothing) an event that
   * does not continue its durable tail, and on a failed write leaves the tail where it was.
   * `seal` is kept with the head outside the log.
   */
  append(event: AuditEvent, seal?: string): Promise<void>;
  /** Durable lines from `position` on (every line, pending ones too, without it). */
  lines(from?: number): Iterable<AuditLine>;
  /** The head as it was stored outside the log when the sink opened; null when there was none. */
  storedHead?(): AuditHead | null;
  /**
   * Retention asks before it drops a file: the listener records a checkpoint naming it, and the
   * sink deletes the file only once an event carrying that `retention` is durable.
   */
  onRetention?(listener: (drop: AuditRetention) => void): void;
}

/**
 * Small records kept where a rollback of the data folder does not reach (the OS keychain): the
 * audit log's anchor (audit/audit-anchor.ts). Not secret; the broker keys what it writes.
 */
export interface AuditAnchorStore {
  /** Where, in words, for the person ("the OS keychain (service "latchkey")"). */
  readonly where: string;
  /** The value stored under `name`, or null when there is none. */
  read(name: string): Promise<string | null>;
  /** Resolves once the value is stored; rejects when it is not. */
  write(name: string, value: string): Promise<void>;
}

/**
 * Per store file, the last durable journal seq: it only grows (a compaction or a replace keeps or
 * raises it), so a value lower than one seen before means the file was replaced by an older copy.
 * Null when the file was damaged at load (its seq says nothing then).
 */
export type StoreSeqs = Readonly<Record<string, number | null>>;

/** Shows a consent request to the person and resolves with their decision. */
export interface ConsentPrompter {
  /** Resolves with the decision, or rejects/aborts (→ deny) when the signal fires. */
  prompt(prompt: ConsentPrompt, signal: AbortSignal): Promise<ConsentDecision>;
}

/** A connection with its secrets decrypted, handed to a transport inside the broker process only. */
export interface ResolvedConnection {
  id: string;
  manifest: ProviderManifest;
  config: Record<string, Json>;
  secrets: Record<string, string>;
}

export interface TestOutcome {
  ok: boolean;
  code: TestCode;
  message: string;
  latencyMs: number;
  details?: Record<string, Json>;
}

/** An HTTP request the broker has already authenticated and origin-checked. */
export interface PreparedHttpRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBodyBytes: number;
}

/**
 * What each operation a driver may offer takes and returns. Which transport kinds offer which
 * operation is the transports' to say (`Transports.supports`), not the broker's.
 */
export interface DriverOperations {
  'sql.query': { input: SqlQueryRun; output: SqlQueryResult };
  'smtp.send': { input: SmtpMessage; output: SmtpSendResult };
  'webhook.send': { input: Required<WebhookSendRequest>; output: WebhookSendResult };
  'mcp.callTool': { input: Required<McpCallRequest>; output: McpCallResult };
  'redis.command': { input: RedisCommandRequest; output: RedisCommandResult };
}
export type DriverOperation = keyof DriverOperations;

/** The protocol clients (drivers, nodemailer, fetch, MCP). Node-only; the broker stays pure. */
export interface Transports {
  http(request: PreparedHttpRequest): Promise<HttpFetchResponse>;
  /**
   * Streams a response body line by line (newline-delimited JSON, e.g. Ollama's pull progress),
   * whatever its status; resolves when the body ends, rejects (TransportError) when `signal`
   * aborts. Lines over maxBodyBytes are cut. Optional: without it, streaming operations are refused.
   */
  httpLines?(request: PreparedHttpRequest, onLine: (line: string) => void, signal: AbortSignal): Promise<{ status: number; statusText: string }>;
  /** Tests a non-HTTP connection (database connect + SELECT 1, SMTP EHLO + auth, webhook ping, MCP list tools). */
  test(kind: string, connection: ResolvedConnection, timeoutMs: number): Promise<TestOutcome>;
  /** Whether the driver for `kind` (a manifest's `transport`) offers `operation`. */
  supports(kind: string, operation: DriverOperation): boolean;
  /** Runs an operation on the driver for `kind`; refused when that driver does not offer it. */
  operate<O extends DriverOperation>(kind: string, operation: O, connection: ResolvedConnection, input: DriverOperations[O]['input']): Promise<DriverOperations[O]['output']>;
  sqlQuery(kind: string, connection: ResolvedConnection, query: SqlQueryRun): Promise<SqlQueryResult>;
  smtpSend(connection: ResolvedConnection, message: SmtpMessage): Promise<SmtpSendResult>;
  webhookSend(connection: ResolvedConnection, request: Required<WebhookSendRequest>): Promise<WebhookSendResult>;
  mcpCallTool(connection: ResolvedConnection, call: Required<McpCallRequest>): Promise<McpCallResult>;
  /**
   * The broker hands its command-line consent to transports that start local processes. A
   * transport that starts one must ask the gate first and refuse to start without it (fail closed).
   */
  useCommandGate?(gate: CommandGate): void;
  /** The command line a stdio MCP connection starts (null: a remote server), as the MCP transport builds it. */
  mcpCommandLine?(connection: ResolvedConnection): Promise<CommandLine | null>;
  /** Drops pooled clients for a connection (after its secret changes or it is deleted). */
  release(connectionId: string): Promise<void>;
  /** OAuth2 sign-in, refresh and revocation (oauth4webapi); absent where the host offers none. */
  oauth2?: OAuth2Protocol;
  close(): Promise<void>;
}

/** A transport failure already classified for the person: "Connection refused", "Timed out after 10 s". */
export class TransportError extends Error {
  readonly code: TestCode;
  constructor(code: TestCode, message: string) {
    super(message);
    this.name = 'TransportError';
    this.code = code;
  }
}

/** A local process a transport is about to start (a stdio MCP server), exactly as it would start it. */
export interface CommandLine {
  command: string;
  args: string[];
  /** Variables set for the process on top of the minimal base environment; values are secrets. */
  env: Record<string, string>;
  cwd?: string;
}

/** What the person is asked to approve: the command line, with the environment's names only. */
export interface CommandApprovalRequest {
  command: string;
  args: string[];
  envNames: string[];
  cwd?: string;
  connectionName: string;
  /** A confirmation that is not a command line (a recovery kit, an export with secrets): shown instead of the line. */
  purpose?: ActionPurpose;
}

/**
 * Asks the person, where the page cannot answer for them, whether a command line may start:
 * a native dialog from Electron's main process, a one-time code printed in the headless host's
 * terminal. Resolves false (never throws) for no; the signal fires on timeout or shutdown.
 */
export interface CommandApprover {
  approve(request: CommandApprovalRequest, signal: AbortSignal): Promise<boolean>;
}

/** Resolves when the command line may start; throws a TransportError('refused') when it may not. */
export type CommandGate = (connection: ResolvedConnection, line: CommandLine) => Promise<void>;

/**
 * A variable as stored (connections.json's `variables`). A secret one keeps its value as a cipher
 * blob (`secretId`), like a connection's secret; `value` is only ever set for a plain one.
 */
export const VariableRecordSchema = z
  .object({
    /** The key; the repository's id. */
    id: z.string().min(1).max(128),
    value: z.string().max(65536).optional(),
    secretId: z.string().min(1).max(200).optional(),
    description: z.string().max(500),
    secret: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .strict();
export type VariableRecord = z.infer<typeof VariableRecordSchema>;

/** One atomic change to variables and the audit events that record it (see ConnectionChange). */
export interface VariableChange {
  put?: VariableRecord[];
  delete?: string[];
  audit: JournaledAuditInput[];
}

/**
 * Variables, journaled exactly like connections: the change and its events in one atomic write.
 * They live in the same document, so the events go into the connections' journal
 * (`ConnectionRepository.pendingAudit`), recovered at start with the rest.
 */
export interface VariableRepository extends Repository<VariableRecord> {
  commit(change: VariableChange): Promise<void>;
}

/** "Used by" counts per connection and user, kept apart from connections.json (see usage/usage-tracker.ts). */
export interface UsageRecord {
  connectionId: string;
  requester: Requester;
  via: UsageVia[];
  count: number;
  lastUsedAt: string;
}

/**
 * Where usage counts live. Saved coalesced (a write every few seconds at most, never one per use):
 * a crash may lose the last few seconds of counts, which is acceptable for a "Used by" figure.
 */
export interface UsageStore {
  load(): readonly UsageRecord[];
  save(records: readonly UsageRecord[]): Promise<void>;
}

/**
 * Agents' config files on this machine (Claude Desktop, a project's `.mcp.json`, VS Code's
 * `mcp.json`), read and replaced by the host: the broker touches no file. The hosts fill it with
 * @latchkey/agent-config/node; omit it and Import from agent configs is unavailable.
 */
export interface AgentConfigFiles {
  /** The agents' usual files that exist here, each with why it cannot be imported as it is (or null). */
  known(): Promise<{ agent: string; path: string; problem: string | null }[]>;
  /** A page-named file's text: an absolute plain path to a regular `.json` file, not a link, bounded in size. */
  read(path: string): Promise<string>;
  /** Backs the file up and replaces it, if it still reads `original`; on failure it is as it was. */
  replace(path: string, original: string, next: string, now: Date): Promise<{ backup: string }>;
  /** How an agent starts `latchkey` here (the words before `mcp-proxy <connection>`), or null when nothing can. */
  readonly launcher: { command: string; args: string[] } | null;
}
