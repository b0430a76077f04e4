import { describe, expect, it } from 'vitest';
import { scrub } from './scrub.js';

describe('scrub', () => {
  it('masks secret values, their URL-encoded forms and URL credentials', () => {
    expect(scrub('password authentication failed for "hunter2!x"', ['hunter2!x'])).toBe('password authentication failed for "••••"');
    expect(scrub('GET /?k=a%2Fb%3D', ['a/b='])).toBe('GET /?k=••••');
    expect(scrub('connect postgres://app:s3cret@db:5432/x failed', [])).toBe('connect postgres://app:••••@db:5432/x failed');
    expect(scrub('server said: API_KEY=sk-live-123 missing', ['{"API_KEY":"sk-live-123","N":"ab"}'])).toBe('server said: API_KEY=•••• missing');
  });
});
