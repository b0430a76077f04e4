import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Broker } from '@latchkey/broker';
import { appChannels, appEvents, bindEvents, createDispatcher, type Requester } from '@latchkey/contracts';
import { WebSocketServer, type WebSocket } from 'ws';
import { contentSecurityPolicy, isAllowedHost, isAllowedOrigin, parseCookies, secretEquals, sessionCookieName } from './access.js';
import { BRIDGE_SCRIPT_PATH, BRIDGE_SOCKET_PATH, MAX_FRAME_BYTES, parseCallFrame, type ParsedCallFrame } from './bridge/protocol.js';

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
 * The request target as a URL, or null when it does not parse (`http://[`, `//%%`): a peer
 * chooses it, so a parse failure is a 400, never a throw. The base is fixed; Host is checked apart.
 */
function parseTarget(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://127.0.0.1');
  } catch {
    return null;
  }
}

const RENDERER_REQUESTER: Requester = { kind: 'app', id: 'renderer', displayName: 'Latchkey' };

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Serves the renderer and the WebSocket bridge on 127.0.0.1 only. A fresh token per launch is
 * exchanged for an HttpOnly SameSite=Strict cookie; every request and the socket must carry
 * it, name our Host (no DNS rebinding) and, where a browser sends one, our Origin.
 */
