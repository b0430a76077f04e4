import { afterEach, describe, expect, it } from 'vitest';
import { createAgentSession } from '@latchkey/broker';
import { ScriptedPrompter } from '@latchkey/broker/testing';
import { testHttpProvider } from '@latchkey/broker/testing';
import { auditEvents, loopbackServer, realBroker } from '../test-support.js';
import { connectionFetchTool } from './connection-fetch-tool.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function setup(answer: ConstructorParameters<typeof ScriptedPrompter>[0]) {
  const api = await loopbackServer({ '/v1/status': (h) => ({ status: 200, body: { up: true, auth: h.authorization === 'Bearer agent-canary' } }) });
  closers.push(api.close);
  const prompter = new ScriptedPrompter(answer);
  const env = realBroker(prompter);
  env.broker.providers.register(testHttpProvider, '@latchkey/ext-http');
  const connection = await env.app.connections.create({ providerId: 'http', name: 'Status API', config: { baseUrl: api.url, authType: 'bearer' }, secrets: { token: 'agent-canary' } });
  const session = createAgentSession(env.broker, { displayName: 'Latchkey Assistant' });
  return { ...env, api, prompter, connection, tool: connectionFetchTool(session) };
}

describe('the sample agent tool', () => {
  it('asks the person with the agent named, then fetches with the credential it never sees', async () => {
    const { tool, prompter, connection, mem, api } = await setup(() => ({ decision: 'once' }));
    const result = await tool.run({ connectionId: connection.id, path: '/v1/status', reason: 'Check whether the status API is up' });
    expect(result).toEqual({ ok: true, status: 200, body: { up: true, auth: true } });
    expect(prompter.seen).toEqual([
      expect.objectContaining({
        requester: { kind: 'agent', id: expect.stringMatching(/^session-/), displayName: 'Latchkey Assistant' },
        reason: 'Check whether the status API is up',
        scopes: [expect.objectContaining({ scope: 'http.fetch', warning: false })],
      }),
    ]);
    expect(api.requests).toHaveLength(1);
    const types = auditEvents(mem).filter((e) => e.requester?.kind === 'agent').map((e) => e.type);
    expect(types).toEqual(['access.request', 'access.grant', 'ref.use']);
    expect(JSON.stringify(result).includes('agent-canary')).toBe(false);
  });

  it('reports a denial without touching the API', async () => {
    const { tool, connection, api, mem } = await setup(() => ({ decision: 'deny' }));
    const result = await tool.run({ connectionId: connection.id, path: '/v1/status', reason: 'Check the status' });
    expect(result).toMatchObject({ ok: false, refused: 'denied' });
    expect(api.requests).toEqual([]);
    expect(auditEvents(mem).filter((e) => e.requester?.kind === 'agent').map((e) => [e.type, e.outcome])).toEqual([
      ['access.request', 'ok'],
      ['access.deny', 'denied'],
    ]);
  });
});
