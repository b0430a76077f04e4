import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentSecurityPolicy, isAllowedHost, isAllowedOrigin, parseCookies, secretEquals, sessionCookieName } from './access.js';
import { BRIDGE_SOCKET_PATH } from './bridge/protocol.js';

/**
 * The request target as a URL, or null when it does not parse (`http://[`, `//%%`): a peer
 * chooses it, so a parse failure is a 400, never a throw. The base is fixed; Host is checked apart.
 */
export function parseTarget(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://127.0.0.1');
  } catch {
    return null;
  }
}

/** A plain-text refusal that no cache keeps. */
export function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${message}\n`);
}

/**
 * The gate in front of everything the headless server answers: a fresh token per launch is
 * exchanged for an HttpOnly SameSite=Strict cookie; every request and the socket must carry it,
 * name our Host (no DNS rebinding) and, where a browser sends one, our Origin.
 */
export function createGate(boundPort: () => number) {
  // Single use: the first exchange burns it, so a copy of the printed URL (shell history, a
  // screenshot, another local user's `ps`) is worth nothing once the person has opened it.
  let token: string | null = randomBytes(32).toString('base64url');
  const printedToken = token;
  const session = randomBytes(32).toString('base64url');

  function securityHeaders(res: ServerResponse, host: string): void {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(host));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
  }

  function hasSession(req: IncomingMessage): boolean {
    return secretEquals(parseCookies(req.headers.cookie).get(sessionCookieName(boundPort())), session);
  }

  /**
   * Checks a plain HTTP request: Host, Origin, method, the token exchange and the session
   * cookie. Returns the admitted request's URL, or null once it has answered the request itself.
   */
  function admit(req: IncomingMessage, res: ServerResponse): URL | null {
    const turnAway = (status: number, message: string): null => {
      refuse(res, status, message);
      return null;
    };
    const host = req.headers.host;
    if (!isAllowedHost(host, boundPort())) return turnAway(421, 'Refused: this server answers only to 127.0.0.1 and localhost on its own port.');
    securityHeaders(res, host!);
    if (!isAllowedOrigin(req.headers.origin, boundPort(), false)) return turnAway(403, 'Refused: request from another origin.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return turnAway(405, 'Only GET and HEAD are served.');
    const url = parseTarget(req.url);
    if (!url) return turnAway(400, 'Bad request target');
    const given = url.searchParams.get('token');
    if (given !== null) {
      // Opening the printed link again in the browser that already holds the session is a reload, not a second exchange.
      if (hasSession(req)) {
        res.writeHead(303, { Location: '/' });
        res.end();
        return null;
      }
      if (token === null && secretEquals(given, printedToken)) return turnAway(401, 'Refused: this link was already used. Open Latchkey in the browser that opened it first, or restart Latchkey for a new link.');
      if (token === null || !secretEquals(given, token)) return turnAway(401, 'Refused: this link is not for this launch of Latchkey. Use the URL it printed.');
      token = null;
      // The token leaves the address bar at once; the cookie (unreadable to scripts) takes over.
      res.writeHead(303, {
        Location: '/',
        'Set-Cookie': `${sessionCookieName(boundPort())}=${session}; HttpOnly; SameSite=Strict; Path=/`,
      });
      res.end();
      return null;
    }
    if (!hasSession(req)) return turnAway(401, 'Refused: open the URL Latchkey printed when it started (it carries this launch’s token).');
    return url;
  }

  function checkUpgrade(req: IncomingMessage): [number, string] | null {
    if (!isAllowedHost(req.headers.host, boundPort())) return [421, 'Misdirected Request'];
    if (!isAllowedOrigin(req.headers.origin, boundPort(), true)) return [403, 'Forbidden'];
    const url = parseTarget(req.url);
    if (!url) return [400, 'Bad Request'];
    if (url.pathname !== BRIDGE_SOCKET_PATH) return [404, 'Not Found'];
    if (!hasSession(req)) return [401, 'Unauthorized'];
    return null;
  }

  return { printedToken, admit, checkUpgrade };
}
