import pg from 'pg';
import Cursor from 'pg-cursor';
import type { ResolvedConnection, TestOutcome } from '@latchkey/broker';
import type { SqlQueryRequest, SqlQueryResult } from '@latchkey/contracts';
import type { ClientRegistry } from '../../clients.js';
import { num, str } from '../../config.js';
import { elapsedSince } from '../../deadline.js';
import { timeoutMessage, type Classified, type Target } from '../../errors.js';
import { failure, runTest } from '../../outcome.js';
import { TransportError } from '@latchkey/broker';
import { databaseTls } from '../../sql/tls.js';
import { RowCollector, toParam } from '../../sql/values.js';

const BATCH = 200;

/**
 * Whether the login role can act outside the database, which no READ ONLY transaction stops:
 * a superuser (or a role it can SET ROLE to, even inside a DO block) runs `COPY … TO PROGRAM`
 * and writes server files; `pg_execute_server_program` and `pg_write_server_files` grant the same.
 */
const OUTSIDE_POWERS = `SELECT EXISTS (
  SELECT 1 FROM pg_roles r
  WHERE (r.rolsuper OR r.rolname IN ('pg_execute_server_program', 'pg_write_server_files'))
    AND (pg_has_role(session_user, r.oid, 'MEMBER') OR pg_has_role(current_user, r.oid, 'MEMBER'))
) AS powerful`;

/**
 * pg-cursor lacks the COPY handlers pg's own Query has, so `COPY … FROM STDIN` (or `TO STDOUT`)
 * through a ref made pg call a missing method inside its socket handler and crash the process.
 * As pg's Query does: refuse to feed COPY FROM STDIN, ignore COPY TO STDOUT data.
 */
class StatementCursor extends Cursor {
  handleCopyInResponse(connection: { sendCopyFail(message: string): void }): void {
    connection.sendCopyFail('COPY FROM STDIN is not supported through Latchkey');
  }

  handleCopyData(): void {}
}

function target(c: ResolvedConnection, timeoutMs: number): Target {
  return { host: str(c.config, 'host', 'localhost'), port: num(c.config, 'port', 5432), timeoutMs };
}

async function clientConfig(c: ResolvedConnection, timeoutMs: number): Promise<pg.ClientConfig> {
  const options = str(c.config, 'options');
  const ssl = await databaseTls(c.config);
  return {
    host: str(c.config, 'host', 'localhost'),
    port: num(c.config, 'port', 5432),
    database: str(c.config, 'database') || undefined,
    user: str(c.config, 'user') || undefined,
    password: c.secrets.password ?? '',
    ssl: ssl ?? false,
    ...(options ? { options } : {}),
    connectionTimeoutMillis: timeoutMs,
    application_name: 'Latchkey',
  };
}

/** SQLSTATE codes (PostgreSQL appendix A) and pg's own messages that a person can act on. */
function classifier(timeoutMs: number, statementTimeoutMs?: number) {
  return (err: unknown): Classified | null => {
    const e = err as { code?: unknown; message?: unknown };
    const message = typeof e.message === 'string' ? e.message : '';
    if (e.code === '57014' && statementTimeoutMs !== undefined && /statement timeout/.test(message)) {
      return { code: 'timeout', message: `The statement ran longer than ${Math.round(statementTimeoutMs / 100) / 10} s and was cancelled` };
    }
    if (e.code === '28P01' || e.code === '28000') return { code: 'auth', message: `Authentication failed: ${message}` };
    if (e.code === '3D000') return { code: 'not_found', message: message.charAt(0).toUpperCase() + message.slice(1) };
    if (message.includes('client password must be a string')) return { code: 'auth', message: 'Authentication failed: the server asks for a password and none is set' };
    if (message === 'The server does not support SSL connections') return { code: 'tls', message: 'TLS failed: the server does not support SSL connections' };
    if (/connection timeout|timeout exceeded when trying to connect|Query read timeout/.test(message)) return { code: 'timeout', message: timeoutMessage(timeoutMs) };
    return null;
  };
}

