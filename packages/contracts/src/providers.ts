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
  /** How a `json` field is edited: `keyValue`, rows of names and values (headers, environment variables). */
  editor: z.enum(['keyValue']).optional(),
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
export const TransportKind = z.enum(['http', 'webhook', 'postgres', 'mysql', 'sqlite', 'mssql', 'smtp', 'mcp', 'redis', 'oauth2']);
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

/**
 * How an OAuth2 provider signs in. URLs are templates: fixed ("https://github.com/login/oauth/…")
 * or read from settings ("{{config.issuer}}/token"); every field they read is part of the
 * target the stored tokens are bound to (targetFields), as is the client id.
 */
export const OAuth2Spec = z.strictObject({
  grant: z.enum(['authorization_code', 'client_credentials', 'device_code']).default('authorization_code'),
  authorizeUrl: Template.optional(),
  /** Required unless the endpoints are discovered (`discover`). */
  tokenUrl: Template.optional(),
  /**
   * The MCP authorization spec: the endpoints are discovered from the protected resource at
   * `resourceUrl` (RFC 9728 metadata, then the authorization server's RFC 8414 metadata), the
   * client registers itself where the server offers it (RFC 7591), and every authorization and
   * token request names the resource (RFC 8707).
   */
  discover: z.literal('resource').optional(),
  resourceUrl: Template.optional(),
  /** RFC 7009: where tokens are revoked when the connection is deleted. */
  revocationUrl: Template.optional(),
  /** RFC 8628: the device authorization endpoint, for `grant: device_code`. */
  deviceAuthorizationUrl: Template.optional(),
  /** OpenID providers: a nonce is sent and the ID token's issuer and nonce are checked. */
  issuer: Template.optional(),
  /** The scopes the form offers; those marked `default` are chosen until the person changes them. */
  scopes: z.array(z.strictObject({ value: z.string().min(1).max(200).regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'A scope is printable ASCII without spaces, quotes or backslashes'), label: z.string().max(200).optional(), default: z.boolean().default(false) })).max(100).default([]),
  /** The config field holding the chosen scopes, space-separated. */
  scopesField: FieldName.default('scopes'),
  /** PKCE is not optional: a desktop app cannot keep a client secret (RFC 8252). */
  pkce: z.literal('S256').default('S256'),
  /** Where the client id and secret come from: fields the person fills (an app ships no secret). */
  clientIdField: FieldName.default('clientId'),
  clientSecretField: FieldName.optional(),
  clientAuth: z.enum(['none', 'client_secret_post', 'client_secret_basic']).optional(),
  /** Extra parameters for the authorization URL (Google's access_type=offline); never one the protocol sets. */
  authorizeParams: z.record(z.string().regex(/^[a-z_]{1,40}$/), z.string().max(200)).optional(),
  /** For providers that report a token's lifetime in another member of a 200 body than `expires_in`. */
  expiresInBody: z.strictObject({ field: z.string().min(1).max(100), unit: z.enum(['seconds', 'epoch-seconds']).default('seconds') }).optional(),
});
export type OAuth2Spec = z.infer<typeof OAuth2Spec>;

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
  /** How an OAuth2 connection signs in and refreshes (the broker keeps the tokens). */
  oauth2: OAuth2Spec.optional(),
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
export function targetFields(manifest: Pick<ProviderManifest, 'fields' | 'baseUrl'> & { oauth2?: OAuth2Spec | undefined }): FieldSpec[] {
  // OAuth2 tokens go to the token URL and are minted for one client: those fields bind them too.
  const o = manifest.oauth2;
  const templates = [manifest.baseUrl, o?.resourceUrl, o?.authorizeUrl, o?.tokenUrl, o?.revocationUrl, o?.deviceAuthorizationUrl, o?.issuer, o ? `{{config.${o.clientIdField}}}` : undefined].join(' ');
  const fromBaseUrl = new Set([...templates.matchAll(/\{\{\s*config\.([A-Za-z0-9_]+)\s*\}\}/g)].map((m) => m[1]));
  if (!manifest.fields.some((f) => f.role !== undefined)) return manifest.fields.filter((f) => !f.secret);
  return manifest.fields.filter((f) => !f.secret && ((f.role !== undefined && TARGET_ROLES.has(f.role)) || fromBaseUrl.has(f.name)));
}
