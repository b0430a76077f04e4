import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { TransportError } from '@latchkey/broker';
import type { ResolvedConnection, TestOutcome } from '@latchkey/broker';
import type { Json, SqlQueryRequest, SqlQueryResult, TestCode } from '@latchkey/contracts';
import { bool, str } from '../../config.js';
import { elapsedSince } from '../../deadline.js';
import { bestMessage } from '../../errors.js';
import { failure, runTest } from '../../outcome.js';
import { MAX_RESULT_BYTES, toParam } from '../../sql/values.js';

/**
 * SQLite through sql.js: SQLite compiled to WebAssembly. It runs unchanged in Node 20 and in
 * Electron's newer Node with no native module to rebuild per runtime (better-sqlite3 would need
 * one build per ABI). The costs: the whole file is loaded per query and written back atomically
 * after a change, so it suits the small local databases this connection type is for; and since
 * sql.js cannot be interrupted, every statement runs in a worker thread that is terminated at the
 * statement timeout (sqlite-worker.mjs).
 */
interface Job {
  file: string;
  readOnly: boolean;
  sql: string;
  params: (string | number | null)[];
  maxRows: number;
  maxBytes: number;
}

type Reply =
  | { id: number; ok: true; result: { columns: string[]; rows: Json[][]; truncated: boolean; affected: number } }
  | { id: number; ok: false; code: TestCode; message: string };

interface Pending {
  resolve: (result: Extract<Reply, { ok: true }>['result']) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface EngineWorker {
  worker: Worker;
  pending: Map<number, Pending>;
  idle?: ReturnType<typeof setTimeout>;
}

export interface SqliteOptions {
  wasmPath?: string;
  workerPath?: string | URL;
  statementTimeoutMs: number;
  idleTimeoutMs: number;
}

export class SqliteDriver {
  /** One worker for every file, started on first use and stopped when idle or stuck. */
  private current: EngineWorker | undefined;
  /** Jobs for one file run one at a time: two interleaved load-modify-write cycles would lose a write. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private nextId = 1;

  constructor(private readonly o: SqliteOptions) {}

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

  private engine(): EngineWorker {
    if (this.current) {
      clearTimeout(this.current.idle);
      return this.current;
    }
    const worker = new Worker(this.o.workerPath ?? new URL('./sqlite-worker.mjs', import.meta.url), { workerData: { wasmPath: this.o.wasmPath } });
    worker.unref();
    const entry: EngineWorker = { worker, pending: new Map() };
    worker.on('message', (reply: Reply) => {
      const p = entry.pending.get(reply.id);
      if (!p) return;
      entry.pending.delete(reply.id);
      clearTimeout(p.timer);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(new TransportError(reply.code, reply.message));
      this.idleCheck(entry);
    });
    worker.on('error', (err) => this.stop(entry, new TransportError('other', `The SQLite engine failed: ${bestMessage(err)}`)));
    worker.on('exit', () => this.stop(entry, new TransportError('other', 'The SQLite engine stopped')));
    this.current = entry;
    return entry;
  }

  private idleCheck(entry: EngineWorker): void {
    if (entry.pending.size > 0 || this.current !== entry) return;
    clearTimeout(entry.idle);
    entry.idle = setTimeout(() => this.stop(entry), this.o.idleTimeoutMs);
    entry.idle.unref();
  }

  /** Ends a worker; anything still waiting on it fails with `reason`. */
  private stop(entry: EngineWorker, reason = new TransportError('other', 'The SQLite engine was stopped')): void {
    if (this.current === entry) this.current = undefined;
    clearTimeout(entry.idle);
    for (const p of entry.pending.values()) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
    entry.pending.clear();
    void entry.worker.terminate();
  }

  private run(job: Job, timeoutMs: number): Promise<Extract<Reply, { ok: true }>['result']> {
    return this.exclusive(
      job.file,
      () =>
        new Promise((resolvePromise, reject) => {
          const entry = this.engine();
          const id = this.nextId++;
          const timer = setTimeout(() => {
            entry.pending.delete(id);
            reject(new TransportError('timeout', `The statement ran longer than ${Math.round(timeoutMs / 100) / 10} s and was stopped`));
            // sql.js cannot be interrupted: the worker goes (the file was not rewritten), and any
            // other file's statement still in it fails and can be retried.
            this.stop(entry, new TransportError('other', 'Stopped with another SQLite statement that ran too long; try again'));
          }, timeoutMs);
          entry.pending.set(id, { resolve: resolvePromise, reject, timer });
          entry.worker.postMessage({ id, ...job });
        }),
    );
  }

  async test(c: ResolvedConnection, timeoutMs: number): Promise<TestOutcome> {
    const file = resolve(str(c.config, 'path'));
    const readOnly = bool(c.config, 'readOnly');
    return runTest(c, { timeoutMs }, async () => {
      if (str(c.config, 'path') === '') throw new TransportError('invalid_config', 'No database file is set');
      // Read-only here even for a writable connection: a test never rewrites the file.
      await this.run({ file, readOnly: true, sql: 'SELECT 1', params: [], maxRows: 1, maxBytes: 1024 }, timeoutMs);
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
    try {
      const params = q.params.map((v) => {
        const p = toParam(v);
        return typeof p === 'boolean' ? (p ? 1 : 0) : p;
      });
      const r = await this.run({ file, readOnly: bool(c.config, 'readOnly'), sql: q.sql, params, maxRows: q.maxRows, maxBytes: MAX_RESULT_BYTES }, this.o.statementTimeoutMs);
      return { columns: r.columns, rows: r.rows, rowCount: r.columns.length > 0 ? r.rows.length : r.affected, truncated: r.truncated, latencyMs: elapsedSince(start) };
    } catch (err) {
      throw failure(err, c, { timeoutMs: this.o.statementTimeoutMs });
    }
  }

  async close(): Promise<void> {
    if (this.current) this.stop(this.current);
  }
}
