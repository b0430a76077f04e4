import tedious from 'tedious';
import type { ConnectionConfiguration } from 'tedious';
import { TransportError } from '@latchkey/broker';
import type { ResolvedConnection, TestOutcome } from '@latchkey/broker';
import type { SqlQueryRequest, SqlQueryResult } from '@latchkey/contracts';
import type { ClientRegistry } from '../../clients.js';
import { bool, num, str } from '../../config.js';
import { elapsedSince } from '../../deadline.js';
import { timeoutMessage, type Classified, type Target } from '../../errors.js';
import { failure, runTest } from '../../outcome.js';
import { RowCollector, toParam } from '../../sql/values.js';

/**
 * SQL Server through tedious 19 (tedious 20 needs Node 22). Parameters are named @p1, @p2, … in
 * the order given and sent with sp_executesql, so they are bound, never spliced into the text.
 * Unlike the other drivers, SQL Server accepts a batch of statements in one call; nothing in the
 * protocol refuses that.
 */
type Connection = InstanceType<typeof tedious.Connection>;

function target(c: ResolvedConnection, timeoutMs: number): Target {
  return { host: str(c.config, 'host', 'localhost'), port: num(c.config, 'port', 1433), timeoutMs };
}

function config(c: ResolvedConnection, timeoutMs: number, requestTimeoutMs: number): ConnectionConfiguration {
  const database = str(c.config, 'database');
  return {
    server: str(c.config, 'host', 'localhost'),
    authentication: { type: 'default', options: { userName: str(c.config, 'user'), password: c.secrets.password ?? '' } },
    options: {
      port: num(c.config, 'port', 1433),
      ...(database ? { database } : {}),
      encrypt: bool(c.config, 'encrypt', true),
      trustServerCertificate: bool(c.config, 'trustServerCertificate', false),
      connectTimeout: timeoutMs,
      requestTimeout: requestTimeoutMs,
      appName: 'Latchkey',
    },
  };
}

function classifier(c: ResolvedConnection, timeoutMs: number) {
  return (err: unknown): Classified | null => {
    const e = err as { code?: unknown; message?: unknown };
    const message = typeof e.message === 'string' ? e.message : '';
    if (e.code === 'ELOGIN') {
      if (/Cannot open database/i.test(message)) return { code: 'not_found', message: `Database "${str(c.config, 'database')}" does not exist or this login cannot open it` };
      return { code: 'auth', message: `Authentication failed: ${message}` };
    }
    if (e.code === 'ETIMEOUT') return { code: 'timeout', message: timeoutMessage(timeoutMs) };
    return null;
  };
}

function connect(c: ResolvedConnection, timeoutMs: number, requestTimeoutMs: number, onCreated?: (conn: Connection) => void): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const conn = new tedious.Connection(config(c, timeoutMs, requestTimeoutMs));
    onCreated?.(conn);
    conn.on('error', () => undefined);
    conn.connect((err) => (err ? reject(err) : resolve(conn)));
  });
}

function paramType(raw: unknown): { type: (typeof tedious.TYPES)[keyof typeof tedious.TYPES]; value: unknown } {
  const T = tedious.TYPES;
  const v = toParam(raw);
  if (v === null) return { type: T.NVarChar, value: null };
  if (typeof v === 'boolean') return { type: T.Bit, value: v };
  if (typeof v === 'number') {
    if (Number.isInteger(v) && Math.abs(v) <= 2147483647) return { type: T.Int, value: v };
    if (Number.isSafeInteger(v)) return { type: T.BigInt, value: v };
    return { type: T.Float, value: v };
  }
  return { type: T.NVarChar, value: v };
}

