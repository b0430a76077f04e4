import { LatchkeyError } from '@latchkey/contracts';
import type { OllamaModel, OllamaModelInput, OllamaModelsResult, OllamaPullProgress, OllamaPullResult, Requester } from '@latchkey/contracts';
import { z } from 'zod';
import type { AuditService } from '../audit/audit-service.js';
import type { ConnectionsService } from '../connections/connections-service.js';
import type { BrokerEvents } from '../events.js';
import type { Masker } from '../masking/masker.js';
import type { StoredSecretsMasking } from '../masking/stored-secrets.js';
import { prepareHttp } from '../operations/prepare-http.js';
import type { ResolvedConnection, Transports } from '../ports.js';
import { TransportError } from '../ports.js';
import type { OllamaOptions } from './ollama-options.js';

export { DEFAULT_OLLAMA_OPTIONS, type OllamaOptions } from './ollama-options.js';

/** The provider whose connections are Ollama servers (extensions/ai). */
export const OLLAMA_PROVIDER_ID = 'ollama';

export interface OllamaDeps {
  connections: ConnectionsService;
  audit: AuditService;
  masking: StoredSecretsMasking;
  transports: Transports;
  events: BrokerEvents;
  options: OllamaOptions;
}

// What Ollama's API reference documents for /api/tags; anything else in it is ignored.
const TagsResponse = z.object({
  models: z.array(
    z.object({
      name: z.string(),
      size: z.number().optional(),
      modified_at: z.string().optional(),
      details: z.object({ parameter_size: z.string().optional(), quantization_level: z.string().optional() }).partial().optional(),
    }),
  ),
});
const PullLine = z.object({ status: z.string().optional(), error: z.string().optional(), completed: z.number().optional(), total: z.number().optional() });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Ollama's own words for a failure (`{"error": "..."}`), else the status line. */
function peerError(status: number, statusText: string, body: string): string {
  const parsed = z.object({ error: z.string() }).safeParse(parseJson(body));
  return `Ollama answered ${status}${statusText ? ` ${statusText}` : ''}${parsed.success ? `: ${parsed.data.error.slice(0, 300)}` : ''}`;
}

/** A number that the masker would change (it spells a secret) is dropped rather than turned into text. */
function maskedNumber(masker: Masker, n: number | undefined): number | undefined {
  return n === undefined || masker.mask(String(n)) !== String(n) || n < 0 ? undefined : n;
}

/**
 * Models on an Ollama connection, for the person (app channels only; extensions reach Ollama
 * through http.fetch and a grant). Every request goes through prepareHttp, so it is pinned to the
 * connection's base URL; the model name only travels in a JSON body. What comes back — names,
 * statuses, errors, progress events — is masked with every stored secret before anyone sees it.
 */
export class OllamaService {
  /** Running pulls by connection and model, each with the last progress event sent for it. */
  readonly #pulls = new Map<string, { control: AbortController; last: OllamaPullProgress }>();

  constructor(private readonly d: OllamaDeps) {}

