import { createConnection, type Socket } from 'node:net';
import { LatchkeyError, REQUESTER_MAX_FRAME, ServerFrame, createClient, requesterChannels, tryParseBoundedJson } from '@latchkey/contracts';
import type { ClientApi, Requester, RequesterChannels, Result, SocketRequesterKind } from '@latchkey/contracts';
import { FRAME_TOO_LARGE, createLineReader } from '@latchkey/extension-host/line-framing';
import { assertPrivateFolder, inspectSocketPath, readToken, socketPathIn } from './private-files.js';

export interface RequesterConnection {
  /** The identity the broker issued this connection. */
  readonly requester: Requester;
  readonly api: ClientApi<RequesterChannels>;
  /** Settles when the connection ends (the app quit, or close()). */
  readonly closed: Promise<void>;
  close(): void;
}

export interface ConnectOptions {
  dataDir: string;
  kind: SocketRequesterKind;
  /** Shown to the person as what this client calls itself. */
  name: string;
  helloTimeoutMs?: number;
}

/**
 * Connects to the running app's requester socket. Before the token is sent, the folder and the
 * socket are checked to be this user's: a socket another user planted would otherwise receive it.
 * Rejects UNAVAILABLE when no app is listening (the CLI then falls back to opening the store).
 */
export async function connectRequester(options: ConnectOptions): Promise<RequesterConnection> {
  try {
    assertPrivateFolder(options.dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new LatchkeyError('UNAVAILABLE', `Latchkey is not running (no data folder ${options.dataDir})`);
    throw error;
  }
  const path = socketPathIn(options.dataDir);
  if (inspectSocketPath(path) === 'absent') throw new LatchkeyError('UNAVAILABLE', 'Latchkey is not running (no socket in the data folder)');
  const token = readToken(options.dataDir);

  const socket: Socket = createConnection(path);
  socket.setEncoding('utf8');
  let nextId = 1;
  const pending = new Map<number, (r: Result) => void>();
  let welcome: ((r: Requester) => void) | null = null;
  let fail: ((e: Error) => void) | null = null;
  let ended: LatchkeyError | null = null;

  const endAll = (error: LatchkeyError): void => {
    if (ended) return;
    ended = error;
    fail?.(error);
    for (const resolve of pending.values()) resolve({ ok: false, error: error.toPayload() });
    pending.clear();
  };

  const reader = createLineReader(REQUESTER_MAX_FRAME, (line) => {
    if (line === FRAME_TOO_LARGE) return (endAll(new LatchkeyError('VALIDATION', 'The app sent an oversize frame')), socket.destroy());
    const json = tryParseBoundedJson(line, { maxLength: REQUESTER_MAX_FRAME });
    const frame = json.ok ? ServerFrame.safeParse(json.value) : null;
    if (!frame?.success) return (endAll(new LatchkeyError('VALIDATION', 'The app sent a frame outside the protocol')), socket.destroy());
    const f = frame.data;
    if (f.type === 'welcome') return welcome?.(f.requester);
    if (f.type === 'fault') return (endAll(new LatchkeyError(f.error.code, f.error.message)), socket.destroy());
    const resolve = pending.get(f.id);
    pending.delete(f.id);
    resolve?.(f.result as Result);
  });
  socket.on('data', (chunk: string) => reader.push(chunk));
  const closed = new Promise<void>((resolve) => socket.once('close', () => (endAll(new LatchkeyError('UNAVAILABLE', 'The connection to Latchkey closed')), resolve())));
  socket.on('error', (error: NodeJS.ErrnoException) => {
    endAll(new LatchkeyError('UNAVAILABLE', error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'Latchkey is not running' : `The connection to Latchkey failed (${error.code ?? 'error'})`));
  });

  const requester = await new Promise<Requester>((resolve, reject) => {
    welcome = resolve;
    fail = reject;
    // A hang guard: a peer that never answers the hello is not Latchkey.
    const timer = setTimeout(() => (endAll(new LatchkeyError('TIMEOUT', 'Latchkey did not answer')), socket.destroy()), options.helloTimeoutMs ?? 10_000);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    welcome = (r) => (clearTimeout(timer), resolve(r));
    socket.write(`${JSON.stringify({ type: 'hello', token, kind: options.kind, name: options.name.slice(0, 100) || 'unnamed' })}\n`);
  });
  fail = null;

  const api = createClient(requesterChannels, (channel, input) => {
    if (ended) return Promise.resolve({ ok: false, error: ended.toPayload() });
    const id = nextId++;
    return new Promise<Result>((resolve) => {
      pending.set(id, resolve);
      socket.write(`${JSON.stringify({ type: 'call', id, channel, input })}\n`);
    });
  });
  return { requester, api, closed, close: () => void socket.end() };
}
