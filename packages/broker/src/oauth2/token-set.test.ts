import { describe, expect, it } from 'vitest';
import { OAuth2Spec } from '@latchkey/contracts';
import { isFresh, nextTokenSet, parseTokenSet, REFRESH_AHEAD_MS } from './token-set.js';

const spec = OAuth2Spec.parse({ authorizeUrl: 'https://id.example/auth', tokenUrl: 'https://id.example/token' });
const NOW = Date.parse('2026-11-30T12:00:00Z');

describe('token lifetimes', () => {
  it('refreshes a minute before expiry for an hour-long token, halfway through a short one', () => {
    const hour = nextTokenSet({ accessToken: 'a1', refreshToken: 'r1', expiresIn: 3600, extra: {} }, spec, NOW);
    expect(hour).toEqual({ accessToken: 'a1', refreshToken: 'r1', expiresAt: NOW + 3600_000, refreshAt: NOW + 3600_000 - REFRESH_AHEAD_MS });
    expect(isFresh(hour, NOW + 3600_000 - REFRESH_AHEAD_MS - 1)).toBe(true);
    expect(isFresh(hour, NOW + 3600_000 - REFRESH_AHEAD_MS)).toBe(false);
    const short = nextTokenSet({ accessToken: 'a2', expiresIn: 4, extra: {} }, spec, NOW);
    expect(short.refreshAt).toBe(NOW + 2000);
  });

  it('keeps the refresh token a provider did not rotate, and takes the new one when it did', () => {
    const previous = { accessToken: 'a1', refreshToken: 'r1' };
    expect(nextTokenSet({ accessToken: 'a2', extra: {} }, spec, NOW, previous).refreshToken).toBe('r1');
    expect(nextTokenSet({ accessToken: 'a2', refreshToken: 'r2', extra: {} }, spec, NOW, previous).refreshToken).toBe('r2');
  });

  it('a token without a lifetime is fresh until the provider refuses it', () => {
    const t = nextTokenSet({ accessToken: 'a', extra: {} }, spec, NOW);
    expect(t.expiresAt).toBeUndefined();
    expect(isFresh(t, NOW + 10 * 365 * 86_400_000)).toBe(true);
  });

  it('expiresInBody: a provider reporting the lifetime in another member of the 200 body', () => {
    const seconds = OAuth2Spec.parse({ ...spec, expiresInBody: { field: 'token_lifetime' } });
    expect(nextTokenSet({ accessToken: 'a', extra: { token_lifetime: '1800' } }, seconds, NOW).expiresAt).toBe(NOW + 1800_000);
    const epoch = OAuth2Spec.parse({ ...spec, expiresInBody: { field: 'expires_at', unit: 'epoch-seconds' } });
    expect(nextTokenSet({ accessToken: 'a', extra: { expires_at: NOW / 1000 + 600 } }, epoch, NOW).expiresAt).toBe(NOW + 600_000);
    // The rule's member missing or nonsense: expires_in still counts.
    expect(nextTokenSet({ accessToken: 'a', expiresIn: 60, extra: { token_lifetime: 'soon' } }, seconds, NOW).expiresAt).toBe(NOW + 60_000);
  });

  it('a stored token set that does not parse is no token set (never half a one)', () => {
    expect(parseTokenSet('{"accessToken":""}')).toBeNull();
    expect(parseTokenSet('not json')).toBeNull();
    expect(parseTokenSet(undefined)).toBeNull();
    expect(parseTokenSet('{"accessToken":"a","extra":1}')).toBeNull();
  });
});
