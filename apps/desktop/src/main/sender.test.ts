import { describe, expect, it } from 'vitest';
import { isTrustedSenderUrl } from './sender';

describe('isTrustedSenderUrl', () => {
  it('accepts only the app scheme on its own host', () => {
    expect(isTrustedSenderUrl('app://latchkey/index.html')).toBe(true);
    expect(isTrustedSenderUrl('app://latchkey/')).toBe(true);
    for (const url of [
      'app://evil/index.html',
      'app://latchkey.evil/index.html',
      'app://user:pw@latchkey/index.html',
      'app://latchkey:8080/index.html',
      'file:///tmp/index.html',
      'https://latchkey/index.html',
      'http://127.0.0.1:5173/',
      'about:blank',
      'devtools://devtools/bundled/inspector.html',
      '',
      'not a url',
    ]) {
      expect(isTrustedSenderUrl(url), url).toBe(false);
    }
    expect(isTrustedSenderUrl(null)).toBe(false);
    expect(isTrustedSenderUrl(undefined)).toBe(false);
  });

  it('accepts the dev server only when one is configured, and only its origin', () => {
    const trusted = { devServerUrl: 'http://localhost:5173/' };
    expect(isTrustedSenderUrl('http://localhost:5173/index.html', trusted)).toBe(true);
    expect(isTrustedSenderUrl('http://localhost:5174/index.html', trusted)).toBe(false);
    expect(isTrustedSenderUrl('http://127.0.0.1:5173/', trusted)).toBe(false);
    expect(isTrustedSenderUrl('https://localhost:5173/', trusted)).toBe(false);
    expect(isTrustedSenderUrl('http://localhost:5173/', { devServerUrl: 'javascript:alert(1)' })).toBe(false);
  });
});
