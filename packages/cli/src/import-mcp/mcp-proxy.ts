import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { createMasker } from '@latchkey/broker';
import { LatchkeyError, type Json } from '@latchkey/contracts';
import { findConnection } from '../resolve-values.js';
import type { Session } from '../session.js';
import { childEnvironment } from '../run.js';
import { createStreamMasker } from '../stream-masker.js';

/**
 * `latchkey mcp-proxy <connection>`: what an imported agent config starts instead of the MCP
 * server. The server's environment (or a remote server's token) leaves Latchkey for it, so the
 * person allows the reveal in the app first; a local server's command line must also be one the
 * person approved through the broker's command consent (a dialog, or the code in the app's
 * terminal), and the proxy starts exactly the line the broker answered with (`mcp:launch`), never
 * what the settings say — a page could have changed them. stdio: the server runs with its
 * environment filled and its stdout/stderr masked for those values; remote: the messages are
 * forwarded with the bearer header added.
 */
export async function mcpProxy(session: Session, idOrName: string): Promise<number> {
  const entry = findConnection(await session.api.connections.catalog(), idOrName);
  if (entry.providerId !== 'mcp') throw new LatchkeyError('VALIDATION', `"${entry.name}" is not an MCP server connection`);
  const answer = await session.api.secrets.requestAccess({ connectionId: entry.id, scopes: ['reveal'], reason: `Start the MCP server "${entry.name}" for an agent (latchkey mcp-proxy)` });
  if (!answer.granted) throw new LatchkeyError('DENIED', `Access to "${entry.name}" was not given: ${answer.message}`);
  const launch = await session.api.mcp.launch({ ref: answer.secretRef });
  await session.close();

  if (launch.transport === 'http') return forwardRemote(launch.url, launch.token);
  const secrets = Object.values(launch.env).filter((v) => v.length >= 4);
  const child = spawn(launch.command, launch.args, { env: childEnvironment(process.env, launch.env), stdio: ['inherit', 'pipe', 'pipe'], ...(launch.cwd ? { cwd: launch.cwd } : {}) });
  const pipe = (from: NodeJS.ReadableStream, to: NodeJS.WritableStream) => {
    const masker = createStreamMasker(secrets);
    const decoder = new StringDecoder('utf8');
    from.on('data', (c: Buffer) => to.write(masker.push(decoder.write(c))));
    from.on('end', () => to.write(masker.push(decoder.end()) + masker.end()));
  };
  pipe(child.stdout!, process.stdout);
  pipe(child.stderr!, process.stderr);
  return new Promise((resolve) => {
    child.on('error', (e) => (process.stderr.write(`latchkey mcp-proxy: could not start ${launch.command}: ${e.message}\n`), resolve(127)));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** Remote: stdio on our side, Streamable HTTP on theirs, each message passed through (the server's masked for the token). */
async function forwardRemote(url: string, token: string | null): Promise<number> {
  const [{ StdioServerTransport }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/server/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  const local = new StdioServerTransport();
  const remote = new StreamableHTTPClientTransport(new URL(url), token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {});
  const done = new Promise<number>((resolve) => {
    local.onclose = () => resolve(0);
    remote.onclose = () => resolve(0);
  });
  local.onmessage = (m) => void remote.send(m).catch(() => undefined);
  // What the server sends reaches the agent masked for the token, in every encoding the broker's
  // masker knows, as tool results through the broker are: a server that reflects the request's
  // Authorization header must not hand the agent the credential it was kept from.
  const masker = token ? createMasker([token]) : null;
  remote.onmessage = (m) => void local.send(masker ? (masker.maskDeep(m as unknown as Json) as unknown as typeof m) : m);
  await remote.start();
  await local.start();
  const code = await done;
  await Promise.allSettled([local.close(), remote.close()]);
  return code;
}
