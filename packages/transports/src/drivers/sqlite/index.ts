import type { DriverDescriptor } from '../descriptor.js';

export const sqlite: DriverDescriptor = {
  kind: 'sqlite',
  operations: ['sql.query'],
  fields: { config: ['path', 'readOnly'], secrets: [], roles: { path: 'file' } },
  // One worker per transports instance, built on first use.
  async load(x) {
    const driver = new (await import('./driver.js')).SqliteDriver({ wasmPath: x.sqliteWasmPath, workerPath: x.sqliteWorkerPath, statementTimeoutMs: x.statementTimeoutMs, idleTimeoutMs: x.idleTimeoutMs });
    return {
      test: (c, timeoutMs) => driver.test(c, timeoutMs),
      operations: { 'sql.query': (c, query) => driver.query(c, query) },
      close: () => driver.close(),
    };
  },
};
