import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'child', 'entry.ts');

/**
 * Bundles the child runtime (SDK context, contracts, zod) into one ESM file. One file matters:
 * the child may read only it and its extension's folder, so it cannot resolve packages.
 * The headless host calls this at start; the desktop app bundles `child/entry.ts` with
 * electron-vite instead.
 */
export async function buildExtensionRuntime(outFile: string): Promise<string> {
  // Loaded only when building: a host with a prebuilt runtime never needs esbuild at start.
  const { build } = await import('esbuild');
  await mkdir(dirname(outFile), { recursive: true });
  await build({
    entryPoints: [ENTRY],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    legalComments: 'none',
  });
  return outFile;
}
