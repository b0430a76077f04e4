import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RunningHost {
  url: string;
  dataDir: string;
  /** Everything the host printed so far (where it shows one-time confirmation codes). */
  output(): string;
  stop(): Promise<void>;
}

const HEADLESS_DIR = fileURLToPath(new URL('../../apps/headless/', import.meta.url));

/**
 * Starts the headless host exactly as a person would (its CLI), with a temp data folder and a
 * master key in the environment, and waits for the one line carrying the URL.
 */
export async function startHeadlessHost(): Promise<RunningHost> {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-e2e-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--data-dir', dataDir], {
    cwd: HEADLESS_DIR,
    env: { ...process.env, LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The headless host printed no URL within 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Open (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The headless host exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    dataDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every file under a folder, as raw bytes read as latin1 (so any plaintext would match). */
export function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      // The requester socket (latchkey.sock) lives here too: only regular files hold bytes.
      else if (st.isFile()) out.push({ path: p, text: readFileSync(p, 'latin1') });
    }
  };
  walk(dir);
  return out;
}
