import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';
import { TransportError } from '@latchkey/broker';
import type { ResolvedConnection, TestOutcome } from '@latchkey/broker';
import type { SqlQueryRequest, SqlQueryResult } from '@latchkey/contracts';
import { bool, str } from '../config.js';
import { elapsedSince } from '../deadline.js';
import { failure, runTest } from '../outcome.js';
import { RowCollector, toParam } from './values.js';

/**
 * SQLite through sql.js: SQLite compiled to WebAssembly. It runs unchanged in Node 20 and in
 * Electron's newer Node with no native module to rebuild per runtime (better-sqlite3 would need
 * one build per ABI). The cost: the whole file is loaded into memory per query and written back
 * (atomically) after a change, so it suits the small local databases this connection type is for.
 */
export const SQLITE_FIELDS = { config: ['path', 'readOnly'], secrets: [] } as const;

const HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export class SqliteDriver {
  private sql: Promise<SqlJsStatic> | undefined;
  /** One operation at a time per file: two interleaved load-modify-write cycles would lose a write. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly wasmPath?: string) {}

  private engine(): Promise<SqlJsStatic> {
    this.sql ??= initSqlJs(this.wasmPath ? { locateFile: () => this.wasmPath! } : undefined);
    return this.sql;
  }

  private async exclusive<T>(file: string, work: () => Promise<T>): Promise<T> {
    const before = this.locks.get(file) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.catch(() => undefined);
    this.locks.set(file, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(file) === tail) this.locks.delete(file);
    }
  }

  private async load(file: string): Promise<{ db: Database; original: Buffer; mode: number }> {
    let bytes: Buffer;
    let mode: number;
    try {
      const s = await stat(file);
      if (!s.isFile()) throw new TransportError('other', `Not a file: ${file}`);
      mode = s.mode;
      bytes = await readFile(file);
    } catch (err) {
      if (err instanceof TransportError) throw err;
      const code = (err as { code?: string }).code;
      if (code === 'ENOENT') throw new TransportError('not_found', `Database file not found: ${file}`);
      if (code === 'EACCES' || code === 'EPERM') throw new TransportError('other', `Permission denied: ${file}`);
      throw err;
    }
    if (bytes.length > 0 && !bytes.subarray(0, HEADER.length).equals(HEADER)) {
      throw new TransportError('other', `Not an SQLite database: ${file}`);
    }
    const SQL = await this.engine();
    return { db: new SQL.Database(bytes), original: bytes, mode };
  }

  async test(c: ResolvedConnection, timeoutMs: number): Promise<TestOutcome> {
    const file = resolve(str(c.config, 'path'));
    const readOnly = bool(c.config, 'readOnly');
    return runTest(c, { timeoutMs }, async () => {
      if (str(c.config, 'path') === '') throw new TransportError('invalid_config', 'No database file is set');
      const { db } = await this.load(file);
      try {
        db.exec('SELECT 1');
      } finally {
        db.close();
      }
      if (!readOnly) {
        try {
          await access(file, constants.W_OK);
          await access(dirname(file), constants.W_OK);
        } catch {
          throw new TransportError('other', `The file or its folder is not writable: ${file} (turn on Read-only to use it as it is)`);
        }
      }
      return { message: readOnly ? 'Opened read-only' : 'Opened' };
    });
  }

  async query(c: ResolvedConnection, q: Required<SqlQueryRequest>): Promise<SqlQueryResult> {
    const start = performance.now();
    const file = resolve(str(c.config, 'path'));
    const readOnly = bool(c.config, 'readOnly');
    try {
      return await this.exclusive(file, async () => {
        const { db, original, mode } = await this.load(file);
        try {
          if (readOnly) db.run('PRAGMA query_only = ON');
          const { columns, rows, affected } = runOne(db, q);
          if (!readOnly) {
            const updated = Buffer.from(db.export());
            if (!updated.equals(original)) await writeAtomically(file, updated, mode);
          }
          return { columns, rows: rows.rows, rowCount: columns.length > 0 ? rows.rows.length : affected, truncated: rows.truncated, latencyMs: elapsedSince(start) };
        } finally {
          db.close();
        }
      });
    } catch (err) {
      throw failure(err, c, { timeoutMs: 0 });
    }
  }
}

function toSqlite(v: unknown): SqlValue {
  const p = toParam(v);
  return typeof p === 'boolean' ? (p ? 1 : 0) : p;
}

/** How many statements the SQL holds, up to 2; iterating to the end releases the iterator's memory. */
function statementCount(db: Database, sql: string): number {
  let count = 0;
  try {
    for (const _ of db.iterateStatements(sql)) count++;
  } catch (err) {
    // A later statement may not compile before an earlier one has run (CREATE TABLE, then INSERT).
    if (count === 0) throw err;
    count = Math.max(count, 2);
  }
  return count;
}

function runOne(db: Database, q: Required<SqlQueryRequest>): { columns: string[]; rows: RowCollector; affected: number } {
  // One statement per call, as for the other databases: refuse a second one before running anything.
  const count = statementCount(db, q.sql);
  if (count === 0) throw new TransportError('other', 'The SQL has no statement');
  if (count > 1) throw new TransportError('other', 'Only one SQL statement per query');
  const stmt = db.prepare(q.sql);
  try {
    stmt.bind(q.params.map(toSqlite));
    const columns = stmt.getColumnNames();
    const rows = new RowCollector(q.maxRows);
    while (stmt.step()) {
      if (!rows.add(stmt.get())) break;
    }
    return { columns, rows, affected: db.getRowsModified() };
  } finally {
    stmt.free();
  }
}

/** Temp file in the same folder, fsync, rename: a crash leaves the old file or the new one, never half of each. */
async function writeAtomically(file: string, bytes: Uint8Array, mode: number): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', mode & 0o777);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
