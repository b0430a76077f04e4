import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds the renderer with plain vite into a folder of this run's own (so a build elsewhere in
 * the checkout cannot empty it mid-run) and points every headless host at it.
 */
export default function globalSetup(): () => void {
  const desktop = fileURLToPath(new URL('../apps/desktop/', import.meta.url));
  const given = process.env.LATCHKEY_RENDERER_DIR;
  const outDir = given ?? mkdtempSync(join(tmpdir(), 'latchkey-e2e-renderer-'));
  execFileSync(
    process.execPath,
    [fileURLToPath(new URL('../apps/desktop/node_modules/vite/bin/vite.js', import.meta.url)), 'build', '-c', 'vite.renderer.config.ts', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: desktop, stdio: 'inherit' },
  );
  // Workers and the hosts they spawn inherit this.
  process.env.LATCHKEY_RENDERER_DIR = outDir;
  return () => {
    if (!given) rmSync(outDir, { recursive: true, force: true });
  };
}
