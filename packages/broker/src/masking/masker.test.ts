import { describe, expect, it } from 'vitest';
import { MASK, createMasker, maskerFor, secretValues } from './masker.js';

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

describe('maskerFor', () => {
  it('compiles once per set of secret values, across resolves of the same connection', () => {
    const first = maskerFor({ token: 'Canary-Once-1' });
    expect(maskerFor({ token: 'Canary-Once-1' })).toBe(first);
    expect(maskerFor({ token: 'Canary-Once-2' })).not.toBe(first);
  });

  it('keeps a bounded number of compiled maskers', () => {
    const first = maskerFor({ token: 'Canary-Evicted-0' });
    for (let i = 1; i <= 64; i++) maskerFor({ token: `Canary-Evicted-${i}` });
    expect(maskerFor({ token: 'Canary-Evicted-0' })).not.toBe(first);
  });
});
