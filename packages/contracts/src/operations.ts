import { z } from 'zod';
import { Json } from './common.js';
import { HttpMethod } from './providers.js';
import { SecretRef } from './secrets.js';

export const HttpFetchRequest = z.strictObject({
  method: HttpMethod.default('GET'),
  /** A path under the connection's base URL, or an absolute URL on the same origin. */
  url: z.string().min(1).max(8192),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().max(10_000_000).optional(),
  timeoutMs: z.number().int().min(1).max(120_000).optional(),
});
export type HttpFetchRequest = z.input<typeof HttpFetchRequest>;

export const HttpFetchResponse = z.strictObject({
  status: z.number().int(),
  statusText: z.string(),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  truncated: z.boolean(),
  latencyMs: z.number(),
});
export type HttpFetchResponse = z.infer<typeof HttpFetchResponse>;

export const SqlQueryRequest = z.strictObject({
  sql: z.string().min(1).max(100_000),
  params: z.array(Json).max(1000).default([]),
  maxRows: z.number().int().min(1).max(10_000).default(1000),
});
export type SqlQueryRequest = z.input<typeof SqlQueryRequest>;

export const SqlQueryResult = z.strictObject({
  columns: z.array(z.string()),
  rows: z.array(z.array(Json)),
  rowCount: z.number().int(),
  truncated: z.boolean(),
  latencyMs: z.number(),
});
export type SqlQueryResult = z.infer<typeof SqlQueryResult>;

const Address = z.email();
export const SmtpMessage = z.strictObject({
  to: z.array(Address).min(1).max(100),
  cc: z.array(Address).max(100).optional(),
  subject: z.string().max(998),
  text: z.string().max(5_000_000).optional(),
  html: z.string().max(5_000_000).optional(),
});
export type SmtpMessage = z.infer<typeof SmtpMessage>;
export const SmtpSendResult = z.strictObject({
  messageId: z.string(),
  accepted: z.array(z.string()),
  rejected: z.array(z.string()),
  latencyMs: z.number(),
});
export type SmtpSendResult = z.infer<typeof SmtpSendResult>;

export const WebhookSendRequest = z.strictObject({ payload: Json, headers: z.record(z.string(), z.string()).default({}) });
export type WebhookSendRequest = z.input<typeof WebhookSendRequest>;
export const WebhookSendResult = z.strictObject({ status: z.number().int(), latencyMs: z.number(), body: z.string(), truncated: z.boolean() });
export type WebhookSendResult = z.infer<typeof WebhookSendResult>;

export const McpCallRequest = z.strictObject({ name: z.string().min(1).max(200), args: z.record(z.string(), Json).default({}) });
export type McpCallRequest = z.input<typeof McpCallRequest>;
export const McpCallResult = z.strictObject({ content: Json, isError: z.boolean() });
export type McpCallResult = z.infer<typeof McpCallResult>;

/**
 * One Redis command, its words as given (no shell, no string splitting). The driver runs only
 * an allow-list of read commands; anything else is refused before it reaches the server.
 */
export const RedisCommandRequest = z.strictObject({
  command: z.string().min(1).max(64).regex(/^[A-Za-z][A-Za-z0-9_.|-]*$/, 'A Redis command is one word, like GET'),
  args: z.array(z.string().max(64 * 1024)).max(1000).default([]),
});
export type RedisCommandRequest = z.infer<typeof RedisCommandRequest>;
export const RedisCommandResult = z.strictObject({ reply: Json, latencyMs: z.number() });
export type RedisCommandResult = z.infer<typeof RedisCommandResult>;

/** Every operation names the ref it uses; the broker resolves the ref to its connection. */
export const withRef = <T extends z.ZodRawShape>(shape: T) => z.strictObject({ ref: SecretRef, ...shape });

export const RevealResult = z.strictObject({ values: z.record(z.string(), z.string()) });
