/**
 * An MCP server that requires OAuth per the MCP authorization spec, built with the MCP SDK's
 * server-side auth: `mcpAuthMetadataRouter` publishes its protected-resource metadata (RFC 9728)
 * naming the OpenID provider as its authorization server, and `requireBearerAuth` refuses calls
 * without a live access token minted for this resource (RFC 8707 audience). Tool "whoami"
 * answers with the token's subject.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { getOAuthProtectedResourceMetadataUrl, mcpAuthMetadataRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { OidcPeer } from './oidc-peer.js';

export async function startOAuthMcpServer(peer: OidcPeer): Promise<{ url: string; calls: number; pointTo(issuer: string): void; stop(): Promise<void> }> {
  const app = express();
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  const resource = new URL(`http://127.0.0.1:${port}/mcp`);
  const oauthMetadata = (await (await fetch(`${peer.issuer}/.well-known/openid-configuration`)).json()) as OAuthMetadata;
  const state = { url: resource.href, calls: 0, issuer: null as string | null };
  // A server taken over later: its metadata names another authorization server.
  app.get('/.well-known/oauth-protected-resource/mcp', (_req, res, next) => (state.issuer ? void res.json({ resource: resource.href, authorization_servers: [state.issuer] }) : next()));
  app.use(mcpAuthMetadataRouter({ oauthMetadata, resourceServerUrl: resource, scopesSupported: ['mcp:tools'], resourceName: 'Latchkey test MCP server' }));
  const auth = requireBearerAuth({
    resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(resource),
    verifier: {
      async verifyAccessToken(token) {
        const at = await peer.provider.AccessToken.find(token);
        if (!at) throw new InvalidTokenError('The access token is not live');
        // RFC 8707: a token minted for another resource is not for this server.
        if (at.aud !== resource.href) throw new InvalidTokenError('The access token was not issued for this server');
        return { token, clientId: at.clientId ?? '', scopes: (at.scope ?? '').split(' ').filter(Boolean), ...(at.exp ? { expiresAt: at.exp } : {}), extra: { sub: at.accountId } };
      },
    },
  });
  app.post('/mcp', auth, express.json(), (req, res) => {
    state.calls += 1;
    const mcp = new McpServer({ name: 'oauth-test-server', version: '1.0.0' });
    const sub = String((req.auth?.extra as { sub?: string } | undefined)?.sub ?? '');
    mcp.registerTool('whoami', { description: 'Answers with the signed-in subject' }, () => ({ content: [{ type: 'text', text: `you are ${sub}` }] }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    void mcp.connect(transport).then(() => transport.handleRequest(req, res, req.body));
  });
  return {
    get url() {
      return state.url;
    },
    get calls() {
      return state.calls;
    },
    pointTo(issuer: string) {
      state.issuer = issuer;
    },
    stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
