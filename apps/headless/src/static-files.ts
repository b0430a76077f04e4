import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, extname, join, resolve, sep } from 'node:path';
import { BRIDGE_SCRIPT_PATH } from './bridge/protocol.js';
import { acceptedEncoding, encodeBody, type EncodedBody } from './compressed-body.js';
import { refuse } from './gate.js';

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg']);

/**
 * Vite's content-hashed build files (`assets/index-BY9wVCrb.js`): a changed file gets a new name,
 * so a browser may keep one for good. Everything else (the page, which the gate's session guards,
 * and the bridge script) stays `no-store`, as the gate set it.
 */
const HASHED_ASSET = /^assets\/[^/]+-[A-Za-z0-9_-]{8}\.[a-z0-9]+$/;
const IMMUTABLE = 'private, max-age=31536000, immutable';

function send(req: IncomingMessage, res: ServerResponse, head: boolean, type: string, body: EncodedBody, cache?: string): void {
  const encoding = acceptedEncoding(req, body);
  const bytes = body[encoding] ?? body.identity;
  const headers: Record<string, string | number> = { 'Content-Type': type, 'Content-Length': bytes.length };
  if (body.br || body.gzip) headers.Vary = 'Accept-Encoding';
  if (encoding !== 'identity') headers['Content-Encoding'] = encoding;
  if (cache) headers['Cache-Control'] = cache;
  res.writeHead(200, headers);
  res.end(head ? undefined : bytes);
}

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
  const pageBytes = Buffer.from(page);
  const bridgeBytes = Buffer.from(options.bridgeScript);
  /**
   * Compressed copies, made once per body in the background on its first request (never at
   * start-up, never while a request waits): until one is ready the plain bytes go out, which
   * on loopback cost less than waiting for brotli would. Keyed by path, size and mtime for build
   * files, so a rebuild is seen; the build folder bounds how many there are.
   */
  const encoded = new Map<string, EncodedBody>();
  const encoding = new Set<string>();
  function best(key: string, identity: Buffer, compressible: boolean): EncodedBody {
    const done = encoded.get(key);
    if (done) return done;
    if (compressible && !encoding.has(key)) {
      encoding.add(key);
      void encodeBody(identity, true)
        .then((b) => void encoded.set(key, b), () => undefined)
        .finally(() => encoding.delete(key));
    }
    return { identity };
  }

  async function serveFile(req: IncomingMessage, res: ServerResponse, pathname: string, head: boolean): Promise<void> {
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
    const key = `${file}\0${info.size}\0${info.mtimeMs}`;
    const body = encoded.get(key) ?? best(key, await readFile(file), COMPRESSIBLE.has(extname(file).toLowerCase()));
    const relative = file.slice(rendererRoot.length + 1).split(sep).join('/');
    send(req, res, head, type, body, HASHED_ASSET.test(relative) && basename(file).length < 200 ? IMMUTABLE : undefined);
  }

  async function serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const head = req.method === 'HEAD';
    if (url.pathname === '/' || url.pathname === '/index.html') return send(req, res, head, CONTENT_TYPES['.html']!, best('page', pageBytes, true));
    if (url.pathname === BRIDGE_SCRIPT_PATH) return send(req, res, head, CONTENT_TYPES['.js']!, best('bridge', bridgeBytes, true));
    await serveFile(req, res, url.pathname, head);
  }

  return { serve };
}
