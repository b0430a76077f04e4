import type { DriverDescriptor } from '../descriptor.js';

export const mysql: DriverDescriptor = {
  kind: 'mysql',
  operations: ['sql.query'],
  fields: {
    config: ['host', 'port', 'database', 'user', 'ssl', 'caFile'],
    secrets: ['password'],
    roles: { host: 'host', port: 'port', database: 'database', user: 'username', ssl: 'tls', caFile: 'file' },
  },
  async load(x) {
    const d = await import('./driver.js');
    return {
      test: (c, timeoutMs) => d.testMysql(c, timeoutMs),
      operations: { 'sql.query': (c, query) => d.queryMysql(x.clients, c, query, x.pool) },
    };
  },
};
