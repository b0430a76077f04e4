import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appChannels, createClient, createDispatcher, type Requester } from '@latchkey/contracts';
import { createBroker, type Broker, type BrokerPorts } from '@latchkey/broker';
import { ScriptedPrompter, createFetchTransports, createMemoryPorts, createTestCipher } from '@latchkey/broker/testing';
import { buildExtensionRuntime } from './build-runtime.js';
import type { ExtensionProcess, ExtensionRuntime } from './runtime.js';

export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES = join(PACKAGE_DIR, 'test-fixtures');
export const BUILT_IN_EXTENSIONS = join(PACKAGE_DIR, '..', '..', 'extensions');

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `latchkey-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Builds the child runtime into its own folder, as the headless host does at start. */
export async function buildRuntimeForTest(dir: string): Promise<string> {
  return buildExtensionRuntime(join(dir, 'runtime', 'extension-runtime.mjs'));
}

/** Copies fixtures into a fresh extensions folder; `as` also renames the package (its extension id). */
export async function fixtureRoot(dir: string, fixtures: (string | { from: string; as: string; displayName?: string })[]): Promise<string> {
  const root = join(dir, 'user-extensions');
  for (const f of fixtures) {
    const from = typeof f === 'string' ? f : f.from;
    const folder = typeof f === 'string' ? f : f.as;
    await cp(join(FIXTURES, from), join(root, folder), { recursive: true });
    if (typeof f !== 'string') {
      const pkgPath = join(root, folder, 'package.json');
      const pkg = JSON.parse(await readFile(pkgPath, 'utf8')) as { name: string; latchkey: { displayName: string; contributes?: unknown } };
      pkg.name = f.as;
      pkg.latchkey.displayName = f.displayName ?? f.as;
      delete pkg.latchkey.contributes;
      await writeFile(pkgPath, JSON.stringify(pkg));
    }
  }
  return root;
}

export interface Recorded {
  extensionId: string;
  direction: 'to-child' | 'from-child' | 'stdout' | 'stderr';
  data: string;
}

/**
 * The real runtime with a tap on it: every frame each way and every byte of output, so tests
 * can search all of it for a canary and count launches.
 */
export function recordingRuntime(inner: ExtensionRuntime): ExtensionRuntime & { log: Recorded[]; launches: { extensionId: string; at: number }[] } {
  const log: Recorded[] = [];
  const launches: { extensionId: string; at: number }[] = [];
  return {
    name: inner.name,
    log,
    launches,
    launch(spec) {
      launches.push({ extensionId: spec.extensionId, at: performance.now() });
      const proc = inner.launch(spec);
      const id = spec.extensionId;
      proc.onFrame((frame) => log.push({ extensionId: id, direction: 'from-child', data: typeof frame === 'string' ? frame : String(frame) }));
      proc.onOutput((stream, text) => log.push({ extensionId: id, direction: stream, data: text }));
      const tapped: ExtensionProcess = {
        ...proc,
        send(text) {
          log.push({ extensionId: id, direction: 'to-child', data: text });
          proc.send(text);
        },
      };
      return tapped;
    },
  };
}

export const APP: Requester = { kind: 'app', id: 'window:test', displayName: 'Latchkey' };

export function realBroker(prompter: ScriptedPrompter, overrides: Partial<BrokerPorts> = {}) {
  const mem = createMemoryPorts();
  const transports = createFetchTransports();
  const broker = createBroker({ cipher: createTestCipher(), ...mem, transports, prompter, host: 'headless', ...overrides });
  const dispatch = createDispatcher(appChannels, broker.app);
  const app = createClient(appChannels, (channel, input) => dispatch(channel, input, { requester: APP }));
  return { broker, mem, transports, app };
}

/** Every audit line the broker wrote, parsed. */
export function auditEvents(mem: ReturnType<typeof createMemoryPorts>) {
  return mem.audit.lines_.map((l) => JSON.parse(l.text) as { type: string; outcome: string; requester?: Requester; detail?: string; connectionId?: string });
}

/** A loopback server standing in for an HTTP API; records what it was sent. */
export async function loopbackServer(routes: Record<string, (headers: IncomingHttpHeaders) => { status: number; body: unknown; delayMs?: number }>) {
  const requests: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const route = routes[(req.url ?? '').split('?')[0] ?? ''];
    const out = route ? route(req.headers) : { status: 404, body: { message: 'Not Found' } };
    setTimeout(() => {
      res.writeHead(out.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out.body));
    }, out.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Resolves when `check` passes; polls, because state arrives from another process. */
export async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export type { Broker };
