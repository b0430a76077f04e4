import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransports } from '../index.js';
import { startAiServer, type AiServer } from './ai-server.js';

// The loopback stand-ins, exercised through the real http transport with the headers the AI pack's
// authenticate rules produce (the broker applies those rules; broker-integration.test.ts runs that path).
const transports = createTransports();
const get = (url: string, headers: Record<string, string> = {}) => transports.http({ url, method: 'GET', headers, timeoutMs: 5000, maxBodyBytes: 1_000_000 });
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
  await Promise.all([openai.stop(), anthropic.stop(), ollama.stop()]);
  await transports.close();
});

describe('OpenAI stand-in: GET /v1/models', () => {
  it('lists models as {object: "list", data: [{id, object: "model", created, owned_by}]} for the right key', async () => {
    const res = await get(`${openai.baseUrl}/models`, { Authorization: 'Bearer sk-test-Canary-0001', 'OpenAI-Organization': 'org-latchkey' });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { object: string; data: { id: string; object: string; created: number; owned_by: string }[] };
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toEqual(['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small']);
    for (const m of body.data) expect(m).toEqual({ id: m.id, object: 'model', created: expect.any(Number) as number, owned_by: 'system' });
  });

  it('answers 401 invalid_api_key with a masked key, and 401 without a key', async () => {
    const wrong = await get(`${openai.baseUrl}/models`, { Authorization: 'Bearer sk-wrong-key-9999' });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toEqual({ error: { message: 'Incorrect API key provided: sk-***9999.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    expect((await get(`${openai.baseUrl}/models`)).status).toBe(401);
    expect((await get(`${openai.baseUrl}/models`, { Authorization: 'Bearer sk-test-Canary-0001', 'OpenAI-Organization': 'org-other' })).status).toBe(401);
  });
});

describe('Anthropic stand-in: GET /v1/models', () => {
  it('lists models as {data: [{type: "model", id, display_name, created_at}], has_more, first_id, last_id}', async () => {
    const res = await get(`${anthropic.baseUrl}/models`, { 'x-api-key': 'sk-ant-Canary-0002', 'anthropic-version': '2023-06-01' });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { data: { type: string; id: string }[]; has_more: boolean; first_id: string; last_id: string };
    expect(body.data.map((m) => [m.type, m.id])).toEqual([
      ['model', 'claude-sonnet-4-20250514'],
      ['model', 'claude-3-5-haiku-20241022'],
    ]);
    expect(body).toMatchObject({ has_more: false, first_id: 'claude-sonnet-4-20250514', last_id: 'claude-3-5-haiku-20241022' });
  });

  it('answers authentication_error for a wrong key and invalid_request_error without anthropic-version', async () => {
    const wrong = await get(`${anthropic.baseUrl}/models`, { 'x-api-key': 'nope', 'anthropic-version': '2023-06-01' });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
    const noVersion = await get(`${anthropic.baseUrl}/models`, { 'x-api-key': 'sk-ant-Canary-0002' });
    expect(noVersion.status).toBe(400);
    // A bearer token is not how Anthropic authenticates.
    expect((await get(`${anthropic.baseUrl}/models`, { Authorization: 'Bearer sk-ant-Canary-0002', 'anthropic-version': '2023-06-01' })).status).toBe(401);
  });
});

describe('Ollama stand-in: GET /api/tags', () => {
  it('lists local models as {models: [{name, model, modified_at, size, digest, details}]} with no key', async () => {
    const res = await get(`${ollama.baseUrl}/api/tags`);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { models: { name: string; model: string; size: number; digest: string; details: { format: string } }[] };
    expect(body.models.map((m) => m.name)).toEqual(['llama3.2:latest', 'qwen2.5-coder:7b']);
    for (const m of body.models) {
      expect(m.model).toBe(m.name);
      expect(m.digest).toMatch(/^[0-9a-f]{64}$/);
      expect(m.details.format).toBe('gguf');
    }
    expect((await get(`${ollama.baseUrl}/`)).body).toBe('Ollama is running');
  });
});
