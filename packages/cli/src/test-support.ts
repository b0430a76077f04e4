import { spawn } from 'node:child_process';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { appChannels, createDispatcher, type ConsentDecision, type ConsentPrompt, type Requester } from '@latchkey/contracts';
import type { CommandApprover } from '@latchkey/broker';
import { ScriptedPrompter, createTestBroker } from '@latchkey/broker/testing';
import { createTransports } from '@latchkey/transports';
import { startRequesterSocket } from '@latchkey/requester-socket';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = fileURLToPath(new URL('../bin/latchkey.mjs', import.meta.url));
export const CANARY = 'Tok-Canary-7d1f!x&y"z';
const app: Requester = { kind: 'app', id: 'renderer', displayName: 'Latchkey' };

/** The app as the CLI sees it: a broker (in-memory ports) serving the real requester socket in a temp folder. */
export async function startTestApp(
  answer: (p: ConsentPrompt) => ConsentDecision | 'hang' = () => ({ decision: 'once' }),
  /** For tests that start local processes: the real transports and the person's command-line answers. */
  local?: { commandApprover: CommandApprover },
) {
  const dir = mkdtempSync(join(tmpdir(), 'lkc-'));
  const upstream: HttpServer = createHttpServer((req, res) => {
    // An API that echoes the credential back, as careless APIs do.
    if (req.url === '/big') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(300_000));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, auth: req.headers.authorization ?? null }));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const prompter = new ScriptedPrompter(answer);
  const realTransports = local ? createTransports() : undefined;
  const t = createTestBroker({ prompter, ...(local && realTransports ? { transports: realTransports, commandApprover: local.commandApprover } : {}) });
  const socket = await startRequesterSocket({ dataDir: dir, broker: t.broker });
  const created = await createDispatcher(appChannels, t.broker.app)('connections:create', { providerId: 'http', name: 'Acme API', config: { baseUrl, authType: 'bearer' }, secrets: { token: CANARY } }, { requester: app });
  if (!created.ok) throw new Error(created.error.message);
  return {
    dir,
    baseUrl,
    prompter,
    broker: t.broker,
    mem: t.mem,
    connectionId: (created.value as { id: string }).id,
    async close() {
      await socket.close();
      await t.broker.close();
      await realTransports?.close();
      await new Promise<void>((r) => upstream.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LATCHKEY_MASTER_KEY: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The canary in every encoded form a leak could take. */
export function canaryForms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    secret.replace(/&/g, '&amp;').replace(/"/g, '&quot;'),
  ];
}