function run(conn: Connection, q: Required<SqlQueryRequest>, start: number): Promise<{ result: SqlQueryResult; reusable: boolean }> {
  return new Promise((resolve, reject) => {
    const rows = new RowCollector(q.maxRows);
    let columns: string[] = [];
    let cancelled = false;
    const request = new tedious.Request(q.sql, (err, rowCount) => {
      if (err && !cancelled) return reject(err);
      resolve({
        result: { columns, rows: rows.rows, rowCount: columns.length > 0 ? rows.rows.length : (rowCount ?? 0), truncated: rows.truncated, latencyMs: elapsedSince(start) },
        reusable: true,
      });
    });
    q.params.forEach((p, i) => {
      const { type, value } = paramType(p);
      request.addParameter(`p${i + 1}`, type, value);
    });
    request.on('columnMetadata', (meta: { colName: string }[] | Record<string, { colName: string }>) => {
      columns = (Array.isArray(meta) ? meta : Object.values(meta)).map((m) => m.colName);
    });
    request.on('row', (cols: { value: unknown }[] | Record<string, { value: unknown }>) => {
      if (cancelled) return;
      const values = (Array.isArray(cols) ? cols : Object.values(cols)).map((col) => col.value);
      if (!rows.add(values)) {
        cancelled = true;
        // Stops the server sending the rest of a result we will not return.
        conn.cancel();
      }
    });
    conn.execSql(request);
  });
}

/** At most `max` open connections; an idle one is closed after `idleMs`. */
class MssqlPool {
  private idle: { conn: Connection; timer: ReturnType<typeof setTimeout> }[] = [];
  private open = 0;
  private waiting: (() => void)[] = [];
  constructor(
    private readonly make: () => Promise<Connection>,
    private readonly max: number,
    private readonly idleMs: number,
  ) {}

  async acquire(): Promise<Connection> {
    for (;;) {
      const next = this.idle.pop();
      if (next) {
        clearTimeout(next.timer);
        return next.conn;
      }
      if (this.open < this.max) {
        this.open++;
        try {
          return await this.make();
        } catch (err) {
          this.open--;
          this.wake();
          throw err;
        }
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  release(conn: Connection, reusable: boolean): void {
    if (!reusable || conn.closed) {
      this.open--;
      conn.close();
    } else {
      const timer = setTimeout(() => {
        this.idle = this.idle.filter((e) => e.conn !== conn);
        this.open--;
        conn.close();
      }, this.idleMs);
      timer.unref();
      this.idle.push({ conn, timer });
    }
    this.wake();
  }

  private wake(): void {
    this.waiting.shift()?.();
  }

  async close(): Promise<void> {
    for (const { conn, timer } of this.idle) {
      clearTimeout(timer);
      conn.close();
    }
    this.idle = [];
  }
}

export async function testMssql(c: ResolvedConnection, timeoutMs: number): Promise<TestOutcome> {
  let conn: Connection | undefined;
  return runTest(
    c,
    target(c, timeoutMs),
    async () => {
      const open = await connect(c, timeoutMs, timeoutMs, (created) => (conn = created));
      try {
        await run(open, { sql: 'SELECT 1', params: [], maxRows: 1 }, performance.now());
      } finally {
        open.close();
      }
      return { message: 'Connected' };
    },
    classifier(c, timeoutMs),
    () => conn?.close(),
  );
}

export interface MssqlOptions {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  idleTimeoutMs: number;
  maxClients: number;
}

export async function queryMssql(registry: ClientRegistry, c: ResolvedConnection, q: Required<SqlQueryRequest>, o: MssqlOptions): Promise<SqlQueryResult> {
  const start = performance.now();
  try {
    const pool = await registry.get(
      'mssql',
      c,
      () => new MssqlPool(() => connect(c, o.connectTimeoutMs, o.statementTimeoutMs), o.maxClients, o.idleTimeoutMs),
      (p) => p.close(),
    );
    const conn = await pool.acquire();
    try {
      const { result, reusable } = await run(conn, q, start);
      pool.release(conn, reusable);
      return result;
    } catch (err) {
      pool.release(conn, !(err instanceof TransportError) && (err as { code?: string }).code === 'EREQUEST');
      throw err;
    }
  } catch (err) {
    throw failure(err, c, target(c, o.connectTimeoutMs), classifier(c, o.connectTimeoutMs));
  }
}
