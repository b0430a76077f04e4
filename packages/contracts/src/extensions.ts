import { z } from 'zod';
import { Id, IsoDate } from './common.js';
import { ConfigValues, ConnectionStatus } from './connections.js';
import { ProviderCategory, ProviderId, ProviderManifest } from './providers.js';

export const ExtensionId = z.string().min(1).max(214).regex(/^(@[a-z0-9-]+\/)?[a-z0-9][a-z0-9._-]*$/, 'An npm-style package name');

/** The `latchkey` key of an extension's package.json. */
export const ExtensionPackageManifest = z.strictObject({
  displayName: z.string().min(1).max(100),
  contributes: z.strictObject({ providers: z.array(ProviderManifest).default([]) }).default({ providers: [] }),
  /** Entry module with `activate(ctx)`, relative to the package; providers-only packs have none. */
  main: z.string().optional(),
});
export type ExtensionPackageManifest = z.infer<typeof ExtensionPackageManifest>;

export const ExtensionState = z.enum(['running', 'stopped', 'crashed', 'disabled', 'restarting', 'manifest-only']);
export const ExtensionInfo = z.strictObject({
  id: ExtensionId,
  displayName: z.string(),
  version: z.string(),
  builtIn: z.boolean(),
  enabled: z.boolean(),
  state: ExtensionState,
  providers: z.array(ProviderId),
  lastError: z.string().nullable(),
  restarts: z.number().int(),
  since: IsoDate.nullable(),
  /** Whether the runtime confines the extension's file access to its own folder. */
  isolation: z.enum(['confined', 'unconfined']).optional(),
});
export type ExtensionInfo = z.infer<typeof ExtensionInfo>;

export const SetExtensionEnabledInput = z.strictObject({ id: ExtensionId, enabled: z.boolean() });

export const ExtensionConnectionsQuery = z
  .strictObject({ providerId: ProviderId.optional(), category: ProviderCategory.optional() })
  .default({});

/**
 * A connection as an extension or agent sees it. Without a grant: what it needs to choose one
 * (id, name, provider, default, status) — not its settings nor its test messages. `config` and
 * `secretFields` only for a connection the requester holds an active grant on.
 */
export const ExtensionConnection = z.strictObject({
  id: Id,
  name: z.string(),
  providerId: ProviderId,
  isDefault: z.boolean(),
  status: ConnectionStatus,
  config: ConfigValues.optional(),
  secretFields: z.record(z.string(), z.enum(['set', 'invalid'])).optional(),
});
export type ExtensionConnection = z.infer<typeof ExtensionConnection>;
