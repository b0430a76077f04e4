import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createHeadlessHost } from './host.js';
import { findMasterKey, KEY_FD_FLAG, type MasterKeyFound } from './master-key-source.js';

/**
 * `pnpm --filter @latchkey/headless start [--data-dir DIR] [--port N] [--open] [--extension-dir DIR]
 * [--renderer-dir DIR]` (installed extensions go to DATA_DIR/extensions unless --extension-dir says); env LATCHKEY_DATA_DIR, LATCHKEY_RENDERER_DIR, LATCHKEY_MASTER_KEY_FILE.
 * The launcher (scripts/start.mjs) adds `--master-key-fd N` and `--lifeline-stdin`.
 */
async function main(): Promise<void> {
  // `pnpm start -- --port 1234` hands us a leading "--"; it separates nothing here.
  const argv = process.argv.slice(2);
  const { values } = parseArgs({
    args: argv[0] === '--' ? argv.slice(1) : argv,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      open: { type: 'boolean' },
      'extension-dir': { type: 'string', multiple: true },
      'renderer-dir': { type: 'string' },
      [KEY_FD_FLAG]: { type: 'string' },
      'lifeline-stdin': { type: 'boolean' },
    },
    strict: true,
  });
  // First, before anything can start a child: the key leaves the environment (or never was in it).
  const keyFd = values[KEY_FD_FLAG] === undefined ? undefined : Number(values[KEY_FD_FLAG]);
  if (keyFd !== undefined && !(Number.isInteger(keyFd) && keyFd > 2)) throw new Error(`--${KEY_FD_FLAG} must be a file descriptor number above 2`);
  const master = findMasterKey(keyFd);

  const dataDir = resolve(values['data-dir'] ?? process.env.LATCHKEY_DATA_DIR ?? join(homedir(), '.latchkey'));
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not "${values.port}"`);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Like the desktop app's userData/extensions: without a folder of its own, nothing could be installed.
  const extensionDirs = values['extension-dir'] ?? [join(dataDir, 'extensions')];
  for (const dir of extensionDirs) mkdirSync(dir, { recursive: true, mode: 0o700 });

  const host = await createHeadlessHost({
    dataDir,
    port,
    extensionDirs,
    env: master.key === undefined ? {} : { LATCHKEY_MASTER_KEY: master.key },
    ...(master.key === undefined ? {} : { keyWhere: `in ${master.where}` }),
    ...(values['renderer-dir'] ? { rendererDir: resolve(values['renderer-dir']) } : {}),
  });
  // The first lines: where to go, and where the secrets' key is. One write, so they stay together.
  process.stdout.write(`Latchkey is running. Open ${host.url}\n${secretsLine(master, host.cipher)}\n`);
  const note = process.env.LATCHKEY_START_NOTE;
  delete process.env.LATCHKEY_START_NOTE;
  if (note) process.stdout.write(`${note}\n`);
  if (master.warning) console.warn(`latchkey: ${master.warning}`);
  for (const problem of host.extensionProblems) console.warn(`latchkey: ${problem}`);
  if (values.open) openInBrowser(host.url);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    host.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
  // The launcher holds our stdin open for its whole life: when it goes, however it goes, so do we.
  if (values['lifeline-stdin']) {
    process.stdin.on('end', stop).on('close', stop).on('error', stop);
    process.stdin.resume();
  }
}

function secretsLine(master: MasterKeyFound, cipher: { available: boolean; backend: string; reason: string | null }): string {
  if (!cipher.available) return `Secrets: none can be saved. ${cipher.reason ?? ''}`.trim();
  if (cipher.backend === 'os-keychain') return 'Secrets: encrypted under a master key kept in the OS keychain.';
  return `Secrets: encrypted under the master key from ${master.where}. Keep that key: without it the secrets cannot be read.`;
}

/** The person's browser, as their desktop opens links; the URL's token is for this launch only. */
function openInBrowser(url: string): void {
  const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => console.warn(`latchkey: could not open a browser (${command}); open the URL above yourself`));
  child.unref();
}

main().catch((error: unknown) => {
  console.error(`latchkey: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
