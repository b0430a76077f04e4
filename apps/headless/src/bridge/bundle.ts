import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** Bundles page.ts (with the contracts and Zod) into one classic script for the browser. */
export async function bundleBridgeScript(): Promise<string> {
  // Loaded only when bundling: the compiled host never needs esbuild at start.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('Bundling the headless bridge script produced no output');
  return file.text;
}

/**
 * The compiled host (dist/, scripts/build.ts) finds its bridge script built beside it; run from
 * source (tests, `tsx src/cli.ts`) there is none there, and it is bundled now (~150 ms).
 */
export async function loadBridgeScript(): Promise<string> {
  try {
    return await readFile(new URL('./bridge.js', import.meta.url), 'utf8');
  } catch {
    return bundleBridgeScript();
  }
}
