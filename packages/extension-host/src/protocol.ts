import { ErrorPayload, Json } from '@latchkey/contracts';
import { z } from 'zod';

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
