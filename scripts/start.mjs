#!/usr/bin/env node
// `pnpm start`: the desktop app where Electron's binary is installed, else the headless host.
// Extra arguments go to whichever starts (e.g. `pnpm start -- --data-dir ./my-data`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const desktop = `${root}apps/desktop`;
const headless = `${root}apps/headless`;
const args = process.argv.slice(2).filter((a) => a !== '--');

const electronPackage = `${desktop}/node_modules/electron`;

/**
 * The binary's path, or null. Read from the files electron's installer writes, because
 * require('electron') itself starts a download when they are missing.
 */
function electronBinary() {
  try {
    const relative = readFileSync(join(electronPackage, 'path.txt'), 'utf8');
    const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(electronPackage, 'dist');
    const path = join(dist, relative);
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

/** Electron's own install script; quiet, because here a failure only means "use headless". */
function tryInstallElectron() {
  if (!existsSync(join(electronPackage, 'install.js'))) return null;
  const result = spawnSync(process.execPath, [join(electronPackage, 'install.js')], { cwd: electronPackage, stdio: 'pipe', timeout: 300_000 });
  return result.status === 0 ? electronBinary() : null;
}

function run(command, commandArgs, cwd) {
  const result = spawnSync(command, commandArgs, { cwd, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Runs the long-lived process in the foreground, passing Ctrl+C and SIGTERM on to it. */
function foreground(command, commandArgs, cwd) {
  const child = spawn(command, commandArgs, { cwd, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

// Electron needs a display; on Linux without one (a server, CI, SSH) the headless host serves instead.
const hasDisplay = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const electron = hasDisplay ? (electronBinary() ?? tryInstallElectron()) : null;
if (electron) {
  run(process.execPath, [`${desktop}/node_modules/electron-vite/bin/electron-vite.js`, 'build'], desktop);
  foreground(electron, [desktop, ...args], desktop);
} else {
  process.stdout.write(
    hasDisplay
      ? "Electron's binary is not installed and could not be downloaded, so Latchkey starts its headless host instead (where downloads work, `node apps/desktop/node_modules/electron/install.js` fetches it).\n"
      : 'No display (DISPLAY and WAYLAND_DISPLAY are unset), so Latchkey starts its headless host instead of the desktop window.\n',
  );
  run(process.execPath, [`${desktop}/node_modules/vite/bin/vite.js`, 'build', '-c', 'vite.renderer.config.ts', '--logLevel', 'warn'], desktop);
  foreground(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], headless);
}
