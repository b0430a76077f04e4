import type { Json } from '@latchkey/contracts';
import { needlesFor } from './needles.js';

/** What a masked secret reads as. */
export const MASK = '••••';

/**
 * Shorter secrets are not masked. A 1–3 character value ("1", "on", "dev") occurs by chance in
 * almost any text, so masking it would garble every message and data row while hiding nothing an
 * attacker could not guess in a few thousand tries anyway. Four is also where the base64 windows
 * become long enough (≥ 4 characters, 1 in 16 million) to not hit unrelated encoded data.
 */
export const MIN_SECRET_LENGTH = 4;

/** `scheme://user:password@`: a credential a driver or peer writes into a URL, known to us or not. */
// The lookbehind starts a scheme only where a run of scheme characters starts, which keeps the
// search linear on long runs of letters (a base64 body) instead of retrying at each one.
const URL_USERINFO = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^@\s/]+@/gi;

export interface Masker {
  /** The text with every secret, in every encoding the masker knows, replaced by {@link MASK}. */
  mask(text: string): string;
  /** Masks every string, object key and number of a JSON value; a number that matched becomes the masked string. */
  maskDeep(value: Json): Json;
  /**
   * Masks an operation result: its top-level numbers and booleans are the broker's own (status,
   * latency, counts) and keep their type; every other field is the peer's and is masked deep.
   */
  maskFields<T extends object>(result: T): T;
  /** How many search patterns were compiled (for measurements). */
  readonly needleCount: number;
}

/** The values to hide: each secret, and each string member of a secret that holds JSON (an MCP server's env). */
export function secretValues(secrets: Iterable<string>): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const s of secrets) {
    out.add(s);
    const t = s.trim();
    if (t.startsWith('{') || t.startsWith('[')) {
      try {
        walk(JSON.parse(t));
      } catch {
        // Not JSON after all: the whole value is masked.
      }
    }
  }
  return [...out].filter((v) => v.length >= MIN_SECRET_LENGTH);
}

/**
 * Compiles the needles of every secret once into a single regex, so a text is searched in one
 * pass however many secrets and encodings there are. Longest first, so a secret containing
 * another (or the whole base64 containing a window of it) is masked whole.
 */
export function createMasker(secrets: Iterable<string>): Masker {
  const needles = secretValues(secrets).flatMap(needlesFor);
  needles.sort((a, b) => b.minLength - a.minLength);
  const combined = needles.length > 0 ? new RegExp([...new Set(needles.map((n) => n.source))].join('|'), 'g') : null;

  const mask = (text: string): string => {
    const out = combined ? text.replace(combined, MASK) : text;
    return out.includes('://') ? out.replace(URL_USERINFO, `$1:${MASK}@`) : out;
  };

  const maskDeep = (value: Json): Json => {
    if (typeof value === 'string') return mask(value);
    if (typeof value === 'number') {
      const text = String(value);
      const masked = mask(text);
      return masked === text ? value : masked;
    }
    if (Array.isArray(value)) return value.map(maskDeep);
    if (value && typeof value === 'object') {
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(value)) out[mask(k)] = maskDeep(v);
      return out;
    }
    return value;
  };

  const maskFields = <T extends object>(result: T): T => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(result)) {
      out[k] = typeof v === 'number' || typeof v === 'boolean' || v === undefined ? v : maskDeep(v as Json);
    }
    return out as T;
  };

  return { mask, maskDeep, maskFields, needleCount: needles.length };
}

const compiled = new WeakMap<object, Masker>();

/**
 * The masker of one resolved connection's secrets, compiled on first use and shared by every
 * layer that masks the same connection object (transport outcome, test runner, operation).
 */
export function maskerFor(secrets: Readonly<Record<string, string>>): Masker {
  let m = compiled.get(secrets);
  if (!m) {
    m = createMasker(Object.values(secrets));
    compiled.set(secrets, m);
  }
  return m;
}
