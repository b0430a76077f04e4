import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBroker } from '@latchkey/broker/testing';
import type { OllamaPullProgress, Requester } from '@latchkey/contracts';
import { createTransports } from './index.js';
import { startAiServer, type AiServer } from './testing/ai-server.js';
import { BUILT_IN_PACKS, readPack } from './testing/packs.js';

// The person's Ollama model operations (issue 14) through a real broker and the real HTTP
// transport, against a loopback server that speaks Ollama's documented API.
const person: Requester = { kind: 'app', id: 'window:main', displayName: 'Latchkey window' };

function brokerWith(options: { pullIdleMs?: number; maxPulls?: number } = {}) {
  const transports = createTransports();
  const { broker } = createTestBroker({ transports, options: { ollama: options } as never });
  for (const pack of BUILT_IN_PACKS) {
    const { name, latchkey } = readPack(pack);
    for (const provider of latchkey.contributes.providers) broker.providers.register(provider, name);
  }
  const progress: OllamaPullProgress[] = [];
  broker.on('ollama:pullProgress', (p) => progress.push(p));
  let n = 0;
  const connect = async (baseUrl: string) => (await broker.internals.connections.create({ providerId: 'ollama', name: `Ollama ${++n}`, config: { baseUrl }, secrets: {} }, person)).id;
  const h = broker.app;
  return { broker, transports, progress, connect, h };
}