export async function testPostgres(c: ResolvedConnection, timeoutMs: number): Promise<TestOutcome> {
  let client: pg.Client | undefined;
  return runTest(
    c,
    target(c, timeoutMs),
    async () => {
      client = new pg.Client({ ...(await clientConfig(c, timeoutMs)), query_timeout: timeoutMs });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        void client.end().catch(() => undefined);
      }
      return { message: 'Connected' };
    },
    classifier(timeoutMs),
    () => void client?.end().catch(() => undefined),
  );
}

export interface PostgresOptions {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  idleTimeoutMs: number;
  maxClients: number;
}

export async function queryPostgres(
  registry: ClientRegistry,
  c: ResolvedConnection,
  q: Required<SqlQueryRequest> & { readOnly?: boolean },
  o: PostgresOptions,
): Promise<SqlQueryResult> {
  const start = performance.now();
  let client: pg.PoolClient | undefined;
  try {
    const pool = await registry.get(
      'postgres',
      c,
      async () => {
        const p = new pg.Pool({
          ...(await clientConfig(c, o.connectTimeoutMs)),
          max: o.maxClients,
          idleTimeoutMillis: o.idleTimeoutMs,
          allowExitOnIdle: true,
          // The server cancels a runaway statement; the connection stays usable.
          statement_timeout: o.statementTimeoutMs,
        });
        p.on('error', () => undefined);
        return p;
      },
      (p) => p.end(),
    );
    client = await pool.connect();
    // A read-only grant: the one statement runs inside a read-only transaction, rolled back after.
    // The extended protocol allows one statement per call, so it cannot end the transaction and
    // then write.
    if (q.readOnly) {
      await client.query('BEGIN TRANSACTION READ ONLY');
      // A read-only transaction keeps tables unchanged, not the server's files or shell.
      const { rows: [powers] } = await client.query<{ powerful: boolean }>(OUTSIDE_POWERS);
      if (powers?.powerful !== false) {
        throw new TransportError('invalid_config', `Read-only cannot be enforced for the role "${str(c.config, 'user')}": it is a superuser or can run programs or write files on the server (outside the database). Connect with an ordinary role, or ask without "Read-only"`);
      }
    }
    // A cursor always uses the extended protocol: one statement, parameters bound by the server,
    // and rows fetched in batches so a huge result is never pulled in whole.
    const cursor = client.query(new StatementCursor(q.sql, q.params.map(toParam), { rowMode: 'array' }));
    const rows = new RowCollector(q.maxRows);
    let columns: string[] = [];
    let affected: number | null = null;
    for (;;) {
      const want = Math.min(BATCH, q.maxRows - rows.rows.length + 1);
      const { batch, result } = await new Promise<{ batch: unknown[][]; result: pg.QueryResult }>((resolve, reject) =>
        cursor.read(want, (err, batch, result) => (err ? reject(err) : resolve({ batch: batch as unknown[][], result }))),
      );
      columns = (result.fields ?? []).map((f) => f.name);
      affected = result.rowCount ?? affected;
      for (const row of batch) if (!rows.add(row)) break;
      if (rows.full || batch.length < want) break;
    }
    await cursor.close();
    if (q.readOnly) await client.query('ROLLBACK');
    client.release();
    client = undefined;
    return {
      columns,
      rows: rows.rows,
      rowCount: columns.length > 0 ? rows.rows.length : (affected ?? 0),
      truncated: rows.truncated,
      latencyMs: elapsedSince(start),
    };
  } catch (err) {
    // A connection that failed mid-query is destroyed, not returned to the pool.
    client?.release(err instanceof Error ? err : true);
    throw failure(err, c, target(c, o.connectTimeoutMs), classifier(o.connectTimeoutMs, o.statementTimeoutMs));
  }
}
