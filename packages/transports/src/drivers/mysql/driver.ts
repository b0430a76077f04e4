import mysql from 'mysql2';
import { TransportError } from '@latchkey/broker';
import type { ResolvedConnection, TestOutcome } from '@latchkey/broker';
import type { SqlQueryRequest, SqlQueryResult } from '@latchkey/contracts';
import type { ClientRegistry } from '../../clients.js';
import { num, str } from '../../config.js';
import { elapsedSince, withDeadline } from '../../deadline.js';
import type { Classified, Target } from '../../errors.js';
import { failure, runTest } from '../../outcome.js';
import { databaseTls } from '../../sql/tls.js';
import { RowCollector, toParam } from '../../sql/values.js';

function target(c: ResolvedConnection, timeoutMs: number): Target {
  return { host: str(c.config, 'host', 'localhost'), port: num(c.config, 'port', 3306), timeoutMs };
}

async function connectionConfig(c: ResolvedConnection, timeoutMs: number): Promise<mysql.ConnectionOptions> {
  const ssl = await databaseTls(c.config);
  return {
    host: str(c.config, 'host', 'localhost'),
    port: num(c.config, 'port', 3306),
    database: str(c.config, 'database') || undefined,
    user: str(c.config, 'user'),
    password: c.secrets.password ?? '',
    ...(ssl ? { ssl } : {}),
    connectTimeout: timeoutMs,
    // A string with two statements is refused by the server's parser, never split client-side.
    multipleStatements: false,
    // Without the LOCAL_FILES capability the server refuses LOAD DATA LOCAL INFILE itself: a ref
    // holder cannot make the broker read its own files, nor leave the connection mid-protocol.
    flags: ['-LOCAL_FILES'],
    rowsAsArray: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    // DATETIME has no zone; read it as UTC so the ISO string does not depend on this machine's zone.
    timezone: 'Z',
  };
}

/** mysql2's names for MySQL/MariaDB server errors a person can act on. */
function classifier(c: ResolvedConnection) {
  return (err: unknown): Classified | null => {
    const e = err as { code?: unknown; message?: unknown };
    const message = typeof e.message === 'string' ? e.message : '';
    switch (e.code) {
      case 'ER_ACCESS_DENIED_ERROR':
      case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      case 'ER_DBACCESS_DENIED_ERROR':
      case 'ER_NOT_SUPPORTED_AUTH_MODE':
        return { code: 'auth', message: `Authentication failed: ${message}` };
      case 'ER_BAD_DB_ERROR':
        return { code: 'not_found', message: `Database "${str(c.config, 'database')}" does not exist` };
      case 'HANDSHAKE_NO_SSL_SUPPORT':
        return { code: 'tls', message: 'TLS failed: the server does not support secure connections' };
      case 'HANDSHAKE_SSL_ERROR':
        // mysql2 replaces Node's TLS error code with its own and keeps Node's reason as the message.
        return { code: 'tls', message: `TLS failed: ${message}` };
      default:
        return null;
    }
  };
}

export async function testMysql(c: ResolvedConnection, timeoutMs: number): Promise<TestOutcome> {
  let conn: mysql.Connection | undefined;
  return runTest(
    c,
    target(c, timeoutMs),
    async () => {
      const config = await connectionConfig(c, timeoutMs);
      conn = mysql.createConnection(config);
      const current = conn;
      current.on('error', () => undefined);
      try {
        await current.promise().query('SELECT 1');
      } finally {
        current.destroy();
      }
      return { message: 'Connected' };
    },
    classifier(c),
    () => conn?.destroy(),
  );
}

export interface MysqlOptions {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  idleTimeoutMs: number;
  maxClients: number;
}

export async function queryMysql(registry: ClientRegistry, c: ResolvedConnection, q: Required<SqlQueryRequest>, o: MysqlOptions): Promise<SqlQueryResult> {
  const start = performance.now();
  try {
    const pool = await registry.get(
      'mysql',
      c,
      async () => {
        const p = mysql.createPool({
          ...(await connectionConfig(c, o.connectTimeoutMs)),
          connectionLimit: o.maxClients,
          // mysql2 only sweeps idle connections when maxIdle is below the limit.
          maxIdle: Math.max(0, o.maxClients - 1),
          idleTimeout: o.idleTimeoutMs,
        });
        p.on('connection', (conn) => conn.on('error', () => undefined));
        return p;
      },
      (p) => new Promise<void>((resolve) => p.end(() => resolve())),
    );
    const conn = await new Promise<mysql.PoolConnection>((resolve, reject) => pool.getConnection((err, conn) => (err ? reject(err) : resolve(conn))));
    let settled = false;
    const result = await withDeadline(
      o.statementTimeoutMs,
      () =>
        new Promise<SqlQueryResult>((resolve, reject) => {
          const rows = new RowCollector(q.maxRows);
          let columns: string[] = [];
          let affected = 0;
          const finish = (discard: boolean) => {
            if (settled) return;
            settled = true;
            // Stopping a result mid-stream leaves unread rows on the wire: that connection is dropped.
            if (discard) conn.destroy();
            else conn.release();
            resolve({ columns, rows: rows.rows, rowCount: columns.length > 0 ? rows.rows.length : affected, truncated: rows.truncated, latencyMs: elapsedSince(start) });
          };
          // execute(): a server-side prepared statement, parameters bound by the server.
          const cmd = conn.execute({ sql: q.sql, values: q.params.map(toParam), rowsAsArray: true });
          cmd.on('fields', (fields?: mysql.FieldPacket[]) => {
            if (fields) columns = fields.map((f) => f.name);
          });
          cmd.on('result', (row: unknown) => {
            if (settled) return;
            if (Array.isArray(row)) {
              if (!rows.add(row)) finish(true);
            } else if (row && typeof row === 'object' && 'affectedRows' in row) {
              affected += Number((row as { affectedRows: number }).affectedRows);
            }
          });
          cmd.on('error', (err: Error) => {
            if (settled) return;
            settled = true;
            // A statement error (syntax, constraint) leaves the connection usable; a fatal one does not.
            if ((err as { fatal?: boolean }).fatal) conn.destroy();
            else conn.release();
            reject(err);
          });
          cmd.on('end', () => finish(false));
        }),
      () => {
        settled = true;
        conn.destroy();
      },
    ).catch(async (err: unknown) => {
      // Closing the socket does not stop the statement on the server; killing its thread does.
      if (err instanceof TransportError && err.code === 'timeout' && typeof conn.threadId === 'number') {
        await withDeadline(2000, () => new Promise<void>((resolve) => pool.query(`KILL ${Math.trunc(conn.threadId!)}`, () => resolve()))).catch(() => undefined);
      }
      throw err;
    });
    return result;
  } catch (err) {
    throw failure(err, c, target(c, o.connectTimeoutMs), classifier(c));
  }
}
