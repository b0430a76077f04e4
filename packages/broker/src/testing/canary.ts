/**
 * Canary encodings and an independent canary search for leak tests. The search does not reuse
 * the masker's needles: it decodes what it finds (percent, form, JSON and HTML escapes, base64
 * runs at every offset, hex runs) and looks for the canary in the decoded text, so a masker
 * that forgot an encoding cannot also forget to look for it.
 */

const utf8 = new TextEncoder();
const bytesToBinary = (bytes: Uint8Array): string => Array.from(bytes, (b) => String.fromCharCode(b)).join('');
const b64 = (s: string): string => btoa(bytesToBinary(utf8.encode(s)));
const hex = (s: string): string => Array.from(utf8.encode(s), (b) => b.toString(16).padStart(2, '0')).join('');
const htmlNamed = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const htmlNumeric = (s: string): string => [...s].map((c) => (/[A-Za-z0-9]/.test(c) ? c : `&#${c.codePointAt(0)};`)).join('');
const htmlHex = (s: string): string => [...s].map((c) => (/[A-Za-z0-9]/.test(c) ? c : `&#x${c.codePointAt(0)!.toString(16).toUpperCase()};`)).join('');
/** Go's encoding/json and many others write <, >, & and non-ASCII as \u escapes. */
const jsonUnicode = (s: string): string => [...JSON.stringify(s).slice(1, -1)].map((c) => (/[<>&'\u0080-\uffff]/.test(c) ? c.split('').map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`).join('') : c)).join('');

/** Every form in which a peer might echo the canary, by name. */
export function canaryEncodings(secret: string): Record<string, string> {
  return {
    raw: secret,
    'url (encodeURIComponent)': encodeURIComponent(secret),
    'url (form, +)': new URLSearchParams({ k: secret }).toString().slice(2),
    'url (lower-case hex)': encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    'url (everything escaped)': Array.from(utf8.encode(secret), (b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join(''),
    json: JSON.stringify(secret).slice(1, -1),
    'json (\\u escapes)': jsonUnicode(secret),
    'html (named)': htmlNamed(secret),
    'html (decimal)': htmlNumeric(secret),
    'html (hex)': htmlHex(secret),
    base64: b64(secret),
    'base64 (no padding)': b64(secret).replace(/=+$/, ''),
    'base64 (url-safe)': b64(secret).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
    'basic auth (user "a")': `Basic ${b64(`a:${secret}`)}`,
    'basic auth (user "ab")': `Basic ${b64(`ab:${secret}`)}`,
    'basic auth (user "abc")': `Basic ${b64(`abc:${secret}`)}`,
    'base64 inside a token': b64(`{"alg":"x","key":${JSON.stringify(secret)},"n":1}`),
    hex: hex(secret),
    'url userinfo': `https://someone:${encodeURIComponent(secret)}@example.test/path`,
  };
}

function percentDecode(text: string, plusIsSpace: boolean): string {
  const t = plusIsSpace ? text.replace(/\+/g, ' ') : text;
  return t.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

const JSON_SHORT: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
function jsonUnescape(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\(["\\/bfnrt])/g, (_, u: string | undefined, c: string | undefined) => (u ? String.fromCharCode(parseInt(u, 16)) : JSON_SHORT[c!]!));
}

const HTML_NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function htmlUnescape(text: string): string {
  return text.replace(/&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|([a-z]+));/g, (m, dec: string | undefined, hx: string | undefined, name: string | undefined) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hx) return String.fromCodePoint(parseInt(hx, 16));
    return HTML_NAMED[name!] ?? m;
  });
}

function includesBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

const decoder = new TextDecoder();
/** The secret's bytes in the decoded bytes, or its JSON-escaped text (a base64 JSON document, a JWT). */
function holdsSecret(bytes: Uint8Array, secret: Uint8Array): boolean {
  if (includesBytes(bytes, secret)) return true;
  return jsonUnescape(decoder.decode(bytes)).includes(decoder.decode(secret));
}

function base64Runs(text: string, secret: Uint8Array): boolean {
  for (const run of text.match(/[A-Za-z0-9+/_-]{6,}/g) ?? []) {
    const std = run.replace(/-/g, '+').replace(/_/g, '/');
    for (let offset = 0; offset < 4; offset++) {
      // A run that ends inside a group (unpadded base64) still decodes its last bytes.
      let part = std.slice(offset);
      if (part.length % 4 === 1) part = part.slice(0, -1);
      else if (part.length % 4 !== 0) part += '='.repeat(4 - (part.length % 4));
      try {
        const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
        if (holdsSecret(bytes, secret)) return true;
      } catch {
        // not base64 at this offset
      }
    }
  }
  return false;
}

function hexRuns(text: string, secret: Uint8Array): boolean {
  for (const run of text.match(/[0-9a-fA-F]{8,}/g) ?? []) {
    for (let offset = 0; offset < 2; offset++) {
      const part = run.slice(offset);
      const bytes = new Uint8Array(Math.floor(part.length / 2));
      for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(part.slice(2 * i, 2 * i + 2), 16);
      if (holdsSecret(bytes, secret)) return true;
    }
  }
  return false;
}

/** The names of the decodings under which the canary is visible in `text`; empty when it is not. */
export function findCanary(text: string, secret: string): string[] {
  const found: string[] = [];
  const bytes = utf8.encode(secret);
  const views: Record<string, string> = {
    raw: text,
    'url-decoded': percentDecode(text, false),
    'form-decoded': percentDecode(text, true),
    'json-unescaped': jsonUnescape(text),
    'html-unescaped': htmlUnescape(text),
    'html then json': jsonUnescape(htmlUnescape(text)),
  };
  for (const [name, view] of Object.entries(views)) if (view.includes(secret)) found.push(name);
  if (base64Runs(text, bytes)) found.push('base64');
  if (hexRuns(text, bytes)) found.push('hex');
  return found;
}
