import { describe, expect, it } from 'vitest';
import { decodeEscapes } from './decoded-view.js';

const utf8 = new TextEncoder();
/** One character written each way a peer might: as itself, percent, JSON \u, HTML decimal and hex. */
const forms = (ch: string): string[] => [
  ch,
  Array.from(utf8.encode(ch), (b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
  ch.split('').map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
  `&#${ch.codePointAt(0)};`,
  `&#x${ch.codePointAt(0)!.toString(16).toUpperCase()};`,
];

describe('decodeEscapes', () => {
  it('undoes every escape of every character, mixed, and maps the match back onto the whole escaped text', () => {
    const secret = 'p@ss "w/rd" é😀';
    const chars = [...secret];
    // Character k written in form (k mod 5): every form meets every other as a neighbour.
    for (let shift = 0; shift < 5; shift++) {
      const escaped = chars.map((c, k) => forms(c)[(k + shift) % 5]).join('');
      const text = `before ${escaped} after`;
      const view = decodeEscapes(text);
      const at = view.text.indexOf(secret);
      expect(at, `${escaped} → ${view.text}`).toBeGreaterThan(-1);
      expect(view.span(at, at + secret.length)).toEqual([7, 7 + escaped.length]);
    }
  });

  it('reads JSON short escapes, HTML named entities and + as a space', () => {
    expect(decodeEscapes('a\\"b\\\\c\\/d &amp; &lt;x&gt; &quot;q&apos; one+two').text).toBe('a"b\\c/d & <x> "q\' one two');
  });

  it('leaves what starts no escape as it is: a lone %, a bad byte, & without ;, an unknown entity, a stray backslash', () => {
    const text = '100% %zz %C3 %FF & x &nosuch; \\q \\u12 &#xZZ; &#1114112;';
    expect(decodeEscapes(text).text).toBe(text);
  });

  it('maps plain text one to one around escapes', () => {
    const view = decodeEscapes('ab%41cd');
    expect(view.text).toBe('abAcd');
    expect(view.span(0, 2)).toEqual([0, 2]);
    expect(view.span(2, 3)).toEqual([2, 5]);
    expect(view.span(3, 5)).toEqual([5, 7]);
    expect(view.span(1, 4)).toEqual([1, 6]);
  });

  it('stays linear on a long text of & with no ; (no search to the end for each)', () => {
    const text = '& '.repeat(200_000);
    const started = performance.now();
    expect(decodeEscapes(text).text).toBe(text);
    // A hang guard, not a speed test: quadratic would take minutes.
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
