import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createHeadlessHost } from './host.js';

/**
 * `pnpm --filter @latchkey/headless start [--data-dir DIR] [--port N] [--extension-dir DIR]
 * [--renderer-dir DIR]`; env LATCHKEY_DATA_DIR, LATCHKEY_RENDERER_DIR.
 */
async function main(): Promise<void> {
  // `pnpm start -- --port 1234` hands us a leading "--"; it separates nothing here.
  const argv = process.argv.slice(2);
  const { values } = parseArgs({
    args: argv[0] === '--' ? argv.slice(1) : argv,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      'extension-dir': { type: 'string', multiple: true },
      'renderer-dir': { type: 'string' },
    },
    strict: true,
  });
  const dataDir = resolve(values['data-dir'] ?? process.env.LATCHKEY_DATA_DIR ?? join(homedir(), '.latchkey'));
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not "${values.port}"`);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });

  const host = await createHeadlessHost({
    dataDir,
    port,
    extensionDirs: values['extension-dir'],
    ...(values['renderer-dir'] ? { rendererDir: resolve(values['renderer-dir']) } : {}),
  });
  for (const problem of host.extensionProblems) console.warn(`latchkey: ${problem}`);
  process.stdout.write(`Latchkey is running. Open ${host.url}\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    host.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`latchkey: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
