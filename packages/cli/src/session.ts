import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { LatchkeyError } from '@latchkey/contracts';
import type { SocketRequesterKind } from '@latchkey/contracts';
import { connectRequester } from '@latchkey/requester-socket';
import type { Session } from './session-shape.js';

export type { Session } from './session-shape.js';

export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? env.LATCHKEY_DATA_DIR ?? join(homedir(), '.latchkey'));
}

export interface OpenOptions {
  dataDir: string;
  kind: SocketRequesterKind;
  name: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The running app first: it holds the consent modal. Only when no app is running, and only with
 * LATCHKEY_MASTER_KEY set (a CI job that holds the key), the CLI opens the store itself.
 */
export async function openSession(options: OpenOptions): Promise<Session> {
  const env = options.env ?? process.env;
  try {
    const c = await connectRequester({ dataDir: options.dataDir, kind: options.kind, name: options.name });
    return { requester: c.requester, api: c.api, via: 'app', close: async () => (c.close(), await c.closed) };
  } catch (error) {
    if (!(error instanceof LatchkeyError) || error.code !== 'UNAVAILABLE') throw error;
    // An agent always goes through the person in the app: the store mode answers every request
    // itself, which is for a CI job's own programs, never for a model deciding what to ask.
    if (options.kind === 'agent') throw new LatchkeyError('UNAVAILABLE', `Latchkey is not running for ${options.dataDir}: start the app, then ask again (agents always ask the person in the app)`);
    if (!env.LATCHKEY_MASTER_KEY) {
      throw new LatchkeyError('UNAVAILABLE', `Latchkey is not running for ${options.dataDir}. Start it (pnpm start), or set LATCHKEY_MASTER_KEY to open the store directly (CI).`);
    }
    // Loaded only here: opening the store pulls in the whole headless host.
    const { openCiSession } = await import('./ci-session.js');
    return openCiSession({ dataDir: options.dataDir, kind: options.kind, name: options.name, masterKey: env.LATCHKEY_MASTER_KEY });
  }
}
