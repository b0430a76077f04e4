// SQLite (sql.js) queries off the main thread. sql.js is synchronous and has no interrupt, so a
// runaway statement (an unbounded recursive CTE) would freeze the process that runs it: in the
// desktop app, Electron's main process. Here it freezes only this worker, which the caller
// terminates at its deadline. Plain JavaScript so it runs as a worker with no build step.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import initSqlJs from 'sql.js';

const HEADER = Buffer.from('SQLite format 3\0', 'latin1');
const engine = initSqlJs(workerData?.wasmPath ? { locateFile: () => workerData.wasmPath } : undefined);

class Refusal extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

async function load(file) {
  let info;
  let bytes;
  try {
    info = await stat(file);
    if (!info.isFile()) throw new Refusal('other', `Not a file: ${file}`);
    bytes = await readFile(file);
  } catch (err) {
    if (err instanceof Refusal) throw err;
    if (err.code === 'ENOENT') throw new Refusal('not_found', `Database file not found: ${file}`);
    if (err.code === 'EACCES' || err.code === 'EPERM') throw new Refusal('other', `Permission denied: ${file}`);
    throw err;
  }
  if (bytes.length > 0 && !bytes.subarray(0, HEADER.length).equals(HEADER)) throw new Refusal('other', `Not an SQLite database: ${file}`);
  const SQL = await engine;
  return { db: new SQL.Database(bytes), original: bytes, mode: info.mode };
}

/** How many statements the SQL holds, up to 2; iterating to the end releases the iterator's memory. */
function statementCount(db, sql) {
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

function toJson(value) {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value ?? null;
}

function runOne(db, job) {
  // One statement per call, as for the other databases: refuse a second one before running anything.
  const count = statementCount(db, job.sql);
  if (count === 0) throw new Refusal('other', 'The SQL has no statement');
  if (count > 1) throw new Refusal('other', 'Only one SQL statement per query');
  const stmt = db.prepare(job.sql);
  try {
    stmt.bind(job.params);
    const columns = stmt.getColumnNames();
    const rows = [];
    let bytes = 0;
    let truncated = false;
    while (stmt.step()) {
      if (rows.length >= job.maxRows) {
        truncated = true;
        break;
      }
      const row = stmt.get().map(toJson);
      const size = JSON.stringify(row).length;
      if (bytes + size > job.maxBytes) {
        truncated = true;
        break;
      }
      bytes += size;
      rows.push(row);
    }
    return { columns, rows, truncated, affected: db.getRowsModified() };
  } finally {
    stmt.free();
  }
}

/** Temp file in the same folder, fsync, rename: a crash leaves the old file or the new one, never half of each. */
async function writeAtomically(file, bytes, mode) {
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

async function run(job) {
  const { db, original, mode } = await load(job.file);
  try {
    if (job.readOnly) db.run('PRAGMA query_only = ON');
    const result = runOne(db, job);
    if (!job.readOnly) {
      const updated = Buffer.from(db.export());
      if (!updated.equals(original)) await writeAtomically(job.file, updated, mode);
    }
    return result;
  } finally {
    db.close();
  }
}

parentPort.on('message', (job) => {
  run(job).then(
    (result) => parentPort.postMessage({ id: job.id, ok: true, result }),
    (err) => {
      const message = err instanceof Error ? err.message : String(err);
      parentPort.postMessage({ id: job.id, ok: false, code: err instanceof Refusal ? err.code : 'other', message: message.charAt(0).toUpperCase() + message.slice(1) });
    },
  );
});
