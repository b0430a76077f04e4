import { ESCAPE_START, decodeEscapes } from './decoded-view.js';
import { NeedleIndex } from './needle-index.js';
import { needlesFor } from './needles.js';

/**
 * Shorter secrets are not masked. A 1–3 character value ("1", "on", "dev") occurs by chance in
 * almost any text, so masking it would garble every message and data row while hiding nothing an
 * attacker could not guess in a few thousand tries anyway. Four is also where the base64 windows
 * become long enough (≥ 4 characters, 1 in 16 million) to not hit unrelated encoded data.
 */
export const MIN_SECRET_LENGTH = 4;

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

  /** The longest value held: bounds how long any encoded form of any of them can be. */
  get longestValue(): number {
    let n = 0;
    for (const v of this.#values.keys()) n = Math.max(n, v.length);
    return n;
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

