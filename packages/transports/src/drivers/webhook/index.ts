import type { DriverDescriptor } from '../descriptor.js';

export const webhook: DriverDescriptor = {
  kind: 'webhook',
  operations: ['webhook.send'],
  fields: {
    config: ['method', 'authType', 'headers'],
    secrets: ['token', 'hmacSecret'],
    // A Slack or Discord webhook URL is itself the credential: its provider marks it secret.
    secretOrConfig: ['url'],
    // Left out by a provider with a fixed shape (Slack, Discord): POST, no auth, no extra headers.
    optional: ['method', 'authType', 'headers', 'token', 'hmacSecret'],
  },
  async load(x) {
    const d = await import('./driver.js');
    return {
      test: (c, timeoutMs) => d.testWebhook(c, timeoutMs, x.clock),
      operations: { 'webhook.send': (c, request) => d.sendWebhook(c, request, x.operationTimeoutMs, x.clock) },
    };
  },
};
