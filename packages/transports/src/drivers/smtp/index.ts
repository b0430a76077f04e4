import type { DriverDescriptor } from '../descriptor.js';

export const smtp: DriverDescriptor = {
  kind: 'smtp',
  operations: ['smtp.send'],
  fields: {
    config: ['host', 'port', 'encryption', 'user', 'from'],
    secrets: ['password'],
    roles: { host: 'host', port: 'port', encryption: 'tls', user: 'username' },
  },
  async load(x) {
    const d = await import('./driver.js');
    return {
      test: (c, timeoutMs) => d.testSmtp(c, timeoutMs),
      operations: { 'smtp.send': (c, message) => d.sendSmtp(c, message, x.operationTimeoutMs) },
    };
  },
};
