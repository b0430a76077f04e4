import { readFile } from 'node:fs/promises';
import { createClient, ErrorReply } from '@redis/client';
import { TransportError } from '@latchkey/broker';
import type { ResolvedConnection, TestOutcome } from '@latchkey/broker';
import type { Json, RedisCommandRequest, RedisCommandResult } from '@latchkey/contracts';
import type { ClientRegistry } from '../../clients.js';
import { bool, num, str } from '../../config.js';
import { elapsedSince, withDeadline } from '../../deadline.js';
import { timeoutMessage, type Classified, type Target } from '../../errors.js';
import { failure, runTest } from '../../outcome.js';
import { allowedCommand } from './allow-list.js';

type Client = Awaited<ReturnType<typeof connect>>;

/** A reply bigger than this is refused rather than carried through IPC and the masker. */
export const MAX_REPLY_CHARS = 1_000_000;

function target(c: ResolvedConnection, timeoutMs: number): Target {
  return { host: str(c.config, 'host', 'localhost'), port: num(c.config, 'port', 6379), timeoutMs };
}

/** TLS from the `tls` and `caFile` fields. Certificates are always verified; a CA file adds a private CA. */
async function tlsOptions(c: ResolvedConnection): Promise<{ tls: true; ca?: string; servername?: string } | undefined> {
  if (!bool(c.config, 'tls')) return undefined;
  const caFile = str(c.config, 'caFile');
  if (caFile === '') return { tls: true };
  try {
    return { tls: true, ca: await readFile(caFile, 'utf8') };
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new TransportError('invalid_config', code === 'ENOENT' ? `CA file not found: ${caFile}` : `Cannot read the CA file ${caFile} (${code ?? 'error'})`);
  }
}

async function connect(c: ResolvedConnection, timeoutMs: number) {
  const database = num(c.config, 'database', 0);
  const client = createClient({
    socket: { host: str(c.config, 'host', 'localhost'), port: num(c.config, 'port', 6379), connectTimeout: timeoutMs, reconnectStrategy: false, ...(await tlsOptions(c)) },
    username: str(c.config, 'username') || undefined,
    password: c.secrets.password || undefined,
    // SELECT only when asked: an ACL user without +select can still use database 0.
    ...(database !== 0 ? { database } : {}),
    // No CLIENT SETINFO: Redis before 7.2 and read-only ACL users refuse it.
    disableClientInfo: true,
    // A command sent while disconnected fails at once instead of waiting for a reconnect that never comes.
    disableOfflineQueue: true,
  });
  // A broken socket is reported here too; without a listener it would crash the process.
  client.on('error', () => undefined);
  // connectTimeout covers the TCP connect only; a server that accepts and never answers AUTH would
  // hold the handshake forever. Bound the whole handshake, and tear the client down on failure.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransportError('timeout', timeoutMessage(timeoutMs))), timeoutMs);
  });
  try {
    await Promise.race([client.connect(), deadline]);
  } catch (err) {
    client.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return client;
}

/** Redis's own error words (WRONGPASS, NOAUTH, NOPERM…) for the classes a person can act on. */
function classifier(timeoutMs: number) {
  return (err: unknown): Classified | null => {
    const message = err instanceof Error ? err.message : '';
    if (/^(WRONGPASS|NOAUTH)\b/.test(message) || /invalid password|invalid username-password/i.test(message)) return { code: 'auth', message: `Authentication failed: ${message}` };
    if (/^NOPERM\b/.test(message)) return { code: 'auth', message: `Not permitted for this user: ${message}` };
    if (/DB index is out of range/i.test(message)) return { code: 'invalid_config', message: 'The database index is out of range for this server' };
    if ((err as { name?: string }).name === 'ConnectionTimeoutError') return { code: 'timeout', message: timeoutMessage(timeoutMs) };
    if (err instanceof ErrorReply) return { code: 'other', message: `Redis: ${message}` };
    return null;
  };
}

/** Test: connect (AUTH, and SELECT for a database other than 0), then PING. */
export async function testRedis(c: ResolvedConnection, timeoutMs: number): Promise<TestOutcome> {
  let client: Client | undefined;
  return runTest(
    c,
    target(c, timeoutMs),
    async () => {
      client = await connect(c, timeoutMs);
      try {
        const pong = await client.ping();
        return { message: `Connected (${pong})` };
      } finally {
        client.destroy();
      }
    },
    classifier(timeoutMs),
    () => client?.destroy(),
  );
}

/** RESP replies as JSON: bulk strings as text, maps as objects, errors inside arrays named. */
function toJson(reply: unknown): Json {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === 'string' || typeof reply === 'boolean') return reply;
  if (typeof reply === 'number') return Number.isFinite(reply) ? reply : String(reply);
  if (typeof reply === 'bigint') return reply.toString();
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  if (reply instanceof Error) return { error: reply.message };
  if (Array.isArray(reply) || reply instanceof Set) return [...reply].map(toJson);
  if (reply instanceof Map) return Object.fromEntries([...reply].map(([k, v]) => [String(toJson(k)), toJson(v)]));
  if (typeof reply === 'object') return Object.fromEntries(Object.entries(reply).map(([k, v]) => [k, toJson(v)]));
  return String(reply);
}

export interface RedisOptions {
  connectTimeoutMs: number;
  operationTimeoutMs: number;
}

/** One allow-listed command on the connection's pooled client; the client is replaced when it breaks. */
export async function redisCommand(registry: ClientRegistry, c: ResolvedConnection, request: RedisCommandRequest, o: RedisOptions): Promise<RedisCommandResult> {
  // Refused before any connection is made.
  const name = allowedCommand(request.command);
  const start = performance.now();
  try {
    let client = await registry.get('redis', c, () => connect(c, o.connectTimeoutMs), async (cl) => cl.destroy());
    if (!client.isReady) {
      registry.drop('redis', c.id);
      client = await registry.get('redis', c, () => connect(c, o.connectTimeoutMs), async (cl) => cl.destroy());
    }
    const ready = client;
    const reply = await withDeadline(o.operationTimeoutMs, () => ready.sendCommand([name, ...request.args]), () => registry.drop('redis', c.id));
    const json = toJson(reply);
    if (JSON.stringify(json).length > MAX_REPLY_CHARS) throw new TransportError('other', `The reply is larger than ${MAX_REPLY_CHARS / 1_000_000} MB; ask for less (SCAN with COUNT, LRANGE with a range)`);
    return { reply: json, latencyMs: elapsedSince(start) };
  } catch (err) {
    throw failure(err, c, target(c, o.connectTimeoutMs), classifier(o.connectTimeoutMs));
  }
}
