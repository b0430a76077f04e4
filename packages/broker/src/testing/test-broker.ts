import type { ProviderManifestInput } from '@latchkey/contracts';
import { createBroker } from '../create-broker.js';
import type { BrokerPorts } from '../types.js';
import { createFetchTransports } from './fetch-transports.js';
import { ManualClock, createMemoryPorts, createTestCipher } from './memory-ports.js';

/** The HTTP provider as the built-in pack declares it, for tests that need a realistic manifest. */
export const testHttpProvider: ProviderManifestInput = {
  id: 'http',
  name: 'HTTP API',
  category: 'http',
  baseUrl: '{{config.baseUrl}}',
  summary: '{{config.baseUrl}}',
  operations: ['http.fetch'],
  fields: [
    { name: 'baseUrl', label: 'Base URL', type: 'string', format: 'url', required: true, role: 'url' },
    {
      name: 'authType',
      label: 'Authentication',
      type: 'select',
      required: true,
      default: 'none',
      options: [
        { value: 'none', label: 'None' },
        { value: 'bearer', label: 'Bearer token' },
        { value: 'basic', label: 'Basic' },
        { value: 'apiKeyQuery', label: 'API key in query' },
      ],
    },
    { name: 'token', label: 'Token', type: 'string', secret: true, required: true, showWhen: [{ field: 'authType', equals: 'bearer' }] },
    { name: 'username', label: 'Username', type: 'string', role: 'username', required: true, showWhen: [{ field: 'authType', equals: 'basic' }] },
    { name: 'password', label: 'Password', type: 'string', secret: true, required: true, showWhen: [{ field: 'authType', equals: 'basic' }] },
    { name: 'apiKey', label: 'API key', type: 'string', secret: true, required: true, showWhen: [{ field: 'authType', equals: 'apiKeyQuery' }] },
    { name: 'healthPath', label: 'Health path', type: 'string', default: '' },
    { name: 'timeoutMs', label: 'Timeout (ms)', type: 'number', min: 100, max: 120000, role: 'timeout' },
  ],
  transport: 'http',
  test: { method: 'GET', path: '{{config.healthPath}}' },
  authenticate: [
    { type: 'header', name: 'Authorization', value: 'Bearer {{secret.token}}', when: [{ field: 'authType', equals: 'bearer' }] },
    { type: 'basic', username: '{{config.username}}', password: '{{secret.password}}', when: [{ field: 'authType', equals: 'basic' }] },
    { type: 'query', name: 'api_key', value: '{{secret.apiKey}}', when: [{ field: 'authType', equals: 'apiKeyQuery' }] },
  ],
};

export function createTestBroker(overrides: Partial<BrokerPorts> = {}) {
  const mem = createMemoryPorts();
  const clock = new ManualClock();
  const transports = createFetchTransports();
  const ports: BrokerPorts = { cipher: createTestCipher(), ...mem, transports, clock, host: 'headless', ...overrides };
  const broker = createBroker(ports);
  broker.providers.register(testHttpProvider, '@latchkey/ext-http');
  return { broker, ports, mem, clock, transports };
}
