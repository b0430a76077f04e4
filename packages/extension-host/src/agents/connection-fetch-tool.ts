import type { ClientApi, ExtensionChannels, HttpFetchResponse, Json } from '@latchkey/contracts';

/**
 * A sample agent tool: what an in-app agent runtime would register so a model can call an
 * HTTP API the person connected. It holds an agent session (createAgentSession), so every use
 * goes through the consent modal with the agent named as the requester, and it only ever
 * sees a SecretRef.
 */
export interface AgentTool<Args, Result> {
  readonly name: string;
  readonly description: string;
  run(args: Args): Promise<Result>;
}

export interface ConnectionFetchArgs {
  connectionId: string;
  /** A path under the connection's base URL. */
  path: string;
  /** Shown to the person in the consent modal; the agent says why it needs the connection. */
  reason: string;
}

export type ConnectionFetchResult =
  | { ok: true; status: number; body: Json | string }
  | { ok: false; refused: string; message: string };

export function connectionFetchTool(session: ClientApi<ExtensionChannels>): AgentTool<ConnectionFetchArgs, ConnectionFetchResult> {
  return {
    name: 'fetch_from_connection',
    description: 'GET a path from an HTTP API the person has connected in Latchkey. Asks the person first.',
    async run({ connectionId, path, reason }) {
      const access = await session.secrets.requestAccess({ connectionId, reason, scopes: ['http.fetch'] });
      if (!access.granted) return { ok: false, refused: access.reason, message: access.message };
      const response: HttpFetchResponse = await session.http.fetch({ ref: access.secretRef, request: { method: 'GET', url: path } });
      return { ok: true, status: response.status, body: parseBody(response.body) };
    },
  };
}

function parseBody(body: string): Json | string {
  try {
    return JSON.parse(body) as Json;
  } catch {
    return body;
  }
}
