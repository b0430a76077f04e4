import { extname, resolve, sep } from 'node:path';

/** Maps an app:// path to a file inside the renderer build, or null (traversal, odd types). */
export function rendererFile(root: string, pathname: string): { file: string; type: string } | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '/' || decoded === '' ? '/index.html' : decoded;
  const base = resolve(root);
  const file = resolve(base, `.${relative}`);
  if (!file.startsWith(base + sep)) return null;
  const type = CONTENT_TYPES[extname(file).toLowerCase()];
  return type ? { file, type } : null;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** The window's policy: nothing remote, no inline script, no network at all (IPC only). */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // Radix's scroll lock injects a <style> element; scripts stay strictly 'self'.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
