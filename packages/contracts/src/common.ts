import { z } from 'zod';

export const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'Use letters, digits, _ and - only');
export const IsoDate = z.iso.datetime();

/** A JSON value: what config fields and operation payloads may carry. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export const Json: z.ZodType<Json> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(Json), z.record(z.string(), Json)]),
);

/**
 * Who acts: a window of the app, an extension, an agent (in-app or over the requester socket),
 * or a program (the `latchkey` CLI and what it runs).
 */
export const RequesterKind = z.enum(['app', 'extension', 'agent', 'program']);
export type RequesterKind = z.infer<typeof RequesterKind>;
export const Requester = z.strictObject({
  kind: RequesterKind,
  id: z.string().min(1).max(200),
  displayName: z.string().min(1).max(200),
});
export type Requester = z.infer<typeof Requester>;
