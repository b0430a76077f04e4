import { z } from 'zod';
import { Id } from './common.js';

/**
 * An Ollama model name as `ollama pull` takes it: `name`, `name:tag`, `namespace/name:tag` or
 * `host/namespace/name:tag`. Letters, digits, `.`, `_`, `-` in each part; no scheme, no `..`, no
 * leading `/`. The name only ever travels in a JSON body to the connection's own origin, but one
 * that looks like a URL or a path is refused up front rather than trusted to the peer.
 */
export const OllamaModelName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)*(?::[A-Za-z0-9][A-Za-z0-9._-]*)?$/, 'Not an Ollama model name (e.g. llama3.2 or qwen2.5-coder:7b)')
  .refine((s) => !s.includes('..'), 'A model name may not contain ".."');

/** One model an Ollama server holds (`GET /api/tags`), as the broker passes it on (masked). */
export const OllamaModel = z.strictObject({
  name: z.string(),
  size: z.number().nonnegative().optional(),
  modifiedAt: z.string().optional(),
  parameterSize: z.string().optional(),
  quantization: z.string().optional(),
});
export type OllamaModel = z.infer<typeof OllamaModel>;

export const OllamaModelsResult = z.strictObject({ models: z.array(OllamaModel), latencyMs: z.number() });
export type OllamaModelsResult = z.infer<typeof OllamaModelsResult>;

export const OllamaModelInput = z.strictObject({ id: Id, model: OllamaModelName });
export type OllamaModelInput = z.infer<typeof OllamaModelInput>;

export const OllamaPullResult = z.strictObject({
  outcome: z.enum(['done', 'cancelled', 'error']),
  /** The last status the server sent, or why the pull stopped (masked). */
  message: z.string(),
});
export type OllamaPullResult = z.infer<typeof OllamaPullResult>;

/** A pull's progress, pushed to the page as the server streams it (`POST /api/pull`). */
export const OllamaPullProgress = z.strictObject({
  connectionId: Id,
  model: z.string(),
  status: z.string().max(500),
  completed: z.number().nonnegative().optional(),
  total: z.number().nonnegative().optional(),
  /** Only on a pull's last event: how it ended. A page that did not start the pull (reloaded) learns the end from it. */
  outcome: OllamaPullResult.shape.outcome.optional(),
});
export type OllamaPullProgress = z.infer<typeof OllamaPullProgress>;

/** The pulls running on a connection, each with its latest progress: a reloaded page picks them up. */
export const OllamaPullsResult = z.array(OllamaPullProgress);
