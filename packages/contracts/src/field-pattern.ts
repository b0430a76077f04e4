import { RE2JS } from 're2js';

/**
 * A manifest's field `pattern` is third-party input run on every value typed into that field,
 * in the broker and in the renderer. JavaScript's RegExp backtracks: `^(a+)+$` against
 * "aaaa…b" takes seconds at 26 characters and forever at 64. Patterns run on RE2 instead (re2js,
 * pure JS, so the renderer can run the same check), whose matching is linear in the input.
 * What RE2 cannot run (backreferences, lookaround) fails to compile, so the manifest is
 * refused at registration rather than half-checked later.
 *
 * Chosen over refusing "dangerous" constructs in RegExp syntax: no syntactic rule catches every
 * exponential pattern (nested quantifiers, overlapping alternations, …), while RE2's guarantee
 * holds for all it accepts. Cost: RE2's dialect (no lookaround or backreferences; `{n}` ≤ 1000)
 * and ~260 kB of JavaScript in the renderer bundle.
 */
export const MAX_PATTERN_LENGTH = 1000;

const compiled = new Map<string, RE2JS>();
/** Compiling is the costly part; a few hundred distinct patterns cover every installed manifest. */
const MAX_CACHED = 256;

function compile(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (!re) {
    re = RE2JS.compile(pattern);
    if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value!);
    compiled.set(pattern, re);
  }
  return re;
}

/** Why a manifest pattern is refused, in words, or null when it can run. */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return `The pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    compile(pattern);
    return null;
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : 'it does not parse';
    return `The pattern cannot run in linear time or does not parse (RE2 syntax; no lookaround or backreferences): ${detail}`.slice(0, 300);
  }
}

/** Whether `value` contains a match (RegExp.test's meaning: anchor with ^ and $ for the whole value). */
export function matchesPattern(pattern: string, value: string): boolean {
  return compile(pattern).test(value);
}
