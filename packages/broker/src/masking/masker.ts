import type { Json } from '@latchkey/contracts';
import { needlesFor } from './needles.js';
import { producedSecrets } from './produced-secrets.js';

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

/** The characters every escaped form needs (percent, JSON, HTML); a text without them holds only literal forms. */
const ESCAPES = /[%\\&]/g;
const BASE64_CHAR = /[A-Za-z0-9+/_-]/;

/**
 * Compiles every secret's needles once: exact forms for indexOf, and one combined regex for the
 * per-character escaped forms. Matches from all needles are merged, so overlapping forms (a
 * secret containing another, a base64 window inside the whole encoding) are masked as one.
 */
export function createMasker(secrets: Iterable<string>): Masker {
  // Longest first: at one position the regex takes the first alternative that matches.
  const values = secretValues(secrets).sort((a, b) => b.length - a.length);
  const compiled = values.map(needlesFor);
  const literals = [...new Set(compiled.flatMap((n) => n.literals))];
  const windows = [...new Set(compiled.flatMap((n) => n.base64))];
  const flexibleSources = compiled.flatMap((n) => (n.flexible ? [n.flexible] : []));
  const flexible = flexibleSources.length > 0 ? new RegExp(flexibleSources.join('|'), 'g') : null;
  // The longest text an escaped form can take: 12 characters per UTF-16 unit (`%F0%9F%98%80`, `&#x0001F600;`).
  const reach = 12 * Math.max(0, ...compiled.map((n, i) => (n.flexible ? values[i]!.length : 0)));

  /**
   * An escaped match the exact forms missed holds an escape character, so the regex runs only
   * around those (merged), not over a whole body that has a few.
   */
  const escapedMatches = (text: string, found: [number, number][]): void => {
    let from = -1;
    let to = -1;
    const run = (): void => {
      if (from < 0) return;
      const part = text.slice(from, to);
      flexible!.lastIndex = 0;
      for (let m = flexible!.exec(part); m; m = flexible!.exec(part)) {
        found.push([from + m.index, from + m.index + m[0].length]);
        if (m[0].length === 0) flexible!.lastIndex++;
      }
    };
    ESCAPES.lastIndex = 0;
    for (let e = ESCAPES.exec(text); e; e = ESCAPES.exec(text)) {
      const start = Math.max(0, e.index - reach);
      const end = Math.min(text.length, e.index + reach + 1);
      if (start <= to) to = end;
      else {
        run();
        from = start;
        to = end;
      }
    }
    run();
  };

  const matches = (text: string): [number, number][] => {
    const found: [number, number][] = [];
    for (const needle of literals) {
      for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) found.push([at, at + needle.length]);
    }
    for (const needle of windows) {
      for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
        let start = at;
        let end = at + needle.length;
        if (start > 0 && BASE64_CHAR.test(text[start - 1]!)) start--;
        if (end < text.length && BASE64_CHAR.test(text[end]!)) end++;
        while (end < text.length && text[end] === '=' && end - at < needle.length + 3) end++;
        found.push([start, end]);
      }
    }
    if (flexible) escapedMatches(text, found);
    return found;
  };

  const mask = (input: string): string => {
    const found = matches(input);
    let text = input;
    if (found.length > 0) {
      found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
      let out = '';
      let cursor = 0;
      for (const [start, end] of found) {
        if (end <= cursor) continue;
        if (start >= cursor) out += text.slice(cursor, start) + MASK;
        cursor = end;
      }
      text = out + text.slice(cursor);
    }
    return text.includes('://') ? text.replace(URL_USERINFO, `$1:${MASK}@`) : text;
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

  return { mask, maskDeep, maskFields, needleCount: literals.length + windows.length + flexibleSources.length };
}

/**
 * Compiled maskers by secret values. A connection is resolved afresh for every operation, so
 * the cache is keyed by what the masker depends on (its secret values), not by the object;
 * bounded, least recently used first out. The keys are plaintext, like the maskers' needles:
 * both live only in the broker's memory.
 */
const MAX_CACHED = 64;
const cache = new Map<string, Masker>();

/** The masker of one connection's secrets, compiled on its first use and reused while they stay the same. */
export function maskerFor(secrets: Readonly<Record<string, string>>): Masker {
  // Secrets a template or an executor produced are masked in every output too (produced-secrets.ts).
  const key = `${producedSecrets.generation}|${JSON.stringify(Object.values(secrets).sort())}`;
  let m = cache.get(key);
  if (m) cache.delete(key);
  else m = createMasker([...Object.values(secrets), ...producedSecrets.values()]);
  cache.set(key, m);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return m;
}
