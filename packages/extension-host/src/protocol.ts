import { ErrorPayload, Json, tryParseBoundedJson } from '@latchkey/contracts';
import { z } from 'zod';
import { FRAME_TOO_LARGE } from './line-framing.js';

/**
 * The frames that cross an extension's process channel, each side parsing what it receives.
 * A frame never names its sender: the host knows which child it came from.
 */
const CallId = z.number().int().min(0).max(2 ** 31);
const ResultFrame = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), value: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: ErrorPayload }),
]);

/** Child → host. */
export const ChildFrame = z.discriminatedUnion('t', [
  /** An RPC call on `extensionChannels`; `input` is parsed by the channel's contract in the host. */
  z.strictObject({ t: z.literal('call'), id: CallId, channel: z.string().max(200), input: z.unknown() }),
  /** `activate` finished. */
  z.strictObject({ t: z.literal('ready') }),
  z.strictObject({ t: z.literal('activate-failed'), message: z.string().max(2000) }),
  /** Node's permission model refused something (best-effort report; see denial-reporter.ts). */
  z.strictObject({ t: z.literal('denied'), permission: z.string().max(50), resource: z.string().max(300) }),
  z.strictObject({
    t: z.literal('command-result'),
    id: CallId,
    result: z.discriminatedUnion('ok', [
      z.strictObject({ ok: z.literal(true), value: Json }),
      z.strictObject({ ok: z.literal(false), error: ErrorPayload }),
    ]),
  }),
]);
export type ChildFrame = z.infer<typeof ChildFrame>;

/** Host → child. */
export const HostFrame = z.discriminatedUnion('t', [
  /** `main` is a file: URL inside the extension's folder, checked by the host. */
  z.strictObject({ t: z.literal('activate'), main: z.string() }),
  z.strictObject({ t: z.literal('result'), id: CallId, result: ResultFrame }),
  z.strictObject({ t: z.literal('command'), id: CallId, name: z.string().max(100), args: Json }),
]);
export type HostFrame = z.infer<typeof HostFrame>;

/**
 * Frames cross as JSON text, never as objects a runtime deserialized for us: the receiving
 * side parses them itself within these limits (bounded-json.ts) before any schema recurses.
 */
/**
 * Above the largest legitimate frame: an `http:fetch` body may be 10,000,000 characters and
 * JSON escapes a control character as six (`\u0001`), so 60 M characters plus the envelope;
 * results carry at most 5 MiB bodies or rows. Past this a line is dropped while it arrives.
 */
export const MAX_FRAME_CHARS = 64 * 1024 * 1024;
export const MAX_FRAME_DEPTH = 64;

export const encodeFrame = (frame: ChildFrame | HostFrame | { t: 'hello'; permission: boolean }): string => JSON.stringify(frame);

/** Text (or the reader's oversize marker) to a value, or why it is not one. */
export function decodeFrame(raw: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (raw === FRAME_TOO_LARGE) return { ok: false, reason: `The message is too large (over ${MAX_FRAME_CHARS} characters)` };
  const parsed = tryParseBoundedJson(raw, { maxLength: MAX_FRAME_CHARS, maxDepth: MAX_FRAME_DEPTH });
  return parsed.ok ? parsed : { ok: false, reason: parsed.error.message };
}
