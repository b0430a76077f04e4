import { COMMAND_NAME } from '@latchkey/extension-sdk';
import { realpath } from 'node:fs/promises';
import { LatchkeyError, isLatchkeyError, type AuditEventInput, type ExtensionInfo, type Json, type Requester } from '@latchkey/contracts';
import type { Broker, ExtensionController } from '@latchkey/broker';
import { createCallBoundary, safeName } from './call-boundary.js';
import { discoverExtensions, type DiscoveryProblem } from './discover.js';
import { EnabledState } from './enabled-state.js';
import { createSlotLifecycle, DEFAULT_LIMITS, DEFAULT_RESTART, newSlot, type HostLimits, type RestartPolicy, type Slot } from './extension-slot.js';
import { encodeFrame } from './protocol.js';
import { inspectExtensionFolder, installExtensionFolder, sweepUnfinishedInstalls } from './install-folder.js';
import type { ExtensionRuntime } from './runtime.js';

export { restartDelay, type HostLimits, type RestartPolicy } from './extension-slot.js';

export interface ExtensionHostOptions {
  broker: Pick<Broker, 'extension' | 'providers' | 'attachExtensions' | 'recordAudit'>;
  /** Built-in extensions first: on an id clash the first root wins. */
  roots: { dir: string; builtIn: boolean }[];
  runtime: ExtensionRuntime;
  /** The bundled child runtime (buildExtensionRuntime). */
  entry: string;
  /** Holds extensions.json (which extensions are disabled). */
  dataDir: string;
  /**
   * Which extensions must run with file reads confined (Node's permission model active in their
   * process). Electron's utility process ignores Node's permission flags, so there the choice
   * is real: 'third-party' (default) still runs the built-in extensions that ship with the app
   * and refuses the rest; 'all' refuses every unconfined one; 'none' runs everything.
   */
  requireFsIsolation?: 'all' | 'third-party' | 'none';
  restart?: Partial<RestartPolicy>;
  limits?: Partial<HostLimits>;
  /** The extension's stdout/stderr; default: the host's stderr, prefixed. */
  onOutput?: (extensionId: string, stream: 'stdout' | 'stderr', text: string) => void;
  now?: () => number;
}

export interface ExtensionHost {
  readonly controller: ExtensionController & { onChange(listener: (info: ExtensionInfo) => void): () => void };
  readonly problems: readonly DiscoveryProblem[];
  list(): ExtensionInfo[];
  get(id: string): ExtensionInfo | undefined;
  setEnabled(id: string, enabled: boolean): Promise<ExtensionInfo>;
  /** Runs a command the extension registered with `ctx.commands.register`. */
  runCommand(extensionId: string, name: string, args?: Json): Promise<Json>;
  /** Whether the extension's running process reported Node's permission model active. */
  fsIsolation(extensionId: string): boolean | null;
  close(): Promise<void>;
}

