import { LatchkeyError } from './errors.js';

/**
 * JSON from a peer, parsed with limits before anything else looks at it. V8's `JSON.parse`
 * itself copes with deep nesting, but everything after it (Zod, `JSON.stringify`, a masker)
 * recurses once per level: a frame nested a few thousand deep throws `RangeError` from inside a
 * schema and, unhandled, ends the process. Size is checked before any work is done; depth by
 * one linear scan, before `JSON.parse` builds anything.
 */
export interface JsonLimits {
  /** Most UTF-16 code units accepted (a string's `length`; a code unit is at most 3 UTF-8 bytes). */
  maxLength: number;
  /** Most levels of `[` / `{` nesting; 64 is far beyond any contract and far below any stack. */
  maxDepth: number;
}

export const DEFAULT_JSON_LIMITS: Readonly<JsonLimits> = Object.freeze({ maxLength: 1024 * 1024, maxDepth: 64 });

/** How deep `text` nests, stopping early once past `limit`; strings and escapes are skipped. */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return deepest;
}

/**
 * Parses untrusted JSON text, or throws a VALIDATION `LatchkeyError` saying which limit it broke.
 * A value that is not a string (a peer that sent an object where text was due) is refused too.
 */
export function parseBoundedJson(text: unknown, limits: Partial<JsonLimits> = {}): unknown {
  const { maxLength, maxDepth } = { ...DEFAULT_JSON_LIMITS, ...limits };
  if (typeof text !== 'string') throw new LatchkeyError('VALIDATION', 'Expected JSON text');
  if (text.length > maxLength) throw new LatchkeyError('VALIDATION', `The message is too large (over ${maxLength} characters)`);
  if (jsonDepth(text, maxDepth) > maxDepth) throw new LatchkeyError('VALIDATION', `The message nests deeper than ${maxDepth} levels`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new LatchkeyError('VALIDATION', 'The message is not valid JSON');
  }
}

/** The same, as a value instead of a throw, for transports that answer rather than throw. */
export function tryParseBoundedJson(text: unknown, limits: Partial<JsonLimits> = {}): { ok: true; value: unknown } | { ok: false; error: LatchkeyError } {
  try {
    return { ok: true, value: parseBoundedJson(text, limits) };
  } catch (error) {
    return { ok: false, error: error as LatchkeyError };
  }
}
