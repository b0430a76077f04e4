import { describe, expect, it } from 'vitest';
import { MAX_HEADER_LENGTH, bearerChallenge, parseWwwAuthenticate } from './www-authenticate.js';

const read = (h: unknown) => parseWwwAuthenticate(h)?.map((c) => ({ scheme: c.scheme, params: Object.fromEntries(c.params), ...(c.token68 !== undefined ? { token68: c.token68 } : {}) }));

describe('parseWwwAuthenticate', () => {
  it('reads the MCP challenge: Bearer with a quoted resource_metadata and scope', () => {
    expect(read('Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp", scope="files:read files:write"')).toEqual([
      { scheme: 'bearer', params: { resource_metadata: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp', scope: 'files:read files:write' } },
    ]);
  });

  it('lower-cases the scheme and parameter names, keeps values as sent', () => {
    expect(read('BEARER Realm="Example", ERROR=invalid_token')).toEqual([{ scheme: 'bearer', params: { realm: 'Example', error: 'invalid_token' } }]);
  });

  it('keeps commas and equals signs inside quoted strings, and unescapes quoted pairs', () => {
    expect(read('Bearer error_description="a, b=c, \\"quoted\\" \\\\ back", realm=x')).toEqual([{ scheme: 'bearer', params: { error_description: 'a, b=c, "quoted" \\ back', realm: 'x' } }]);
  });

  it('splits several challenges in one header, as RFC 9110 §11.6.1 shows', () => {
    expect(read('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"')).toEqual([
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'basic', params: { realm: 'simple' } },
    ]);
  });

  it('reads header lines joined with ", ", empty list elements, bare schemes and token68', () => {
    expect(read(' , Basic realm="a" ,, Negotiate, Bearer resource_metadata="https://x/m" , NTLM abc+/def==')).toEqual([
      { scheme: 'basic', params: { realm: 'a' } },
      { scheme: 'negotiate', params: {} },
      { scheme: 'bearer', params: { resource_metadata: 'https://x/m' } },
      { scheme: 'ntlm', params: {}, token68: 'abc+/def==' },
    ]);
  });

  it('reads "Bearer realm=" as token68, as the grammar says', () => {
    expect(read('Bearer realm=')).toEqual([{ scheme: 'bearer', params: {}, token68: 'realm=' }]);
  });

  it('allows whitespace around "=" (BWS) and an empty quoted value', () => {
    expect(read('Bearer realm = "" , scope =a')).toEqual([{ scheme: 'bearer', params: { realm: '', scope: 'a' } }]);
  });

  it.each([
    ['an empty header', ''],
    ['only commas', ' , ,'],
    ['an unterminated quoted string', 'Bearer resource_metadata="https://x/m'],
    ['a backslash at the end', 'Bearer realm="abc\\'],
    ['a parameter without a value', 'Bearer a=b, realm='],
    ['a parameter without "="', 'Bearer realm "x"'],
    ['a duplicate parameter', 'Bearer resource_metadata="https://a/", Resource_Metadata="https://b/"'],
    ['two values in a row', 'Bearer realm="a" "b"'],
    ['parameters after token68', 'Bearer abc==, realm=x'],
    ['a parameter with no scheme', 'realm="x"'],
    ['a scheme glued to a quote', 'Bearer"x"'],
    ['a control character inside a quoted string', 'Bearer realm="a\u0000b"'],
    ['DEL inside a quoted string', 'Bearer realm="a\u007fb"'],
    ['a character above 0xFF', 'Bearer realm="caf\u20ac"'],
    ['a non-ASCII token', 'Bearer réalm=x'],
    ['a value glued to the next parameter', 'Bearer a=b=c'],
    ['HTML', '<script>alert(1)</script>'],
    ['JSON', '{"resource_metadata":"https://x/"}'],
  ])('returns nothing for %s', (_label, header) => {
    expect(parseWwwAuthenticate(header)).toBeUndefined();
  });

  it('returns nothing (never throws) for values that are not strings', () => {
    for (const v of [undefined, null, 42, {}, ['Bearer']]) expect(parseWwwAuthenticate(v)).toBeUndefined();
  });

  it('refuses a header longer than the bound before reading it', () => {
    const url = `https://x/${'a'.repeat(MAX_HEADER_LENGTH)}`;
    expect(parseWwwAuthenticate(`Bearer resource_metadata="${url}"`)).toBeUndefined();
    expect(parseWwwAuthenticate(`Bearer realm="${'a'.repeat(MAX_HEADER_LENGTH - 20)}"`)).toHaveLength(1);
  });

  it('takes linear time on inputs built to make a backtracking parser blow up', () => {
    const n = MAX_HEADER_LENGTH - 16;
    const inputs = [
      `Bearer ${'a=b, '.repeat(n / 5)}`,
      `Bearer realm="${'\\"'.repeat(n / 2 - 10)}`,
      `${'Basic, '.repeat(n / 7)}`,
      `Bearer ${'a'.repeat(n)}`,
      `Bearer ${'='.repeat(n)}`,
      `B ${'x,'.repeat(n / 2)}`,
    ];
    // One pass over 8 KiB: microseconds; the generous bound only guards against a quadratic reader.
    const start = performance.now();
    for (let i = 0; i < 20; i++) for (const h of inputs) parseWwwAuthenticate(h);
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('never throws on random bytes', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = 'Bearer ,="\\\t abc=/+\u0000\u00ff';
    for (let i = 0; i < 2000; i++) {
      let h = '';
      for (let j = Math.floor(rand() * 60); j > 0; j--) h += alphabet[Math.floor(rand() * alphabet.length)];
      expect(() => parseWwwAuthenticate(h)).not.toThrow();
    }
  });
});

describe('bearerChallenge', () => {
  it('reads resource_metadata and scope from the Bearer challenge among others', () => {
    expect(bearerChallenge('Basic realm="x", Bearer scope="mcp:tools", resource_metadata="https://x/prm"')).toEqual({ found: true, resourceMetadata: 'https://x/prm', scope: 'mcp:tools' });
  });
  it('tells a header with no Bearer challenge from one it cannot read', () => {
    expect(bearerChallenge('Basic realm="x"')).toEqual({ found: false });
    expect(bearerChallenge('Bearer realm="x')).toBeUndefined();
    expect(bearerChallenge('Bearer realm="x"')).toEqual({ found: true });
  });
});
