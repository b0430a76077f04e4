/**
 * A strict reader of `WWW-Authenticate` (RFC 9110 §11.6.1): one or more challenges, each an
 * auth-scheme followed by a token68 or by auth-params whose values are tokens or quoted strings.
 *
 * The header comes from a server the person has not signed in to yet, so it is hostile input:
 * the reader is one forward pass (linear time, no regex backtracking), refuses anything longer
 * than MAX_HEADER_LENGTH, and never throws — a header it cannot read whole gives `undefined`,
 * never a half-read guess.
 */

/** Longer than any honest challenge (a metadata URL, a scope list, an error description). */
export const MAX_HEADER_LENGTH = 8192;

export interface Challenge {
  /** Lower-cased: schemes are case-insensitive. */
  scheme: string;
  /** Parameter names lower-cased (case-insensitive); values as sent, quoted strings unescaped. */
  params: ReadonlyMap<string, string>;
  token68?: string;
}

// tchar (RFC 9110 §5.6.2): ALPHA DIGIT and !#$%&'*+-.^_`|~
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;
// token68 (RFC 9110 §11.2): ALPHA DIGIT and -._~+/ then any number of "=".
const T68 = new Uint8Array(128);
for (const c of '-._~+/0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ') T68[c.charCodeAt(0)] = 1;

const isTchar = (c: number) => c < 128 && TCHAR[c] === 1;
const isT68 = (c: number) => c < 128 && T68[c] === 1;
const isWs = (c: number) => c === 0x20 || c === 0x09;
/** qdtext and the octet after a backslash: HTAB, SP, visible ASCII, obs-text (0x80-0xFF); not DEL or controls. */
const isQuotedOctet = (c: number) => c === 0x09 || (c >= 0x20 && c !== 0x7f && c <= 0xff);

class Malformed extends Error {}

/** The challenges of a `WWW-Authenticate` value (several header lines joined with ", " are one list). */
export function parseWwwAuthenticate(header: unknown): Challenge[] | undefined {
  if (typeof header !== 'string' || header.length > MAX_HEADER_LENGTH) return undefined;
  try {
    const challenges = new Reader(header).challenges();
    return challenges.length ? challenges : undefined;
  } catch (error) {
    if (error instanceof Malformed) return undefined;
    throw error;
  }
}

class Reader {
  #pos = 0;
  constructor(private readonly s: string) {}

  #at(): number {
    return this.#pos < this.s.length ? this.s.charCodeAt(this.#pos) : -1;
  }

  #skipWs(): void {
    while (isWs(this.#at())) this.#pos++;
  }

  /** List rule (RFC 9110 §5.6.1): empty elements and the whitespace around commas are allowed. */
  #skipListGap(): void {
    while (isWs(this.#at()) || this.#at() === 0x2c) this.#pos++;
  }

  #token(): string {
    const start = this.#pos;
    while (isTchar(this.#at())) this.#pos++;
    return this.s.slice(start, this.#pos);
  }

  /** After a comma: `name BWS "="` continues the current challenge, anything else starts the next. */
  #paramFollows(): boolean {
    const save = this.#pos;
    const name = this.#token();
    this.#skipWs();
    const follows = name.length > 0 && this.#at() === 0x3d;
    this.#pos = save;
    return follows;
  }

  /** token68 when the run of token68 characters and "=" padding ends the element; else leaves the position. */
  #token68(): string | undefined {
    const start = this.#pos;
    while (isT68(this.#at())) this.#pos++;
    if (this.#pos === start) return undefined;
    while (this.#at() === 0x3d) this.#pos++;
    const end = this.#pos;
    this.#skipWs();
    if (this.#at() === -1 || this.#at() === 0x2c) return this.s.slice(start, end);
    this.#pos = start;
    return undefined;
  }

  #quoted(): string {
    this.#pos++; // the opening DQUOTE
    let out = '';
    for (;;) {
      const c = this.#at();
      if (c === 0x22) {
        this.#pos++;
        return out;
      }
      if (c === 0x5c) {
        this.#pos++;
        const next = this.#at();
        if (next === -1 || !isQuotedOctet(next)) throw new Malformed();
        out += this.s[this.#pos];
        this.#pos++;
        continue;
      }
      if (c === -1 || !isQuotedOctet(c)) throw new Malformed();
      out += this.s[this.#pos];
      this.#pos++;
    }
  }

  /** auth-params until the list ends or the next challenge begins (the position is left there). */
  #params(into: Map<string, string>): void {
    for (;;) {
      const name = this.#token().toLowerCase();
      if (!name) throw new Malformed();
      this.#skipWs();
      if (this.#at() !== 0x3d) throw new Malformed();
      this.#pos++;
      this.#skipWs();
      let value: string;
      if (this.#at() === 0x22) value = this.#quoted();
      else if (!(value = this.#token())) throw new Malformed();
      // RFC 9110: each parameter name occurs once per challenge; two answers are no answer.
      if (into.has(name)) throw new Malformed();
      into.set(name, value);
      this.#skipWs();
      if (this.#at() === -1) return;
      if (this.#at() !== 0x2c) throw new Malformed();
      this.#skipListGap();
      if (this.#at() === -1 || !this.#paramFollows()) return;
    }
  }

  challenges(): Challenge[] {
    const out: Challenge[] = [];
    this.#skipListGap();
    while (this.#at() !== -1) {
      const scheme = this.#token().toLowerCase();
      if (!scheme) throw new Malformed();
      const params = new Map<string, string>();
      const challenge: Challenge = { scheme, params };
      out.push(challenge);
      if (this.#at() === -1 || this.#at() === 0x2c) {
        this.#skipListGap();
        continue;
      }
      if (this.#at() !== 0x20) throw new Malformed();
      this.#skipWs();
      if (this.#at() === -1 || this.#at() === 0x2c) {
        this.#skipListGap();
        continue;
      }
      const t68 = this.#token68();
      if (t68 !== undefined) {
        challenge.token68 = t68;
        this.#skipListGap();
        continue;
      }
      this.#params(params);
    }
    return out;
  }
}

/** The first Bearer challenge's parameters that discovery reads (RFC 6750 §3, RFC 9728 §5.1). */
export function bearerChallenge(header: unknown): { found: boolean; resourceMetadata?: string; scope?: string } | undefined {
  const challenges = parseWwwAuthenticate(header);
  if (!challenges) return undefined;
  const bearer = challenges.find((c) => c.scheme === 'bearer');
  if (!bearer) return { found: false };
  const resourceMetadata = bearer.params.get('resource_metadata');
  const scope = bearer.params.get('scope');
  return { found: true, ...(resourceMetadata !== undefined ? { resourceMetadata } : {}), ...(scope !== undefined ? { scope } : {}) };
}
