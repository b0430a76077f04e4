/**
 * An MCP server that requires OAuth per the MCP authorization spec, built with the MCP SDK's
 * server-side auth: `mcpAuthMetadataRouter` publishes its protected-resource metadata (RFC 9728)
 * naming the OpenID provider as its authorization server, and `requireBearerAuth` refuses calls
 * without a live access token minted for this resource (RFC 8707 audience). Tool "whoami"
 * answers with the token's subject.
 *
 * Discovery modes (options): by default the SDK's router publishes the metadata at the
 * path-suffixed well-known address and the 401 names it. `metadataPath` publishes it elsewhere
 * instead (a path only the 401's `resource_metadata` can lead to, or the root well-known
 * address), with no well-known document at all unless that path is one; `announce: false` sends
 * a 401 without `resource_metadata`; `requiredScopes` puts a `scope` in the 401 and refuses
 * tokens without it (the metadata then lists no scopes, so the header is the only place to learn
 * them). `hits` lists the paths asked for.
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

export interface OAuthMcpOptions {
  metadataPath?: string;
  announce?: boolean;
  requiredScopes?: string[];
}

export async function startOAuthMcpServer(peer: OidcPeer, opts: OAuthMcpOptions = {}): Promise<{ url: string; calls: number; hits: string[]; pointTo(issuer: string): void; stop(): Promise<void> }> {
  const app = express();
  const hits: string[] = [];
  app.use((req, _res, next) => (hits.push(`${req.method} ${req.path}`), next()));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  const resource = new URL(`http://127.0.0.1:${port}/mcp`);
  const oauthMetadata = (await (await fetch(`${peer.issuer}/.well-known/openid-configuration`)).json()) as OAuthMetadata;
  const state = { url: resource.href, calls: 0, issuer: null as string | null };
  // A server taken over later: its metadata names another authorization server.
  app.get('/.well-known/oauth-protected-resource/mcp', (_req, res, next) => (state.issuer ? void res.json({ resource: resource.href, authorization_servers: [state.issuer] }) : next()));
  let metadataUrl = getOAuthProtectedResourceMetadataUrl(resource);
  if (opts.metadataPath) {
    metadataUrl = new URL(opts.metadataPath, resource).href;
    app.get(opts.metadataPath, (_req, res) => void res.json({ resource: resource.href, authorization_servers: [state.issuer ?? peer.issuer], ...(opts.requiredScopes ? {} : { scopes_supported: ['mcp:tools'] }), resource_name: 'Latchkey test MCP server' }));
  } else {
    app.use(mcpAuthMetadataRouter({ oauthMetadata, resourceServerUrl: resource, scopesSupported: ['mcp:tools'], resourceName: 'Latchkey test MCP server' }));
  }
  const auth = requireBearerAuth({
    ...(opts.announce === false ? {} : { resourceMetadataUrl: metadataUrl }),
    ...(opts.requiredScopes ? { requiredScopes: opts.requiredScopes } : {}),
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
    hits,
    pointTo(issuer: string) {
      state.issuer = issuer;
    },
    stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
