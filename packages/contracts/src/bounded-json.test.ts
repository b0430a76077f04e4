import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Json } from './common.js';
import { isLatchkeyError } from './errors.js';
import { jsonDepth, parseBoundedJson, tryParseBoundedJson } from './bounded-json.js';

const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);
const refusal = (text: unknown, limits = {}) => {
  const out = tryParseBoundedJson(text, limits);
  if (out.ok) throw new Error('expected a refusal');
  expect(isLatchkeyError(out.error)).toBe(true);
  expect(out.error.code).toBe('VALIDATION');
  return out.error.message;
};

describe('parseBoundedJson', () => {
  it('parses ordinary JSON, at exactly the depth and length limits', () => {
    expect(parseBoundedJson('{"a":[1,{"b":"c"}]}')).toEqual({ a: [1, { b: 'c' }] });
    expect(parseBoundedJson(nested(64))).toBeInstanceOf(Array);
    expect(parseBoundedJson('"abc"', { maxLength: 5 })).toBe('abc');
  });

  it('refuses nesting thousands deep with a typed VALIDATION error, arrays and objects alike', () => {
    expect(refusal(nested(65))).toMatch(/deeper than 64/);
    expect(refusal(nested(100_000))).toMatch(/deeper than 64/);
    expect(refusal('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000))).toMatch(/deeper/);
    expect(refusal(nested(5, '[', ''))).toMatch(/not valid JSON/);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(jsonDepth(JSON.stringify({ s: '[[[[{{{{"\\"[[[' }))).toBe(1);
    expect(parseBoundedJson(JSON.stringify(['['.repeat(1000)]))).toEqual(['['.repeat(1000)]);
  });

  it('refuses oversize text before parsing, and anything that is not text', () => {
    expect(refusal('"abcdef"', { maxLength: 5 })).toMatch(/too large/);
    expect(refusal({ t: 'call' })).toMatch(/Expected JSON text/);
    expect(refusal(undefined)).toMatch(/Expected JSON text/);
    expect(refusal('{"a":')).toMatch(/not valid JSON/);
  });

  it('is what keeps a recursive schema safe: unbounded, the same text overflows the stack in Zod', () => {
    const deep = nested(20_000);
    // The attack, shown: V8 parses it, then the recursive Json schema blows the stack.
    expect(() => Json.safeParse(JSON.parse(deep))).toThrow(RangeError);
    expect(() => parseBoundedJson(deep)).toThrow(/deeper than 64/);
    expect(z.array(z.unknown()).safeParse(parseBoundedJson(nested(64))).success).toBe(true);
  });
});
