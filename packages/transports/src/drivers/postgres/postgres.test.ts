import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransportError } from '@latchkey/broker';
import { createTransports } from '../../index.js';
import { resolvedConnection } from '../../testing/packs.js';
import { freePort, startSilentServer } from '../../testing/ports.js';
import { postgresUnavailable, startPostgres, type PostgresPeer } from '../../testing/postgres-peer.js';
import { opensslUnavailable, selfSignedCertificate, writeCaFile } from '../../testing/tls.js';

const unavailable = postgresUnavailable();

describe.skipIf(unavailable !== null)(`postgres transport against a real server${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let peer: PostgresPeer;
  const transports = createTransports({ idleTimeoutMs: 2000 });
  const conn = (config: Record<string, string | number | boolean> = {}, password?: string) =>
    resolvedConnection('databases', 'postgres', { host: peer.host, port: peer.port, database: peer.database, user: peer.user, ...config }, { password: password ?? peer.password });

  beforeAll(async () => {
    peer = await startPostgres({ password: 'pg-Secret-7f3a' });
  });
  afterAll(async () => {
    await transports.close();
    await peer?.stop();
  });

  it('connects and runs SELECT 1', async () => {
    const outcome = await transports.test('postgres', conn(), 10_000);
    expect(outcome).toMatchObject({ ok: true, code: 'ok', message: 'Connected' });
    expect(outcome.latencyMs).toBeGreaterThan(0);
  });

  it('reports a wrong password as an authentication failure', async () => {
    const outcome = await transports.test('postgres', conn({}, 'wrong-password'), 10_000);
    expect(outcome).toMatchObject({ ok: false, code: 'auth', message: 'Authentication failed: password authentication failed for user "app"' });
  });

  it('scrubs a secret the server echoes back (a password pasted into the user field)', async () => {
    const canary = 'canary-7d1e0c55';
    const outcome = await transports.test('postgres', conn({ user: canary }, canary), 10_000);
    expect(outcome.code).toBe('auth');
    expect(outcome.message).toBe('Authentication failed: password authentication failed for user "••••"');
    expect(JSON.stringify(outcome)).not.toContain(canary);
  });

  it('reports a missing database as not found', async () => {
    const outcome = await transports.test('postgres', conn({ database: 'nope' }), 10_000);
    expect(outcome).toMatchObject({ ok: false, code: 'not_found', message: 'Database "nope" does not exist' });
  });

  it('reports a closed port as refused', async () => {
    const port = await freePort();
    const outcome = await transports.test('postgres', conn({ port }), 10_000);
    expect(outcome).toMatchObject({ ok: false, code: 'refused', message: `Connection refused (127.0.0.1:${port})` });
  });

  it('reports a server that never answers as a timeout', async () => {
    const silent = await startSilentServer();
    try {
      const outcome = await transports.test('postgres', conn({ port: silent.port }), 400);
      expect(outcome).toMatchObject({ ok: false, code: 'timeout', message: 'Timed out after 0.4 s' });
      expect(outcome.latencyMs).toBeGreaterThanOrEqual(390);
      expect(outcome.latencyMs).toBeLessThan(3000);
    } finally {
      await silent.stop();
    }
  });

  it('reports an unknown host as a DNS failure', async () => {
    const outcome = await transports.test('postgres', conn({ host: 'nope.invalid' }), 10_000);
    expect(outcome).toMatchObject({ ok: false, code: 'dns', message: 'Host not found: nope.invalid' });
  });

  it('reports SSL asked of a server without it as a TLS failure', async () => {
    const outcome = await transports.test('postgres', conn({ ssl: true }), 10_000);
    expect(outcome).toMatchObject({ ok: false, code: 'tls', message: 'TLS failed: the server does not support SSL connections' });
  });

  it('sends the server options field at connect time', async () => {
    const res = await transports.sqlQuery('postgres', conn({ options: '-c search_path=app_schema' }), { sql: 'SHOW search_path', params: [], maxRows: 1 });
    expect(res.rows).toEqual([['app_schema']]);
  });

  describe.skipIf(opensslUnavailable() !== null)('over TLS', () => {
    let tlsPeer: PostgresPeer;
    let ca: ReturnType<typeof writeCaFile>;
    const tlsConn = (config: Record<string, string | number | boolean>) =>
      resolvedConnection('databases', 'postgres', { host: tlsPeer.host, port: tlsPeer.port, database: tlsPeer.database, user: tlsPeer.user, ssl: true, ...config }, { password: tlsPeer.password });

    beforeAll(async () => {
      const certificate = selfSignedCertificate();
      ca = writeCaFile(certificate);
      tlsPeer = await startPostgres({ tls: certificate });
    });
    afterAll(async () => {
      await tlsPeer?.stop();
      ca?.remove();
    });

    it('refuses a certificate it cannot verify, naming the reason', async () => {
      expect(await transports.test('postgres', tlsConn({}), 10_000)).toMatchObject({ ok: false, code: 'tls', message: 'TLS failed: self-signed certificate' });
    });

    it('connects over TLS when the CA file vouches for the server', async () => {
      const c = tlsConn({ caFile: ca.caFile });
      expect(await transports.test('postgres', c, 10_000)).toMatchObject({ ok: true, code: 'ok' });
      const res = await transports.sqlQuery('postgres', c, { sql: 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()', params: [], maxRows: 1 });
      expect(res.rows).toEqual([[true]]);
    });

    it('reports a missing CA file as a configuration problem', async () => {
      const missing = join(dirname(ca.caFile), 'missing.pem');
      expect(await transports.test('postgres', tlsConn({ caFile: missing }), 10_000)).toMatchObject({ ok: false, code: 'invalid_config', message: `CA file not found: ${missing}` });
    });
  });

  describe('sql.query', () => {
    const q = (sql: string, params: unknown[] = [], maxRows = 1000) => ({ sql, params: params as never[], maxRows });

    it('binds parameters instead of splicing them into the SQL', async () => {
      const c = conn();
      await transports.sqlQuery('postgres', c, q('CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, body text NOT NULL)'));
      const hostile = "x'); DROP TABLE notes; --";
      const inserted = await transports.sqlQuery('postgres', c, q('INSERT INTO notes (body) VALUES ($1), ($2)', [hostile, 'plain']));
      expect(inserted).toMatchObject({ columns: [], rows: [], rowCount: 2, truncated: false });
      const res = await transports.sqlQuery('postgres', c, q('SELECT body FROM notes WHERE body = $1', [hostile]));
      expect(res).toMatchObject({ columns: ['body'], rows: [[hostile]], rowCount: 1, truncated: false });
    });

    it('converts values to JSON: timestamps to ISO, bigint and numeric to strings, bytea to base64', async () => {
      const res = await transports.sqlQuery(
        'postgres',
        conn(),
        q(
          "SELECT TIMESTAMPTZ '2024-02-29 12:34:56+00' AS at, 9007199254740993::int8 AS big, 1.50::numeric AS price, '\\x00ff'::bytea AS raw, '{\"a\":[1,2]}'::jsonb AS doc, NULL::text AS nothing, true AS yes, 2.5::float8 AS f, $1::int AS p",
          [42],
        ),
      );
      expect(res.columns).toEqual(['at', 'big', 'price', 'raw', 'doc', 'nothing', 'yes', 'f', 'p']);
      expect(res.rows).toEqual([['2024-02-29T12:34:56.000Z', '9007199254740993', '1.50', 'AP8=', { a: [1, 2] }, null, true, 2.5, 42]]);
    });

    it('caps rows at maxRows and says the result was truncated', async () => {
      const res = await transports.sqlQuery('postgres', conn(), q('SELECT g FROM generate_series(1, 100000) AS g', [], 5));
      expect(res).toMatchObject({ rows: [[1], [2], [3], [4], [5]], rowCount: 5, truncated: true });
      const exact = await transports.sqlQuery('postgres', conn(), q('SELECT g FROM generate_series(1, 5) AS g', [], 5));
      expect(exact).toMatchObject({ rowCount: 5, truncated: false });
    });

    it('caps a result at about 5 MB', async () => {
      const res = await transports.sqlQuery('postgres', conn(), q("SELECT repeat('x', 100000) FROM generate_series(1, 200)", [], 10_000));
      expect(res.truncated).toBe(true);
      expect(res.rows.length).toBeGreaterThan(40);
      expect(res.rows.length).toBeLessThan(60);
    });

    it('survives COPY through a ref (it used to crash the process) and refuses COPY FROM STDIN', async () => {
      const c = conn();
      await transports.sqlQuery('postgres', c, q('CREATE TABLE IF NOT EXISTS copied (x text)'));
      const copyIn = await transports.sqlQuery('postgres', c, q('COPY copied FROM STDIN')).catch((e: unknown) => e);
      expect(copyIn).toBeInstanceOf(TransportError);
      expect((copyIn as TransportError).message).toMatch(/COPY FROM STDIN is not supported through Latchkey/);
      await transports.sqlQuery('postgres', c, q("INSERT INTO copied VALUES ('a')"));
      const copyOut = await transports.sqlQuery('postgres', c, q('COPY copied TO STDOUT'));
      expect(copyOut.rows).toEqual([]);
      expect((await transports.sqlQuery('postgres', c, q('SELECT count(*)::int FROM copied'))).rows).toEqual([[1]]);
    });

    it('has the server cancel a statement that runs past the statement timeout, keeping the connection', async () => {
      const quick = createTransports({ statementTimeoutMs: 300 });
      try {
        const c = conn();
        const err = await quick.sqlQuery('postgres', c, q('SELECT pg_sleep(5)')).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'timeout', message: 'The statement ran longer than 0.3 s and was cancelled' });
        expect((await quick.sqlQuery('postgres', c, q('SELECT 1'))).rows).toEqual([[1]]);
      } finally {
        await quick.close();
      }
    });

    it('refuses two statements in one call', async () => {
      const err = await transports.sqlQuery('postgres', conn(), q('SELECT 1; SELECT 2')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect(err).toMatchObject({ code: 'other', message: 'Cannot insert multiple commands into a prepared statement' });
    });

    it('throws a classified, scrubbed error for a failed query and keeps the pool usable', async () => {
      const c = conn();
      const err = await transports.sqlQuery('postgres', c, q('SELECT * FROM missing_table')).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'other', message: 'Relation "missing_table" does not exist' });
      const ok = await transports.sqlQuery('postgres', c, q('SELECT 1 AS one'));
      expect(ok.rows).toEqual([[1]]);
    });

    it('throws an auth error for a wrong password and a new pool once the secret is fixed', async () => {
      const c = conn({}, 'wrong-password');
      const err = await transports.sqlQuery('postgres', c, q('SELECT 1')).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'auth' });
      const fixed = { ...c, secrets: { password: peer.password } };
      expect((await transports.sqlQuery('postgres', fixed, q('SELECT 1'))).rows).toEqual([[1]]);
    });

    it('keeps at most 4 server connections per connection, and release closes them', async () => {
      await transports.close();
      const observer = new pg.Client({ host: peer.host, port: peer.port, user: peer.user, password: peer.password, database: peer.database });
      await observer.connect();
      const count = async () =>
        Number((await observer.query("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'", [peer.database])).rows[0].count);
      try {
        const c = conn();
        await Promise.all(Array.from({ length: 12 }, () => transports.sqlQuery('postgres', c, q('SELECT pg_sleep(0.05)'))));
        const open = await count();
        expect(open).toBeGreaterThanOrEqual(1);
        expect(open).toBeLessThanOrEqual(4);
        await transports.release(c.id);
        // A backend leaves pg_stat_activity a moment after its client disconnects.
        for (let i = 0; i < 50 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
        expect(await count()).toBe(0);
      } finally {
        await observer.end();
      }
    });

    it('closes a pooled connection left idle past the idle timeout', async () => {
      const quick = createTransports({ idleTimeoutMs: 150 });
      const observer = new pg.Client({ host: peer.host, port: peer.port, user: peer.user, password: peer.password, database: peer.database });
      await observer.connect();
      const count = async () =>
        Number((await observer.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'Latchkey' AND pid <> pg_backend_pid()")).rows[0].count);
      try {
        await quick.sqlQuery('postgres', conn(), q('SELECT 1'));
        expect(await count()).toBe(1);
        for (let i = 0; i < 100 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
        expect(await count()).toBe(0);
      } finally {
        await quick.close();
        await observer.end();
      }
    });
  });
});
