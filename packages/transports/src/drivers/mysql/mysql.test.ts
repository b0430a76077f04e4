import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysql from 'mysql2/promise';
import { TransportError } from '@latchkey/broker';
import { createTransports } from '../../index.js';
import { mariadbUnavailable, startMariadb, type MariadbPeer } from '../../testing/mariadb-peer.js';
import { resolvedConnection } from '../../testing/packs.js';
import { freePort, startSilentServer } from '../../testing/ports.js';
import { opensslUnavailable, selfSignedCertificate, writeCaFile } from '../../testing/tls.js';

const unavailable = mariadbUnavailable();

describe.skipIf(unavailable !== null)(`mysql transport against a real MariaDB server${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let peer: MariadbPeer;
  const transports = createTransports();
  const conn = (config: Record<string, string | number | boolean> = {}, password?: string) =>
    resolvedConnection('databases', 'mysql', { host: peer.host, port: peer.port, database: peer.database, user: peer.user, ...config }, { password: password ?? peer.password });
  const q = (sql: string, params: unknown[] = [], maxRows = 1000) => ({ sql, params: params as never[], maxRows });

  beforeAll(async () => {
    peer = await startMariadb({ password: 'my-Secret-91b2' });
  });
  afterAll(async () => {
    await transports.close();
    await peer?.stop();
  });

  it('connects and runs SELECT 1', async () => {
    const outcome = await transports.test('mysql', conn(), 10_000);
    expect(outcome).toMatchObject({ ok: true, code: 'ok', message: 'Connected' });
    expect(outcome.latencyMs).toBeGreaterThan(0);
  });

  it('reports a wrong password as an authentication failure', async () => {
    const outcome = await transports.test('mysql', conn({}, 'wrong-password'), 10_000);
    expect(outcome.code).toBe('auth');
    expect(outcome.message).toMatch(/^Authentication failed: Access denied for user 'app'@'(localhost|127\.0\.0\.1)' \(using password: YES\)$/);
  });

  it('scrubs a secret the server echoes back (a password pasted into the user field)', async () => {
    const canary = 'canary-5be1a9';
    const outcome = await transports.test('mysql', conn({ user: canary }, canary), 10_000);
    expect(outcome.code).toBe('auth');
    expect(outcome.message).toMatch(/^Authentication failed: Access denied for user '••••'@/);
    expect(JSON.stringify(outcome)).not.toContain(canary);
  });

  it('reports a missing database as not found', async () => {
    const outcome = await transports.test('mysql', conn({ database: 'nope' }), 10_000);
    expect(outcome).toMatchObject({ ok: false, code: 'not_found', message: 'Database "nope" does not exist' });
  });

  it('reports a closed port as refused', async () => {
    const port = await freePort();
    const outcome = await transports.test('mysql', conn({ port }), 10_000);
    expect(outcome).toMatchObject({ ok: false, code: 'refused', message: `Connection refused (127.0.0.1:${port})` });
  });

  it('reports an unknown host as a DNS failure', async () => {
    expect(await transports.test('mysql', conn({ host: 'nope.invalid' }), 10_000)).toMatchObject({ ok: false, code: 'dns', message: 'Host not found: nope.invalid' });
  });

  it('reports a server that never answers as a timeout', async () => {
    const silent = await startSilentServer();
    try {
      const outcome = await transports.test('mysql', conn({ port: silent.port }), 400);
      expect(outcome).toMatchObject({ ok: false, code: 'timeout', message: 'Timed out after 0.4 s' });
    } finally {
      await silent.stop();
    }
  });

  describe.skipIf(opensslUnavailable() !== null)('over TLS', () => {
    let tlsPeer: MariadbPeer;
    let ca: ReturnType<typeof writeCaFile>;
    const tlsConn = (config: Record<string, string | number | boolean>) =>
      resolvedConnection('databases', 'mysql', { host: tlsPeer.host, port: tlsPeer.port, database: tlsPeer.database, user: tlsPeer.user, ssl: true, ...config }, { password: tlsPeer.password });

    beforeAll(async () => {
      const certificate = selfSignedCertificate();
      ca = writeCaFile(certificate);
      tlsPeer = await startMariadb({ tls: certificate });
    });
    afterAll(async () => {
      await tlsPeer?.stop();
      ca?.remove();
    });

    it('refuses a certificate it cannot verify, naming the reason', async () => {
      expect(await transports.test('mysql', tlsConn({}), 10_000)).toMatchObject({ ok: false, code: 'tls', message: 'TLS failed: self-signed certificate' });
    });

    it('connects over TLS when the CA file vouches for the server', async () => {
      const c = tlsConn({ caFile: ca.caFile });
      expect(await transports.test('mysql', c, 10_000)).toMatchObject({ ok: true, code: 'ok' });
      const res = await transports.sqlQuery('mysql', c, q("SHOW SESSION STATUS LIKE 'Ssl_cipher'"));
      expect(String(res.rows[0]![1])).not.toBe('');
    });
  });

  describe('sql.query', () => {
    it('binds parameters with a server-side prepared statement', async () => {
      const c = conn();
      await transports.sqlQuery('mysql', c, q('CREATE TABLE IF NOT EXISTS notes (id INT AUTO_INCREMENT PRIMARY KEY, body TEXT NOT NULL, at DATETIME, n BIGINT, raw BLOB)'));
      const hostile = "x'); DROP TABLE notes; --";
      const inserted = await transports.sqlQuery('mysql', c, q('INSERT INTO notes (body, at, n, raw) VALUES (?, ?, ?, UNHEX(?)), (?, NULL, NULL, NULL)', [hostile, '2024-02-29 12:34:56', '9007199254740993', '00FF', 'plain']));
      expect(inserted).toMatchObject({ columns: [], rows: [], rowCount: 2, truncated: false });
      const res = await transports.sqlQuery('mysql', c, q('SELECT body, at, n, raw, 1.50 AS price FROM notes WHERE body = ?', [hostile]));
      expect(res.columns).toEqual(['body', 'at', 'n', 'raw', 'price']);
      expect(res.rows).toEqual([[hostile, '2024-02-29T12:34:56.000Z', '9007199254740993', 'AP8=', '1.50']]);
    });

    it('caps rows at maxRows and says the result was truncated, then the pool still works', async () => {
      const c = conn();
      const res = await transports.sqlQuery('mysql', c, q('SELECT seq FROM seq_1_to_100000', [], 3));
      // seq is BIGINT UNSIGNED: every BIGINT comes back as a string, as PostgreSQL's int8 does.
      expect(res).toMatchObject({ rows: [['1'], ['2'], ['3']], rowCount: 3, truncated: true });
      const again = await transports.sqlQuery('mysql', c, q('SELECT ? AS echo', ['still here']));
      expect(again.rows).toEqual([['still here']]);
    });

    it('refuses LOAD DATA LOCAL INFILE (no reading the broker\'s files) and the connection stays in step', async () => {
      const c = conn();
      await transports.sqlQuery('mysql', c, q('CREATE TABLE IF NOT EXISTS loaded (x TEXT)'));
      const err = await transports.sqlQuery('mysql', c, q("LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE loaded")).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      for (let i = 0; i < 6; i++) expect((await transports.sqlQuery('mysql', c, q('SELECT COUNT(*) FROM loaded'))).rows).toEqual([['0']]);
    });

    it('stops a statement that runs past the statement timeout', async () => {
      const quick = createTransports({ statementTimeoutMs: 300 });
      const observer = await mysql.createConnection({ host: peer.host, port: peer.port, user: peer.user, password: peer.password, database: peer.database });
      try {
        const err = await quick.sqlQuery('mysql', conn(), q('SELECT SLEEP(5)')).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'timeout', message: 'Timed out after 0.3 s' });
        // The statement's server thread was killed, not left sleeping. KILL lands asynchronously
        // on the server, so look for up to 2 s; an unkilled SLEEP(5) would still be there then.
        const sleeping = async () => {
          const [rows] = await observer.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(5)'");
          return Number((rows as { n: number }[])[0]!.n);
        };
        let left = await sleeping();
        for (let i = 0; i < 20 && left > 0; i++) {
          await new Promise((r) => setTimeout(r, 100));
          left = await sleeping();
        }
        expect(left).toBe(0);
      } finally {
        await quick.close();
        await observer.end();
      }
    });

    it('refuses two statements in one call', async () => {
      const err = await transports.sqlQuery('mysql', conn(), q('SELECT 1; SELECT 2')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect((err as TransportError).message).toMatch(/SQL syntax/);
    });

    it('throws a classified error for a wrong password', async () => {
      const err = await transports.sqlQuery('mysql', conn({}, 'wrong-password'), q('SELECT 1')).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'auth' });
    });

    it('keeps at most 4 server connections per connection, and release closes them', async () => {
      await transports.close();
      const observer = await mysql.createConnection({ host: peer.host, port: peer.port, user: peer.user, password: peer.password, database: peer.database });
      const count = async () => {
        const [rows] = await observer.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()', [peer.user]);
        return Number((rows as { n: number }[])[0]!.n);
      };
      try {
        const c = conn();
        await Promise.all(Array.from({ length: 12 }, () => transports.sqlQuery('mysql', c, q('SELECT SLEEP(0.05)'))));
        const open = await count();
        expect(open).toBeGreaterThanOrEqual(1);
        expect(open).toBeLessThanOrEqual(4);
        await transports.release(c.id);
        for (let i = 0; i < 50 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
        expect(await count()).toBe(0);
      } finally {
        await observer.end();
      }
    });

    it('closes a pooled connection left idle past the idle timeout', async () => {
      const quick = createTransports({ idleTimeoutMs: 150 });
      const observer = await mysql.createConnection({ host: peer.host, port: peer.port, user: peer.user, password: peer.password, database: peer.database });
      const count = async () => {
        const [rows] = await observer.query('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()', [peer.user]);
        return Number((rows as { n: number }[])[0]!.n);
      };
      try {
        await transports.close();
        await quick.sqlQuery('mysql', conn(), q('SELECT 1'));
        expect(await count()).toBe(1);
        // mysql2 sweeps idle connections once a second.
        for (let i = 0; i < 150 && (await count()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
        expect(await count()).toBe(0);
      } finally {
        await quick.close();
        await observer.end();
      }
    });
  });
});
