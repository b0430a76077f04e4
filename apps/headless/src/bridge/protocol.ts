import { tryParseBoundedJson, type ErrorPayload } from '@latchkey/contracts';

/**
 * The WebSocket bridge's frames. Page → host: `{ id, channel, input }`. Host → page:
 * `{ id, result }` for a call, `{ event, payload }` for a pushed event, and `{ error }` just
 * before the host closes a socket whose frame it could not read.
 */
export interface CallFrame {
  id: number;
  channel: string;
  input: unknown;
}

export const BRIDGE_SCRIPT_PATH = '/__latchkey/bridge.js';
export const BRIDGE_SOCKET_PATH = '/__latchkey/socket';
export const MAX_FRAME_BYTES = 1024 * 1024;
/** Nesting allowed in a whole frame: the envelope takes one level, the input the rest. */
export const MAX_FRAME_DEPTH = 64;

export type ParsedCallFrame = { ok: true; frame: CallFrame } | { ok: false; error: ErrorPayload };

const notAFrame: ErrorPayload = { code: 'VALIDATION', message: 'Frames are JSON {id, channel, input}' };

/**
 * Parses a page frame within the size and depth limits (bounded-json.ts) before anything
 * recursive sees it; an error when it is not one (the host then closes the socket).
 */
export function parseCallFrame(text: string): ParsedCallFrame {
  const parsed = tryParseBoundedJson(text, { maxLength: MAX_FRAME_BYTES, maxDepth: MAX_FRAME_DEPTH });
  if (!parsed.ok) return { ok: false, error: parsed.error.toPayload() };
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: notAFrame };
  const frame = value as Record<string, unknown>;
  const keys = Object.keys(frame);
  if (keys.some((k) => k !== 'id' && k !== 'channel' && k !== 'input')) return { ok: false, error: notAFrame };
  if (typeof frame.id !== 'number' || !Number.isSafeInteger(frame.id) || frame.id < 0) return { ok: false, error: notAFrame };
  if (typeof frame.channel !== 'string' || frame.channel.length > 200) return { ok: false, error: notAFrame };
  return { ok: true, frame: { id: frame.id, channel: frame.channel, input: frame.input } };
}
