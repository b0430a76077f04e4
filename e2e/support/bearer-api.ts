import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback API that answers 200 only to `Authorization: Bearer <one of the tokens>`. */
export async function startBearerApi(tokens: string[]): Promise<{ baseUrl: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    seen.push(auth);
    const ok = tokens.some((t) => auth === `Bearer ${t}`);
    res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
    res.end(ok ? '{"status":"ok"}' : '{"error":"unauthorized"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
