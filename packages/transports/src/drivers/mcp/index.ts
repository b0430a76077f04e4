import type { DriverDescriptor } from '../descriptor.js';

export const mcp: DriverDescriptor = {
  kind: 'mcp',
  operations: ['mcp.callTool'],
  fields: {
    config: ['transport', 'command', 'args', 'url'],
    secrets: ['token', 'env'],
    // An HTTP-only server a person signs in to (extensions/oauth2's mcp-oauth) has no command line and no pasted token.
    optional: ['command', 'args', 'token', 'env'],
    roles: { transport: 'target', command: 'command', args: 'args', url: 'url' },
  },
  async load(x) {
    const d = await import('./driver.js');
    const sessions = new d.McpSessions(x.clients, { callTimeoutMs: x.operationTimeoutMs, connectTimeoutMs: x.connectTimeoutMs, idleTimeoutMs: x.idleTimeoutMs }, x.gate);
    return {
      test: (c, timeoutMs) => d.testMcp(c, timeoutMs, x.gate()),
      operations: { 'mcp.callTool': (c, call) => sessions.call(c, call) },
      release: (connectionId) => sessions.forget(connectionId),
      close: async () => sessions.clear(),
    };
  },
};
