import { z } from 'zod';
import { Id, IsoDate } from './common.js';
import { ConfigValues, ConnectionStatus } from './connections.js';
import { ProviderCategory, ProviderId, ProviderManifest } from './providers.js';

export const ExtensionId = z.string().min(1).max(214).regex(/^(@[a-z0-9-]+\/)?[a-z0-9][a-z0-9._-]*$/, 'An npm-style package name');

/** A command's name, as `ctx.commands.register` takes it (the SDK's COMMAND_NAME). */
export const ExtensionCommandName = z.string().regex(/^[A-Za-z][A-Za-z0-9._-]{0,99}$/, 'Command names are identifiers like "listRepositories"');

/** A command an extension declares in `latchkey.contributes.commands`: only these can be run from the app. */
export const ExtensionCommand = z.strictObject({ id: ExtensionCommandName, title: z.string().min(1).max(100) });
export type ExtensionCommand = z.infer<typeof ExtensionCommand>;

const ContributedCommands = z
  .array(ExtensionCommand)
  .max(50)
  .refine((commands) => new Set(commands.map((c) => c.id)).size === commands.length, 'Each command id may be declared once')
  .default([]);

/** The `latchkey` key of an extension's package.json. */
export const ExtensionPackageManifest = z.strictObject({
  displayName: z.string().min(1).max(100),
  contributes: z.strictObject({ providers: z.array(ProviderManifest).default([]), commands: ContributedCommands }).default({ providers: [], commands: [] }),
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
  /** The commands it declares (`latchkey.contributes.commands`), which the Extensions screen can run. */
  commands: z.array(ExtensionCommand).optional(),
});
export type ExtensionInfo = z.infer<typeof ExtensionInfo>;

export const RunExtensionCommandInput = z.strictObject({ id: ExtensionId, command: ExtensionCommandName });
/** What a command returned, as text (JSON unless it returned a string), masked and cut to a bound. */
export const RunExtensionCommandResult = z.strictObject({ text: z.string(), truncated: z.boolean() });
export type RunExtensionCommandResult = z.infer<typeof RunExtensionCommandResult>;

/** A folder the person typed, to install an extension from (its full path). */
export const ExtensionFolderInput = z.strictObject({ path: z.string().min(1).max(4096) });
/** What the consent to install shows: who publishes it and everything it contributes. */
export const ExtensionFolderPreview = z.strictObject({
  id: ExtensionId,
  displayName: z.string(),
  version: z.string(),
  publisher: z.string().nullable(),
  providers: z.array(z.strictObject({ id: ProviderId, name: z.string() })),
  commands: z.array(ExtensionCommand),
  /** Whether it runs code (a `main` module), not only declares providers. */
  hasCode: z.boolean(),
  files: z.number().int().nonnegative(),
  /** SHA-256 over every file's path and content: what the person agreed to is what gets installed. */
  digest: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ExtensionFolderPreview = z.infer<typeof ExtensionFolderPreview>;
/** The id the person saw in the preview: the install is refused if the folder now says otherwise. */
export const InstallExtensionInput = z.strictObject({ path: z.string().min(1).max(4096), id: ExtensionId });

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
