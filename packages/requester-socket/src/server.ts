import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { nanoid } from 'nanoid';
import { ClientFrame, LatchkeyError, REQUESTER_MAX_FRAME, createDispatcher, requesterChannels, tryParseBoundedJson } from '@latchkey/contracts';
import type { ErrorPayload, Requester, ServerFrame } from '@latchkey/contracts';
import type { Broker } from '@latchkey/broker';
import { FRAME_TOO_LARGE, createLineReader } from '@latchkey/extension-host/line-framing';
import { assertSocketPathFits, ensurePrivateFolder, ensureToken, inspectSocketPath, socketPathIn } from './private-files.js';

export interface RequesterSocketLimits {
  /** Connections open at once; past it the kernel-level accept is refused by Node. */
  maxConnections: number;
  /** How long a connection may stay without a valid hello; a hang guard, not a speed test. */
  helloTimeoutMs: number;
  /** Calls one connection may have running; more are answered BUSY, not queued. */
  maxInFlight: number;
  /** Longest line accepted (UTF-16 code units). */
  maxFrame: number;
  /** Bytes waiting to be written to a client that does not read; past it the client is dropped. */
  maxUnsent: number;
}

export const DEFAULT_SOCKET_LIMITS: RequesterSocketLimits = {
  maxConnections: 64,
  helloTimeoutMs: 10_000,
  maxInFlight: 16,
  maxFrame: REQUESTER_MAX_FRAME,
  maxUnsent: 16 * 1024 * 1024,
};

export interface RequesterSocketOptions {
  dataDir: string;
  broker: Pick<Broker, 'requester' | 'endRequesterSession'>;
  limits?: Partial<RequesterSocketLimits>;
  /** Failures that are not LatchkeyErrors, for the host's log (no input echoed). */
  onInternalError?: (channel: string, error: unknown) => void;
}

export interface RequesterSocketServer {
  readonly path: string;
  /** Sessions open now (tests, the status line). */
  sessions(): Requester[];
  close(): Promise<void>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Whether something answers on the socket path: then another Latchkey serves this folder. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/**
 * Serves the broker's requester channels on a Unix socket in the data folder. Each connection
 * authenticates with the per-user token in its first frame and is then ISSUED one requester
 * (kind `program` or `agent`, a fresh id); the name it states is kept as a label only. A
 * connection never changes identity, and its grants' refs die with it.
 */
export async function startRequesterSocket(options: RequesterSocketOptions): Promise<RequesterSocketServer> {
  const limits = { ...DEFAULT_SOCKET_LIMITS, ...options.limits };
  const path = socketPathIn(options.dataDir);
  assertSocketPathFits(path);
  ensurePrivateFolder(options.dataDir);
  const tokenDigest = digest(ensureToken(options.dataDir));
  if (inspectSocketPath(path) === 'ours') {
    if (await answers(path)) throw new LatchkeyError('CONFLICT', `Another Latchkey already serves ${path}`);
    unlinkSync(path); // stale: left by a process that died
  }
  const dispatch = createDispatcher(requesterChannels, options.broker.requester, options.onInternalError ? { onInternalError: options.onInternalError } : {});
  const live = new Map<Socket, Requester | null>();

  const server: Server = createServer({ allowHalfOpen: false }, (socket) => serve(socket));
  server.maxConnections = limits.maxConnections;
  server.on('error', (error) => options.onInternalError?.('requester-socket', error));

  function serve(socket: Socket): void {
    live.set(socket, null);
    let requester: Requester | null = null;
    let inFlight = 0;
    let closed = false;
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    const helloTimer = setTimeout(() => fault({ code: 'TIMEOUT', message: 'No hello in time' }), limits.helloTimeoutMs);
    helloTimer.unref();

    const send = (frame: ServerFrame): void => {
      if (closed || socket.destroyed) return;
      socket.write(`${JSON.stringify(frame)}\n`);
      // A client that asks and never reads would make us hold its answers forever.
      if (socket.writableLength > limits.maxUnsent) socket.destroy();
    };
    function fault(error: ErrorPayload): void {
      send({ type: 'fault', error });
      closed = true;
      socket.end();
      // Half-closed peers that never finish are cut shortly after.
      setTimeout(() => socket.destroy(), 1000).unref();
    }

    const reader = createLineReader(limits.maxFrame, (line) => {
      if (closed) return;
      if (line === FRAME_TOO_LARGE) return fault({ code: 'VALIDATION', message: `A frame is longer than ${limits.maxFrame} characters` });
      const json = tryParseBoundedJson(line, { maxLength: limits.maxFrame });
      if (!json.ok) return fault(json.error.toPayload());
      const parsed = ClientFrame.safeParse(json.value);
      if (!parsed.success) return fault({ code: 'VALIDATION', message: 'A frame does not follow the requester socket protocol' });
      const frame = parsed.data;
      if (frame.type === 'hello') {
        if (requester) return fault({ code: 'VALIDATION', message: 'Hello was already said: a connection keeps the identity it was issued' });
        if (!timingSafeEqual(digest(frame.token), tokenDigest)) return fault({ code: 'DENIED', message: 'Wrong token' });
        clearTimeout(helloTimer);
        requester = Object.freeze({ kind: frame.kind, id: `socket-${nanoid(24)}`, displayName: frame.name });
        live.set(socket, requester);
        return send({ type: 'welcome', requester });
      }
      if (!requester) return fault({ code: 'DENIED', message: 'Say hello with the token first' });
      if (inFlight >= limits.maxInFlight) {
        return send({ type: 'result', id: frame.id, result: { ok: false, error: { code: 'BUSY', message: `At most ${limits.maxInFlight} calls at once per connection` } } });
      }
      inFlight++;
      const ctx = { requester };
      void dispatch(frame.channel, frame.input, ctx)
        .catch((): { ok: false; error: ErrorPayload } => ({ ok: false, error: { code: 'INTERNAL', message: 'Something went wrong' } }))
        .then((result) => {
          inFlight--;
          send({ type: 'result', id: frame.id, result });
        });
    });

    socket.on('data', (chunk: string) => reader.push(chunk));
    socket.on('close', () => {
      closed = true;
      clearTimeout(helloTimer);
      live.delete(socket);
      if (requester) options.broker.endRequesterSession(requester, `${requester.displayName} disconnected`);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => (server.off('error', reject), resolve()));
  });
  // The folder is 0700 already; the socket itself is owner-only as well.
  chmodSync(path, 0o600);

  return {
    path,
    sessions: () => [...live.values()].filter((r): r is Requester => r !== null),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of live.keys()) s.destroy();
      });
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
