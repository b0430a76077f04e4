import { TransportError } from '../ports.js';
import type { PreparedHttpRequest, Transports } from '../ports.js';
import { readLines } from '../ollama/read-lines.js';

/**
 * Real HTTP over fetch and nothing else: enough for the broker's own tests against loopback
 * servers. The full transports (drivers, SMTP, MCP) live in @latchkey/transports.
 */
export function createFetchTransports(): Transports & { requests: PreparedHttpRequest[] } {
  const requests: PreparedHttpRequest[] = [];
  const unsupported = (what: string) => () => Promise.reject(new TransportError('other', `${what} is not available in the test transports`));
  return {
    requests,
    async http(req) {
      requests.push(req);
      const started = performance.now();
      let res: Response;
      try {
        res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, redirect: 'manual', signal: AbortSignal.timeout(req.timeoutMs) });
      } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause;
        if (cause?.code === 'ECONNREFUSED') throw new TransportError('refused', `Connection refused (${new URL(req.url).host})`);
        if ((e as Error).name === 'TimeoutError') throw new TransportError('timeout', `Timed out after ${req.timeoutMs / 1000} s`);
        throw new TransportError('other', (e as Error).message);
      }
      const body = await res.text();
      return {
        status: res.status,
        statusText: res.statusText,
        headers: Object.fromEntries(res.headers.entries()),
        body: body.slice(0, req.maxBodyBytes),
        truncated: body.length > req.maxBodyBytes,
        latencyMs: performance.now() - started,
      };
    },
    async httpLines(req, onLine, signal) {
      requests.push(req);
      try {
        const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, redirect: 'manual', signal });
        await readLines(res.body, onLine, req.maxBodyBytes);
        return { status: res.status, statusText: res.statusText };
      } catch (e) {
        if (signal.aborted) throw new TransportError('timeout', 'Stopped');
        throw new TransportError('other', (e as Error).message);
      }
    },
    test: async () => ({ ok: false, code: 'other', message: 'Only HTTP tests run in the test transports', latencyMs: 0 }),
    supports: () => false,
    operate: unsupported('Drivers'),
    sqlQuery: unsupported('SQL'),
    smtpSend: unsupported('SMTP'),
    webhookSend: unsupported('Webhooks'),
    mcpCallTool: unsupported('MCP'),
    release: async () => undefined,
    close: async () => undefined,
  };
}