export async function startBridgeServer(options: BridgeServerOptions, port = 0): Promise<BridgeServer> {
  // Single use: the first exchange burns it, so a copy of the printed URL (shell history, a
  // screenshot, another local user's `ps`) is worth nothing once the person has opened it.
  let token: string | null = randomBytes(32).toString('base64url');
  const printedToken = token;
  const session = randomBytes(32).toString('base64url');
  const rendererRoot = resolve(options.rendererDir);
  const indexHtml = await readFile(join(rendererRoot, 'index.html'), 'utf8').catch(() => {
    throw new Error(`The renderer is not built: ${join(rendererRoot, 'index.html')} is missing. Run: pnpm --filter @latchkey/desktop build:renderer`);
  });
  const page = indexHtml.replace(/<head>/i, `<head><script src="${BRIDGE_SCRIPT_PATH}"></script>`);
  const dispatch = createDispatcher(appChannels, options.broker.app, { onInternalError: options.onInternalError });
  let boundPort = 0;

  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  const unsubscribe = bindEvents((event, listener) => options.broker.on(event, listener), appEvents, (event, payload) => {
    const frame = JSON.stringify({ event, payload });
    for (const socket of sockets) socket.send(frame);
  }, { onInvalid: (event, error) => options.onInternalError?.(`event ${event}`, error) });

  function securityHeaders(res: ServerResponse, host: string): void {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(host));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
  }

  function refuse(res: ServerResponse, status: number, message: string): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`${message}\n`);
  }

  function hasSession(req: IncomingMessage): boolean {
    return secretEquals(parseCookies(req.headers.cookie).get(sessionCookieName(boundPort)), session);
  }

  async function serveFile(res: ServerResponse, pathname: string, head: boolean): Promise<void> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return refuse(res, 400, 'Bad path');
    }
    const file = resolve(rendererRoot, `.${decoded}`);
    if (!file.startsWith(rendererRoot + sep) || decoded.includes('\0')) return refuse(res, 404, 'Not found');
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return refuse(res, 404, 'Not found');
    const type = CONTENT_TYPES[extname(file).toLowerCase()];
    if (!type) return refuse(res, 404, 'Not found');
    const body = await readFile(file);
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length });
    res.end(head ? undefined : body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host;
    if (!isAllowedHost(host, boundPort)) return refuse(res, 421, 'Refused: this server answers only to 127.0.0.1 and localhost on its own port.');
    securityHeaders(res, host!);
    if (!isAllowedOrigin(req.headers.origin, boundPort, false)) return refuse(res, 403, 'Refused: request from another origin.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Only GET and HEAD are served.');
    const url = parseTarget(req.url);
    if (!url) return refuse(res, 400, 'Bad request target');
    const given = url.searchParams.get('token');
    if (given !== null) {
      // Opening the printed link again in the browser that already holds the session is a reload, not a second exchange.
      if (hasSession(req)) {
        res.writeHead(303, { Location: '/' });
        res.end();
        return;
      }
      if (token === null && secretEquals(given, printedToken)) return refuse(res, 401, 'Refused: this link was already used. Open Latchkey in the browser that opened it first, or restart Latchkey for a new link.');
      if (token === null || !secretEquals(given, token)) return refuse(res, 401, 'Refused: this link is not for this launch of Latchkey. Use the URL it printed.');
      token = null;
      // The token leaves the address bar at once; the cookie (unreadable to scripts) takes over.
      res.writeHead(303, {
        Location: '/',
        'Set-Cookie': `${sessionCookieName(boundPort)}=${session}; HttpOnly; SameSite=Strict; Path=/`,
      });
      res.end();
      return;
    }
    if (!hasSession(req)) return refuse(res, 401, 'Refused: open the URL Latchkey printed when it started (it carries this launch’s token).');
    const head = req.method === 'HEAD';
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { 'Content-Type': CONTENT_TYPES['.html'] });
      res.end(head ? undefined : page);
      return;
    }
    if (url.pathname === BRIDGE_SCRIPT_PATH) {
      res.writeHead(200, { 'Content-Type': CONTENT_TYPES['.js'] });
      res.end(head ? undefined : options.bridgeScript);
      return;
    }
    await serveFile(res, url.pathname, head);
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

  function checkUpgrade(req: IncomingMessage): [number, string] | null {
    if (!isAllowedHost(req.headers.host, boundPort)) return [421, 'Misdirected Request'];
    if (!isAllowedOrigin(req.headers.origin, boundPort, true)) return [403, 'Forbidden'];
    const url = parseTarget(req.url);
    if (!url) return [400, 'Bad Request'];
    if (url.pathname !== BRIDGE_SOCKET_PATH) return [404, 'Not Found'];
    if (!hasSession(req)) return [401, 'Unauthorized'];
    return null;
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until ws owns it, this raw socket is ours: a reset here must not become an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    try {
      const refusal = checkUpgrade(req);
      if (refusal) return refuseUpgrade(socket, ...refusal);
      wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws));
    } catch (error) {
      options.onInternalError?.('upgrade', error);
      socket.destroy();
    }
  });
  wss.on('error', (error) => options.onInternalError?.('websocket server', error));

  function onSocket(ws: WebSocket): void {
    sockets.add(ws);
    // Protocol errors from the peer (invalid UTF-8, an unmasked frame, a reserved opcode, an
    // oversize length): ws has already sent the close code and ends the socket; this only
    // keeps the error from being unhandled, which would end the host.
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      const parsed: ParsedCallFrame = isBinary ? { ok: false, error: { code: 'VALIDATION', message: 'Frames are text' } } : parseCallFrame(data.toString());
      if (!parsed.ok) {
        ws.send(JSON.stringify({ error: parsed.error }));
        // The reason is fixed: ws throws on one over 123 bytes, and the typed error went just before.
        ws.close(1008, 'Invalid frame');
        return;
      }
      const { frame } = parsed;
      dispatch(frame.channel, frame.input, { requester: RENDERER_REQUESTER })
        .then((result) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: frame.id, result }));
        })
        .catch((error: unknown) => options.onInternalError?.(frame.channel, error));
    });
    ws.on('close', () => {
      sockets.delete(ws);
      // The last window is gone: nobody can answer an open consent prompt, so it is denied.
      if (sockets.size === 0) options.broker.abortConsent('window closed');
    });
  }

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
    url: `http://127.0.0.1:${boundPort}/?token=${token}`,
    async close() {
      unsubscribe();
      for (const socket of sockets) socket.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
