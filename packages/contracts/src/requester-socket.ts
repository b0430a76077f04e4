import { z } from 'zod';
import { extensionChannels } from './channels.js';
import type { ChannelMap } from './channels.js';
import { Connection, ConnectionIdInput, ConnectionStatus, CreateConnectionInput, TestResult } from './connections.js';
import { ErrorPayload } from './errors.js';
import { ProviderCategory, ProviderId } from './providers.js';
import { Id, Requester } from './common.js';
import { VariableAccessRequestInput, VariableAccessResponse } from './consent.js';
import { RenderTemplateInput, SetVariableInput, TemplateReference, Variable, VariableKey, VariableKeyInput } from './programs.js';
import { SecretRef } from './secrets.js';

/**
 * The local requester socket: how programs (the `latchkey` CLI) and agents (`latchkey mcp`)
 * outside the app's process reach the running broker. A Unix domain socket in the data folder,
 * one JSON text per line, every frame parsed here. The first frame proves the caller can read
 * the per-user token file; the broker then ISSUES the connection its identity. Nothing a client
 * sends can name a requester: the name it states is a display label only.
 */
export const REQUESTER_SOCKET_FILE = 'latchkey.sock';
export const REQUESTER_TOKEN_FILE = 'requester.token';
/** Longest line either side accepts, in UTF-16 code units; checked while the line arrives. */
export const REQUESTER_MAX_FRAME = 1024 * 1024;

/** Kinds a socket client may ask to be; `app` and `extension` are never given out here. */
export const SocketRequesterKind = z.enum(['program', 'agent']);
export type SocketRequesterKind = z.infer<typeof SocketRequesterKind>;

export const HelloFrame = z.strictObject({
  type: z.literal('hello'),
  token: z.string().min(1).max(256),
  kind: SocketRequesterKind,
  /** What the client calls itself: shown to the person as a stated label, never trusted. */
  name: z.string().trim().min(1).max(100),
});
export type HelloFrame = z.infer<typeof HelloFrame>;

export const CallFrame = z.strictObject({
  type: z.literal('call'),
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  channel: z.string().min(1).max(100),
  input: z.unknown(),
});
export type CallFrame = z.infer<typeof CallFrame>;

export const ClientFrame = z.discriminatedUnion('type', [HelloFrame, CallFrame]);

export const WelcomeFrame = z.strictObject({ type: z.literal('welcome'), requester: Requester });
export const ResultFrame = z.strictObject({
  type: z.literal('result'),
  id: z.number().int(),
  result: z.discriminatedUnion('ok', [
    z.strictObject({ ok: z.literal(true), value: z.unknown() }),
    z.strictObject({ ok: z.literal(false), error: ErrorPayload }),
  ]),
});
/** A fault of the connection itself (bad hello, oversize frame); the server closes after it. */
export const FaultFrame = z.strictObject({ type: z.literal('fault'), error: ErrorPayload });
export const ServerFrame = z.discriminatedUnion('type', [WelcomeFrame, ResultFrame, FaultFrame]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/**
 * What an agent may choose from before it holds any grant: names, types and where each points
 * (the same words the consent modal shows) — never settings beyond that, never a secret.
 */
export const ConnectionCatalogEntry = z.strictObject({
  id: Id,
  name: z.string(),
  providerId: ProviderId,
  providerName: z.string(),
  category: ProviderCategory,
  target: z.string(),
  operations: z.array(z.string()),
  isDefault: z.boolean(),
  status: ConnectionStatus,
});
export type ConnectionCatalogEntry = z.infer<typeof ConnectionCatalogEntry>;

/**
 * How `latchkey mcp-proxy` starts an MCP server for an agent: exactly what the broker resolved for
 * the ref, in the same step (a stdio command line the person approved through the broker's command
 * consent, with its environment; or a remote URL with its token). Never read from settings the
 * proxy fetched separately: those could change between the two reads.
 */
export const McpLaunch = z.discriminatedUnion('transport', [
  z.strictObject({ transport: z.literal('stdio'), command: z.string(), args: z.array(z.string()), env: z.record(z.string(), z.string()), cwd: z.string().optional() }),
  z.strictObject({ transport: z.literal('http'), url: z.string(), token: z.string().nullable() }),
]);
export type McpLaunch = z.infer<typeof McpLaunch>;

/** Every call a socket requester may make: the extension surface plus a catalog and tests. */
export const requesterChannels = {
  ...extensionChannels,
  'connections:catalog': { input: z.strictObject({ category: ProviderCategory.optional() }).default({}), output: z.array(ConnectionCatalogEntry) },
  'connections:test': { input: ConnectionIdInput, output: TestResult },
  /**
   * `latchkey inject`: the template rendered for this requester — connections only through its
   * active grants, secret fields only with `reveal`, a secret variable only through a grant for it
   * (programs' rules), so the text may hold secrets.
   */
  'templates:render': { input: RenderTemplateInput, output: z.strictObject({ text: z.string(), references: z.array(TemplateReference) }) },
  /** `latchkey var get`: a variable's value; a secret one only while a grant for it (`variables:requestAccess`) is active. */
  'variables:get': { input: VariableKeyInput, output: z.strictObject({ key: VariableKey, value: z.string() }) },
  /** Asks the person, in the app's modal, to reveal one secret variable to this requester. */
  'variables:requestAccess': { input: VariableAccessRequestInput, output: VariableAccessResponse },
  /** `latchkey var set`: programs only (an agent is refused), audited as the issued requester. */
  'variables:set': { input: SetVariableInput, output: Variable },
  /**
   * `latchkey import-mcp`: a secret found in an agent's config file moves into a new connection.
   * Programs only; secrets travel inwards only (the answer is the public Connection).
   */
  'connections:import': { input: CreateConnectionInput, output: Connection },
  /** `latchkey mcp-proxy`: programs only; a ref with `reveal` on an MCP connection. */
  'mcp:launch': { input: z.strictObject({ ref: SecretRef }), output: McpLaunch },
} satisfies ChannelMap;
export type RequesterChannels = typeof requesterChannels;