export async function startExtensionHost(options: ExtensionHostOptions): Promise<ExtensionHost> {
  const { broker, runtime } = options;
  // The loader reads the real path of the entry, so that is the path the read permission must name.
  const entry = await realpath(options.entry);
  const policy = { ...DEFAULT_RESTART, ...options.restart };
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const requireFsIsolation = options.requireFsIsolation ?? 'third-party';
  const now = options.now ?? Date.now;
  const onOutput = options.onOutput ?? ((id, _stream, text) => process.stderr.write(`[${id}] ${text}`));
  const enabled = new EnabledState(options.dataDir);
  const listeners = new Set<(info: ExtensionInfo) => void>();
  const slots = new Map<string, Slot>();
  let closed = false;

  // What only the host sees (refusals before the broker, crashes, state changes) is audited
  // through the broker, so it lands in the same hash chain as everything else.
  const audit = (event: AuditEventInput) => {
    broker.recordAudit(event).catch((error: unknown) => {
      // Past its budget the requester's events are refused and summarised by the broker (audit.throttled).
      if (isLatchkeyError(error) && error.code === 'RATE_LIMITED') return;
      console.error('extension host: audit failed', error);
    });
  };
  const call = createCallBoundary({
    handlers: broker.extension,
    maxInFlight: limits.maxInFlight,
    maxQueued: limits.maxQueued,
    maxQueuedChars: limits.maxQueuedChars,
    refuse: (caller, detail) => audit({ type: 'boundary.refused', outcome: 'denied', requester: caller.requester, detail: detail.slice(0, 1000) }),
  });

  for (const root of options.roots) if (!root.builtIn) await sweepUnfinishedInstalls(root.dir);
  const discovery = await discoverExtensions(options.roots);
  const problems: DiscoveryProblem[] = [...discovery.problems];
  const stateProblem = await enabled.load();
  if (stateProblem) problems.push({ dir: options.dataDir, message: stateProblem });

  const { info, setState, stopProcess, bringUp } = createSlotLifecycle({
    broker,
    runtime,
    entry,
    policy,
    limits,
    requireFsIsolation,
    now,
    onOutput,
    enabled,
    listeners,
    audit,
    call,
    isClosed: () => closed,
  });

  for (const ext of discovery.found) {
    if (slots.has(ext.id)) {
      problems.push({ dir: ext.dir, message: `Extension ${ext.id} is already installed from ${slots.get(ext.id)?.ext.dir}; this copy is ignored` });
      continue;
    }
    const requester: Requester = { kind: 'extension', id: ext.id, displayName: ext.manifest.displayName };
    slots.set(ext.id, newSlot(ext, requester));
  }

  // Built-in provider ids are reserved before any pack registers, so a third-party pack cannot
  // take one over while its built-in pack is disabled (and with it the connections made with it).
  for (const slot of slots.values()) {
    if (slot.ext.builtIn) broker.providers.reserve(slot.ext.manifest.contributes.providers.map((p) => p.id), slot.ext.id);
  }

  for (const slot of slots.values()) {
    if (enabled.isEnabled(slot.ext.id)) await bringUp(slot);
    else setState(slot, 'disabled', null);
  }

  const mustGet = (id: string): Slot => {
    const slot = slots.get(id);
    if (!slot) throw new LatchkeyError('NOT_FOUND', `No extension "${safeName(id)}" is installed`);
    return slot;
  };

  const setEnabled = async (id: string, on: boolean): Promise<ExtensionInfo> => {
    const slot = mustGet(id);
    if (enabled.isEnabled(id) === on && slot.state !== 'crashed') return info(slot);
    await enabled.set(id, on);
    stopProcess(slot);
    broker.providers.unregisterExtension(id);
    if (on) await bringUp(slot);
    else setState(slot, 'disabled', null);
    return info(slot);
  };

  const list = () => [...slots.values()].map(info);

  /** Runs a command the extension registered with `ctx.commands.register`, in its own process. */
  const runCommand = async (extensionId: string, name: string, args: Json = null): Promise<Json> => {
    const slot = mustGet(extensionId);
    if (!COMMAND_NAME.test(name)) throw new LatchkeyError('VALIDATION', 'Command names are identifiers');
    const proc = slot.process;
    if (slot.state !== 'running' || !proc) throw new LatchkeyError('UNAVAILABLE', `${slot.ext.manifest.displayName} is not running (${slot.state})`);
    return new Promise<Json>((resolve, reject) => {
      const id = slot.nextCommandId++;
      const timer = setTimeout(() => {
        slot.commands.delete(id);
        reject(new LatchkeyError('TIMEOUT', `${name} did not finish within ${limits.commandTimeoutMs / 1000} s`));
      }, limits.commandTimeoutMs);
      slot.commands.set(id, { resolve, reject, timer });
      proc.send(encodeFrame({ t: 'command', id, name, args }));
    });
  };

  /** Installs from a folder the person typed and agreed to, into the first non-built-in root. */
  // Reading a folder reads up to 100 MB and hashes it: one at a time, so a page asking again and
  // again (a script in it) queues nothing and costs the broker one folder's work at most.
  let folderWork: Promise<unknown> | null = null;
  const oneFolderAtATime = async <T>(work: () => Promise<T>): Promise<T> => {
    if (folderWork) throw new LatchkeyError('BUSY', 'Another extension folder is being read; try again when it is done');
    const running = work();
    folderWork = running;
    try {
      return await running;
    } finally {
      folderWork = null;
    }
  };

  const installFromFolder = (path: string, expected: { id: string; digest: string }) => oneFolderAtATime(() => installChecked(path, expected));
  const installChecked = async (path: string, expected: { id: string; digest: string }): Promise<ExtensionInfo> => {
    const { id } = expected;
    const root = options.roots.find((r) => !r.builtIn)?.dir;
    if (!root) throw new LatchkeyError('UNAVAILABLE', 'This Latchkey has no folder for installed extensions (the headless host: start it with --extension-dir DIR)');
    if (slots.has(id)) throw new LatchkeyError('CONFLICT', `${safeName(id)} is already installed`);
    const ext = await installExtensionFolder(path, expected, root);
    const slot = newSlot(ext, { kind: 'extension', id: ext.id, displayName: ext.manifest.displayName });
    slots.set(ext.id, slot);
    if (enabled.isEnabled(ext.id)) await bringUp(slot);
    else setState(slot, 'disabled', null);
    return info(slot);
  };

  const controller = {
    list,
    setEnabled,
    inspectFolder: (path: string) => oneFolderAtATime(async () => (await inspectExtensionFolder(path)).preview),
    installFromFolder,
    runCommand: (extensionId: string, name: string) => runCommand(extensionId, name),
    onChange(listener: (info: ExtensionInfo) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
  broker.attachExtensions(controller);

  return {
    controller,
    problems,
    list,
    get: (id) => (slots.has(id) ? info(mustGet(id)) : undefined),
    setEnabled,
    fsIsolation: (id) => slots.get(id)?.fsIsolation ?? null,
    runCommand,
    async close() {
      closed = true;
      for (const slot of slots.values()) stopProcess(slot);
    },
  };
}
