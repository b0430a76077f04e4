import { describe, expect, it } from 'vitest';
import { scrubSecrets } from './scrub.js';

describe('scrubSecrets', () => {
  it('masks each secret raw, percent-encoded, JSON-escaped and base64-encoded', () => {
    const secret = 'p@ss "w/rd"';
    const text = [secret, encodeURIComponent(secret), JSON.stringify(secret), Buffer.from(secret).toString('base64')].join(' | ');
    const out = scrubSecrets(text, { password: secret });
    expect(out).not.toContain(secret);
    expect(out).not.toContain(encodeURIComponent(secret));
    expect(out).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(out).toBe('•••• | •••• | "••••" | ••••=');
  });

  it('masks the longer of two overlapping secrets whole', () => {
    expect(scrubSecrets('token abc123xyz', { a: 'abc123', b: 'abc123xyz' })).toBe('token ••••');
  });

  it('masks each value inside a secret JSON field, leaving short flags alone', () => {
    const env = JSON.stringify({ API_KEY: 'key-Canary-1234', DEBUG: '1' });
    expect(scrubSecrets('bad key key-Canary-1234 (debug 1)', { env })).toBe('bad key •••• (debug 1)');
  });

  it('leaves text without secrets, and empty secrets, alone', () => {
    expect(scrubSecrets('Connection refused (127.0.0.1:5432)', { password: '' })).toBe('Connection refused (127.0.0.1:5432)');
  });
});
