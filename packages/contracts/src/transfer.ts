import { z } from 'zod';
import { Id } from './common.js';
import { ConfigValues, SecretValues } from './connections.js';
import { ProviderId } from './providers.js';

/**
 * Moving connections between machines and people: an export without secrets (to share a setup),
 * an encrypted bundle with them (passphrase, scrypt + AES-256-GCM; the person confirms where the
 * page cannot), and imports of either, of `.env` files and of connection URIs.
 */
export const TRANSFER_PASSPHRASE_MIN = 12;
/** The largest file an import reads (well under the 1 MiB message limit). */
export const IMPORT_MAX_CHARS = 512 * 1024;
export const IMPORT_MAX_ITEMS = 1000;

const Passphrase = z.string().min(1).max(1024);

export const ExportConnectionsInput = z.strictObject({
  /** The connections to export; all live ones when left out. */
  ids: z.array(Id).max(IMPORT_MAX_ITEMS).optional(),
  /** With secrets: an encrypted bundle, after the person confirms where the page cannot. */
  withSecrets: z.boolean().default(false),
  passphrase: Passphrase.optional(),
});
export type ExportConnectionsInput = z.input<typeof ExportConnectionsInput>;

export const ExportConnectionsResult = z.strictObject({
  text: z.string(),
  fileName: z.string(),
  count: z.number().int().nonnegative(),
  withSecrets: z.boolean(),
  /** Connections whose secrets could not be read (wrong key, unreadable blob): exported without them. */
  withoutSecrets: z.array(z.string()),
});
export type ExportConnectionsResult = z.infer<typeof ExportConnectionsResult>;

export const ImportSource = z.strictObject({
  text: z.string().min(1).max(IMPORT_MAX_CHARS),
  /** Only for an encrypted bundle. */
  passphrase: Passphrase.optional(),
});
export type ImportSource = z.input<typeof ImportSource>;

export const ImportKind = z.enum(['export', 'bundle', 'env', 'uri']);
export type ImportKind = z.infer<typeof ImportKind>;

export const ImportItem = z.strictObject({
  index: z.number().int().nonnegative(),
  providerId: ProviderId,
  providerName: z.string(),
  name: z.string(),
  /** The readable settings it brings; secrets are never in here. */
  config: ConfigValues,
  /** Secret fields it brings values for (names only). */
  secretsIncluded: z.array(z.string()),
  /** Required secret fields it lacks: asked for, or the connection lands as "Secret missing". */
  secretsMissing: z.array(z.strictObject({ name: z.string(), label: z.string() })),
  /** A live connection of the same provider and name. `sameTarget`: its stored secrets would stay. */
  match: z.strictObject({ id: Id, name: z.string(), sameTarget: z.boolean() }).nullable(),
  /** Why it cannot be imported as it is (unknown provider, invalid settings); null when it can. */
  problem: z.string().nullable(),
});
export type ImportItem = z.infer<typeof ImportItem>;

export const ImportPreview = z.strictObject({
  kind: ImportKind,
  items: z.array(ImportItem),
  /** `.env` names that became no connection (names only, never values). */
  ignored: z.array(z.string()),
});
export type ImportPreview = z.infer<typeof ImportPreview>;

/** What to do with an item: a match is skipped, replaced or kept beside it (a new name); no match is created unless skipped. */
export const ImportAction = z.enum(['skip', 'replace', 'keep-both']);
export type ImportAction = z.infer<typeof ImportAction>;

export const ApplyImportInput = z.strictObject({
  text: ImportSource.shape.text,
  passphrase: Passphrase.optional(),
  choices: z
    .array(
      z.strictObject({
        index: z.number().int().nonnegative(),
        action: ImportAction,
        /** Secrets the person typed for what the file lacks. */
        secrets: SecretValues.optional(),
      }),
    )
    .max(IMPORT_MAX_ITEMS)
    .default([]),
});
export type ApplyImportInput = z.input<typeof ApplyImportInput>;

export const ImportResult = z.strictObject({
  created: z.array(Id),
  replaced: z.array(Id),
  skipped: z.number().int().nonnegative(),
  /** Imported, but a required secret is still missing. */
  secretMissing: z.array(Id),
});
export type ImportResult = z.infer<typeof ImportResult>;
