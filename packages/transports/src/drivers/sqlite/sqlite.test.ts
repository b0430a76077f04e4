import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransportError } from '@latchkey/broker';
import { createTransports } from '../../index.js';
import { resolvedConnection } from '../../testing/packs.js';

const transports = createTransports();
let dir: string;
let file: string;
const q = (sql: string, params: unknown[] = [], maxRows = 1000) => ({ sql, params: params as never[], maxRows });
const conn = (config: Record<string, string | boolean> = {}) => resolvedConnection('databases', 'sqlite', { path: file, ...config });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latchkey-sqlite-'));
  file = join(dir, 'app.db');
  const SQL = await initSqlJs();
  const db = new SQL.Database();
  db.run('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, raw BLOB)');
  db.run("INSERT INTO notes (body, raw) VALUES ('first', x'00ff')");
  writeFileSync(file, db.export());
  db.close();
  chmodSync(file, 0o640);
});
afterAll(async () => {
  await transports.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sqlite transport (sql.js) on a temp file', () => {
  it('opens the file and runs SELECT 1', async () => {
    expect(await transports.test('sqlite', conn(), 10_000)).toMatchObject({ ok: true, code: 'ok', message: 'Opened' });
    expect(await transports.test('sqlite', conn({ readOnly: true }), 10_000)).toMatchObject({ ok: true, message: 'Opened read-only' });
  });

  it('reports a missing file as not found and a non-database file as other', async () => {
    const missing = join(dir, 'missing.db');
    expect(await transports.test('sqlite', conn({ path: missing }), 10_000)).toMatchObject({ ok: false, code: 'not_found', message: `Database file not found: ${missing}` });
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'just some text, not a database at all');
    expect(await transports.test('sqlite', conn({ path: text }), 10_000)).toMatchObject({ ok: false, code: 'other', message: `Not an SQLite database: ${text}` });
  });

  it('binds parameters, writes the change back atomically and keeps the file mode', async () => {
    const hostile = "x'); DROP TABLE notes; --";
    const inserted = await transports.sqlQuery('sqlite', conn(), q('INSERT INTO notes (body, raw) VALUES (?, ?)', [hostile, null]));
    expect(inserted).toMatchObject({ columns: [], rowCount: 1, truncated: false });
    const res = await transports.sqlQuery('sqlite', conn(), q('SELECT id, body, raw FROM notes ORDER BY id'));
    expect(res.columns).toEqual(['id', 'body', 'raw']);
    expect(res.rows).toEqual([
      [1, 'first', 'AP8='],
      [2, hostile, null],
    ]);
    // Read back with a separate engine: the bytes on disk hold the row.
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(file));
    expect(db.exec('SELECT count(*) FROM notes')[0]!.values).toEqual([[2]]);
    db.close();
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses writes when read-only and leaves the file untouched', async () => {
    const before = readFileSync(file);
    const err = await transports.sqlQuery('sqlite', conn({ readOnly: true }), q("INSERT INTO notes (body) VALUES ('nope')")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).message).toMatch(/readonly|read-only|query_only/i);
    expect(readFileSync(file).equals(before)).toBe(true);
    const read = await transports.sqlQuery('sqlite', conn({ readOnly: true }), q('SELECT count(*) AS n FROM notes'));
    expect(read.rows).toEqual([[2]]);
  });

  it('refuses two statements in one call and runs neither', async () => {
    const err = await transports.sqlQuery('sqlite', conn(), q("DELETE FROM notes; INSERT INTO notes (body) VALUES ('x')")).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'other', message: 'Only one SQL statement per query' });
    expect((await transports.sqlQuery('sqlite', conn(), q('SELECT count(*) FROM notes'))).rows).toEqual([[2]]);
  });

  it('caps rows at maxRows', async () => {
    const res = await transports.sqlQuery('sqlite', conn(), q('WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000) SELECT x FROM n', [], 3));
    expect(res).toMatchObject({ rows: [[1], [2], [3]], rowCount: 3, truncated: true });
  });

  it('serialises concurrent writes to one file so none is lost', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => transports.sqlQuery('sqlite', conn(), q('INSERT INTO notes (body) VALUES (?)', [`n${i}`]))));
    expect((await transports.sqlQuery('sqlite', conn(), q("SELECT count(*) FROM notes WHERE body LIKE 'n%'"))).rows).toEqual([[20]]);
  });

  it('stops a runaway statement at the statement timeout without freezing this process', async () => {
    const quick = createTransports({ statementTimeoutMs: 1000 });
    try {
      let settled = false;
      const running = quick
        .sqlQuery('sqlite', conn(), q('WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n'))
        .catch((e: unknown) => e)
        .finally(() => (settled = true));
      // The event loop keeps turning while the statement spins in its worker: a macrotask queued
      // now runs before the statement is stopped.
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      const err = await running;
      expect(err).toMatchObject({ code: 'timeout', message: 'The statement ran longer than 1 s and was stopped' });
      expect((await quick.sqlQuery('sqlite', conn(), q('SELECT count(*) FROM notes'))).rows).toEqual([[22]]);
    } finally {
      await quick.close();
    }
  });

  it('reports an SQL error with the engine message', async () => {
    const err = await transports.sqlQuery('sqlite', conn(), q('SELECT * FROM missing_table')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'other', message: 'No such table: missing_table' });
  });
});
