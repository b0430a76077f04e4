import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBroker } from '@latchkey/broker/testing';
import type { Requester } from '@latchkey/contracts';
import { createTransports } from './index.js';
import { startAiServer, type AiServer } from './testing/ai-server.js';
import { BUILT_IN_PACKS, readPack } from './testing/packs.js';
import { postgresUnavailable, startPostgres, type PostgresPeer } from './testing/postgres-peer.js';

// The packs' manifests, registered in a real broker wired to these transports: the path a
// "Test connection" click takes, with the broker expanding baseUrl, path and authenticate rules.
const transports = createTransports();
const { broker } = createTestBroker({ transports });
for (const pack of BUILT_IN_PACKS) {
  const { name, latchkey } = readPack(pack);
  for (const provider of latchkey.contributes.providers) broker.providers.register(provider, name);
}
const person: Requester = { kind: 'app', id: 'settings-window', displayName: 'Settings' };
const testDraft = (providerId: string, config: Record<string, unknown>, secrets: Record<string, string> = {}) =>
  broker.internals.connections.testDraft({ providerId, config, secrets }, person);

afterAll(() => transports.close());

describe('AI providers through the broker', () => {
  let openai: AiServer;
  let anthropic: AiServer;
  let ollama: AiServer;
  beforeAll(async () => {
    [openai, anthropic, ollama] = await Promise.all([
      startAiServer('openai', { apiKey: 'sk-test-Canary-0001', organization: 'org-latchkey' }),
      startAiServer('anthropic', { apiKey: 'sk-ant-Canary-0002' }),
      startAiServer('ollama'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([openai?.stop(), anthropic?.stop(), ollama?.stop()]);
  });

  it('OpenAI: lists models with the bearer key and organization header', async () => {
    const result = await testDraft('openai', { baseUrl: openai.baseUrl, organization: 'org-latchkey' }, { apiKey: 'sk-test-Canary-0001' });
    expect(result).toMatchObject({ ok: true, code: 'ok', details: { models: ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small'] } });
    const sent = openai.requests.at(-1)!;
    expect(sent).toMatchObject({ method: 'GET', path: '/v1/models' });
    expect(sent.headers.authorization).toBe('Bearer sk-test-Canary-0001');
    expect(sent.headers['openai-organization']).toBe('org-latchkey');
  });

  it('OpenAI: sends no organization header when none is set, and a wrong key fails as auth', async () => {
    expect(await testDraft('openai', { baseUrl: openai.baseUrl }, { apiKey: 'sk-test-Canary-0001' })).toMatchObject({ ok: true });
    expect(openai.requests.at(-1)!.headers['openai-organization']).toBeUndefined();
    const wrong = await testDraft('openai', { baseUrl: openai.baseUrl }, { apiKey: 'sk-wrong-key-9999' });
    expect(wrong).toMatchObject({ ok: false, code: 'auth' });
  });

  it('Anthropic: lists models with x-api-key and anthropic-version', async () => {
    const result = await testDraft('anthropic', { baseUrl: anthropic.baseUrl }, { apiKey: 'sk-ant-Canary-0002' });
    expect(result).toMatchObject({ ok: true, details: { models: ['claude-sonnet-4-20250514', 'claude-3-5-haiku-20241022'] } });
    const sent = anthropic.requests.at(-1)!;
    expect(sent.headers['x-api-key']).toBe('sk-ant-Canary-0002');
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers.authorization).toBeUndefined();
    expect(await testDraft('anthropic', { baseUrl: anthropic.baseUrl }, { apiKey: 'wrong' })).toMatchObject({ ok: false, code: 'auth' });
  });

  it('Ollama: lists local models for the detail pane', async () => {
    const result = await testDraft('ollama', { baseUrl: ollama.baseUrl });
    expect(result).toMatchObject({ ok: true, details: { models: ['llama3.2:latest', 'qwen2.5-coder:7b'] } });
    expect(ollama.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/tags' });
  });
});

const pgUnavailable = postgresUnavailable();
describe.skipIf(pgUnavailable !== null)(`PostgreSQL through the broker${pgUnavailable ? ` (skipped: ${pgUnavailable})` : ''}`, () => {
  let peer: PostgresPeer;
  beforeAll(async () => {
    peer = await startPostgres({ password: 'broker-Canary-31f4' });
  });
  afterAll(async () => {
    await peer?.stop();
  });

  it('tests a draft with the latency, and reports a wrong password without echoing it', async () => {
    const config = { host: peer.host, port: peer.port, database: peer.database, user: peer.user };
    const ok = await testDraft('postgres', config, { password: peer.password });
    expect(ok).toMatchObject({ ok: true, code: 'ok' });
    expect(ok.latencyMs).toBeGreaterThanOrEqual(0);
    const bad = await testDraft('postgres', config, { password: 'wrong-Canary-pw' });
    expect(bad).toMatchObject({ ok: false, code: 'auth', message: 'Authentication failed: password authentication failed for user "app"' });
    expect(JSON.stringify(bad)).not.toContain('wrong-Canary-pw');
  });
});
