/**
 * The search patterns for one secret value: every common form in which a peer might echo it.
 * Pure string work (TextEncoder, btoa): runs in the broker, the renderer or a worker alike.
 */

/**
 * How one secret is searched for. `literals` are exact strings (found with indexOf, which V8 runs
 * far faster than any regex alternation); `flexible` is a regex source matching the secret with
 * any of its characters escaped, needed only when the text holds an escape character at all.
 */
export interface SecretNeedles {
  literals: string[];
  /** Base64 windows: exact strings too, but a match is widened over its edge characters. */
  base64: string[];
  flexible: string | null;
}

const RE_SPECIAL = /[\\^$.*+?()[\]{}|/-]/g;
const escapeRe = (s: string): string => s.replace(RE_SPECIAL, '\\$&');

/** Hex digits that match in either case: encoders differ (`%2f` vs `%2F`, `\u00E9` vs `\u00e9`). */
function hexAnyCase(n: number, width = 0): string {
  return n
    .toString(16)
    .padStart(width, '0')
    .replace(/[a-f]/g, (d) => `[${d}${d.toUpperCase()}]`);
}

const utf8 = new TextEncoder();

const JSON_SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const HTML_NAMED: Record<string, string[]> = { '&': ['&amp;'], '<': ['&lt;'], '>': ['&gt;'], '"': ['&quot;'], "'": ['&apos;'] };

/**
 * Every way one character is commonly written in text a peer sends back: as itself,
 * percent-encoded (any hex case; `+` for a space in a form body), JSON-escaped (`\"`, `\u00e9`),
 * HTML-escaped (`&amp;`, `&#38;`, `&#x26;`). Per character, so a mix (a JSON-escaped URL) matches too.
 */
function charPattern(ch: string): string {
  const code = ch.codePointAt(0)!;
  const forms = new Set<string>([escapeRe(ch)]);
  forms.add([...utf8.encode(ch)].map((b) => `%${hexAnyCase(b, 2)}`).join(''));
  if (ch === ' ') forms.add('\\+');
  let units = '';
  for (let i = 0; i < ch.length; i++) units += `\\\\u${hexAnyCase(ch.charCodeAt(i), 4)}`;
  forms.add(units);
  const short = JSON_SHORT[ch];
  if (short) forms.add(escapeRe(short));
  for (const named of HTML_NAMED[ch] ?? []) forms.add(escapeRe(named));
  // A few leading zeros at most: keeps every form within 12 characters, which the masker relies on.
  forms.add(`&#0{0,3}${code};`);
  forms.add(`&#[xX]0{0,3}${hexAnyCase(code)};`);
  return forms.size === 1 ? [...forms][0]! : `(?:${[...forms].join('|')})`;
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
const urlSafe = (b64: string): string => b64.replace(/\+/g, '-').replace(/\//g, '_');

/**
 * Base64 of the secret wherever it sits inside a longer encoded text (HTTP Basic's
 * `user:password`, a JSON token, a data URL). Base64 maps 3 bytes to 4 characters, so a secret
 * starting at byte offset k (mod 3) encodes to one of three character runs; the characters that
 * depend on the secret's bytes alone are the same whatever surrounds it. Those runs, standard
 * and URL-safe. The masker widens a match by the one character on each side that mixes the
 * secret's edge bits with its neighbours, and any padding, so the standalone encoding needs no
 * needle of its own.
 */
function base64Windows(bytes: Uint8Array): string[] {
  const out = new Set<string>();
  for (let k = 0; k < 3; k++) {
    const shifted = new Uint8Array(k + bytes.length);
    shifted.set(bytes, k);
    const encoded = base64(shifted);
    const stable = encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6));
    if (stable.length >= 4) out.add(stable);
  }
  for (const form of [...out]) out.add(urlSafe(form));
  return [...out];
}

/**
 * Past this length (a private key, a service-account JSON) the per-character pattern would make
 * the regex hundreds of kilobytes; such a value is searched for in its whole common encodings only.
 */
const MAX_FLEXIBLE_LENGTH = 512;

/** The whole-value text encodings, as literals: raw, percent (component, form), JSON, HTML. */
function literalTextForms(secret: string): string[] {
  const percent = encodeURIComponent(secret);
  const json = JSON.stringify(secret).slice(1, -1);
  const html = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  // With no escape character in the text, the per-character pattern can only match these two.
  return [secret, secret.replace(/ /g, '+'), percent, percent.replace(/%20/g, '+'), json, html];
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** All needles for one secret value: text encodings, base64 at every alignment, hex (bytea, dumps). */
export function needlesFor(secret: string): SecretNeedles {
  const bytes = utf8.encode(secret);
  // A JWT or any JSON document that was base64-encoded carries the secret JSON-escaped.
  const jsonEscaped = JSON.stringify(secret).slice(1, -1);
  const encodedTexts = jsonEscaped === secret ? [bytes] : [bytes, utf8.encode(jsonEscaped)];
  const literals = new Set([...literalTextForms(secret), hex(bytes), hex(bytes).toUpperCase()]);
  return {
    literals: [...literals].filter((l) => l.length >= 4),
    base64: [...new Set(encodedTexts.flatMap(base64Windows))],
    flexible: secret.length <= MAX_FLEXIBLE_LENGTH ? [...secret].map(charPattern).join('') : null,
  };
}
