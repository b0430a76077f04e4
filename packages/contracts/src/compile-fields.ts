import { z } from 'zod';
import { tryParseBoundedJson } from './bounded-json.js';
import type { Json } from './common.js';
import { matchesPattern } from './field-pattern.js';
import type { Condition, FieldSpec } from './providers.js';

export type FieldValues = Record<string, Json | undefined>;

function conditionHolds(c: Condition, values: FieldValues): boolean {
  const v = values[c.field] ?? null;
  if (c.equals !== undefined && v !== c.equals) return false;
  if (c.notEquals !== undefined && v === c.notEquals) return false;
  if (c.in !== undefined && !c.in.some((x) => x === v)) return false;
  return true;
}

export function conditionsHold(conditions: Condition[] | undefined, values: FieldValues): boolean {
  return (conditions ?? []).every((c) => conditionHolds(c, values));
}

/** The fields a form should show for these values. */
export function visibleFields(fields: FieldSpec[], values: FieldValues): FieldSpec[] {
  return fields.filter((f) => conditionsHold(f.showWhen, values));
}

/** Defaults for a new connection's form. */
export function fieldDefaults(fields: FieldSpec[]): FieldValues {
  const out: FieldValues = {};
  for (const f of fields) if (f.default !== undefined && !f.secret) out[f.name] = f.default;
  return out;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

function parseUrl(v: string): URL | null {
  try {
    return new URL(v);
  } catch {
    return null;
  }
}

/**
 * Where the person should put a password found in a URL: the provider's password field, else its
 * first secret field. A plain field is readable by the renderer and listed to extensions, so a
 * credential typed there is refused rather than stored.
 */
function credentialsInUrlMessage(f: FieldSpec, fields: FieldSpec[]): string {
  const secrets = fields.filter((x) => x.secret);
  const target = secrets.find((x) => /password/i.test(x.name)) ?? secrets[0];
  const fix = target ? `Put the password in the ${target.label} field, not in the URL.` : 'Remove them from the URL.';
  return `${f.label} must not contain a user name or password. ${fix}`;
}

function urlSchema(s: z.ZodString, f: FieldSpec, fields: FieldSpec[]): z.ZodType<Json> {
  const http = s.refine((v) => {
    const u = parseUrl(v);
    return u !== null && (u.protocol === 'http:' || u.protocol === 'https:');
  }, `${f.label} must be an http:// or https:// URL`);
  // A secret URL (a Slack or Discord webhook) is itself the credential and is stored encrypted.
  if (f.secret) return http;
  return http.refine(noCredentials, credentialsInUrlMessage(f, fields));
}

/** Not a URL, or one with no user name or password in it. */
function noCredentials(v: string): boolean {
  const u = parseUrl(v);
  return u === null || (u.username === '' && u.password === '');
}

function valueSchema(f: FieldSpec, fields: FieldSpec[]): z.ZodType<Json> {
  switch (f.type) {
    case 'string':
    case 'file': {
      let s = z.string().max(f.max ?? 65536);
      if (f.min !== undefined) s = s.min(f.min);
      const pattern = f.pattern;
      if (pattern) s = s.refine((v) => matchesPattern(pattern, v), `${f.label} has the wrong format`);
      if (f.format === 'url') return urlSchema(s, f, fields);
      if (f.format === 'email') return s.pipe(z.email(`${f.label} must be an email address`));
      if (f.format === 'host') return s.regex(/^[A-Za-z0-9._:[\]-]+$/, `${f.label} must be a host name or IP address`);
      // A target URL kept as plain text (an MCP server's, which may be empty for a local one): a
      // password in it would be stored and shown as a setting, not as a secret.
      if (f.role === 'url' && !f.secret) return s.refine(noCredentials, credentialsInUrlMessage(f, fields));
      return s;
    }
    case 'number': {
      let n = z.number({ error: `${f.label} must be a number` });
      if (f.min !== undefined) n = n.min(f.min, `${f.label} must be at least ${f.min}`);
      if (f.max !== undefined) n = n.max(f.max, `${f.label} must be at most ${f.max}`);
      return z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v), n) as z.ZodType<Json>;
    }
    case 'boolean':
      return z.boolean({ error: `${f.label} must be true or false` });
    case 'select': {
      const values = (f.options ?? []).map((o) => o.value);
      return z.string().refine((v) => values.includes(v), `${f.label} must be one of: ${values.join(', ')}`);
    }
    case 'json':
      return z.preprocess((v) => {
        if (typeof v !== 'string') return v;
        // Bounded like any peer's JSON: a value nested thousands deep would break every
        // stringify and schema after this one.
        const parsed = tryParseBoundedJson(v, { maxLength: f.max ?? 65536 });
        return parsed.ok ? parsed.value : Symbol.for('invalid-json');
      }, z.custom<Json>((v) => typeof v !== 'symbol', `${f.label} must be valid JSON`));
  }
}

export interface CompileOptions {
  /** Secret fields must have a value (a live test needs them; a saved draft does not). */
  requireSecrets?: boolean;
  /** Secret fields that already hold a stored value, so leaving them blank is fine. */
  storedSecrets?: ReadonlySet<string>;
}

/**
 * Compiles a provider's field DSL to one Zod schema, used by the broker to validate and by the
 * renderer for inline errors. Hidden fields (showWhen false) are dropped; unknown keys are refused.
 */
export function compileFields(fields: FieldSpec[], options: CompileOptions = {}): z.ZodType<Record<string, Json>, FieldValues> {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const validators = new Map(fields.map((f) => [f.name, valueSchema(f, fields)]));
  return z.record(z.string(), z.any()).transform((values, ctx) => {
    const out: Record<string, Json> = {};
    for (const key of Object.keys(values)) {
      if (!byName.has(key)) ctx.addIssue({ code: 'custom', path: [key], message: `Unknown field "${key}"` });
    }
    for (const f of fields) {
      if (!conditionsHold(f.showWhen, values as FieldValues)) continue;
      const raw: unknown = values[f.name];
      if (isEmpty(raw)) {
        const secretExcused = f.secret && (!options.requireSecrets || options.storedSecrets?.has(f.name));
        if (f.required && !secretExcused) ctx.addIssue({ code: 'custom', path: [f.name], message: `${f.label} is required` });
        continue;
      }
      const parsed = validators.get(f.name)!.safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: [f.name], message: issue.message });
        continue;
      }
      out[f.name] = parsed.data;
    }
    return out;
  }) as unknown as z.ZodType<Record<string, Json>, FieldValues>;
}

/** Splits validated values into the readable config and the write-only secrets. */
export function splitSecrets(fields: FieldSpec[], values: Record<string, Json>): { config: Record<string, Json>; secrets: Record<string, string> } {
  const secretNames = new Set(fields.filter((f) => f.secret).map((f) => f.name));
  const config: Record<string, Json> = {};
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    if (secretNames.has(k)) secrets[k] = typeof v === 'string' ? v : JSON.stringify(v);
    else config[k] = v;
  }
  return { config, secrets };
}

/** Expands `{{config.x}}` (and, inside the broker only, `{{secret.x}}`) in a template. */
export function expandTemplate(template: string, scope: { config: Record<string, Json | undefined>; secret?: Record<string, string> }): string {
  return template.replace(/\{\{\s*(config|secret)\.([a-zA-Z0-9_]+)\s*\}\}/g, (_, kind: string, name: string) => {
    const source: Record<string, unknown> = kind === 'config' ? scope.config : (scope.secret ?? {});
    const v = source[name];
    return v === undefined || v === null ? '' : String(v);
  });
}
