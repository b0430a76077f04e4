import type { Json } from '@latchkey/contracts';
import { ESCAPE_START, decodeEscapes } from './decoded-view.js';
import { NeedleIndex } from './needle-index.js';
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
 * Every needle of a set of secret values, searchable at once; values can come and go (the
 * broker's index of every stored secret changes as secrets are saved and dropped).
 */
export class SecretMatcher {
  readonly #exact = new NeedleIndex();
  readonly #decoded = new NeedleIndex();
  /** How many times each value was added: two connections may hold the same secret. */
  readonly #values = new Map<string, number>();

  constructor(values: Iterable<string> = []) {
    for (const v of values) this.add(v);
  }

  /** How many search strings are indexed (for measurements). */
  get needleCount(): number {
    return this.#exact.size + this.#decoded.size;
  }

  /** Adds one secret value (already split into what to hide: see {@link secretValues}). */
  add(value: string): void {
    const count = this.#values.get(value) ?? 0;
    this.#values.set(value, count + 1);
    if (count > 0) return;
    const n = needlesFor(value);
    for (const l of n.literals) this.#exact.add(l);
    for (const w of n.base64) this.#exact.add(w, true);
    for (const d of n.decoded) this.#decoded.add(d);
  }

  remove(value: string): void {
    const count = this.#values.get(value);
    if (count === undefined) return;
    if (count > 1) {
      this.#values.set(value, count - 1);
      return;
    }
    this.#values.delete(value);
    const n = needlesFor(value);
    for (const l of n.literals) this.#exact.remove(l);
    for (const w of n.base64) this.#exact.remove(w);
    for (const d of n.decoded) this.#decoded.remove(d);
  }

  /** Appends where any value occurs in `text`, in any encoding the masker knows. */
  find(text: string, found: [number, number][]): void {
    this.#exact.find(text, found);
    // An escaped form holds an escape character; without one the exact forms found everything.
    if (this.#decoded.size === 0 || !ESCAPE_START.test(text)) return;
    const view = decodeEscapes(text);
    const inView: [number, number][] = [];
    this.#decoded.find(view.text, inView);
    for (const [start, end] of inView) found.push(view.span(start, end));
  }
}

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

  return { mask, maskDeep, maskFields, needleCount: matchers.reduce((n, m) => n + m.needleCount, 0) };
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

/** The masker of one connection's secrets alone (inside a transport, before the broker's own pass). */
export function maskerFor(secrets: Readonly<Record<string, string>>): Masker {
  return maskerOf([matcherFor(secrets)]);
}
