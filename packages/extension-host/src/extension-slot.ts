import { LatchkeyError, type AuditEventInput, type ExtensionInfo, type Json, type Requester, type Result } from '@latchkey/contracts';
import type { Broker } from '@latchkey/broker';
import type { Caller } from './call-boundary.js';
import type { DiscoveredExtension } from './discover.js';
import type { EnabledState } from './enabled-state.js';
import { checkExtensionFolder } from './folder-guard.js';
import { ChildFrame, decodeFrame, encodeFrame } from './protocol.js';
import type { ExtensionProcess, ExtensionRuntime } from './runtime.js';

/*
 * One extension's slot and its lifecycle: launch (folder check, runtime greeting, activate),
 * crash and restart with backoff, stop. The host owns the slots; this module owns what happens
 * to one. Frames from the process are read here; its calls go through the call boundary.
 */

type ExtensionState = ExtensionInfo['state'];

export interface RestartPolicy {
  /** Delay before the first restart; doubles with each crash in a row. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Crashes in a row after which the extension stays down until re-enabled. */
  maxRestarts: number;
  /** Running this long without a crash resets the count. */
  stableAfterMs: number;
}

export interface HostLimits {
  /** Calls of one extension the broker runs at once; more wait in its queue. */
  maxInFlight: number;
  /** Calls of one extension that may wait beyond maxInFlight; more are refused with THROTTLED. */
  maxQueued: number;
  /** Frame characters those waiting calls may hold together. */
  maxQueuedChars: number;
  /** Malformed frames after which the extension is stopped for good. */
  maxProtocolViolations: number;
  activateTimeoutMs: number;
  commandTimeoutMs: number;
}

export const DEFAULT_RESTART: RestartPolicy = { initialDelayMs: 500, maxDelayMs: 30_000, maxRestarts: 5, stableAfterMs: 60_000 };
export const DEFAULT_LIMITS: HostLimits = { maxInFlight: 16, maxQueued: 496, maxQueuedChars: 32 * 1024 * 1024, maxProtocolViolations: 20, activateTimeoutMs: 15_000, commandTimeoutMs: 120_000 };

/** The restart delay after `crashesInARow` crashes: initial, doubled each time, capped. */
export function restartDelay(policy: RestartPolicy, crashesInARow: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, crashesInARow - 1));
}

export interface PendingCommand {
  resolve(value: Json): void;
  reject(error: LatchkeyError): void;
  timer: NodeJS.Timeout;
}

export interface Slot {
  ext: DiscoveredExtension;
  requester: Requester;
  state: ExtensionState;
  lastError: string | null;
  restarts: number;
  crashesInARow: number;
  since: string | null;
  runningSince: number | null;
  process: ExtensionProcess | null;
  /** Bumped at every launch, so frames and exits of an old process are recognised and ignored. */
  generation: number;
  greeted: boolean;
  /** The main module's file: URL, checked to lie inside the extension's folder. */
  mainUrl: string;
  fsIsolation: boolean | null;
  timer: NodeJS.Timeout | null;
  /** The running process's calls; a new one per launch, so an old process's calls count apart. */
  caller: Caller;
  violations: number;
  commands: Map<number, PendingCommand>;
  nextCommandId: number;
  /** Why the current process is ending, when the runtime or the host knows better than its exit code. */
  exitReason: string | null;
}

/** A fresh slot for a discovered extension: stopped, never launched. */
export function newSlot(ext: DiscoveredExtension, requester: Requester): Slot {
  return {
    ext,
    requester,
    state: 'stopped',
    lastError: null,
    restarts: 0,
    crashesInARow: 0,
    since: null,
    runningSince: null,
    process: null,
    generation: 0,
    greeted: false,
    mainUrl: '',
    fsIsolation: null,
    timer: null,
    caller: { requester, inFlight: 0 },
    violations: 0,
    commands: new Map(),
    nextCommandId: 0,
    exitReason: null,
  };
}

export interface SlotLifecycleOptions {
  broker: Pick<Broker, 'providers'>;
  runtime: ExtensionRuntime;
  /** The real path of the bundled child runtime. */
  entry: string;
  policy: RestartPolicy;
  limits: HostLimits;
  requireFsIsolation: 'all' | 'third-party' | 'none';
  now: () => number;
  onOutput: (extensionId: string, stream: 'stdout' | 'stderr', text: string) => void;
  enabled: EnabledState;
  listeners: Set<(info: ExtensionInfo) => void>;
  audit: (event: AuditEventInput) => void;
  /** The call boundary: where the process's calls enter the broker. */
  call: (caller: Caller, channel: string, input: unknown, chars?: number) => Promise<Result>;
  /** True once the host is closing: no restart, no launch. */
  isClosed: () => boolean;
}

