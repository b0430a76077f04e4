/**
 * The search patterns for one secret value: every common form in which a peer might echo it.
 * Pure string work (TextEncoder, btoa): runs in the broker, the renderer or a worker alike.
 */

/**
 * How one secret is searched for, all as exact strings: `literals` in the text as it is,
 * `base64` windows likewise (a match is widened over its edge characters), and `decoded` in the
 * text with its escapes undone (decoded-view.ts), which finds the secret with any of its
 * characters percent-, JSON- or HTML-escaped, mixed, at any length.
 */
export interface SecretNeedles {
  literals: string[];
  base64: string[];
  decoded: string[];
}

const utf8 = new TextEncoder();

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

/** The whole-value text encodings, as literals: raw, percent (component, form), JSON, HTML. */
function literalTextForms(secret: string): string[] {
  const percent = encodeURIComponent(secret);
  const json = JSON.stringify(secret).slice(1, -1);
  const html = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  // With no escape character in the text, the decoded view is not searched: these two cover `+`.
  return [secret, secret.replace(/ /g, '+'), percent, percent.replace(/%20/g, '+'), json, html];
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** UTF-16 code units as bytes, little-endian (what Windows, .NET and PowerShell write). */
function utf16le(secret: string): Uint8Array {
  const out = new Uint8Array(secret.length * 2);
  for (let i = 0; i < secret.length; i++) {
    const u = secret.charCodeAt(i);
    out[2 * i] = u & 0xff;
    out[2 * i + 1] = u >> 8;
  }
  return out;
}
const swapped = (le: Uint8Array): Uint8Array => le.map((_, i) => le[i ^ 1]!);
/** How a UTF-16 body reads once taken as UTF-8 (every body is): for ASCII, a NUL beside each character. */
const asUtf8Text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** All needles for one secret value: text encodings, base64 at every alignment, hex (bytea, dumps), UTF-16. */
export function needlesFor(secret: string): SecretNeedles {
  const bytes = utf8.encode(secret);
  const wide = utf16le(secret);
  // A JWT or any JSON document that was base64-encoded carries the secret JSON-escaped;
  // PowerShell's -EncodedCommand is base64 of UTF-16LE.
  const jsonEscaped = JSON.stringify(secret).slice(1, -1);
  const encodedTexts = jsonEscaped === secret ? [bytes, wide] : [bytes, utf8.encode(jsonEscaped), wide];
  const literals = new Set([...literalTextForms(secret), hex(bytes), hex(bytes).toUpperCase(), asUtf8Text(wide), asUtf8Text(swapped(wide))]);
  return {
    literals: [...literals].filter((l) => l.length >= 4),
    base64: [...new Set(encodedTexts.flatMap(base64Windows))],
    // The view reads `+` as a space (form encoding), so a secret with a `+` is also looked for that way.
    // And a UTF-16 text written with its NULs escaped (JSON's `\u0000`, `%00`).
    decoded: [...new Set([secret, secret.replace(/\+/g, ' '), asUtf8Text(wide), asUtf8Text(swapped(wide))])],
  };
}
