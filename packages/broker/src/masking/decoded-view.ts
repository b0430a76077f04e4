/**
 * A text with its escapes undone, character by character, and where each decoded character came
 * from. A peer may echo a secret with any of its characters escaped — percent (any hex case, `+`
 * for a space), JSON (`\"`, `\u00e9`), HTML (`&amp;`, `&#38;`, `&#x26;`) — and mixed (a JSON-escaped
 * URL). Searching the decoded view for the plain secret finds every such form with one needle per
 * secret, however many secrets there are; the positions map a match back onto the original text.
 */
export interface DecodedView {
  text: string;
  /** Where `[start, end)` of the decoded text came from in the original: whole escapes, never half of one. */
  span(start: number, end: number): [number, number];
}

/** The characters that start an escape: a text without them decodes to itself (but for `+`). */
export const ESCAPE_START = /[%\\&]/;
const NEXT_SPECIAL = /[%\\&+]/g;

const HEX = /^[0-9a-fA-F]+$/;
const JSON_SHORT: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const HTML_NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** `&#x0001F600;` is the longest HTML form the masker reads (a few leading zeros at most). */
const MAX_ENTITY = 12;

/**
 * Runs of plain text are copied as slices and mapped by offset; only escapes become segments of
 * their own, so a megabyte with a few escapes costs little more than one scan for them.
 */
export function decodeEscapes(text: string): DecodedView {
  const parts: string[] = [];
  // Segment k covers decoded [viewStart[k], viewStart[k+1]) and original [origStart[k], origEnd[k]).
  const viewStart: number[] = [];
  const origStart: number[] = [];
  const origEnd: number[] = [];
  const escaped: boolean[] = [];
  let length = 0;
  const push = (chars: string, from: number, to: number, isEscape: boolean): void => {
    if (!chars) return;
    parts.push(chars);
    viewStart.push(length);
    origStart.push(from);
    origEnd.push(to);
    escaped.push(isEscape);
    length += chars.length;
  };
  let plainFrom = 0;
  NEXT_SPECIAL.lastIndex = 0;
  for (let m = NEXT_SPECIAL.exec(text); m; m = NEXT_SPECIAL.exec(text)) {
    const i = m.index;
    const decoded = escapeAt(text, i);
    if (!decoded) continue;
    push(text.slice(plainFrom, i), plainFrom, i, false);
    for (const [chars, from, to] of decoded.chars) push(chars, from, to, true);
    plainFrom = decoded.end;
    NEXT_SPECIAL.lastIndex = decoded.end;
  }
  push(text.slice(plainFrom), plainFrom, text.length, false);

  const segmentOf = (v: number): number => {
    let lo = 0;
    let hi = viewStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (viewStart[mid]! <= v) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  return {
    text: parts.join(''),
    span(start, end) {
      const a = segmentOf(start);
      const b = segmentOf(end - 1);
      return [
        escaped[a] ? origStart[a]! : origStart[a]! + (start - viewStart[a]!),
        escaped[b] ? origEnd[b]! : origStart[b]! + (end - viewStart[b]!),
      ];
    },
  };
}

/** The escape starting at `i` (percent run, JSON, HTML entity, `+`), decoded; null when there is none. */
function escapeAt(text: string, i: number): { chars: [string, number, number][]; end: number } | null {
  const c = text[i];
  if (c === '%') return percentRun(text, i);
  if (c === '+') return { chars: [[' ', i, i + 1]], end: i + 1 };
  if (c === '\\') {
    const next = text[i + 1];
    if (next === 'u') {
      const hex = text.slice(i + 2, i + 6);
      return hex.length === 4 && HEX.test(hex) ? { chars: [[String.fromCharCode(parseInt(hex, 16)), i, i + 6]], end: i + 6 } : null;
    }
    return next !== undefined && Object.hasOwn(JSON_SHORT, next) ? { chars: [[JSON_SHORT[next]!, i, i + 2]], end: i + 2 } : null;
  }
  // '&'
  // Looked for only within an entity's reach: a text of '&'s and no ';' stays linear.
  const within = text.slice(i + 2, i + MAX_ENTITY + 1).indexOf(';');
  if (within === -1) return null;
  const end = i + 2 + within;
  const chars = entity(text.slice(i + 1, end));
  return chars === null ? null : { chars: [[chars, i, end + 1]], end: end + 1 };
}

function entity(body: string): string | null {
  if (body.startsWith('#x') || body.startsWith('#X')) return codePoint(body.slice(2), 16);
  if (body.startsWith('#')) return /^\d+$/.test(body.slice(1)) ? codePoint(body.slice(1), 10) : null;
  return HTML_NAMED[body] ?? null;
}

function codePoint(digits: string, radix: 10 | 16): string | null {
  if (!digits || (radix === 16 && !HEX.test(digits))) return null;
  const n = parseInt(digits, radix);
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : null;
}

/** One run of `%XX` bytes decoded as UTF-8, each character mapped to its triplets; null when `%` starts no escape. */
function percentRun(text: string, start: number): { chars: [string, number, number][]; end: number } | null {
  const bytes: number[] = [];
  let at = start;
  while (text[at] === '%') {
    const hex = text.slice(at + 1, at + 3);
    if (hex.length !== 2 || !HEX.test(hex)) break;
    bytes.push(parseInt(hex, 16));
    at += 3;
  }
  if (!bytes.length) return null;
  const chars: [string, number, number][] = [];
  let b = 0;
  while (b < bytes.length) {
    const lead = bytes[b]!;
    const length = lead < 0x80 ? 1 : lead >= 0xc2 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf5 ? 4 : 0;
    let cp = length === 1 ? lead : length === 2 ? lead & 0x1f : length === 3 ? lead & 0x0f : lead & 0x07;
    let ok = length > 0 && b + length <= bytes.length;
    for (let k = 1; ok && k < length; k++) {
      const cont = bytes[b + k]!;
      if ((cont & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (cont & 0x3f);
    }
    // A byte that starts no character is left as the text it was (three characters, not decoded).
    if (!ok) break;
    chars.push([String.fromCodePoint(cp), start + 3 * b, start + 3 * (b + length)]);
    b += length;
  }
  if (!chars.length) return null;
  return { chars, end: start + 3 * b };
}
