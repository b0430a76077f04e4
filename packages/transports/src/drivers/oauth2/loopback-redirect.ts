import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Error } from '@latchkey/broker';
import type { RedirectListener } from '@latchkey/broker';

export const CALLBACK_PATH = '/oauth2/callback';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page the browser shows after the redirect: plain text in a fixed frame, nothing loaded, no referrer. */
function page(res: ServerResponse, status: number, title: string, message: string): void {
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font:16px system-ui;margin:4em auto;max-width:36em"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    // The address bar holds the authorization code: nothing on this page may load or be sent anywhere.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

/**
 * One sign-in's redirect listener (RFC 8252 §7.3): 127.0.0.1 (never "localhost", which a hosts
 * file may send elsewhere), a port the OS picks, one path. It answers only requests addressed to
 * that exact host and port (a DNS-rebinding page's Host differs) whose `state` is the one this
 * sign-in sent; anything else gets an error page and the sign-in keeps waiting.
 */
export async function listenForRedirect(signal: AbortSignal): Promise<RedirectListener> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server = createServer((req, res) => {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    if (handler) handler(req, res);
    else page(res, 410, 'Sign-in over', 'This sign-in is no longer waiting. Start it again from Latchkey.');
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const authority = `127.0.0.1:${port}`;
  const redirectUri = `http://${authority}${CALLBACK_PATH}`;
  let closed = false;
  const close = () =>
    new Promise<void>((resolve) => {
      if (closed) return resolve();
      closed = true;
      handler = null;
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const onAbort = () => void close();
  signal.addEventListener('abort', onAbort, { once: true });

  return {
    redirectUri,
    close,
    next(expectedState, finish) {
      return new Promise<void>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason instanceof Error ? signal.reason : new OAuth2Error('timeout', 'The sign-in was stopped'));
        signal.addEventListener('abort', () => reject(signal.reason instanceof Error ? signal.reason : new OAuth2Error('timeout', 'The sign-in was stopped')), { once: true });
        let done = false;
        handler = (req, res) => {
          const url = new URL(req.url ?? '/', `http://${authority}`);
          if (req.method !== 'GET' || req.headers.host !== authority || url.pathname !== CALLBACK_PATH) return page(res, 404, 'Not found', 'Nothing is here.');
          if (done) return page(res, 410, 'Sign-in over', 'This sign-in has already finished.');
          if (url.searchParams.get('state') !== expectedState) {
            // Someone else's redirect (or a forged one): refused without ending the real sign-in.
            return page(res, 400, 'Sign-in refused', 'This redirect does not belong to the sign-in Latchkey started, so it was ignored.');
          }
          done = true;
          finish(url.searchParams).then(
            (r) => {
              // Settled once the page is out, so closing the listener does not cut it off.
              res.once('close', () => resolve());
              page(res, r.ok ? 200 : 400, r.ok ? 'Signed in' : 'Sign-in failed', r.message);
            },
            (error: unknown) => {
              page(res, 500, 'Sign-in failed', 'Latchkey could not finish the sign-in.');
              reject(error instanceof Error ? error : new Error(String(error)));
            },
          );
        };
      });
    },
  };
}
