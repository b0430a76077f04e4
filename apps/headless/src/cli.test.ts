/**
 * The command a person runs: started without `--extension-dir`, the host still has a folder of
 * its own for extensions installed from the Extensions screen (DATA_DIR/extensions, owner-only),
 * as the desktop app has userData/extensions.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const HEADLESS_DIR = fileURLToPath(new URL('..', import.meta.url));
const temp: string[] = [];
afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

it('gives installed extensions DATA_DIR/extensions, owner-only, when no --extension-dir is given', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));
  const rendererDir = mkdtempSync(join(tmpdir(), 'latchkey-renderer-'));
  temp.push(dataDir, rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><html><head></head><body></body></html>');
  const host = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--data-dir', dataDir, '--renderer-dir', rendererDir], {
    cwd: HEADLESS_DIR,
    env: { ...process.env, LATCHKEY_MASTER_KEY: randomBytes(32).toString('base64') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  host.stdout.on('data', (c: Buffer) => (output += c.toString()));
  host.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((r) => host.once('exit', (code) => r(code)));
  try {
    const started = Date.now();
    // A hang guard only: the host says it is serving, or the test fails with what it printed.
    while (!/Open http/.test(output)) {
      if (host.exitCode !== null || Date.now() - started > 90_000) throw new Error(`The host did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const folder = statSync(join(dataDir, 'extensions'));
    expect(folder.isDirectory()).toBe(true);
    expect(folder.mode & 0o777).toBe(0o700);
  } finally {
    host.kill('SIGTERM');
    await exited;
  }
});
