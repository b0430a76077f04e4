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
  requests: { method: string; path: string; headers: IncomingMessage['headers'] }[];
  stop(): Promise<void>;
}

export interface AiServerOptions {
  /** The key the server accepts (OpenAI, Anthropic). */
  apiKey?: string;
  /** OpenAI: when set, an OpenAI-Organization header must match it if sent. */
  organization?: string;
  models?: string[];
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

function ollama(req: IncomingMessage, res: ServerResponse, models: string[]): void {
  if (req.method === 'GET' && req.url === '/') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Ollama is running');
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
  const models = options.models ?? DEFAULT_MODELS[provider];
  const requests: AiServer['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      if (provider === 'openai') openai(req, res, options, models);
      else if (provider === 'anthropic') anthropic(req, res, options, models);
      else ollama(req, res, models);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const origin = `http://127.0.0.1:${port}`;
  return {
    baseUrl: provider === 'ollama' ? origin : `${origin}/v1`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
