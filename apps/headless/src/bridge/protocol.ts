/**
 * The WebSocket bridge's frames. Page → host: `{ id, channel, input }`. Host → page:
 * `{ id, result }` for a call, `{ event, payload }` for a pushed event.
 */
export interface CallFrame {
  id: number;
  channel: string;
  input: unknown;
}

export const BRIDGE_SCRIPT_PATH = '/__latchkey/bridge.js';
export const BRIDGE_SOCKET_PATH = '/__latchkey/socket';
export const MAX_FRAME_BYTES = 1024 * 1024;

/** Parses a page frame; null when it is not one (the host then closes the socket). */
export function parseCallFrame(text: string): CallFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const frame = value as Record<string, unknown>;
  const keys = Object.keys(frame);
  if (keys.some((k) => k !== 'id' && k !== 'channel' && k !== 'input')) return null;
  if (typeof frame.id !== 'number' || !Number.isSafeInteger(frame.id) || frame.id < 0) return null;
  if (typeof frame.channel !== 'string' || frame.channel.length > 200) return null;
  return { id: frame.id, channel: frame.channel, input: frame.input };
}
