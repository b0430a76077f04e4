import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatchkeyError } from '@latchkey/contracts';
import { createTransports } from '../../index.js';
import { resolvedConnection } from '../../testing/packs.js';
import { freePort, startSilentServer } from '../../testing/ports.js';
import { run } from '../../testing/processes.js';
import { opensslUnavailable, selfSignedCertificate, writeCaFile } from '../../testing/tls.js';
import { READ_COMMANDS } from './allow-list.js';
import { redisUnavailable, startRedis, type RedisPeer } from './redis-peer.js';

const transports = createTransports();
afterAll(() => transports.close());

const connection = (peer: { host: string; port: number }, config: Record<string, string | number | boolean> = {}, secrets: Record<string, string> = {}) =>
  resolvedConnection('redis', 'redis', { host: peer.host, port: peer.port, ...config }, secrets);

describe('the redis driver in the registry', () => {
  it('offers redis.command and nothing else', () => {
    expect(transports.supports('redis', 'redis.command')).toBe(true);
    expect(transports.supports('redis', 'sql.query')).toBe(false);
    expect(transports.supports('postgres', 'redis.command')).toBe(false);
  });

  it('allow-lists reads only: no write, admin, script or blocking command is on the list', () => {
    for (const name of ['SET', 'DEL', 'FLUSHALL', 'FLUSHDB', 'CONFIG', 'EVAL', 'EVALSHA', 'FCALL', 'SCRIPT', 'ACL', 'CLIENT', 'DEBUG', 'MODULE', 'SHUTDOWN', 'KEYS', 'SORT', 'GETDEL', 'GETEX', 'MIGRATE', 'BLPOP', 'SUBSCRIBE', 'MONITOR', 'SELECT', 'AUTH', 'HELLO']) {
      expect(READ_COMMANDS.has(name), name).toBe(false);
    }
  });

  it('reports a closed port as refused', async () => {
    const port = await freePort();
    const outcome = await transports.test('redis', connection({ host: '127.0.0.1', port }, { timeoutMs: 5000 }), 5000);
    expect(outcome).toMatchObject({ ok: false, code: 'refused' });
  });

  it('times out on a server that accepts and never answers', async () => {
    const silent = await startSilentServer();
    try {
      const outcome = await transports.test('redis', connection({ host: '127.0.0.1', port: silent.port }, {}, { password: 'x' }), 300);
      expect(outcome).toMatchObject({ ok: false, code: 'timeout' });
      // An operation is bounded too, handshake included, and leaves no client behind.
      const bounded = createTransports({ connectTimeoutMs: 300, operationTimeoutMs: 300 });
      const c = connection({ host: '127.0.0.1', port: silent.port }, {}, { password: 'x' });
      await expect(bounded.operate('redis', 'redis.command', c, { command: 'GET', args: ['k'] })).rejects.toMatchObject({ code: 'timeout' });
      await bounded.close();
    } finally {
      await silent.stop();
    }
  });
});

