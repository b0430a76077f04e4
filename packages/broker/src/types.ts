import type { OllamaOptions } from './ollama/ollama-options.js';
import type {
  AppChannels,
  AuditEventInput,
  AppEvents,
  ExtensionChannels,
  ExtensionFolderPreview,
  ExtensionInfo,
  Json,
  Handlers,
  ProviderInfo,
  ProviderManifest,
  Requester,
  RequesterChannels,
  RequesterKind,
  StoreProblem,
} from '@latchkey/contracts';
import type { AuditRate, AuditTimer } from './audit/rate-limit.js';
import type { z } from 'zod';
import type { AgentConfigFiles, AuditAnchorStore, AuditSink, StoreSeqs, Cipher, Clock, CommandApprover, ConnectionRepository, ConsentPrompter, GrantRepository, MasterKeyVault, SecretStore, StoreGenerationsPort, Transports, UsageStore, VariableRepository } from './ports.js';
import type { ProgramsApi } from './programs/programs-api.js';

/** Who is calling. Set by the transport from the sender it verified, never from the payload. */
export interface CallContext {
  requester: Requester;
}

/** The extension host, as the broker sees it (Extensions screen). */
export interface ExtensionController {
  list(): ExtensionInfo[];
  setEnabled(id: string, enabled: boolean): Promise<ExtensionInfo>;
  /** Crashes, restarts, state changes: the broker forwards them as `extensions:changed`. */
  onChange?(listener: () => void): () => void;
  /** Runs a command the extension registered, in its own process, bounded by the host's timeout. */
  runCommand?(extensionId: string, command: string): Promise<Json>;
  /** Reads an extension folder the person typed, for the install consent; changes nothing. */
  inspectFolder?(path: string): Promise<ExtensionFolderPreview>;
  /** Copies the folder into the extensions folder and starts it, if it still is exactly what the person confirmed (id and fingerprint). */
  installFromFolder?(path: string, expected: { id: string; digest: string }): Promise<ExtensionInfo>;
}

export interface BrokerPorts {
  cipher: Cipher;
  connections: ConnectionRepository;
  grants: GrantRepository;
  secrets: SecretStore;
  audit: AuditSink;
  transports: Transports;
  /** Omit to use the broker's own event prompter (pushes `consent:prompt`, waits for `consent:respond`). */
  prompter?: ConsentPrompter;
  /**
   * Who approves a local command line before a transport starts it (Electron: a native dialog).
   * Omit it and give `announceCommandCode` for the one-time code the headless host prints; omit
   * both and no command line ever starts.
   */
  commandApprover?: CommandApprover;
  /** Headless: prints a command prompt's one-time code where the page cannot read it (the terminal). */
  announceCommandCode?: (line: string) => void;
  clock?: Clock;
  /**
   * Opens an OAuth2 sign-in page in the system browser (Electron: shell.openExternal). Only URLs
   * the broker built are passed. Absent (headless): the page opens the link itself.
   */
  openExternal?: (url: string) => Promise<void>;
  host: 'electron' | 'headless';
  /** Problems the store found at load (corrupt files moved aside). */
  storeProblems?: () => StoreProblem[];
  /** Last good generations of the store files, to restore from after damage. */
  generations?: StoreGenerationsPort;
  /** The key behind `cipher` when the host owns one (headless): rotation and recovery kits. */
  keys?: MasterKeyVault;
  options?: Partial<BrokerOptions>;
  /** Variables (connections.json's `variables`); omit and variables cannot be saved. */
  variables?: VariableRepository;
  /** Where "Used by" counts are saved, coalesced (a file of their own); omit to keep them in memory. */
  usage?: UsageStore;
  /**
   * `LATCHKEY_CONN_<ID>` / `LATCHKEY_VAR_<KEY>` entries, read by the composition root (the broker
   * reads no environment). Other names are ignored; values stay in memory.
   */
  environment?: Readonly<Record<string, string | undefined>>;
  /** Agents' config files (Import from agent configs); omit and that import is unavailable. */
  agentConfigs?: AgentConfigFiles;
  /**
   * Where the audit log's anchor is kept outside the data folder (the OS keychain). Omit it and a
   * rollback of the whole data folder to an older copy cannot be detected (the status says so).
   */
  auditAnchor?: AuditAnchorStore;
  /** Without an anchor: why, in words, for the audit status ("the master key comes from LATCHKEY_MASTER_KEY …"). */
  auditAnchorAbsent?: string | undefined;
  /** The store files' durable journal seqs (each only grows; null when unknown): anchored with the audit head. */
  storeSeqs?: () => StoreSeqs;
}

