/**
 * Many exact strings searched for at once. The broker masks every stored secret in every output
 * (DESIGN.md, invariant 1): thousands of secrets, each with a dozen encoded forms, against bodies
 * of megabytes. One indexOf per needle is fastest for a few needles and hopeless for a hundred
 * thousand; past a few dozen, each position's first four characters are hashed and looked up.
 */

/** Needles are at least this long (MIN_SECRET_LENGTH): the hash reads this many characters. */
const HEAD = 4;
/** With this many needles or fewer, indexOf per needle wins (V8 scans with a fast memchr). */
const SCAN_LIMIT = 32;
/** A bit per hash bucket: most positions are rejected with one array read, no map lookup. */
const FILTER_BITS = 1 << 20;

const BASE64_CHAR = /[A-Za-z0-9+/_-]/;

interface Entry {
  /** How many secrets put this needle here (two secrets can share a form). */
  count: number;
  /** A base64 window: widened over the edge characters that mix in the neighbours' bits. */
  base64: boolean;
}

const pairKey = (a: number, b: number): number => ((a << 8) ^ b) & 0xffff;

function headHash(text: string, at: number): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < HEAD; k++) h = Math.imul(h ^ text.charCodeAt(at + k), 0x01000193);
  return h >>> 0;
}

export class NeedleIndex {
  readonly #needles = new Map<string, Entry>();
  readonly #byHead = new Map<number, string[]>();
  /** Bits only ever set: a removed needle leaves a false positive, never a miss. */
  readonly #filter = new Uint32Array(FILTER_BITS / 32);
  /** Which first two characters start any needle (16 bits of them): one read rejects most positions. */
  readonly #pairs = new Uint8Array(1 << 16);

  get size(): number {
    return this.#needles.size;
  }

  add(needle: string, base64 = false): void {
    if (needle.length < HEAD) return;
    const entry = this.#needles.get(needle);
    if (entry) {
      entry.count++;
      return;
    }
    this.#needles.set(needle, { count: 1, base64 });
    const h = headHash(needle, 0);
    const bucket = this.#byHead.get(h);
    if (bucket) bucket.push(needle);
    else this.#byHead.set(h, [needle]);
    this.#filter[(h % FILTER_BITS) >>> 5]! |= 1 << (h & 31);
    this.#pairs[pairKey(needle.charCodeAt(0), needle.charCodeAt(1))] = 1;
  }

  remove(needle: string): void {
    const entry = this.#needles.get(needle);
    if (!entry || --entry.count > 0) return;
    this.#needles.delete(needle);
    const h = headHash(needle, 0);
    const bucket = this.#byHead.get(h)!.filter((n) => n !== needle);
    if (bucket.length) this.#byHead.set(h, bucket);
    else this.#byHead.delete(h);
  }

  /** Appends `[start, end)` of every occurrence of every needle in `text`. */
  find(text: string, found: [number, number][]): void {
    if (this.#needles.size <= SCAN_LIMIT) {
      for (const [needle, entry] of this.#needles) {
        for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) found.push(span(text, at, needle.length, entry.base64));
      }
      return;
    }
    const filter = this.#filter;
    const pairs = this.#pairs;
    const last = text.length - HEAD;
    let next = text.charCodeAt(0);
    for (let at = 0; at <= last; at++) {
      const first = next;
      next = text.charCodeAt(at + 1);
      if (pairs[pairKey(first, next)] === 0) continue;
      const h = headHash(text, at);
      if ((filter[(h % FILTER_BITS) >>> 5]! & (1 << (h & 31))) === 0) continue;
      const bucket = this.#byHead.get(h);
      if (!bucket) continue;
      for (const needle of bucket) {
        if (text.startsWith(needle, at)) found.push(span(text, at, needle.length, this.#needles.get(needle)!.base64));
      }
    }
  }
}

/** A base64 match takes the one character on each side that carries the secret's edge bits, and any padding. */
function span(text: string, at: number, length: number, base64: boolean): [number, number] {
  if (!base64) return [at, at + length];
  let start = at;
  let end = at + length;
  if (start > 0 && BASE64_CHAR.test(text[start - 1]!)) start--;
  if (end < text.length && BASE64_CHAR.test(text[end]!)) end++;
  while (end < text.length && text[end] === '=' && end - at < length + 3) end++;
  return [start, end];
}