export function createSlotLifecycle(options: SlotLifecycleOptions) {
  const { broker, runtime, entry, policy, limits, requireFsIsolation, now, onOutput, enabled, listeners, audit, call } = options;

  const info = (slot: Slot): ExtensionInfo => ({
    id: slot.ext.id,
    displayName: slot.ext.manifest.displayName,
    version: slot.ext.version,
    builtIn: slot.ext.builtIn,
    enabled: enabled.isEnabled(slot.ext.id),
    state: slot.state,
    providers: slot.ext.manifest.contributes.providers.map((p) => p.id),
    commands: slot.ext.manifest.contributes.commands.map((c) => ({ id: c.id, title: c.title })),
    lastError: slot.lastError,
    restarts: slot.restarts,
    since: slot.since,
    ...(slot.fsIsolation === null ? {} : { isolation: slot.fsIsolation ? ('confined' as const) : ('unconfined' as const) }),
  });

  const setState = (slot: Slot, state: ExtensionState, lastError: string | null = slot.lastError) => {
    const changed = slot.state !== state || slot.lastError !== lastError;
    slot.state = state;
    slot.lastError = lastError;
    slot.since = new Date(now()).toISOString();
    if (!changed) return;
    audit({
      type: 'extension.state',
      outcome: state === 'crashed' ? 'error' : 'ok',
      requester: slot.requester,
      detail: lastError && state === 'crashed' ? `${state}: ${lastError}`.slice(0, 1000) : state,
    });
    const snapshot = info(slot);
    for (const listener of listeners) listener(snapshot);
  };

  const registerProviders = (slot: Slot): boolean => {
    try {
      for (const manifest of slot.ext.manifest.contributes.providers) broker.providers.register(manifest, slot.ext.id);
      return true;
    } catch (error) {
      broker.providers.unregisterExtension(slot.ext.id);
      setState(slot, 'crashed', `Its providers could not be registered: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  };

  const refuse = (slot: Slot, detail: string) => {
    audit({ type: 'boundary.refused', outcome: 'denied', requester: slot.requester, detail: detail.slice(0, 1000) });
  };

  const failCommands = (slot: Slot, message: string) => {
    for (const [id, pending] of slot.commands) {
      clearTimeout(pending.timer);
      pending.reject(new LatchkeyError('UNAVAILABLE', message));
      slot.commands.delete(id);
    }
  };

  /** Ends the process on the host's own initiative: no restart follows. */
  const stopProcess = (slot: Slot) => {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    if (slot.process) {
      slot.process.kill();
      slot.process = null;
    }
    slot.generation++;
    slot.runningSince = null;
    failCommands(slot, `${slot.ext.manifest.displayName} was stopped`);
    if (slot.ext.manifest.main !== undefined) broker.providers.setAvailable(slot.ext.id, false);
  };

  const stopForGood = (slot: Slot, reason: string) => {
    stopProcess(slot);
    setState(slot, 'crashed', reason);
  };

  const onCrash = (slot: Slot, generation: number, why: string) => {
    if (generation !== slot.generation || options.isClosed()) return;
    slot.process = null;
    slot.generation++;
    broker.providers.setAvailable(slot.ext.id, false);
    failCommands(slot, `${slot.ext.manifest.displayName} stopped unexpectedly`);
    const stable = slot.runningSince !== null && now() - slot.runningSince >= policy.stableAfterMs;
    slot.crashesInARow = stable ? 1 : slot.crashesInARow + 1;
    slot.runningSince = null;
    audit({ type: 'extension.crash', outcome: 'error', requester: slot.requester, detail: why.slice(0, 1000) });
    if (slot.crashesInARow > policy.maxRestarts) {
      setState(slot, 'crashed', `${why}; stopped after ${policy.maxRestarts} restarts in a row. Disable and enable it to try again.`);
      return;
    }
    const delay = restartDelay(policy, slot.crashesInARow);
    setState(slot, 'restarting', `${why}; restarting in ${Math.round(delay / 100) / 10} s`);
    slot.timer = setTimeout(() => {
      slot.timer = null;
      slot.restarts++;
      void launch(slot);
    }, delay);
  };

  const handleCall = async (slot: Slot, proc: ExtensionProcess, generation: number, id: number, channel: string, input: unknown, chars: number) => {
    const result = await call(slot.caller, channel, input, chars);
    if (generation === slot.generation) proc.send(encodeFrame({ t: 'result', id, result }));
  };

  const violation = (slot: Slot, why: string) => {
    slot.violations++;
    refuse(slot, `Sent a malformed message: ${why}`);
    if (slot.violations >= limits.maxProtocolViolations) stopForGood(slot, `Stopped after ${slot.violations} malformed messages`);
  };

  const handleFrame = (slot: Slot, proc: ExtensionProcess, generation: number, text: unknown) => {
    if (generation !== slot.generation) return;
    // Size and depth limits before anything recursive (a schema, a stringify) touches it.
    const decoded = decodeFrame(text);
    const raw = decoded.ok ? decoded.value : undefined;
    // The first frame comes from the runtime before any extension code is loaded, so its
    // report of the permission model can be trusted; everything later cannot.
    if (!slot.greeted) {
      const hello = raw as { t?: unknown; permission?: unknown } | null;
      if (typeof hello !== 'object' || hello === null || hello.t !== 'hello' || typeof hello.permission !== 'boolean') {
        stopForGood(slot, 'Its process did not start the Latchkey runtime');
        return;
      }
      slot.greeted = true;
      slot.fsIsolation = hello.permission;
      if (!hello.permission && (requireFsIsolation === 'all' || (requireFsIsolation === 'third-party' && !slot.ext.builtIn))) {
        stopForGood(slot, `The ${runtime.name} runtime cannot limit file access here, and unconfined extensions are not allowed`);
        return;
      }
      proc.send(encodeFrame({ t: 'activate', main: slot.mainUrl }));
      return;
    }
    if (!decoded.ok) return violation(slot, decoded.reason);
    const parsed = ChildFrame.safeParse(raw);
    if (!parsed.success) return violation(slot, 'not a frame of the extension protocol');
    const frame = parsed.data;
    switch (frame.t) {
      case 'call':
        void handleCall(slot, proc, generation, frame.id, frame.channel, frame.input, typeof text === 'string' ? text.length : 0);
        return;
      case 'ready':
        if (slot.state === 'running') return;
        slot.runningSince = now();
        broker.providers.setAvailable(slot.ext.id, true);
        setState(slot, 'running', null);
        return;
      case 'denied':
        // The frame comes from the extension's own process and may be forged: it is charged to
        // that extension's audit budget in the broker (which refills), never to a per-process
        // count that a flood of fakes could use up before a real refusal arrives.
        refuse(slot, `Node's permission model refused ${frame.permission}${frame.resource ? ` of ${frame.resource}` : ''}`);
        return;
      case 'activate-failed':
        slot.exitReason = `activate() failed: ${frame.message}`;
        return;
      case 'command-result': {
        const pending = slot.commands.get(frame.id);
        if (!pending) return;
        slot.commands.delete(frame.id);
        clearTimeout(pending.timer);
        if (frame.result.ok) pending.resolve(frame.result.value);
        else pending.reject(new LatchkeyError(frame.result.error.code, frame.result.error.message));
        return;
      }
    }
  };

  async function launch(slot: Slot): Promise<void> {
    // Taking a generation first means a stop (disable, close) during the folder check cancels this launch.
    const generation = ++slot.generation;
    const cancelled = () => options.isClosed() || generation !== slot.generation || !enabled.isEnabled(slot.ext.id);
    if (cancelled()) return;
    let extensionDir: string;
    try {
      const checked = await checkExtensionFolder(slot.ext.dir, slot.ext.manifest.main ?? '');
      extensionDir = checked.root;
      slot.mainUrl = checked.mainUrl;
    } catch (error) {
      if (!cancelled()) stopForGood(slot, error instanceof Error ? error.message : String(error));
      return;
    }
    if (cancelled()) return;
    slot.greeted = false;
    slot.fsIsolation = null;
    slot.violations = 0;
    slot.caller = { requester: slot.requester, inFlight: 0 };
    slot.exitReason = null;
    let proc: ExtensionProcess;
    try {
      proc = runtime.launch({ extensionId: slot.ext.id, entry, extensionDir });
    } catch (error) {
      onCrash(slot, generation, `Could not start: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    slot.process = proc;
    if (slot.state !== 'restarting') setState(slot, 'stopped', slot.lastError);
    proc.onOutput((stream, text) => onOutput(slot.ext.id, stream, text));
    proc.onFrame((frame) => handleFrame(slot, proc, generation, frame));
    proc.onExit((code, signal) => {
      clearTimeout(activateTimer);
      if (generation !== slot.generation) return;
      onCrash(slot, generation, slot.exitReason ?? `Exited with ${signal ? `signal ${signal}` : `code ${code}`}`);
    });
    const activateTimer = setTimeout(() => {
      if (generation === slot.generation && slot.state !== 'running') {
        slot.exitReason = `activate() did not finish within ${limits.activateTimeoutMs / 1000} s`;
        proc.kill();
      }
    }, limits.activateTimeoutMs);
  }

  const bringUp = async (slot: Slot) => {
    if (!registerProviders(slot)) return;
    if (slot.ext.manifest.main === undefined) {
      setState(slot, 'manifest-only', null);
      return;
    }
    broker.providers.setAvailable(slot.ext.id, false);
    slot.crashesInARow = 0;
    await launch(slot);
  };

  return { info, setState, stopProcess, launch, bringUp };
}
