import type { DriverDescriptor } from '../descriptor.js';

export const postgres: DriverDescriptor = {
  kind: 'postgres',
  operations: ['sql.query'],
  fields: {
    config: ['host', 'port', 'database', 'user', 'ssl', 'caFile', 'options'],
    secrets: ['password'],
    roles: { host: 'host', port: 'port', database: 'database', user: 'username', ssl: 'tls', caFile: 'file' },
  },
  async load(x) {
    const d = await import('./driver.js');
    return {
      test: (c, timeoutMs) => d.testPostgres(c, timeoutMs),
      operations: { 'sql.query': (c, query) => d.queryPostgres(x.clients, c, query, x.pool) },
    };
  },
};
