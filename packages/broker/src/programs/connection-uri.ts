import { LatchkeyError, targetFields } from '@latchkey/contracts';
import type { FieldSpec, Json, ProviderManifest } from '@latchkey/contracts';

/** What a connection URI sets: plain fields by name, secret fields (memory only), and the names it set. */
export interface ParsedConnectionUri {
  config: Record<string, Json>;
  secrets: Record<string, string>;
  fields: string[];
}

/** Airflow's and libpq's spellings of a scheme that names one of our providers or transports. */
const SCHEME_ALIASES: Readonly<Record<string, string>> = { postgresql: 'postgres', mariadb: 'mysql', 'ms-sql': 'mssql', sqlserver: 'mssql' };

/** `sslmode` (libpq), `ssl`, `tls`: what turns the provider's tls-role field on or off. */
const TLS_ON = new Set(['require', 'verify-ca', 'verify-full', 'true', '1', 'on']);
const TLS_OFF = new Set(['disable', 'allow', 'prefer', 'false', '0', 'off']);
const TLS_PARAMS = new Set(['sslmode', 'ssl', 'tls']);

/** A value that names a place of its own (a URL, or a `user@host`): it could carry a credential elsewhere. */
const NAMES_A_PLACE = /:\/\/|@/;

/** The scheme a provider answers to: its id, or its transport (`postgres`, `mysql`, …). */
export function schemeMatches(manifest: Pick<ProviderManifest, 'id' | 'transport'>, scheme: string): boolean {
  const s = SCHEME_ALIASES[scheme] ?? scheme;
  return s === manifest.id || s === manifest.transport;
}

export function schemeOf(uri: string): string | null {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri);
  return m ? m[1]!.toLowerCase() : null;
}

const decode = (s: string, what: string, source: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new LatchkeyError('VALIDATION', `${source}: the ${what} is not valid percent-encoding`);
  }
};

function coerce(field: FieldSpec, raw: string, source: string): Json {
  if (field.type === 'number') {
    const n = Number(raw);
    if (!Number.isFinite(n)) throw new LatchkeyError('VALIDATION', `${source}: ${field.label} must be a number`);
    return n;
  }
  if (field.type === 'boolean') {
    if (TLS_ON.has(raw.toLowerCase())) return true;
    if (TLS_OFF.has(raw.toLowerCase())) return false;
    throw new LatchkeyError('VALIDATION', `${source}: ${field.label} must be true or false`);
  }
  return raw;
}

/**
 * Parses an Airflow-style connection URI (`postgres://user:pass@host:5432/db?sslmode=require`)
 * into a provider's fields by their roles. The target (host, port, URL) comes only from the URI's
 * authority: a query parameter may not name a target field or a secret field, and no plain value
 * may name a place of its own — so an override cannot smuggle a second destination past the
 * target binding. Messages name the source (the environment variable), never the URI: it may
 * hold a password.
 */
export function parseConnectionUri(uri: string, manifest: ProviderManifest, source: string): ParsedConnectionUri {
  const scheme = schemeOf(uri);
  if (!scheme) throw new LatchkeyError('VALIDATION', `${source} is not a connection URI (scheme://user:password@host:port/database?option=value)`);
  if (!schemeMatches(manifest, scheme)) throw new LatchkeyError('VALIDATION', `${source}: the scheme "${scheme}" does not name the ${manifest.name} provider`);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new LatchkeyError('VALIDATION', `${source} is not a valid connection URI`);
  }
  const byRole = (role: string) => manifest.fields.find((f) => f.role === role);
  const targets = new Set(targetFields(manifest).map((f) => f.name));
  const config: Record<string, Json> = {};
  const secrets: Record<string, string> = {};
  const set = (field: FieldSpec | undefined, raw: string, what: string) => {
    if (!field) throw new LatchkeyError('VALIDATION', `${source}: ${manifest.name} has no field for the URI's ${what}`);
    if (field.secret) secrets[field.name] = raw;
    else config[field.name] = coerce(field, raw, source);
  };

  const urlField = byRole('url');
  const hostField = byRole('host') ?? byRole('target');
  if (urlField && !hostField) {
    // An HTTP-like provider: the URI without its credentials is the URL.
    const plain = new URL(url.href);
    plain.username = '';
    plain.password = '';
    config[urlField.name] = plain.href.replace(/\/$/, '');
  } else {
    if (url.hostname) set(hostField, url.hostname.replace(/^\[(.*)\]$/, '$1'), 'host');
    if (url.port) set(byRole('port'), url.port, 'port');
    const path = url.pathname.replace(/^\//, '');
    if (path) set(byRole('database'), decode(path, 'database', source), 'database');
  }
  if (url.username) set(byRole('username'), decode(url.username, 'user', source), 'user');
  if (url.password) {
    const secretField = manifest.fields.find((f) => f.secret && f.name === 'password') ?? manifest.fields.find((f) => f.secret);
    if (!secretField) throw new LatchkeyError('VALIDATION', `${source}: ${manifest.name} has no secret field for the URI's password`);
    secrets[secretField.name] = decode(url.password, 'password', source);
  }
  if (!(urlField && !hostField)) {
    for (const [name, value] of url.searchParams) {
      if (TLS_PARAMS.has(name)) {
        const tls = byRole('tls');
        if (!tls) throw new LatchkeyError('VALIDATION', `${source}: ${manifest.name} has no TLS setting for "${name}"`);
        config[tls.name] = coerce({ ...tls, type: 'boolean' }, value, source);
        continue;
      }
      const field = manifest.fields.find((f) => f.name === name);
      if (!field) throw new LatchkeyError('VALIDATION', `${source}: ${manifest.name} has no field "${name}"`);
      if (field.secret || targets.has(field.name)) {
        throw new LatchkeyError('VALIDATION', `${source}: "${name}" may not be set as a URI option; a target comes from the URI's host and port, a secret from its password`);
      }
      config[field.name] = coerce(field, value, source);
    }
  }
  const userField = byRole('username')?.name;
  for (const [name, value] of Object.entries(config)) {
    if (typeof value !== 'string' || (urlField && name === urlField.name)) continue;
    // A user may be `name@server` (Azure's form); it names who, not where.
    if (name === userField ? value.includes('://') : NAMES_A_PLACE.test(value)) {
      throw new LatchkeyError('VALIDATION', `${source}: the value for "${name}" names a place of its own (a URL or user@host), which an override may not do`);
    }
  }
  return { config, secrets, fields: [...Object.keys(config), ...Object.keys(secrets)] };
}
