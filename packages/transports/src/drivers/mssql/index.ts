import type { DriverDescriptor } from '../descriptor.js';

export const mssql: DriverDescriptor = {
  kind: 'mssql',
  operations: ['sql.query'],
  fields: {
    config: ['host', 'port', 'database', 'user', 'encrypt', 'trustServerCertificate'],
    secrets: ['password'],
    roles: { host: 'host', port: 'port', database: 'database', user: 'username', encrypt: 'tls', trustServerCertificate: 'tls' },
  },
  async load(x) {
    const d = await import('./driver.js');
    return {
      test: (c, timeoutMs) => d.testMssql(c, timeoutMs),
      operations: { 'sql.query': (c, query) => d.queryMssql(x.clients, c, query, x.pool) },
    };
  },
};
