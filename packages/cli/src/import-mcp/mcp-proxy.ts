import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { LatchkeyError } from '@latchkey/contracts';
import { findConnection } from '../resolve-values.js';
import type { Session } from '../session.js';
import { createStreamMasker } from '../stream-masker.js';

function asArgs(value: unknown): string[] {
  const v = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  if (!Array.isArray(v)) return [];
  return v.map(String);
}

/**
 * `latchkey mcp-proxy <connection>`: what an imported agent config starts instead of the MCP
 * server. The server's environment (or a remote server's token) leaves Latchkey for it, so the
 * person allows the reveal in the app first. stdio: the server runs with its environment filled
 * and its stdout/stderr masked for those values; remote: the messages are forwarded with the
 * bearer header added.
 */
export async function mcpProxy(session: Session, idOrName: string): Promise<number> {
  const entry = findConnection(await session.api.connections.catalog(), idOrName);
  if (entry.providerId !== 'mcp') throw new LatchkeyError('VALIDATION', `"${entry.name}" is not an MCP server connection`);
  const answer = await session.api.secrets.requestAccess({ connectionId: entry.id, scopes: ['reveal'], reason: `Start the MCP server "${entry.name}" for an agent (latchkey mcp-proxy)` });
  if (!answer.granted) throw new LatchkeyError('DENIED', `Access to "${entry.name}" was not given: ${answer.message}`);
  const config = ((await session.api.connections.list({ providerId: 'mcp' })).find((c) => c.id === entry.id)?.config ?? {}) as Record<string, unknown>;
  const { values } = await session.api.secrets.reveal({ ref: answer.secretRef });
  await session.close();

  if (config.transport === 'http') return forwardRemote(String(config.url), values.token ?? null);
  const env = values.env ? (JSON.parse(values.env) as Record<string, string>) : {};
  const secrets = Object.values(env).filter((v) => typeof v === 'string' && v.length >= 4);
  const child = spawn(String(config.command), asArgs(config.args), { env: { ...process.env, ...env }, stdio: ['inherit', 'pipe', 'pipe'] });
  const pipe = (from: NodeJS.ReadableStream, to: NodeJS.WritableStream) => {
    const masker = createStreamMasker(secrets);
    const decoder = new StringDecoder('utf8');
    from.on('data', (c: Buffer) => to.write(masker.push(decoder.write(c))));
    from.on('end', () => to.write(masker.push(decoder.end()) + masker.end()));
  };
  pipe(child.stdout!, process.stdout);
  pipe(child.stderr!, process.stderr);
  return new Promise((resolve) => {
    child.on('error', (e) => (process.stderr.write(`latchkey mcp-proxy: could not start ${String(config.command)}: ${e.message}\n`), resolve(127)));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** Remote: stdio on our side, Streamable HTTP on theirs, each message passed through as is. */
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
  remote.onmessage = (m) => void local.send(m);
  await remote.start();
  await local.start();
  const code = await done;
  await Promise.allSettled([local.close(), remote.close()]);
  return code;
}
