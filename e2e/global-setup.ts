import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Builds the renderer with plain vite: the headless host serves apps/desktop/out/renderer. */
export default function globalSetup(): void {
  const desktop = fileURLToPath(new URL('../apps/desktop/', import.meta.url));
  execFileSync(process.execPath, [fileURLToPath(new URL('../apps/desktop/node_modules/vite/bin/vite.js', import.meta.url)), 'build', '-c', 'vite.renderer.config.ts', '--logLevel', 'warn'], {
    cwd: desktop,
    stdio: 'inherit',
  });
}