export interface BrokerOptions {
  consentTimeoutMs: number;
  /** How long a command-line prompt waits for the person before it denies. */
  commandConsentTimeoutMs: number;
  onceRefTtlMs: number;
  testTimeoutMs: number;
  /** How long an OAuth2 sign-in waits for the browser's redirect (default 5 minutes). */
  oauth2SignInTimeoutMs?: number;
  /** Device flow: the poll interval when the provider names none (default 5 s, RFC 8628). */
  oauth2DeviceIntervalMs?: number;
  /** Denials within the window after which a requester is throttled instead of prompted. */
  throttleDenials: number;
  throttleWindowMs: number;
  /** Audit events per requester kind (token buckets, taken before anything is written); defaults in audit/rate-limit.ts. */
  auditRates?: Record<RequesterKind, AuditRate>;
  /** The audit budget's time (refill and waiting); monotonic real time by default, a test may drive it. */
  auditTimer?: AuditTimer;
  /** How often the audit anchor follows the log: every `events` durable events or `ms` (defaults in audit/audit-anchor.ts), and at close. */
  auditAnchorEvery?: { events: number; ms: number };
  /** Ollama model operations' bounds (ollama/ollama-service.ts); defaults there. */
  ollama?: Partial<OllamaOptions>;
}

export type EventName = keyof AppEvents;
export type EventPayload<K extends EventName> = z.output<AppEvents[K]>;

export interface ProviderRegistryApi {
  register(manifest: unknown, extensionId: string): ProviderManifest;
  /** Reserves a built-in pack's provider ids: no other pack can register them, even while it is disabled. */
  reserve(providerIds: readonly string[], extensionId: string): void;
  unregisterExtension(extensionId: string): void;
  setAvailable(extensionId: string, available: boolean): void;
  list(): ProviderInfo[];
  get(id: string): ProviderInfo | undefined;
}

export interface Broker {
  /** Handlers for the renderer's channels; bind with createDispatcher(appChannels, broker.app). */
  readonly app: Handlers<AppChannels, CallContext>;
  /** Handlers for extensions' and agents' channels; the host supplies the requester. */
  readonly extension: Handlers<ExtensionChannels, CallContext>;
  /** Handlers for the local requester socket (CLI, `latchkey mcp`); the socket server supplies the requester it issued. */
  readonly requester: Handlers<RequesterChannels, CallContext>;
  /** A socket requester's session ended: its open prompts are denied and its live refs die. */
  endRequesterSession(requester: Pick<Requester, 'kind' | 'id'>, reason: string): void;
  readonly providers: ProviderRegistryApi;
  on<K extends EventName>(event: K, listener: (payload: EventPayload<K>) => void): () => void;
  attachExtensions(controller: ExtensionController): void;
  /** For adapters (the extension host) that must audit what only they see: crashes, state changes. */
  recordAudit(event: AuditEventInput): Promise<void>;
  /** Denies every open consent prompt (window closed, renderer crashed, app quitting). */
  abortConsent(reason: string): void;
  /** Denies one requester's open prompts (its extension crashed or was disabled). */
  abortConsentFor(requester: Pick<Requester, 'kind' | 'id'>, reason: string): void;
  /**
   * Settles when start-up recovery is done: audit events a crash kept out of the log appended (in
   * order, before any new event), blobs no record points at swept. Never rejects.
   */
  readonly ready: Promise<void>;
  /** What programs use: templates for requesters, in-process executors, variables (programs/programs-api.ts). */
  readonly programs: ProgramsApi;
  close(): Promise<void>;
}
