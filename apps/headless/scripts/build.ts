/**
 * Builds the headless host once, so a start only runs it: `dist/cli.js` (the host as plain
 * JavaScript, no TypeScript loader at start), `dist/bridge.js` (the page's bridge script) and
 * `dist/extension-runtime.mjs` (what extension processes load). scripts/start.mjs runs this when
 * the inputs changed. Run by hand: `pnpm --filter @latchkey/headless build`.
 */
import { builtinModules } from 'node:module';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { buildExtensionRuntime } from '@latchkey/extension-host/build';
import { bundleBridgeScript, englishZodOnly } from '../src/bridge/bundle.js';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const builtins = new Set(builtinModules);

/**
 * The workspace's own packages are TypeScript and are bundled; every npm package stays a
 * separate file, imported by the absolute path it resolves to from the package that imports it
 * (pnpm gives each package only its own dependencies, so `dist/` could not resolve them by name).
 */
/**
 * npm packages bundled into the host after all: pure ESM, no files of their own to find at run
 * time. Loading zod as its ~100 separate modules cost more at start than the rest of the host's
 * own code (issue 10); bundled, it carries English messages only (englishZodOnly).
 */
const BUNDLED_NPM = new Set(['zod']);

const npmPackagesByPath: Plugin = {
  name: 'npm-packages-by-path',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'inner' || args.path.startsWith('@latchkey/') || BUNDLED_NPM.has(args.path.split('/')[0]!)) return undefined;
      if (args.path.startsWith('node:') || builtins.has(args.path) || builtins.has(args.path.split('/')[0]!)) return { path: args.path, external: true };
      const r = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'inner' });
      if (r.errors.length > 0) return { errors: r.errors };
      return { path: pathToFileURL(r.path).href, external: true };
    });
  },
};

const SQLITE_WORKER = "new URL('./sqlite-worker.mjs', import.meta.url)";

async function main(): Promise<void> {
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  const [bridge] = await Promise.all([
    bundleBridgeScript(),
    buildExtensionRuntime(`${dist}extension-runtime.mjs`),
    build({
      entryPoints: { cli: fileURLToPath(new URL('../src/cli.ts', import.meta.url)) },
      outdir: dist,
      bundle: true,
      // Chunks keep the drivers' first-use loading: without splitting, esbuild would hoist every
      // driver's npm import to the top of one file and load them all at start again.
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outExtension: { '.js': '.js' },
      plugins: [npmPackagesByPath, englishZodOnly],
      logLevel: 'warning',
      legalComments: 'none',
    }),
  ]);
  await writeFile(`${dist}bridge.js`, bridge);
  await pointAtSqliteWorker();
}

/** The SQLite worker is a file of its own beside the transports' source; point the chunk at it. */
async function pointAtSqliteWorker(): Promise<void> {
  const worker = new URL('../../../packages/transports/src/drivers/sqlite/sqlite-worker.mjs', import.meta.url).href;
  const { readdir } = await import('node:fs/promises');
  let found = 0;
  for (const file of await readdir(dist)) {
    if (!file.endsWith('.js')) continue;
    const text = await readFile(`${dist}${file}`, 'utf8');
    const pattern = /new URL\(["']\.\/sqlite-worker\.mjs["'], import\.meta\.url\)/g;
    if (!pattern.test(text)) continue;
    found++;
    await writeFile(`${dist}${file}`, text.replace(pattern, `new URL(${JSON.stringify(worker)})`));
  }
  if (found === 0) throw new Error(`build: ${SQLITE_WORKER} not found in the bundle; the SQLite driver would not find its worker`);
}

await main();
