import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { BRIDGE_SCRIPT_PATH } from './bridge/protocol.js';
import { refuse } from './gate.js';

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
 * The renderer build and the bridge script, served to admitted requests only (the gate decides):
 * nothing outside the build folder, only the file types a page needs.
 */
export async function createStaticFiles(options: { rendererDir: string; bridgeScript: string }) {
  const rendererRoot = resolve(options.rendererDir);
  const indexHtml = await readFile(join(rendererRoot, 'index.html'), 'utf8').catch(() => {
    throw new Error(`The renderer is not built: ${join(rendererRoot, 'index.html')} is missing. Run: pnpm --filter @latchkey/desktop build:renderer`);
  });
  const page = indexHtml.replace(/<head>/i, `<head><script src="${BRIDGE_SCRIPT_PATH}"></script>`);

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

  async function serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
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

  return { serve };
}
