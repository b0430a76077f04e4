/**
 * Runs in the page before the renderer: builds `window.latchkey` over the WebSocket bridge,
 * the same object Electron's preload exposes. Bundled by the host at start (bundle.ts).
 */
import { createLatchkeyApi, Result } from '@latchkey/contracts';
import { BRIDGE_SOCKET_PATH } from './protocol.js';

const lost: Result = {
  ok: false,
  error: { code: 'UNAVAILABLE', message: 'Lost the connection to Latchkey. Check that the host is still running, then reload the page.' },
};

const socket = new WebSocket(`ws://${location.host}${BRIDGE_SOCKET_PATH}`);
const pending = new Map<number, (result: Result) => void>();
const listeners = new Map<string, Set<(payload: unknown) => void>>();
let nextId = 1;
let closed = false;

const opened = new Promise<boolean>((resolve) => {
  socket.addEventListener('open', () => resolve(true), { once: true });
  socket.addEventListener('close', () => resolve(false), { once: true });
});

socket.addEventListener('close', () => {
  closed = true;
  for (const settle of pending.values()) settle(lost);
  pending.clear();
});

socket.addEventListener('message', (event: MessageEvent) => {
  if (typeof event.data !== 'string') return;
  let frame: { id?: unknown; result?: unknown; event?: unknown; payload?: unknown };
  try {
    frame = JSON.parse(event.data) as typeof frame;
  } catch {
    return;
  }
  if (typeof frame.id === 'number') {
    const settle = pending.get(frame.id);
    pending.delete(frame.id);
    // A frame that is not a Result settles as an error rather than reaching the caller half-formed.
    const parsed = Result.safeParse(frame.result);
    settle?.(parsed.success ? (parsed.data as Result) : { ok: false, error: { code: 'INTERNAL', message: 'Latchkey sent a reply this page could not read. Reload the page.' } });
  } else if (typeof frame.event === 'string') {
    for (const listener of listeners.get(frame.event) ?? []) listener(frame.payload);
  }
});

async function invoke(channel: string, input: unknown): Promise<Result> {
  if (closed || !(await opened)) return lost;
  const id = nextId++;
  return new Promise<Result>((resolve) => {
    pending.set(id, resolve);
    socket.send(JSON.stringify({ id, channel, input }));
  });
}

function subscribe(event: string, listener: (payload: unknown) => void): () => void {
  let set = listeners.get(event);
  if (!set) listeners.set(event, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

// The host's dispatcher checked every output against its contract before it was sent (checkOutputs).
Object.defineProperty(window, 'latchkey', { value: createLatchkeyApi(invoke, subscribe, { checkOutputs: false }), enumerable: true, writable: false, configurable: false });
