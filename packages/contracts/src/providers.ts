import { z } from 'zod';
import { Json } from './common.js';
import { patternProblem } from './field-pattern.js';

export const FieldType = z.enum(['string', 'number', 'boolean', 'select', 'json', 'file']);
export type FieldType = z.infer<typeof FieldType>;

/** A field is shown (and validated) only when every condition holds. */
export const Condition = z.strictObject({
  field: z.string(),
  equals: Json.optional(),
  in: z.array(Json).optional(),
  notEquals: Json.optional(),
});
export type Condition = z.infer<typeof Condition>;

export const FieldName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/, 'Field names are identifiers');

/**
 * What a field means to the broker. The roles that decide where a secret goes (see
 * TARGET_ROLES) bind the connection's stored secrets: change one and they are dropped.
 */
export const FieldRole = z.enum(['target', 'host', 'port', 'database', 'tls', 'timeout', 'username', 'url', 'command', 'args', 'file']);
export type FieldRole = z.infer<typeof FieldRole>;

/** Roles whose value decides where a secret is sent (a host, a URL, a command line, a file). */
export const TARGET_ROLES: ReadonlySet<FieldRole> = new Set<FieldRole>(['target', 'host', 'port', 'url', 'command', 'args', 'file']);

export const FieldSpec = z.strictObject({
  name: FieldName,
  label: z.string().min(1),
  type: FieldType,
  required: z.boolean().default(false),
  default: Json.optional(),
  placeholder: z.string().optional(),
  help: z.string().optional(),
  secret: z.boolean().default(false),
  options: z.array(z.strictObject({ value: z.string(), label: z.string() })).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  /** RE2 syntax, run in linear time (field-pattern.ts); refused here when it cannot be. */
  pattern: z
    .string()
    .superRefine((p, ctx) => {
      const problem = patternProblem(p);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  format: z.enum(['url', 'email', 'host']).optional(),
  showWhen: z.array(Condition).optional(),
  role: FieldRole.optional(),
});
export type FieldSpec = z.infer<typeof FieldSpec>;
export type FieldSpecInput = z.input<typeof FieldSpec>;

/**
 * A template string: `{{config.host}}`, `{{secret.token}}`. Only the broker expands
 * `secret.*`, so a manifest can say how to authenticate without ever seeing the value.
 */
export const Template = z.string().max(2000);

export const HttpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
export type HttpMethod = z.infer<typeof HttpMethod>;

/**
 * The protocol the broker speaks for a provider: it picks the driver that tests the connection and
 * runs its operations (packages/transports/src/drivers/<kind>/). Only kinds with a driver are here.
 */
export const TransportKind = z.enum(['http', 'webhook', 'postgres', 'mysql', 'sqlite', 'mssql', 'smtp', 'mcp', 'redis']);
export type TransportKind = z.infer<typeof TransportKind>;

/** Fields of `test` that only an HTTP test reads, and the one only a webhook test reads. */
const HTTP_TEST_KEYS = ['method', 'path', 'headers', 'okStatus', 'collect'] as const;

/**
 * How the broker tests a connection beyond what its transport's driver does by itself: the request
 * an HTTP provider's test makes, the payload a webhook test delivers. Other transports need none.
 */
export const TestSpec = z.strictObject({
  /** The older place for the manifest's `transport`; still read, lifted to the top level on parse. */
  transport: TransportKind.optional(),
  method: HttpMethod.optional(),
  /** Path appended to the connection's base URL; a template. */
  path: Template.optional(),
  headers: z.record(z.string(), Template).optional(),
  /** Statuses that count as success; default 2xx. */
  okStatus: z.array(z.number().int()).optional(),
  /** Non-secret facts to show after a successful test, e.g. Ollama's model names. */
  collect: z.strictObject({ as: z.string(), array: z.string(), field: z.string() }).optional(),
  /** What a webhook test delivers; default {"test": true}. Slack and Discord refuse a message without text. */
  payload: Json.optional(),
});
export type TestSpec = Omit<z.infer<typeof TestSpec>, 'transport'>;

export const AuthRule = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none'), when: z.array(Condition).optional() }),
  z.strictObject({ type: z.literal('header'), name: z.string().min(1), value: Template, when: z.array(Condition).optional() }),
  z.strictObject({ type: z.literal('query'), name: z.string().min(1), value: Template, when: z.array(Condition).optional() }),
  z.strictObject({ type: z.literal('basic'), username: Template, password: Template, when: z.array(Condition).optional() }),
  z.strictObject({ type: z.literal('oauth2'), when: z.array(Condition).optional() }),
]);
export type AuthRule = z.infer<typeof AuthRule>;

