import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createBroker, KEY_CHECK_TEXT, type Broker, type BrokerOptions } from '@latchkey/broker';
import type { ExtensionHost } from '@latchkey/extension-host';
import { startNodeExtensionHost } from '@latchkey/extension-host/node';
import { createNodeKeys } from '@latchkey/node-cipher';
import { openFileStore } from '@latchkey/store';
import { createTransports } from '@latchkey/transports';
import { loadBridgeScript } from './bridge/bundle.js';
import { startBridgeServer } from './server.js';
import { startRequesterSocket, type RequesterSocketServer } from '@latchkey/requester-socket';
import { headlessAgentConfigFiles } from './agent-config-files.js';

export interface HeadlessHostOptions {
  /** The data folder: connections.json, secrets.json, audit/. */
  dataDir: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Folders holding third-party extensions, besides the built-in ones. */
  extensionDirs?: string[];
  /** The renderer build; env LATCHKEY_RENDERER_DIR, else apps/desktop/out/renderer. */
  rendererDir?: string;
  /** Where LATCHKEY_MASTER_KEY is read; process.env by default. */
  env?: Record<string, string | undefined>;
  /** Where that key really came from, in words ("the file /home/me/key"), for the first-run notice. */
  keyWhere?: string;
  /**
   * Where a command prompt's one-time code is shown: the host's terminal (stderr) by default,
   * which the page cannot read. Tests capture it here.
   */
  announceCommandCode?: (line: string) => void;
  /** Broker options (timeouts) for tests. */
  brokerOptions?: Partial<BrokerOptions>;
  /** The local requester socket for the CLI and `latchkey mcp` (on by default; the CLI's own store opening turns it off). */
  requesterSocket?: boolean;
  /** The page and its bridge (on by default); the CLI's own store opening turns it off. */
  bridge?: boolean;
}

export interface HeadlessHost {
  /** http://127.0.0.1:PORT/?token=… */
  readonly url: string;
  readonly port: number;
  readonly broker: Broker;
  /** The extensions' processes: list, enable/disable, run a command. */
  readonly extensions: ExtensionHost;
  /** Problems found while loading extensions, in words. */
  readonly extensionProblems: string[];
  /** Whether secrets can be saved, and under which key (for the start-up line). */
  readonly cipher: { available: boolean; backend: string; reason: string | null };
  /** The requester socket's path, or null when it is off. */
  readonly requesterSocketPath: string | null;
  close(): Promise<void>;
}

export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../desktop/out/renderer', import.meta.url));
export const BUILT_IN_EXTENSIONS_DIR = fileURLToPath(new URL('../../../extensions', import.meta.url));
/** Built beside the compiled host by scripts/build.ts; absent when run from source (then built at start). */
const PREBUILT_EXTENSION_RUNTIME = fileURLToPath(new URL('./extension-runtime.mjs', import.meta.url));

/** The headless composition root: the same broker as the desktop app, with Node adapters. */
export async function createHeadlessHost(options: HeadlessHostOptions): Promise<HeadlessHost> {
  const [store, bridgeScript] = await Promise.all([openFileStore(options.dataDir), loadBridgeScript()]);
  // Opened after the store: when secrets already exist, a keychain that has lost its entry must
  // not mint a new key, which would make every stored secret unreadable.
  // The key check tells which key opens the store: a rotation that stopped part way is finished here.
  const check = store.secrets.keyCheck();
  const { cipher, vault, anchor, noAnchor } = await createNodeKeys({
    env: options.env ?? process.env,
    createIfMissing: !store.hasSecrets(),
    ...(options.keyWhere ? { keyWhere: options.keyWhere } : {}),
    recoveredKeyFile: join(options.dataDir, 'master-key.recovered'),
    opensStore: (candidate) => {
      if (!check) return false;
      try {
        return candidate.decrypt(check) === KEY_CHECK_TEXT;
      } catch {
        return false;
      }
    },
  });
  const transports = createTransports();
  const broker = createBroker({
    cipher,
    ...(vault ? { keys: vault } : {}),
    // The audit head and the store files' seqs, anchored in the OS keychain (none with LATCHKEY_MASTER_KEY).
    ...(anchor ? { auditAnchor: anchor, storeSeqs: () => store.journalSeqs() } : { auditAnchorAbsent: noAnchor ?? undefined }),
    connections: store.connections,
    grants: store.grants,
    secrets: store.secrets,
    audit: store.audit,
    transports,
    host: 'headless',
    storeProblems: () => store.problems(),
    generations: store.generations,
    // Programs (issue 12): variables, "Used by" counts, and LATCHKEY_CONN_/LATCHKEY_VAR_ overrides for CI.
    variables: store.variables,
    usage: store.usage,
    environment: options.env ?? process.env,
    announceCommandCode: options.announceCommandCode ?? ((line) => void process.stderr.write(`${line}\n`)),
    // Import from agent configs (issue 13): the host reads and rewrites the files, the broker plans.
    agentConfigs: headlessAgentConfigFiles(options.dataDir, options.env ?? process.env),
    ...(options.brokerOptions ? { options: options.brokerOptions } : {}),
  });
  // Start-up checks: a wrong master key is caught in createBroker (a key check value); here audit
  // events a crash kept out of the log are appended and orphan blobs swept before anything is served.
  await broker.ready;

  const roots = [{ dir: BUILT_IN_EXTENSIONS_DIR, builtIn: true }, ...(options.extensionDirs ?? []).map((dir) => ({ dir, builtIn: false }))];
  let extensions: ExtensionHost;
  try {
    // Registers every extension's providers, runs those with a `main` in confined child processes.
    extensions = await startNodeExtensionHost({ broker, dataDir: options.dataDir, roots, prebuiltRuntime: PREBUILT_EXTENSION_RUNTIME });
  } catch (error) {
    await broker.close();
    await transports.close();
    await store.close();
    throw error;
  }
  const extensionProblems = extensions.problems.map((p) => p.message);

  // The CLI opening the store itself (CI) serves no page: no bridge, no renderer build needed.
  let server: { url: string; port: number; close(): Promise<void> } = { url: '', port: 0, close: async () => undefined };
  if (options.bridge !== false) {
    try {
      server = await startBridgeServer(
        {
          broker,
          rendererDir: options.rendererDir ?? process.env.LATCHKEY_RENDERER_DIR ?? DEFAULT_RENDERER_DIR,
          bridgeScript,
          onInternalError: (channel) => console.error(`latchkey: internal error in ${channel}`),
        },
        options.port ?? 0,
      );
    } catch (error) {
      await extensions.close();
      await broker.close();
      await transports.close();
      await store.close();
      throw error;
    }
  }

  let requesterSocket: RequesterSocketServer | null = null;
  if (options.requesterSocket !== false) {
    try {
      requesterSocket = await startRequesterSocket({ dataDir: options.dataDir, broker, onInternalError: (channel) => console.error(`latchkey: internal error in ${channel} (requester socket)`) });
    } catch (error) {
      await server.close();
      await extensions.close();
      await broker.close();
      await transports.close();
      await store.close();
      throw error;
    }
  }

  return {
    url: server.url,
    requesterSocketPath: requesterSocket?.path ?? null,
    port: server.port,
    broker,
    extensions,
    extensionProblems,
    cipher: { available: cipher.isAvailable(), backend: cipher.backend, reason: cipher.unavailableReason() },
    async close() {
      await requesterSocket?.close();
      await server.close();
      // Extensions stop before the broker they call.
      await extensions.close();
      await broker.close();
      await transports.close();
      await store.close();
    },
  };
}
