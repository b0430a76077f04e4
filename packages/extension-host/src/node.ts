import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExtensionRuntime } from './build-runtime.js';
import { startExtensionHost, type ExtensionHost, type ExtensionHostOptions } from './host.js';
import { nodeForkRuntime } from './runtime.js';

/**
 * The headless host's way in: builds the child runtime into a private temporary folder
 * (mkdtemp is 0700, so no other local user can swap the file the children load) and runs
 * extensions with `child_process.fork` under Node's permission model.
 */
export async function startNodeExtensionHost(options: Omit<ExtensionHostOptions, 'runtime' | 'entry'> & { prebuiltRuntime?: string }): Promise<ExtensionHost> {
  // Built once with the compiled host (at build time, not at every start): used when present.
  if (options.prebuiltRuntime && existsSync(options.prebuiltRuntime)) {
    const { prebuiltRuntime, ...rest } = options;
    return startExtensionHost({ ...rest, runtime: nodeForkRuntime, entry: prebuiltRuntime });
  }
  const dir = await mkdtemp(join(tmpdir(), 'latchkey-runtime-'));
  try {
    const entry = await buildExtensionRuntime(join(dir, 'extension-runtime.mjs'));
    const host = await startExtensionHost({ ...options, runtime: nodeForkRuntime, entry });
    return {
      ...host,
      async close() {
        await host.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
