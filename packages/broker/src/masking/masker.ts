import type { Json } from '@latchkey/contracts';
import { producedSecrets } from './produced-secrets.js';
import { SecretMatcher, secretValues } from './secret-matcher.js';

export { MIN_SECRET_LENGTH, SecretMatcher, secretValues } from './secret-matcher.js';

/** What a masked secret reads as. */
export const MASK = '••••';

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
  /**
   * A masked text that a size cap cut short: the cut may have split a secret, and a secret's first
   * part matches no needle, so the characters that could hold one are dropped — up to
   * {@link MAX_ENCODED_CHARS} times the longest secret (its widest encoding).
   */
  trimCut(masked: string): string;
  /** How many search patterns were compiled (for measurements). */
  readonly needleCount: number;
}

/** The most characters one character of a secret takes in any form the masker reads (`&#x0000FFFF;`). */
export const MAX_ENCODED_CHARS = 12;

/**
 * Compiles every secret's needles once. Matches from all needles are merged, so overlapping
 * forms (a secret containing another, a base64 window inside the whole encoding) are masked as one.
 */
export function createMasker(secrets: Iterable<string>): Masker {
  return maskerOf([new SecretMatcher(secretValues(secrets))]);
}

/** One masker over several matchers: the broker's index of every stored secret, plus a draft's own. */
export function maskerOf(matchers: readonly SecretMatcher[]): Masker {
  const matches = (text: string): [number, number][] => {
    const found: [number, number][] = [];
    for (const m of matchers) m.find(text, found);
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

  const trimCut = (masked: string): string => {
    const longest = matchers.reduce((n, m) => Math.max(n, m.longestValue), 0);
    return longest === 0 ? masked : masked.slice(0, Math.max(0, masked.length - (MAX_ENCODED_CHARS * longest + 16)));
  };

  return { mask, maskDeep, maskFields, trimCut, needleCount: matchers.reduce((n, m) => n + m.needleCount, 0) };
}

/**
 * Compiled maskers by secret values. A connection is resolved afresh for every operation, so
 * the cache is keyed by what the masker depends on (its secret values), not by the object;
 * bounded, least recently used first out. The keys are plaintext, like the maskers' needles:
 * both live only in the broker's memory.
 */
const MAX_CACHED = 64;
const cache = new Map<string, SecretMatcher>();

/** The matcher of one connection's secrets, compiled on its first use and reused while they stay the same. */
export function matcherFor(secrets: Readonly<Record<string, string>>): SecretMatcher {
  const key = JSON.stringify(Object.values(secrets).sort());
  let m = cache.get(key);
  if (m) cache.delete(key);
  else m = new SecretMatcher(secretValues(Object.values(secrets)));
  cache.set(key, m);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return m;
}

/**
 * The masker of one connection's secrets inside a transport, before the broker's own pass
 * (which masks every stored secret): that connection's secrets, and every value a template or
 * an executor produced (produced-secrets.ts).
 */
export function maskerFor(secrets: Readonly<Record<string, string>>): Masker {
  return maskerOf([matcherFor(secrets), producedSecrets.matcher]);
}
