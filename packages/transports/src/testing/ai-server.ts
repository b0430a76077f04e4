import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * Loopback stand-ins for the model-list endpoints of OpenAI, Anthropic and Ollama, answering with
 * the response shapes their API references document (none of them has an offline server).
 * baseUrl is what a connection's "Base URL" field would hold.
 */
export type AiProvider = 'openai' | 'anthropic' | 'ollama';

export interface AiServer {
  baseUrl: string;
  /** Each request's method, path and headers, for asserting what the client sent. */
  requests: { method: string; path: string; headers: IncomingMessage['headers']; body: string }[];
  /** Ollama: the models it holds now (a pull adds one, a delete removes one). */
  models: string[];
  stop(): Promise<void>;
}

export interface AiServerOptions {
  /** The key the server accepts (OpenAI, Anthropic). */
  apiKey?: string;
  /** OpenAI: when set, an OpenAI-Organization header must match it if sent. */
  organization?: string;
  models?: string[];
  /** Ollama: the JSON lines /api/pull streams for a model; default: the documented sequence. */
  pullLines?: (model: string) => object[];
  /** Ollama: after this many pull lines the stream stays open and silent (a stalled download). */
  stallPullAfter?: number;
}

/** The lines Ollama's API reference shows for a streamed pull, with two progress steps per layer. */
export function documentedPullLines(model: string): object[] {
  const digest = 'sha256:' + '2af3b81862c6be03c769683af18efdadb2c33f60ff32ab6f83e42c043d6c7816';
  void model;
  return [
    { status: 'pulling manifest' },
    { status: `pulling ${digest.slice(7, 19)}`, digest, total: 2_019_377_376, completed: 0 },
    { status: `pulling ${digest.slice(7, 19)}`, digest, total: 2_019_377_376, completed: 1_009_688_688 },
    { status: `pulling ${digest.slice(7, 19)}`, digest, total: 2_019_377_376, completed: 2_019_377_376 },
    { status: 'verifying sha256 digest' },
    { status: 'writing manifest' },
    { status: 'success' },
  ];
}

const DEFAULT_MODELS: Record<AiProvider, string[]> = {
  openai: ['gpt-4o', 'gpt-4o-mini', 'text-embedding-3-small'],
  anthropic: ['claude-sonnet-4-20250514', 'claude-3-5-haiku-20241022'],
  ollama: ['llama3.2:latest', 'qwen2.5-coder:7b'],
};

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** OpenAI masks all but the ends of a wrong key in its error; so does this server. */
function maskKey(key: string): string {
  return key.length <= 8 ? '***' : `${key.slice(0, 3)}***${key.slice(-4)}`;
}

function openai(req: IncomingMessage, res: ServerResponse, o: AiServerOptions, models: string[]): void {
  if (req.method !== 'GET' || req.url !== '/v1/models') return send(res, 404, { error: { message: `Invalid URL (${req.method} ${req.url})`, type: 'invalid_request_error', param: null, code: null } });
  const auth = req.headers.authorization ?? '';
  if (!auth.startsWith('Bearer ')) {
    return send(res, 401, { error: { message: "You didn't provide an API key.", type: 'invalid_request_error', param: null, code: null } });
  }
  const key = auth.slice('Bearer '.length);
  if (key !== o.apiKey) {
    return send(res, 401, { error: { message: `Incorrect API key provided: ${maskKey(key)}.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
  }
  const org = req.headers['openai-organization'];
  if (o.organization !== undefined && org !== undefined && org !== o.organization) {
    return send(res, 401, { error: { message: `No such organization: ${String(org)}.`, type: 'invalid_request_error', param: null, code: 'invalid_organization' } });
  }
  send(res, 200, { object: 'list', data: models.map((id, i) => ({ id, object: 'model', created: 1_700_000_000 + i, owned_by: 'system' })) }, { 'openai-organization': o.organization ?? 'user-latchkey' });
}

function anthropic(req: IncomingMessage, res: ServerResponse, o: AiServerOptions, models: string[]): void {
  const error = (status: number, type: string, message: string) => send(res, status, { type: 'error', error: { type, message } });
  if (req.method !== 'GET' || req.url?.split('?')[0] !== '/v1/models') return error(404, 'not_found_error', 'Not found');
  const key = req.headers['x-api-key'];
  if (typeof key !== 'string' || key === '') return error(401, 'authentication_error', 'x-api-key header is required');
  if (key !== o.apiKey) return error(401, 'authentication_error', 'invalid x-api-key');
  if (typeof req.headers['anthropic-version'] !== 'string') return error(400, 'invalid_request_error', 'anthropic-version: header is required');
  const data = models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-05-22T00:00:00Z' }));
  send(res, 200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
}

function modelOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { model?: unknown; name?: unknown };
    const name = parsed.model ?? parsed.name;
    return typeof name === 'string' && name ? name : undefined;
  } catch {
    return undefined;
  }
}

function ollama(req: IncomingMessage, res: ServerResponse, models: string[], o: AiServerOptions, body: string): void {
  if (req.method === 'GET' && req.url === '/') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Ollama is running');
    return;
  }
  if (req.method === 'POST' && req.url === '/api/pull') {
    const model = modelOf(body);
    if (!model) return send(res, 400, { error: 'model is required' });
    const lines = (o.pullLines ?? documentedPullLines)(model);
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    const shown = o.stallPullAfter === undefined ? lines : lines.slice(0, o.stallPullAfter);
    for (const line of shown) res.write(`${JSON.stringify(line)}\n`);
    if (o.stallPullAfter !== undefined) return; // stays open and silent until the client gives up
    if (lines.some((l) => (l as { status?: unknown }).status === 'success') && !models.includes(model)) models.push(model);
    res.end();
    return;
  }
  if (req.method === 'DELETE' && req.url === '/api/delete') {
    const model = modelOf(body);
    const at = model === undefined ? -1 : models.indexOf(model);
    if (at < 0) return send(res, 404, { error: `model '${model ?? ''}' not found` });
    models.splice(at, 1);
    res.writeHead(200).end();
    return;
  }
  if (req.method !== 'GET' || req.url !== '/api/tags') return send(res, 404, { error: 'not found' });
  send(res, 200, {
    models: models.map((name, i) => ({
      name,
      model: name,
      modified_at: '2025-01-01T00:00:00.000000000Z',
      size: 2_019_393_189 + i,
      digest: `${String(i).padStart(2, '0')}`.repeat(32),
      details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
    })),
  });
}

export async function startAiServer(provider: AiProvider, options: AiServerOptions = {}): Promise<AiServer> {
  const models = [...(options.models ?? DEFAULT_MODELS[provider])];
  const requests: AiServer['requests'] = [];
  const server = createServer((req, res) => {
    const entry = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: '' };
    requests.push(entry);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      entry.body = Buffer.concat(chunks).toString('utf8');
      if (provider === 'openai') openai(req, res, options, models);
      else if (provider === 'anthropic') anthropic(req, res, options, models);
      else ollama(req, res, models, options, entry.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const origin = `http://127.0.0.1:${port}`;
  return {
    baseUrl: provider === 'ollama' ? origin : `${origin}/v1`,
    requests,
    models,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
