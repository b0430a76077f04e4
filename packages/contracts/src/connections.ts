import { z } from 'zod';
import { Id, IsoDate, Json, JsonObject } from './common.js';
import { ProviderCategory, ProviderId } from './providers.js';

export const ConnectionStatus = z.enum(['untested', 'ok', 'error', 'invalid', 'expired']);
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

/**
 * Who a connection belongs to. Only "user" exists: shared (workspace) connections need a shared
 * backend and membership that Latchkey does not have, so the contract does not promise them.
 */
export const ConnectionScope = z.literal('user', 'The only scope is "user"');

export const TestCode = z.enum(['ok', 'timeout', 'refused', 'dns', 'tls', 'auth', 'not_found', 'http_status', 'invalid_config', 'other']);
export type TestCode = z.infer<typeof TestCode>;

export const TestResult = z.strictObject({
  ok: z.boolean(),
  latencyMs: z.number().nonnegative(),
  code: TestCode,
  message: z.string(),
  at: IsoDate,
  /** Non-secret facts a test found, e.g. the models an Ollama server has. */
  details: z.record(z.string(), Json).optional(),
});
export type TestResult = z.infer<typeof TestResult>;

export const ConfigValues = z.record(z.string(), Json);
/** Secret values travel only inwards (renderer → broker), never back. */
export const SecretValues = z.record(z.string(), z.string().max(65536));

/** A connection as anyone outside the broker sees it: no secret, only which secret fields are set. */
export const Connection = z.strictObject({
  id: Id,
  providerId: ProviderId,
  name: z.string().min(1).max(120),
  scope: ConnectionScope,
  /** Checked in one non-recursive pass (`JsonObject`): the recursive schema dominated a list's cost. */
  config: JsonObject,
  secretFields: z.record(z.string(), z.enum(['set', 'invalid'])),
  status: ConnectionStatus,
  lastTest: TestResult.nullable(),
  isDefault: z.boolean(),
  createdAt: IsoDate,
  updatedAt: IsoDate,
  deletedAt: IsoDate.nullable(),
});
export type Connection = z.infer<typeof Connection>;

export const ConnectionName = z.string().trim().min(1, 'Name is required').max(120, 'Name is at most 120 characters');

export const CreateConnectionInput = z.strictObject({
  providerId: ProviderId,
  name: ConnectionName,
  scope: ConnectionScope.default('user'),
  config: ConfigValues.default({}),
  secrets: SecretValues.default({}),
});
export type CreateConnectionInput = z.input<typeof CreateConnectionInput>;

export const UpdateConnectionInput = z.strictObject({
  id: Id,
  name: ConnectionName.optional(),
  config: ConfigValues.optional(),
  /** Replaces the named secret fields; fields left out keep their value. */
  secrets: SecretValues.optional(),
});
export type UpdateConnectionInput = z.input<typeof UpdateConnectionInput>;

/** The most rows one page of `connections:list` / `connections:page` carries. */
export const MAX_CONNECTIONS_PAGE = 1000;
/** A page sized for a screen of rows plus the overscan of a windowed list. */
export const DEFAULT_CONNECTIONS_PAGE = 100;
const PageOffset = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const PageLimit = z.int().min(1).max(MAX_CONNECTIONS_PAGE);

export const ListConnectionsInput = z
  .strictObject({
    providerId: ProviderId.optional(),
    category: ProviderCategory.optional(),
    deleted: z.boolean().default(false),
    /** Without `limit`, every match (older callers); with it, at most `limit` from `offset`. */
    offset: PageOffset.optional(),
    limit: PageLimit.optional(),
  })
  .default({ deleted: false });

/** One page of connections in stored order, with how many match in all. */
export const ConnectionsPageInput = z
  .strictObject({
    providerId: ProviderId.optional(),
    category: ProviderCategory.optional(),
    deleted: z.boolean().default(false),
    offset: PageOffset.default(0),
    limit: PageLimit.default(DEFAULT_CONNECTIONS_PAGE),
  })
  .default({ deleted: false, offset: 0, limit: DEFAULT_CONNECTIONS_PAGE });

export const ConnectionsPage = z.strictObject({
  items: z.array(Connection),
  /** Every match of the filter, not only this page's. */
  total: z.int().nonnegative(),
  offset: z.int().nonnegative(),
  limit: z.int().positive(),
});
export type ConnectionsPage = z.infer<typeof ConnectionsPage>;

export const ConnectionIdInput = z.strictObject({ id: Id });

export const SetSecretInput = z.strictObject({ id: Id, field: z.string().min(1), value: z.string().min(1).max(65536) });

export const TestDraftInput = z.strictObject({
  providerId: ProviderId,
  config: ConfigValues.default({}),
  secrets: SecretValues.default({}),
  /** Testing an edit of a saved connection: stored secrets fill the fields left blank. */
  connectionId: Id.optional(),
});
