#!/usr/bin/env node
// `pnpm start` / `bash scripts/start.sh`: the desktop app where Electron's binary is installed
// and a display exists, else the headless host. Extra arguments go to whichever starts
// (`--data-dir DIR`, `--port N`, `--open`, …).
//
// Fast on a second start: the renderer and the compiled host are built only when their inputs
// changed (scripts/build-stamps.mjs), and the host runs as plain JavaScript.
//
// The master key never sits in the host's environment: it arrives here on a file descriptor
// (start.sh moves LATCHKEY_MASTER_KEY there) or, from `pnpm start`, in our own environment, and
// goes to the host through a pipe. SIGINT/SIGTERM/SIGHUP stop what we started; if we die anyway,
// the host sees its stdin close and stops too.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfChanged } from './build-stamps.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const desktop = join(root, 'apps/desktop');
const headless = join(root, 'apps/headless');
const electronPackage = join(desktop, 'node_modules/electron');

/** Our own flags (from start.sh) out of the arguments; the rest go on. */
function splitArgs(argv) {
  const rest = [];
  let keyFd;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') continue;
    if (argv[i] === '--master-key-fd') keyFd = Number(argv[++i]);
    else rest.push(argv[i]);
  }
  return { rest, keyFd };
}

/** The key's text, and the environment without it; read before anything else starts. */
function takeMasterKey(keyFd) {
  const env = { ...process.env };
  delete env.LATCHKEY_MASTER_KEY;
  if (keyFd !== undefined) {
    try {
      return { key: readFileSync(keyFd, 'utf8').trim(), env };
    } finally {
      closeSync(keyFd);
    }
  }
  return { key: process.env.LATCHKEY_MASTER_KEY, env };
}

/** The binary's path, or null; read from the files electron's installer writes (require('electron') would download). */
function electronBinary() {
  try {
    const relative = readFileSync(join(electronPackage, 'path.txt'), 'utf8');
    const path = join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(electronPackage, 'dist'), relative);
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

function tryInstallElectron() {
  if (!existsSync(join(electronPackage, 'install.js'))) return null;
  const result = spawnSync(process.execPath, [join(electronPackage, 'install.js')], { cwd: electronPackage, stdio: 'pipe', timeout: 300_000 });
  return result.status === 0 ? electronBinary() : null;
}

/** A build step; what it prints goes to stderr, so stdout's first lines stay the URL and the key's home. */
function run(command, args, cwd, env) {
  const result = spawnSync(command, args, { cwd, env, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const RENDERER = {
  name: 'renderer',
  inputs: ['apps/desktop/src/renderer', 'apps/desktop/vite.renderer.config.ts', 'apps/desktop/package.json', 'packages/contracts', 'pnpm-lock.yaml'],
  output: 'apps/desktop/out/renderer/index.html',
};
const DESKTOP = {
  name: 'desktop',
  inputs: ['apps/desktop/src', 'apps/desktop/electron.vite.config.ts', 'apps/desktop/vite.renderer.config.ts', 'apps/desktop/package.json', 'packages/broker', 'packages/contracts', 'packages/store', 'packages/transports', 'packages/extension-host', 'packages/extension-sdk', 'pnpm-lock.yaml'],
  output: 'apps/desktop/out/main/index.js',
};
const HOST = {
  name: 'headless-host',
  inputs: ['apps/headless/src', 'apps/headless/scripts', 'apps/headless/package.json', 'packages/broker', 'packages/contracts', 'packages/store', 'packages/node-cipher', 'packages/transports', 'packages/extension-host', 'packages/extension-sdk', 'pnpm-lock.yaml'],
  output: 'apps/headless/dist/cli.js',
};

/**
 * Runs the long-lived process. Signals stop it (and so everything it started); its exit is ours.
 * `key`: handed over on fd 3, then the pipe is closed. stdin is a pipe we never write: the
 * child's lifeline.
 */
function foreground(command, args, cwd, env, key) {
  const child = spawn(command, args, { cwd, env, stdio: ['pipe', 'inherit', 'inherit', ...(key === undefined ? [] : ['pipe'])] });
  if (key !== undefined) child.stdio[3].end(`${key}\n`);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const { rest: args, keyFd } = splitArgs(process.argv.slice(2));
const { key, env } = takeMasterKey(keyFd);

// Electron needs a display; on Linux without one (a server, CI, SSH) the headless host serves instead.
const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const electron = hasDisplay ? (electronBinary() ?? tryInstallElectron()) : null;
if (electron) {
  buildIfChanged(root, { ...DESKTOP, build: () => run(process.execPath, [join(desktop, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], desktop, env) });
  // The desktop app keeps its key in the OS's safe storage; LATCHKEY_MASTER_KEY is not its.
  foreground(electron, [desktop, ...args], desktop, env);
} else {
  buildIfChanged(root, { ...RENDERER, build: () => run(process.execPath, [join(desktop, 'node_modules/vite/bin/vite.js'), 'build', '-c', 'vite.renderer.config.ts', '--logLevel', 'warn'], desktop, env) });
  buildIfChanged(root, { ...HOST, build: () => run(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], headless, env) });
  // Why this is not the window, said by the host after its first lines (the URL, where secrets are kept).
  env.LATCHKEY_START_NOTE = hasDisplay
    ? "Electron's binary is not installed and could not be downloaded, so this is the headless host (where downloads work, `node apps/desktop/node_modules/electron/install.js` fetches it)."
    : 'No display (DISPLAY and WAYLAND_DISPLAY are unset), so this is the headless host instead of the desktop window.';
  foreground(process.execPath, [join(headless, 'dist/cli.js'), ...(key === undefined ? [] : ['--master-key-fd', '3']), '--lifeline-stdin', ...args], headless, env, key);
}