export const ProviderCategory = z.enum(['database', 'http', 'email', 'webhook', 'ai', 'oauth2', 'mcp', 'other']);
export type ProviderCategory = z.infer<typeof ProviderCategory>;

export const ProviderId = z.string().min(1).max(100).regex(/^[a-z0-9][a-z0-9._-]*$/, 'Provider ids are lower-case, like "http" or "acme.crm"');

export const ProviderManifest = z.strictObject({
  id: ProviderId,
  name: z.string().min(1).max(100),
  description: z.string().max(500).default(''),
  /** An emoji or a short text badge; never a remote URL (the renderer loads nothing remote). */
  icon: z.string().max(8).default('🔌'),
  category: ProviderCategory,
  fields: z.array(FieldSpec).min(1),
  /** Base URL template for HTTP-like providers; http.fetch is pinned to its origin. */
  baseUrl: Template.optional(),
  /** One-line target shown in the list, e.g. "{{config.host}}:{{config.port}}/{{config.database}}". */
  summary: Template.optional(),
  /** Which driver tests the connection and runs its operations. */
  transport: TransportKind.optional(),
  test: TestSpec.default({}),
  authenticate: z.array(AuthRule).default([]),
  /** Which operation scopes make sense for this provider. */
  operations: z.array(z.enum(['http.fetch', 'sql.query', 'smtp.send', 'webhook.send', 'mcp.callTool', 'redis.command'])).default([]),
})
  .superRefine((m, ctx) => {
    const kind = m.transport ?? m.test.transport;
    if (!kind) {
      ctx.addIssue({ code: 'custom', path: ['transport'], message: 'A provider names its transport, e.g. "transport": "http"' });
      return;
    }
    if (m.transport && m.test.transport && m.transport !== m.test.transport) {
      ctx.addIssue({ code: 'custom', path: ['test', 'transport'], message: `The test names the transport ${m.test.transport}, the provider ${m.transport}` });
    }
    for (const key of HTTP_TEST_KEYS) {
      if (kind !== 'http' && m.test[key] !== undefined) ctx.addIssue({ code: 'custom', path: ['test', key], message: `Only an HTTP provider's test has a ${key}` });
    }
    if (kind !== 'webhook' && m.test.payload !== undefined) ctx.addIssue({ code: 'custom', path: ['test', 'payload'], message: "Only a webhook provider's test has a payload" });
  })
  // One shape after parsing: the transport at the top, whichever place the manifest named it in.
  .transform(({ transport, test: { transport: named, ...test }, ...manifest }) => ({ ...manifest, transport: (transport ?? named) as TransportKind, test: test as TestSpec }));
export type ProviderManifest = z.infer<typeof ProviderManifest>;
export type ProviderManifestInput = z.input<typeof ProviderManifest>;

/** What the UI sees of a provider: the manifest plus whether its extension is up. */
export const ProviderInfo = z.strictObject({
  manifest: ProviderManifest,
  extensionId: z.string(),
  available: z.boolean(),
});
export type ProviderInfo = z.infer<typeof ProviderInfo>;

/**
 * The fields a provider's stored secrets are bound to: those with a target role, and those its
 * `baseUrl` template reads (an HTTP credential goes wherever that URL points). A manifest that
 * marks no role at all gets every non-secret field: without roles nothing says which field is
 * harmless to change, so none is.
 */
export function targetFields(manifest: Pick<ProviderManifest, 'fields' | 'baseUrl'>): FieldSpec[] {
  const fromBaseUrl = new Set([...(manifest.baseUrl ?? '').matchAll(/\{\{\s*config\.([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]));
  if (!manifest.fields.some((f) => f.role !== undefined)) return manifest.fields.filter((f) => !f.secret);
  return manifest.fields.filter((f) => !f.secret && ((f.role !== undefined && TARGET_ROLES.has(f.role)) || fromBaseUrl.has(f.name)));
}
