import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

/**
 * Zod's namespace object (`z`) re-exports every locale, so esbuild keeps all of them (a third of
 * the page's bytes) although only English is ever configured. The locales index becomes English alone.
 */
export const englishZodOnly: Plugin = {
  name: 'english-zod-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer) ? { path: join(dirname(args.importer), '..', 'locales', 'index.js'), namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`,
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

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
    plugins: [englishZodOnly],
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
