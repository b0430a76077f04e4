import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Broker } from '@latchkey/broker';
import { createSocketBridge } from './bridge/socket.js';
import { createGate, refuse } from './gate.js';
import { createStaticFiles } from './static-files.js';

/** The part of the broker the bridge needs. */
export type BridgeBroker = Pick<Broker, 'app' | 'on' | 'abortConsent'>;

export interface BridgeServerOptions {
  broker: BridgeBroker;
  /** The renderer build (index.html and assets). */
  rendererDir: string;
  bridgeScript: string;
  /** Where internal (non-LatchkeyError) failures are reported; never includes input. */
  onInternalError?: (channel: string, error: unknown) => void;
}

export interface BridgeServer {
  readonly port: number;
  /** The URL to open: carries this launch's token. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the renderer (static-files.ts) and the WebSocket bridge (bridge/socket.ts) on 127.0.0.1
 * only, each behind the gate (gate.ts). A fresh token per launch is
 * exchanged for an HttpOnly SameSite=Strict cookie; every request and the socket must carry
 * it, name our Host (no DNS rebinding) and, where a browser sends one, our Origin.
 */
export async function startBridgeServer(options: BridgeServerOptions, port = 0): Promise<BridgeServer> {
  const files = await createStaticFiles(options);
  let boundPort = 0;
  const gate = createGate(() => boundPort);
  const bridge = createSocketBridge(options);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = gate.admit(req, res);
    if (url) await files.serve(req, res, url);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.onInternalError?.('http', error);
      if (!res.headersSent) refuse(res, 500, 'Internal error');
      else res.destroy();
    });
  });

  // A malformed request line or header: answer 400 and drop the connection, as Node would
  // by default; having a handler means no socket error is ever unhandled.
  server.on('clientError', (_error: Error, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  function refuseUpgrade(socket: Duplex, status: number, text: string): void {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until ws owns it, this raw socket is ours: a reset here must not become an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    try {
      const refusal = gate.checkUpgrade(req);
      if (refusal) return refuseUpgrade(socket, ...refusal);
      bridge.wss.handleUpgrade(req, socket, head, (ws) => bridge.onSocket(ws));
    } catch (error) {
      options.onInternalError?.('upgrade', error);
      socket.destroy();
    }
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolveListen());
  });
  // After listening, a server error (EMFILE on accept, say) is reported, never left unhandled.
  server.on('error', (error) => options.onInternalError?.('http server', error));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The headless host could not read its port');
  boundPort = address.port;

  return {
    port: boundPort,
    url: `http://127.0.0.1:${boundPort}/?token=${gate.printedToken}`,
    async close() {
      bridge.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
