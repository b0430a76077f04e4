import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

/** Bundles page.ts (with the contracts and Zod) into one classic script for the browser. */
export async function bundleBridgeScript(): Promise<string> {
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
