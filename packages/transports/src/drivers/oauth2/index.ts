import type { DriverDescriptor } from '../descriptor.js';

/**
 * OAuth2 connections: the broker signs in, refreshes and revokes (OAuth2Service) through the
 * protocol in ./protocol.ts; HTTP calls go through the http transport with the bearer the broker
 * injects. The test reports whether the connection holds a token (the broker refreshed it first).
 */
export const oauth2: DriverDescriptor = {
  kind: 'oauth2',
  operations: [],
  fields: {
    config: ['clientId', 'scopes', 'baseUrl', 'authorizeUrl', 'tokenUrl', 'revocationUrl', 'issuer', 'deviceAuthorizationUrl'],
    secrets: ['clientSecret'],
    optional: ['scopes', 'clientSecret', 'baseUrl', 'authorizeUrl', 'tokenUrl', 'revocationUrl', 'issuer', 'deviceAuthorizationUrl'],
    roles: { clientId: 'target', authorizeUrl: 'target', tokenUrl: 'target', revocationUrl: 'target', issuer: 'target', deviceAuthorizationUrl: 'target', baseUrl: 'url' },
  },
  async load() {
    const d = await import('./driver.js');
    return { test: (c) => d.testOAuth2(c), operations: {} };
  },
};
