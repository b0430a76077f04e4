import { z } from 'zod';
import { Id, IsoDate, Requester } from './common.js';

/**
 * What programs use connections through (issue 12): variables, templates resolved by the broker,
 * environment overrides for CI and "Used by" counts. Secret values only ever travel inwards here:
 * no output schema in this file has a field that can hold one.
 */

/** `LATCHKEY_VAR_<KEY>` names it in the environment, `{{ var.<key> }}` in a template. */
export const VariableKey = z
  .string()
  .trim()
  .min(1, 'A key is required')
  .max(128, 'A key is at most 128 characters')
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'A key starts with a letter or _ and holds letters, digits and _ only');

/** A variable as the renderer sees it: a secret one shows `valueSet`, never its value. */
export const Variable = z.strictObject({
  key: VariableKey,
  /** Null for a secret variable (write-only) and for one whose value comes only from the environment. */
  value: z.string().nullable(),
  description: z.string().max(500),
  secret: z.boolean(),
  /** "set" once a secret value is stored; null for a plain variable. */
  secretState: z.enum(['set', 'invalid']).nullable(),
  /** `LATCHKEY_VAR_<KEY>` is set: it wins over the stored value. */
  overridden: z.boolean(),
  /** Only in the environment (no stored record). */
  environmentOnly: z.boolean(),
  createdAt: IsoDate.nullable(),
  updatedAt: IsoDate.nullable(),
});
export type Variable = z.infer<typeof Variable>;

/**
 * Creates a variable or changes one. `value` left out keeps the stored value (a description
 * edit); a secret value is write-only and is replaced by sending a new one.
 */
export const SetVariableInput = z.strictObject({
  key: VariableKey,
  value: z.string().max(65536).optional(),
  description: z.string().max(500).optional(),
  secret: z.boolean().optional(),
});
export type SetVariableInput = z.input<typeof SetVariableInput>;

export const VariableKeyInput = z.strictObject({ key: VariableKey });

/** A template the broker resolves: `{{ conn.<id or name>.<field> }}`, `{{ var.<key> }}`. */
export const TemplateText = z.string().max(65536, 'A template is at most 64 KiB');
export const RenderTemplateInput = z.strictObject({ template: TemplateText });

/** Where a resolved value came from: the environment wins over the store, the store over defaults. */
export const ValueSource = z.enum(['environment', 'store', 'default']);
export type ValueSource = z.infer<typeof ValueSource>;

export const TemplateReference = z.strictObject({
  /** As written, e.g. `conn.warehouse.host`. */
  expression: z.string().max(300),
  secret: z.boolean(),
  source: ValueSource,
  connectionId: Id.optional(),
});
export type TemplateReference = z.infer<typeof TemplateReference>;

/** What the renderer's template tester gets: the text with every secret masked, and what it used. */
export const RenderedTemplatePreview = z.strictObject({
  masked: z.string(),
  references: z.array(TemplateReference),
});
export type RenderedTemplatePreview = z.infer<typeof RenderedTemplatePreview>;

/** An active `LATCHKEY_CONN_<ID>`: which fields it sets (names only; its secrets stay in memory). */
export const ConnectionOverride = z.strictObject({
  connectionId: Id,
  /** The environment variable's name. */
  variable: z.string().max(200),
  providerId: z.string().max(64),
  fields: z.array(z.string().max(64)),
  /** No stored connection has this id: the connection exists only in the environment. */
  environmentOnly: z.boolean(),
});
export type ConnectionOverride = z.infer<typeof ConnectionOverride>;

export const OverridesList = z.strictObject({
  connections: z.array(ConnectionOverride),
  /** Keys set by `LATCHKEY_VAR_<KEY>`. */
  variables: z.array(VariableKey),
  /** Environment entries that were not used, and why (names only). */
  problems: z.array(z.strictObject({ variable: z.string().max(200), message: z.string().max(500) })),
});
export type OverridesList = z.infer<typeof OverridesList>;

/** How a connection was used: a consent grant, an in-process executor, a template, a SecretRef operation. */
export const UsageVia = z.enum(['grant', 'executor', 'template', 'ref']);
export type UsageVia = z.infer<typeof UsageVia>;

export const ConnectionUser = z.strictObject({
  requester: Requester,
  via: z.array(UsageVia),
  count: z.number().int().nonnegative(),
  lastUsedAt: IsoDate,
});
export type ConnectionUser = z.infer<typeof ConnectionUser>;

/** "Used by N": who used a connection, how often, last when. Kept apart from connections.json. */
export const ConnectionUsage = z.strictObject({
  connectionId: Id,
  users: z.array(ConnectionUser),
});
export type ConnectionUsage = z.infer<typeof ConnectionUsage>;
