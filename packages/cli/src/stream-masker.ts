import { MASK, SecretMatcher, createMasker, decodeEscapes, needlesFor, secretValues } from '@latchkey/broker';

/**
 * Masks a child's output stream for the values `latchkey run` gave it. A value can arrive split
 * across two writes (the child flushed mid-line, the pipe cut a chunk), so the tail of what has
 * arrived is held back while it could still be the start of a value in ANY form the broker's
 * masker knows (every needle: base64 at every alignment, both hex cases, and any mix of percent,
 * JSON and HTML escapes, including an escape cut in half); the rest goes out at once, masked.
 * Holding back only a possible start keeps interactive output interactive.
 *
 * The output goes to a terminal, which draws a text without its escape sequences: a value with
 * colour codes or a title sequence between its characters is on the screen whole. So values are
 * also looked for in that screen view, and a match is masked over the sequences inside it.
 */
export interface StreamMasker {
  /** Masked text ready to write now. */
  push(chunk: string): string;
  /** What was held back, masked: the stream ended. */
  end(): string;
}

/**
 * What a terminal draws as nothing: complete escape sequences (CSI, OSC ended by BEL or ST,
 * two-character ESC forms) and NUL, which sits between the characters of UTF-16 text.
 */
// eslint-disable-next-line no-control-regex -- terminal escape sequences are control characters
const ESCAPE_SEQUENCE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)|\x1b[@-Z\\^_]|\0+/g;
/** A sequence still arriving at the end of the text (bounded: an endless one is not held). */
// eslint-disable-next-line no-control-regex -- as above
const PARTIAL_SEQUENCE = /\x1b(?:\[[0-?]{0,64}[ -/]{0,8}|\][^\x07\x1b]{0,4096}\x1b?)?$/;
/** A text escape still arriving: `%`, `%X`, a UTF-8 lead byte without all its continuation bytes, `\`, `\u12`, `&#x1F6`, `&am`. */
const PARTIAL_TEXT_ESCAPE = /(?:%[0-9a-fA-F]?|%[c-fC-F][0-9a-fA-F](?:%[89abAB][0-9a-fA-F]){0,2}(?:%[89abAB]?)?|\\(?:u[0-9a-fA-F]{0,3})?|&(?:#[xX]?[0-9a-fA-F]{0,8}|[a-zA-Z]{0,5}))$/;
/** The longest original text one decoded character comes from (`&#x0001F600;`, four `%XX`). */
const MAX_ESCAPE = 12;

/** A text without its escape sequences, and where each of its characters came from. */
interface ScreenView {
  text: string;
  /** The original index of view character `i`. */
  at(i: number): number;
}

function screenView(text: string): ScreenView {
  if (!text.includes('\x1b') && !text.includes('\0')) return { text, at: (i) => i };
  const parts: string[] = [];
  const viewStart: number[] = [];
  const origStart: number[] = [];
  let length = 0;
  let from = 0;
  const keep = (to: number): void => {
    if (to <= from) return;
    parts.push(text.slice(from, to));
    viewStart.push(length);
    origStart.push(from);
    length += to - from;
  };
  for (const m of text.matchAll(ESCAPE_SEQUENCE)) {
    keep(m.index);
    from = m.index + m[0].length;
  }
  keep(text.length);
  return {
    text: parts.join(''),
    at(i) {
      let lo = 0;
      let hi = viewStart.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (viewStart[mid]! <= i) lo = mid;
        else hi = mid - 1;
      }
      return origStart[lo]! + (i - viewStart[lo]!);
    },
  };
}

export function createStreamMasker(values: readonly string[]): StreamMasker {
  const hidden = secretValues(values);
  const masker = createMasker(hidden);
  const matcher = new SecretMatcher(hidden);
  const needles = hidden.map(needlesFor);
  const exact = [...new Set(needles.flatMap((n) => [...n.literals, ...n.base64]))].filter((f) => f.length > 1);
  const decoded = [...new Set(needles.flatMap((n) => n.decoded))];
  const longestExact = exact.reduce((n, f) => Math.max(n, f.length), 0);
  const longestDecoded = decoded.reduce((n, f) => Math.max(n, f.length), 0);
  let held = '';

  /** Masked, also where escape sequences sit between a value's characters. */
  const mask = (text: string): string => {
    const view = screenView(text);
    if (view.text === text) return masker.mask(text);
    const found: [number, number][] = [];
    matcher.find(view.text, found);
    if (!found.length) return masker.mask(text);
    found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    let out = '';
    let cursor = 0;
    for (const [start, end] of found) {
      const [s, e] = [view.at(start), view.at(end - 1) + 1];
      if (e <= cursor) continue;
      if (s >= cursor) out += text.slice(cursor, s) + MASK;
      cursor = e;
    }
    return masker.mask(out + text.slice(cursor));
  };

  /** How many characters at the end of `text` (escape-free) could be a proper beginning of an exact form. */
  const exactTail = (text: string): number => {
    for (let k = Math.min(text.length, longestExact - 1); k > 0; k--) {
      const tail = text.slice(text.length - k);
      if (exact.some((f) => f.length > k && f.startsWith(tail))) return k;
    }
    return 0;
  };

  /** Likewise for a value with its characters escaped (any mix), an escape cut in half included. */
  const escapedTail = (text: string): number => {
    const base = text.slice(Math.max(0, text.length - (longestDecoded * MAX_ESCAPE + 16)));
    const partial = PARTIAL_TEXT_ESCAPE.exec(base);
    const upTo = partial ? partial.index : base.length;
    const view = decodeEscapes(base.slice(0, upTo));
    const d = view.text;
    for (let k = Math.min(d.length, longestDecoded - 1); k >= (partial ? 0 : 1); k--) {
      const tail = d.slice(d.length - k);
      if (k === 0) return base.length - upTo;
      if (decoded.some((f) => f.length > k && f.startsWith(tail))) return base.length - view.span(d.length - k, d.length)[0];
    }
    return 0;
  };

  return {
    push(chunk) {
      if (!hidden.length) return chunk;
      // Whole values (in any form) are masked first; what remains at the end may be a value's start.
      const text = mask(held + chunk);
      const sequence = PARTIAL_SEQUENCE.exec(text);
      const upTo = sequence ? sequence.index : text.length;
      const view = screenView(text.slice(0, upTo));
      const keep = Math.max(exactTail(view.text), escapedTail(view.text));
      const from = keep > 0 ? view.at(view.text.length - keep) : upTo;
      held = text.slice(from);
      return text.slice(0, from);
    },
    end() {
      const rest = held;
      held = '';
      return mask(rest);
    },
  };
}
