import { timingSafeEqual } from 'node:crypto';

/**
 * The headless host's gate, as pure functions. A loopback port is reachable by every web page
 * the person has open (through fetch, a form or a WebSocket) and by DNS rebinding, so the
 * listener alone proves nothing: each request must name our exact host and origin and carry
 * this launch's secret.
 */

/** The only Host headers we answer: anything else is a rebinding name pointing at 127.0.0.1. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function isAllowedHost(host: string | undefined, port: number): boolean {
  return host !== undefined && allowedHosts(port).includes(host.toLowerCase());
}

/**
 * Origin is absent on same-origin navigations in some browsers; when present it must be ours.
 * A WebSocket upgrade from a browser always carries it, so there `required` is true.
 */
export function isAllowedOrigin(origin: string | undefined, port: number, required: boolean): boolean {
  if (origin === undefined) return !required;
  return allowedHosts(port).some((h) => origin.toLowerCase() === `http://${h}`);
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

/** Constant-time comparison, so the secret cannot be guessed byte by byte from timings. */
export function secretEquals(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Cookies ignore ports: two hosts on 127.0.0.1 would overwrite each other's cookie under one
 * name, so the port is part of it.
 */
export function sessionCookieName(port: number): string {
  return `latchkey_session_${port}`;
}

export function contentSecurityPolicy(host: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    // Radix's scroll lock injects a <style> element; scripts stay strictly 'self'.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://${host}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