describe.skipIf(redisUnavailable() !== null)(`redis against a real redis-server ${redisUnavailable() ?? ''}`, () => {
  let peer: RedisPeer;
  const cli = (...args: string[]) => run('redis-cli', ['-h', peer.host, '-p', String(peer.port), '-a', peer.password, '--no-auth-warning', ...args]).trim();
  beforeAll(async () => {
    peer = await startRedis({ users: [{ name: 'reader', password: 'reader-password', rules: ['~*', '+@read', '+ping'] }] });
    cli('SET', 'greeting', 'hello');
    cli('-n', '3', 'SET', 'only-in-3', 'three');
    cli('HSET', 'user:1', 'name', 'Ada', 'lang', 'en');
  }, 60_000);
  afterAll(() => peer?.stop());

  it('tests AUTH + PING and reports its latency', async () => {
    const outcome = await transports.test('redis', connection(peer, {}, { password: peer.password }), 10_000);
    expect(outcome).toMatchObject({ ok: true, code: 'ok', message: 'Connected (PONG)' });
    expect(outcome.latencyMs).toBeGreaterThan(0);
  });

  it('classifies a wrong password as an authentication failure, without the password in the message', async () => {
    const outcome = await transports.test('redis', connection(peer, {}, { password: 'not-the-password' }), 10_000);
    expect(outcome).toMatchObject({ ok: false, code: 'auth' });
    expect(outcome.message).toMatch(/^Authentication failed: WRONGPASS/);
    expect(outcome.message).not.toContain('not-the-password');
    const none = await transports.test('redis', connection(peer), 10_000);
    expect(none).toMatchObject({ ok: false, code: 'auth' });
  });

  it('authenticates an ACL user, and refuses its wrong password', async () => {
    expect(await transports.test('redis', connection(peer, { username: 'reader' }, { password: 'reader-password' }), 10_000)).toMatchObject({ ok: true });
    expect(await transports.test('redis', connection(peer, { username: 'reader' }, { password: peer.password }), 10_000)).toMatchObject({ ok: false, code: 'auth' });
  });

  it('runs allow-listed reads as that user and returns JSON', async () => {
    const c = connection(peer, { username: 'reader' }, { password: 'reader-password' });
    expect(await transports.operate('redis', 'redis.command', c, { command: 'get', args: ['greeting'] })).toMatchObject({ reply: 'hello' });
    expect(await transports.operate('redis', 'redis.command', c, { command: 'HGETALL', args: ['user:1'] })).toMatchObject({ reply: { name: 'Ada', lang: 'en' } });
    expect(await transports.operate('redis', 'redis.command', c, { command: 'GET', args: ['missing'] })).toMatchObject({ reply: null });
  });

  it('selects the database index after AUTH', async () => {
    const c = connection(peer, { database: 3 }, { password: peer.password });
    expect(await transports.operate('redis', 'redis.command', c, { command: 'GET', args: ['only-in-3'] })).toMatchObject({ reply: 'three' });
    expect(await transports.operate('redis', 'redis.command', c, { command: 'GET', args: ['greeting'] })).toMatchObject({ reply: null });
  });

  it('refuses SET with DENIED before it reaches the server', async () => {
    const c = connection(peer, {}, { password: peer.password });
    const refused = transports.operate('redis', 'redis.command', c, { command: 'set', args: ['greeting', 'overwritten'] });
    await expect(refused).rejects.toBeInstanceOf(LatchkeyError);
    await expect(refused).rejects.toMatchObject({ code: 'DENIED', message: expect.stringMatching(/^Redis command SET is not allowed/) });
    expect(cli('GET', 'greeting')).toBe('hello');
  });

  it('opens a new client after the server dropped the pooled one', async () => {
    const c = connection(peer, {}, { password: peer.password });
    expect(await transports.operate('redis', 'redis.command', c, { command: 'PING', args: [] })).toMatchObject({ reply: 'PONG' });
    cli('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    // The first call may meet the dead socket; the one after it gets a fresh client.
    await transports.operate('redis', 'redis.command', c, { command: 'PING', args: [] }).catch(() => undefined);
    expect(await transports.operate('redis', 'redis.command', c, { command: 'PING', args: [] })).toMatchObject({ reply: 'PONG' });
  });
});

describe.skipIf(redisUnavailable() !== null || opensslUnavailable() !== null)('redis over TLS', () => {
  let peer: RedisPeer;
  let ca: { caFile: string; remove(): void };
  beforeAll(async () => {
    const cert = selfSignedCertificate();
    ca = writeCaFile(cert);
    peer = await startRedis({ tls: cert });
  }, 60_000);
  afterAll(async () => {
    await peer?.stop();
    ca?.remove();
  });

  it('connects with the private CA, and fails TLS without it', async () => {
    expect(await transports.test('redis', connection(peer, { tls: true, caFile: ca.caFile }, { password: peer.password }), 10_000)).toMatchObject({ ok: true });
    expect(await transports.test('redis', connection(peer, { tls: true }, { password: peer.password }), 10_000)).toMatchObject({ ok: false, code: 'tls' });
  });
});
