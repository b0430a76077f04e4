import { z } from 'zod';

export const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'Use letters, digits, _ and - only');
export const IsoDate = z.iso.datetime();

/** A JSON value: what config fields and operation payloads may carry. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export const Json: z.ZodType<Json> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(Json), z.record(z.string(), Json)]),
);

/** How deep a config value may nest in a response; past it the response fails its check. */
export const MAX_JSON_VALUE_DEPTH = 64;

/**
 * Whether `value` is plain JSON (finite numbers, plain objects and arrays, nothing else), at most
 * `maxDepth` levels deep. One loop over an explicit stack: no recursion to overflow, no copy, no
 * zod walk per nested value. Measured: the recursive `Json` schema over every record's config was
 * most of a 1,000-connection list (issue 10); this check is a small fraction of it.
 */
export function isJsonValue(value: unknown, maxDepth = MAX_JSON_VALUE_DEPTH): value is Json {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return false;
      continue;
    }
    if (typeof v !== 'object' || depth >= maxDepth) return false;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], depth: depth + 1 });
      continue;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return false;
    for (const key in v) if (Object.hasOwn(v, key)) stack.push({ v: (v as Record<string, unknown>)[key], depth: depth + 1 });
  }
  return true;
}

/**
 * A JSON value checked by `isJsonValue`: for outputs (responses the broker builds from records it
 * already validated), where the recursive `Json` schema cost more than the rest of the response.
 * The value passes through uncopied; inputs keep `Json`, whose issues name the bad path.
 */
export const JsonValue = z.custom<Json>((v) => isJsonValue(v), { message: 'Expected a JSON value' });
/** An object of JSON values (config, details) checked in one pass. */
export const JsonObject = z.custom<Record<string, Json>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v) && isJsonValue(v), {
  message: 'Expected an object of JSON values',
});

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
