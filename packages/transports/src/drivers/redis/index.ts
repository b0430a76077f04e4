import type { DriverDescriptor } from '../descriptor.js';

export const redis: DriverDescriptor = {
  kind: 'redis',
  operations: ['redis.command'],
  fields: {
    config: ['host', 'port', 'username', 'database', 'tls', 'caFile'],
    secrets: ['password'],
    optional: ['username', 'database', 'caFile', 'password'],
    roles: { host: 'host', port: 'port', username: 'username', database: 'database', tls: 'tls', caFile: 'file' },
  },
  async load(x) {
    const d = await import('./driver.js');
    return {
      test: (c, timeoutMs) => d.testRedis(c, timeoutMs),
      operations: { 'redis.command': (c, request) => d.redisCommand(x.clients, c, request, { connectTimeoutMs: x.connectTimeoutMs, operationTimeoutMs: x.operationTimeoutMs }) },
    };
  },
};
