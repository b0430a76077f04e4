import { describe, expect, it } from 'vitest';
import { MASK, SecretMatcher, createMasker, maskerOf, matcherFor, secretValues } from './masker.js';

describe('createMasker', () => {
  it('masks a secret raw, URL-encoded, JSON-escaped and base64-encoded, each whole', () => {
    const secret = 'p@ss "w/rd"';
    const text = [secret, encodeURIComponent(secret), JSON.stringify(secret), btoa(secret)].join(' | ');
    expect(createMasker([secret]).mask(text)).toBe(`${MASK} | ${MASK} | "${MASK}" | ${MASK}`);
  });

  it('masks the longer of two overlapping secrets whole', () => {
    expect(createMasker(['abc123', 'abc123xyz']).mask('token abc123xyz')).toBe(`token ${MASK}`);
  });

  it('masks each member of a JSON secret, leaving short flags and whole-text matches of nothing alone', () => {
    const env = JSON.stringify({ API_KEY: 'key-Canary-1234', DEBUG: '1' });
    expect(createMasker([env]).mask('bad key key-Canary-1234 (debug 1)')).toBe(`bad key ${MASK} (debug 1)`);
    expect(secretValues([env])).toEqual([env, 'key-Canary-1234']);
  });

  it('leaves text alone when there is nothing to hide: empty and too-short secrets', () => {
    const m = createMasker(['', 'on', 'abc']);
    expect(m.needleCount).toBe(0);
    expect(m.mask('Connection refused (127.0.0.1:5432) on abc')).toBe('Connection refused (127.0.0.1:5432) on abc');
  });

  it('masks the base64 characters that carry the secret inside a Basic header, and its padding', () => {
    const header = `Basic ${btoa('alice:s3cret-pass')}`;
    expect(header).toBe('Basic YWxpY2U6czNjcmV0LXBhc3M=');
    // 'alice:' is 8 whole characters; the one beside the window is widened into it.
    expect(createMasker(['s3cret-pass']).mask(header)).toBe(`Basic YWxpY2U${MASK}`);
  });

  it('keeps the type of an operation result: top-level numbers stay, payload fields are masked deep', () => {
    const m = createMasker(['Canary-Fields-1']);
    const res = m.maskFields({ status: 200, statusText: 'OK Canary-Fields-1', headers: { 'x-echo': 'Canary-Fields-1' }, body: '', truncated: false, latencyMs: 3 });
    expect(res).toEqual({ status: 200, statusText: `OK ${MASK}`, headers: { 'x-echo': MASK }, body: '', truncated: false, latencyMs: 3 });
  });

  it('stays linear on long runs that look like a URL scheme (no backtracking blow-up)', () => {
    const m = createMasker(['Canary-Linear-1']);
    const long = 'a.'.repeat(200_000) + '://x';
    const started = performance.now();
    expect(m.mask(long)).toBe(long);
    // A hang guard, not a speed test: the quadratic version takes minutes here.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('matcherFor', () => {
  it('compiles once per set of secret values, across resolves of the same connection', () => {
    const first = matcherFor({ token: 'Canary-Once-1' });
    expect(matcherFor({ token: 'Canary-Once-1' })).toBe(first);
    expect(matcherFor({ token: 'Canary-Once-2' })).not.toBe(first);
  });

  it('keeps a bounded number of compiled matchers', () => {
    const first = matcherFor({ token: 'Canary-Evicted-0' });
    for (let i = 1; i <= 64; i++) matcherFor({ token: `Canary-Evicted-${i}` });
    expect(matcherFor({ token: 'Canary-Evicted-0' })).not.toBe(first);
  });
});

describe('SecretMatcher', () => {
  it('adds and removes values as secrets come and go, counting values two secrets share', () => {
    const m = new SecretMatcher();
    const masker = maskerOf([m]);
    m.add('Shared-Canary-77');
    m.add('Shared-Canary-77');
    m.add('Other-Canary-88');
    expect(masker.mask('a Shared-Canary-77 b Other-Canary-88')).toBe(`a ${MASK} b ${MASK}`);
    m.remove('Shared-Canary-77');
    expect(masker.mask('Shared-Canary-77')).toBe(MASK);
    m.remove('Shared-Canary-77');
    m.remove('Other-Canary-88');
    expect(masker.mask('Shared-Canary-77 Other-Canary-88')).toBe('Shared-Canary-77 Other-Canary-88');
    expect(m.needleCount).toBe(0);
  });

  it('finds each of thousands of secrets, in each encoding, with the hashed index (not one scan per needle)', () => {
    const secrets = Array.from({ length: 3000 }, (_, i) => `stored-${i}-secret/${(i * 7919).toString(36)}`);
    const masker = maskerOf([new SecretMatcher(secrets)]);
    for (const i of [0, 1234, 2999]) {
      const s = secrets[i]!;
      const text = `raw ${s} | url ${encodeURIComponent(s)} | json ${JSON.stringify(s)} | b64 ${btoa(`u:${s}`)} | html ${s.replace(/\//g, '&#x2F;')} | mixed ${s.replace('-', '%2D').replace('/', '\\/')}`;
      const out = masker.mask(text);
      // "dT" is base64 of the "u:" before the secret: its own bits, kept.
      expect(out, out).toBe(`raw ${MASK} | url ${MASK} | json "${MASK}" | b64 dT${MASK} | html ${MASK} | mixed ${MASK}`);
    }
  });
});