  async #connection(id: string): Promise<ResolvedConnection> {
    const record = this.d.connections.require(id);
    if (record.providerId !== OLLAMA_PROVIDER_ID) throw new LatchkeyError('VALIDATION', `"${record.name}" is not an Ollama connection; models are managed only on Ollama connections`);
    return this.d.connections.resolve(record);
  }

  #timeout(c: ResolvedConnection): number {
    const t = c.config['timeoutMs'];
    return typeof t === 'number' && t >= 100 && t <= 120_000 ? t : this.d.options.requestTimeoutMs;
  }

  /** A transport or peer failure as a typed, masked error. */
  #fail(masker: Masker, error: unknown): LatchkeyError {
    const message = masker.mask(error instanceof Error ? error.message : String(error)).slice(0, 1000);
    if (error instanceof LatchkeyError) return new LatchkeyError(error.code, message, error.issues);
    if (error instanceof TransportError) return new LatchkeyError(error.code === 'timeout' ? 'TIMEOUT' : 'UNAVAILABLE', message);
    return new LatchkeyError('UNAVAILABLE', message);
  }

  async listModels(id: string): Promise<OllamaModelsResult> {
    const c = await this.#connection(id);
    const masker = this.d.masking.maskerFor(c.secrets);
    const started = performance.now();
    try {
      const res = await this.d.transports.http(prepareHttp(c, { method: 'GET', url: '/api/tags', timeoutMs: this.#timeout(c) }));
      if (res.status !== 200) throw new LatchkeyError('UNAVAILABLE', peerError(res.status, res.statusText, res.body));
      const parsed = TagsResponse.safeParse(parseJson(res.body));
      if (!parsed.success) throw new LatchkeyError('UNAVAILABLE', 'The server did not answer /api/tags as Ollama does');
      const models: OllamaModel[] = parsed.data.models.map((m) => {
        const model: OllamaModel = { name: masker.mask(m.name) };
        const size = maskedNumber(masker, m.size);
        if (size !== undefined) model.size = size;
        if (m.modified_at) model.modifiedAt = masker.mask(m.modified_at);
        if (m.details?.parameter_size) model.parameterSize = masker.mask(m.details.parameter_size);
        if (m.details?.quantization_level) model.quantization = masker.mask(m.details.quantization_level);
        return model;
      });
      return { models, latencyMs: performance.now() - started };
    } catch (error) {
      throw this.#fail(masker, error);
    }
  }

  async delete(input: OllamaModelInput, requester: Requester): Promise<{ ok: true }> {
    const c = await this.#connection(input.id);
    const masker = this.d.masking.maskerFor(c.secrets);
    try {
      const body = JSON.stringify({ model: input.model });
      const res = await this.d.transports.http(prepareHttp(c, { method: 'DELETE', url: '/api/delete', headers: { 'Content-Type': 'application/json' }, body, timeoutMs: this.#timeout(c) }));
      if (res.status !== 200) throw new LatchkeyError(res.status === 404 ? 'NOT_FOUND' : 'UNAVAILABLE', peerError(res.status, res.statusText, res.body));
    } catch (error) {
      const failure = this.#fail(masker, error);
      await this.d.audit.record({ type: 'model.delete', outcome: 'error', connectionId: c.id, requester, detail: `${input.model}: ${failure.message}` });
      throw failure;
    }
    await this.d.audit.record({ type: 'model.delete', connectionId: c.id, requester, detail: input.model });
    return { ok: true };
  }

  /**
   * Pulls a model, pushing `ollama:pullProgress` events as the server streams them. Resolves
   * when the pull ends: done, cancelled (cancelPull, or Latchkey quitting) or failed (an error
   * line, a bad status, no progress for pullIdleMs, or longer than pullMaxMs).
   */
  async pull(input: OllamaModelInput, requester: Requester): Promise<OllamaPullResult> {
    const c = await this.#connection(input.id);
    const lines = this.d.transports.httpLines?.bind(this.d.transports);
    if (!lines) throw new LatchkeyError('UNAVAILABLE', 'This build cannot stream responses; pulls are not available');
    const key = `${c.id}\n${input.model}`;
    if (this.#pulls.has(key)) throw new LatchkeyError('CONFLICT', `${input.model} is already being pulled on this connection`);
    if (this.#pulls.size >= this.d.options.maxPulls) throw new LatchkeyError('BUSY', `${this.#pulls.size} pulls are running; wait for one to finish or cancel one`);
    const masker = this.d.masking.maskerFor(c.secrets);
    const control = new AbortController();
    const running = { control, last: { connectionId: c.id, model: input.model, status: 'Starting' } as OllamaPullProgress };
    this.#pulls.set(key, running);
    const stop = (why: string) => control.abort(new Error(why));
    const overall = setTimeout(() => stop(`Stopped after ${Math.round(this.d.options.pullMaxMs / 60_000)} min`), this.d.options.pullMaxMs);
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => stop(`No progress for ${Math.round(this.d.options.pullIdleMs / 1000)} s; the pull was stopped`), this.d.options.pullIdleMs);
    };
    let last = 'Starting';
    let peerFailure: string | undefined;
    const progress = (status: string, completed?: number, total?: number, outcome?: OllamaPullResult['outcome']) => {
      const event: OllamaPullProgress = { connectionId: c.id, model: input.model, status: masker.mask(status).slice(0, 500) };
      const done = maskedNumber(masker, completed);
      const all = maskedNumber(masker, total);
      if (done !== undefined) event.completed = done;
      if (all !== undefined) event.total = all;
      if (outcome) event.outcome = outcome;
      last = event.status;
      running.last = event;
      this.d.events.emit('ollama:pullProgress', event);
    };
    let result: OllamaPullResult;
    try {
      touch();
      progress(last);
      const body = JSON.stringify({ model: input.model, stream: true });
      const prepared = prepareHttp(c, { method: 'POST', url: '/api/pull', headers: { 'Content-Type': 'application/json' }, body, timeoutMs: this.d.options.pullMaxMs });
      const { status, statusText } = await lines(
        { ...prepared, maxBodyBytes: 64 * 1024 },
        (line) => {
          touch();
          const parsed = PullLine.safeParse(parseJson(line));
          if (!parsed.success) return;
          if (parsed.data.error !== undefined) peerFailure = parsed.data.error.slice(0, 500);
          else if (parsed.data.status !== undefined) progress(parsed.data.status, parsed.data.completed, parsed.data.total);
        },
        control.signal,
      );
      if (peerFailure !== undefined) result = { outcome: 'error', message: masker.mask(`Ollama: ${peerFailure}`) };
      else if (status !== 200) result = { outcome: 'error', message: masker.mask(`Ollama answered ${status}${statusText ? ` ${statusText}` : ''}`) };
      else if (last !== 'success') result = { outcome: 'error', message: `The pull ended before it succeeded (last status: ${last})` };
      else result = { outcome: 'done', message: last };
    } catch (error) {
      const reason = control.signal.reason instanceof Error ? control.signal.reason.message : undefined;
      if (reason === CANCELLED) result = { outcome: 'cancelled', message: 'Cancelled' };
      else if (reason !== undefined) result = { outcome: 'error', message: masker.mask(reason) };
      else result = { outcome: 'error', message: this.#fail(masker, error).message };
    } finally {
      clearTimeout(overall);
      clearTimeout(idle);
      this.#pulls.delete(key);
    }
    progress(result.outcome === 'done' ? 'success' : result.message, undefined, undefined, result.outcome);
    await this.d.audit.record({
      type: 'model.pull',
      outcome: result.outcome === 'done' ? 'ok' : result.outcome === 'cancelled' ? 'denied' : 'error',
      connectionId: c.id,
      requester,
      detail: `${input.model}: ${result.message}`.slice(0, 1000),
    });
    return result;
  }

  cancelPull(input: OllamaModelInput): { ok: true } {
    const running = this.#pulls.get(`${input.id}\n${input.model}`);
    if (!running) throw new LatchkeyError('NOT_FOUND', `No pull of ${input.model} is running on this connection`);
    running.control.abort(new Error(CANCELLED));
    return { ok: true };
  }

  /** The pulls running on a connection, with what each last reported (already masked when it was sent). */
  pulls(id: string): OllamaPullProgress[] {
    this.d.connections.require(id);
    return [...this.#pulls.values()].filter((p) => p.last.connectionId === id).map((p) => ({ ...p.last }));
  }

  /** Stops every pull (Latchkey is quitting). */
  abortAll(): void {
    for (const running of this.#pulls.values()) running.control.abort(new Error(CANCELLED));
  }
}

const CANCELLED = 'Cancelled';