describe('Ollama models', () => {
  let server: AiServer;
  const b = brokerWith();
  let id: string;
  beforeAll(async () => {
    server = await startAiServer('ollama');
    id = await b.connect(server.baseUrl);
  });
  afterAll(async () => {
    await server.stop();
    await b.transports.close();
  });

  it('lists the models with their size and details', async () => {
    const result = await b.h['ollama:listModels']({ id }, { requester: person });
    expect(result.models.map((m) => m.name)).toEqual(['llama3.2:latest', 'qwen2.5-coder:7b']);
    expect(result.models[0]).toMatchObject({ size: 2_019_393_189, parameterSize: '3.2B', quantization: 'Q4_K_M' });
    expect(server.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/tags' });
  });

  it('pulls a model, pushing each progress line in order, then lists it; audited', async () => {
    b.progress.length = 0;
    const result = await b.h['ollama:pull']({ id, model: 'mistral:7b' }, { requester: person });
    expect(result).toEqual({ outcome: 'done', message: 'success' });
    expect(JSON.parse(server.requests.at(-1)!.body)).toMatchObject({ model: 'mistral:7b', stream: true });
    const statuses = b.progress.map((p) => p.status);
    expect(statuses).toEqual(['Starting', 'pulling manifest', 'pulling 2af3b81862c6', 'pulling 2af3b81862c6', 'pulling 2af3b81862c6', 'verifying sha256 digest', 'writing manifest', 'success', 'success']);
    expect(b.progress.filter((p) => p.total).map((p) => p.completed)).toEqual([0, 1_009_688_688, 2_019_377_376]);
    expect(b.progress.every((p) => p.connectionId === id && p.model === 'mistral:7b')).toBe(true);
    const listed = await b.h['ollama:listModels']({ id }, { requester: person });
    expect(listed.models.map((m) => m.name)).toContain('mistral:7b');
    const audit = await b.broker.internals.audit.list({ types: ['model.pull'], limit: 10 });
    expect(audit.events.at(-1)).toMatchObject({ type: 'model.pull', outcome: 'ok', connectionId: id, requester: { id: 'window:main' } });
    expect(audit.events.at(-1)!.detail).toContain('mistral:7b');
  });

  it('deletes a model (audited), and a missing one is NOT_FOUND', async () => {
    await b.h['ollama:delete']({ id, model: 'mistral:7b' }, { requester: person });
    expect(server.models).not.toContain('mistral:7b');
    await expect(b.h['ollama:delete']({ id, model: 'mistral:7b' }, { requester: person })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining("model 'mistral:7b' not found") });
    const audit = await b.broker.internals.audit.list({ types: ['model.delete'], limit: 10 });
    expect(audit.events.map((e) => e.outcome)).toEqual(['error', 'ok']); // newest first
  });

  it('reports an error line from the server as a failed pull', async () => {
    const failing = await startAiServer('ollama', { pullLines: () => [{ status: 'pulling manifest' }, { error: 'pull model manifest: file does not exist' }] });
    try {
      const other = await b.connect(failing.baseUrl);
      const result = await b.h['ollama:pull']({ id: other, model: 'nope' }, { requester: person });
      expect(result).toEqual({ outcome: 'error', message: 'Ollama: pull model manifest: file does not exist' });
      expect(failing.models).not.toContain('nope');
    } finally {
      await failing.stop();
    }
  });

  it('a server that is down fails the list with a typed error', async () => {
    const down = await startAiServer('ollama');
    const other = await b.connect(down.baseUrl);
    await down.stop();
    await expect(b.h['ollama:listModels']({ id: other }, { requester: person })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('a pull that stalls', () => {
  let server: AiServer;
  beforeAll(async () => {
    server = await startAiServer('ollama', { stallPullAfter: 2 });
  });
  afterAll(() => server.stop());

  it('is cancelled by the person, and only one pull of a model runs at a time', async () => {
    const b = brokerWith();
    const id = await b.connect(server.baseUrl);
    const pulling = b.h['ollama:pull']({ id, model: 'llama3.2' }, { requester: person });
    // Cancel once the server's lines arrived (events, not time).
    await new Promise<void>((resolve) => b.broker.on('ollama:pullProgress', (p) => p.status.startsWith('pulling 2af') && resolve()));
    await expect(b.h['ollama:pull']({ id, model: 'llama3.2' }, { requester: person })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await b.h['ollama:cancelPull']({ id, model: 'llama3.2' }, { requester: person })).toEqual({ ok: true });
    expect(await pulling).toEqual({ outcome: 'cancelled', message: 'Cancelled' });
    await expect(b.h['ollama:cancelPull']({ id, model: 'llama3.2' }, { requester: person })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const audit = await b.broker.internals.audit.list({ types: ['model.pull'], limit: 10 });
    expect(audit.events.at(-1)).toMatchObject({ outcome: 'denied', detail: 'llama3.2: Cancelled' });
    await b.transports.close();
  });

  it('is found again by a page that reloaded mid-pull, with its latest progress, and its last event says how it ended', async () => {
    const b = brokerWith();
    const id = await b.connect(server.baseUrl);
    const other = await b.connect(server.baseUrl);
    expect(await b.h['ollama:pulls']({ id }, { requester: person })).toEqual([]);
    const pulling = b.h['ollama:pull']({ id, model: 'llama3.2' }, { requester: person });
    await new Promise<void>((resolve) => b.broker.on('ollama:pullProgress', (p) => p.status.startsWith('pulling 2af') && resolve()));
    const found = await b.h['ollama:pulls']({ id }, { requester: person });
    expect(found).toEqual([b.progress.at(-1)]);
    expect(found[0]).toMatchObject({ connectionId: id, model: 'llama3.2', status: expect.stringMatching(/^pulling 2af/) });
    expect(found[0]?.outcome).toBeUndefined();
    expect(await b.h['ollama:pulls']({ id: other }, { requester: person })).toEqual([]);
    await b.h['ollama:cancelPull']({ id, model: 'llama3.2' }, { requester: person });
    await pulling;
    expect(b.progress.at(-1)).toMatchObject({ model: 'llama3.2', outcome: 'cancelled', status: 'Cancelled' });
    expect(b.progress.slice(0, -1).every((p) => p.outcome === undefined)).toBe(true);
    expect(await b.h['ollama:pulls']({ id }, { requester: person })).toEqual([]);
    await expect(b.h['ollama:pulls']({ id: 'no-such-connection' }, { requester: person })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await b.transports.close();
  });

  it('runs at most maxPulls at once (BUSY past it), and a cancelled one frees its place', async () => {
    const b = brokerWith({ maxPulls: 2 });
    const id = await b.connect(server.baseUrl);
    const started = (model: string) => new Promise<void>((resolve) => b.broker.on('ollama:pullProgress', (p) => p.model === model && p.status === 'pulling manifest' && resolve()));
    const first = b.h['ollama:pull']({ id, model: 'one' }, { requester: person });
    const second = b.h['ollama:pull']({ id, model: 'two' }, { requester: person });
    await Promise.all([started('one'), started('two')]);
    await expect(b.h['ollama:pull']({ id, model: 'three' }, { requester: person })).rejects.toMatchObject({ code: 'BUSY' });
    await b.h['ollama:cancelPull']({ id, model: 'one' }, { requester: person });
    expect(await first).toMatchObject({ outcome: 'cancelled' });
    const third = b.h['ollama:pull']({ id, model: 'three' }, { requester: person });
    await started('three');
    await b.h['ollama:cancelPull']({ id, model: 'two' }, { requester: person });
    await b.h['ollama:cancelPull']({ id, model: 'three' }, { requester: person });
    expect([await second, await third].map((r) => r.outcome)).toEqual(['cancelled', 'cancelled']);
    await b.transports.close();
  });

  it('is stopped when no progress line comes for the idle bound', async () => {
    const b = brokerWith({ pullIdleMs: 300 });
    const id = await b.connect(server.baseUrl);
    const result = await b.h['ollama:pull']({ id, model: 'llama3.2' }, { requester: person });
    expect(result).toEqual({ outcome: 'error', message: 'No progress for 0 s; the pull was stopped' });
    expect(b.progress.at(-1)).toMatchObject({ status: 'No progress for 0 s; the pull was stopped' });
    await b.transports.close();
  });
});
