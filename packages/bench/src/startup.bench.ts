/**
 * Start-up, command to first served page, as a person sees it:
 * - cold: `bash scripts/start.sh` after its stamps are gone (install check, renderer, bridge and
 *   extension runtime rebuilt);
 * - warm: the same command again (nothing changed);
 * - host with 10,000 connections: the compiled host process alone, spawn to the page's first 200.
 * Each run ends with SIGTERM to the command and checks that nothing it started is left.
 * Run: `pnpm --filter @latchkey/bench bench:startup` (part of `pnpm bench`). Env RUNS (default 3).
 */
import type { ConnectionRecord } from '@latchkey/broker';
import { openFileStore } from '@latchkey/store';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 3);
const key = randomBytes(32).toString('base64');
// No display: the headless host starts, as on a server.
const env: NodeJS.ProcessEnv = { ...process.env, LATCHKEY_MASTER_KEY: key };
delete env.DISPLAY;
delete env.WAYLAND_DISPLAY;

function get(url: URL, cookie?: string): Promise<{ status: number; cookie?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: cookie ? { cookie } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0]?.split(';')[0] }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Spawns, waits for the printed URL, loads the page; ms from spawn to the page's 200. */
async function timeToPage(command: string, args: string[], cwd = root): Promise<{ ms: number; child: ChildProcess; url: URL }> {
  const started = performance.now();
  // Its own process group, so whatever it leaves behind can still be cleaned up after the check.
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<URL>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Open (http:\/\/\S+)/.exec(out);
      if (m) resolve(new URL(m[1]!));
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before serving:\n${out}\n${err}`)));
  });
  const exchange = await get(url);
  const page = await get(new URL('/', url), exchange.cookie);
  if (page.status !== 200) throw new Error(`page answered ${page.status}`);
  return { ms: performance.now() - started, child, url };
}

const orphans: string[] = [];

/** SIGTERM to the start command alone; then nothing it started may still serve. */
async function stop(child: ChildProcess, url: URL): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  const still = await get(url).then(
    () => true,
    () => false,
  );
  if (still) {
    orphans.push(url.host);
    process.kill(-child.pid!, 'SIGKILL');
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, n=${xs.length})`;

async function startScript(dataDir: string, cold: boolean): Promise<number> {
  if (cold) rmSync(join(root, 'node_modules/.cache/latchkey-start'), { recursive: true, force: true });
  const run = await timeToPage('bash', ['scripts/start.sh', '--data-dir', dataDir, '--port', '0']);
  await stop(run.child, run.url);
  return run.ms;
}

function record(n: number): ConnectionRecord {
  return {
    id: `c${n.toString(36).padStart(8, '0')}XyZ12345`,
    providerId: 'http',
    name: `Service API ${n}`,
    scope: 'user',
    config: { baseUrl: `https://api-${n}.example.test/v2`, authType: 'bearer', healthPath: '/health', timeoutMs: 10_000 },
    secretFields: { token: 'set' },
    status: 'ok',
    lastTest: { ok: true, latencyMs: 42.5, code: 'ok', message: 'HTTP 200 OK in 42 ms', at: '2026-11-23T00:10:00.000Z' },
    isDefault: n === 0,
    createdAt: '2026-11-23T00:00:00.000Z',
    updatedAt: '2026-11-23T00:10:00.000Z',
    deletedAt: null,
    secretIds: { token: `s${n.toString(36).padStart(8, '0')}AbC98765` },
  };
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'latchkey-startup-'));
  try {
    const figures: string[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      cold.push(await startScript(join(scratch, `cold-${i}`), true));
      warm.push(await startScript(join(scratch, `warm-${i}`), false));
    }
    figures.push(`start.sh, cold (stamps removed): ${fmt(cold)}`);
    figures.push(`start.sh, warm (second start):    ${fmt(warm)}`);

    const big = join(scratch, 'big');
    const store = await openFileStore(big);
    const blob = new Uint8Array(1 + 12 + 40 + 16).fill(7);
    await Promise.all(Array.from({ length: 10_000 }, (_, i) => [store.connections.put(record(i)), store.secrets.put(record(i).secretIds.token!, blob)]).flat());
    await store.close();
    const compiled = join(root, 'apps/headless/dist/cli.js');
    const [command, args] = existsSync(compiled) ? [process.execPath, [compiled]] : [process.execPath, ['--import', 'tsx', 'src/cli.ts']];
    const host: number[] = [];
    for (let i = 0; i < RUNS + 1; i++) {
      const run = await timeToPage(command, [...args, '--data-dir', big, '--port', '0'], join(root, 'apps/headless'));
      await stop(run.child, run.url);
      if (i > 0) host.push(run.ms); // the first run warms the page cache
    }
    figures.push(`host alone, 10,000 connections (${existsSync(compiled) ? 'compiled' : 'tsx'}): ${fmt(host)}`);
    process.stdout.write(`\nStart-up, command to first served page:\n  ${figures.join('\n  ')}\n`);
    if (orphans.length) {
      console.error(`  FAILED: ${orphans.length} server(s) outlived SIGTERM on the start command`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
