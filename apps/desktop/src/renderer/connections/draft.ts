import { compileFields, fieldDefaults, splitSecrets, type Connection, type FieldSpec, type FieldValues, type Json, type ProviderManifest } from '@latchkey/contracts';
import { isLoopbackHost } from './format';

/** What the form holds: text for inputs, booleans for checkboxes. Secrets start blank. */
export type FormConfig = Record<string, string | boolean>;

function toInputValue(field: FieldSpec, value: Json | undefined): string | boolean {
  if (field.type === 'boolean') return value === true;
  if (value === undefined || value === null) return '';
  if (field.type === 'json') return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return String(value);
}

export function initialConfig(manifest: ProviderManifest, connection?: Connection): FormConfig {
  const source: Record<string, Json | undefined> = connection ? connection.config : fieldDefaults(manifest.fields);
  const out: FormConfig = {};
  for (const field of manifest.fields) out[field.name] = field.secret ? '' : toInputValue(field, source[field.name]);
  return out;
}

/** Form values as the compiled schema takes them: blanks are left out so "required" can speak. */
export function fieldValues(fields: FieldSpec[], config: FormConfig): FieldValues {
  const out: FieldValues = {};
  for (const field of fields) {
    const v = config[field.name];
    if (v === undefined || v === '') continue;
    if (field.type === 'json' && typeof v === 'string' && v.trim() === '') continue;
    out[field.name] = v;
  }
  return out;
}

export type DraftCheck =
  | { ok: true; config: Record<string, Json>; secrets: Record<string, string> }
  | { ok: false; errors: Record<string, string> };

/**
 * Validates with the same compiled schema the broker uses. `storedSecrets` are secret fields
 * that already hold a value (an edit), so leaving them blank keeps them.
 */
export function checkDraft(manifest: ProviderManifest, config: FormConfig, options: { requireSecrets: boolean; storedSecrets?: ReadonlySet<string> }): DraftCheck {
  const schema = compileFields(manifest.fields, { requireSecrets: options.requireSecrets, storedSecrets: options.storedSecrets });
  const parsed = schema.safeParse(fieldValues(manifest.fields, config));
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      errors[key] ??= issue.message;
    }
    return { ok: false, errors };
  }
  return { ok: true, ...splitSecrets(manifest.fields, parsed.data) };
}

/** "Host" → "host", "Base URL" → "base URL", "API key" stays: a label inside a sentence. */
function inSentence(label: string): string {
  return /^[A-Z][a-z]/.test(label) ? label[0]!.toLowerCase() + label.slice(1) : label;
}

/**
 * The broker drops stored secrets when a field that decides where they go changes (its
 * target binding); the form says so before the person saves: "Changing the host clears the
 * stored password".
 */
export function retargetWarning(field: Pick<FieldSpec, 'label'>, storedSecrets: readonly Pick<FieldSpec, 'label'>[]): string | null {
  if (storedSecrets.length === 0) return null;
  const labels = storedSecrets.map((f) => inSentence(f.label));
  const list = labels.length === 1 ? labels[0]! : `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)!}`;
  return `Changing the ${inSentence(field.label)} clears the stored ${list}`;
}

const ON_VALUES = ['require', 'verify-full', 'tls', 'starttls', 'ssl'];
const OFF_VALUES = ['disable', 'none', 'off', 'prefer'];

/**
 * The provider's TLS switch, if it has one: the field whose role is `tls`. A boolean is on/off;
 * a select needs an "off" and an "on" option, and its default wins as the "on" value when it is
 * one (SMTP's STARTTLS rather than implicit TLS).
 */
export function tlsField(manifest: ProviderManifest): { name: string; on: string | boolean; off: string | boolean } | null {
  for (const field of manifest.fields) {
    if (field.role !== 'tls') continue;
    if (field.type === 'boolean') return { name: field.name, on: true, off: false };
    if (field.type === 'select') {
      const values = (field.options ?? []).map((o) => o.value);
      const preferred = typeof field.default === 'string' && ON_VALUES.includes(field.default) ? field.default : undefined;
      const on = preferred ?? ON_VALUES.find((v) => values.includes(v));
      const off = OFF_VALUES.find((v) => values.includes(v));
      if (on && off) return { name: field.name, on, off };
    }
  }
  return null;
}

/** SSL on for any host that is not loopback; null when there is no host to judge yet. */
export function tlsDefaultFor(host: string): boolean | null {
  return host.trim() === '' ? null : !isLoopbackHost(host);
}

/** The field whose role is `host`: its value decides the TLS default. */
export function hostFieldName(manifest: ProviderManifest): string | null {
  return manifest.fields.find((f) => f.role === 'host')?.name ?? null;
}
