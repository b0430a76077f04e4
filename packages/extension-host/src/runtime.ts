import { spawn } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { createLineReader } from './line-framing.js';
import { MAX_FRAME_CHARS } from './protocol.js';
import { FRAME_FD } from './runtime-constants.js';

/** What the host asks a runtime to start: one extension, in its own process. */
export interface LaunchSpec {
  extensionId: string;
  /** The bundled child runtime (build-runtime.ts). */
  entry: string;
  /** The extension's folder: the only place besides `entry` it may read. */
  extensionDir: string;
}

/**
 * One running extension process, as the host drives it. Frames are JSON text both ways
 * (protocol.ts); `onFrame` hands over what arrived (text, the reader's oversize marker, or
 * whatever a runtime's own channel delivered) for the host to decode within its limits.
 */
export interface ExtensionProcess {
  send(text: string): void;
  onFrame(listener: (frame: unknown) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  onOutput(listener: (stream: 'stdout' | 'stderr', text: string) => void): void;
  kill(): void;
}

/** Starts extension processes: a Node child on a pipe here, Electron's `utilityProcess` in the desktop app. */
export interface ExtensionRuntime {
  readonly name: string;
  launch(spec: LaunchSpec): ExtensionProcess;
}

/**
 * Node's permission model, as far as Node 20 takes it: reads limited to the runtime file and
 * the extension's folder; no writes, child processes, worker threads, addons or WASI (none is
 * allowed). The network is NOT restricted on Node 20; the child holds no secrets to send.
 */
export function permissionExecArgv(spec: LaunchSpec): string[] {
  return [
    '--experimental-permission',
    `--allow-fs-read=${spec.entry}`,
    `--allow-fs-read=${spec.extensionDir}`,
    '--max-old-space-size=256',
    '--no-warnings',
  ];
}

/**
 * Nothing of the host's environment is inherited: the headless cipher key, tokens and paths
 * would otherwise be one `process.env` away.
 */
export const EXTENSION_ENV: Readonly<Record<string, string>> = Object.freeze({ NODE_ENV: 'production' });

/**
 * Starts the child runtime with Node and a plain pipe on fd 3 for frames (line-framing.ts),
 * not Node's IPC channel. When the host dies, however it dies, the pipe closes and the child's
 * runtime exits (child/port.ts). `execArgv` are Node's flags (the permission model here).
 */
export function launchNodeChild(spec: LaunchSpec, execArgv: string[]): ExtensionProcess {
  const child = spawn(process.execPath, [...execArgv, spec.entry], {
    cwd: spec.extensionDir,
    env: { ...EXTENSION_ENV },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const pipe = child.stdio[FRAME_FD] as Duplex;
  // The child ending (or resetting) its end of a stream is its exit's business, reported below.
  for (const stream of [pipe, child.stdout, child.stderr]) stream?.on('error', () => undefined);
  const exitListeners: ((code: number | null, signal: string | null) => void)[] = [];
  let exited = false;
  const exit = (code: number | null, signal: string | null) => {
    if (exited) return;
    exited = true;
    for (const listener of exitListeners) listener(code, signal);
  };
  child.on('exit', exit);
  // A spawn that fails emits 'error' and never 'exit'; other errors (a signal that could not be
  // sent) leave the process as it was, and its 'exit' will come.
  child.on('error', () => {
    if (child.pid === undefined) exit(null, null);
  });
  pipe.setEncoding('utf8');
  const listeners: ((frame: unknown) => void)[] = [];
  const reader = createLineReader(MAX_FRAME_CHARS, (line) => {
    for (const listener of listeners) listener(line);
  });
  pipe.on('data', (text: string) => reader.push(text));
  return {
    send(text) {
      if (pipe.writable) pipe.write(`${text}\n`);
    },
    onFrame: (listener) => void listeners.push(listener),
    onExit: (listener) => void exitListeners.push(listener),
    onOutput(listener) {
      child.stdout?.setEncoding('utf8').on('data', (text: string) => listener('stdout', text));
      child.stderr?.setEncoding('utf8').on('data', (text: string) => listener('stderr', text));
    },
    kill: () => void child.kill('SIGKILL'),
  };
}

export const nodeForkRuntime: ExtensionRuntime = {
  name: 'node-fork',
  launch: (spec) => launchNodeChild(spec, permissionExecArgv(spec)),
};

/** The slice of Electron's `utilityProcess` this runtime uses; apps/desktop passes the real one. */
export interface UtilityProcessModule {
  fork(
    modulePath: string,
    args: string[],
    options: { env: Record<string, string>; execArgv: string[]; cwd: string; stdio: 'pipe'; serviceName: string },
  ): {
    postMessage(message: unknown): void;
    on(event: 'message', listener: (message: unknown) => void): unknown;
    on(event: 'exit', listener: (code: number) => void): unknown;
    kill(): boolean;
    stdout: NodeJS.ReadableStream | null;
    stderr: NodeJS.ReadableStream | null;
  };
}

/**
 * Electron's utility process. Electron 45 runs Node 22, whose permission flag is `--permission`.
 * Electron is reported to ignore these flags in utility processes; nothing here assumes either
 * way, because the child reports `process.permission` before extension code loads and the host
 * acts on that. `permissionFlags: false` leaves the flags out, should an Electron version refuse them.
 */
export function utilityProcessRuntime(utilityProcess: UtilityProcessModule, options: { permissionFlags?: boolean } = {}): ExtensionRuntime {
  const withFlags = options.permissionFlags ?? true;
  return {
    name: 'electron-utility',
    launch(spec) {
      const child = utilityProcess.fork(spec.entry, [], {
        env: { ...EXTENSION_ENV },
        execArgv: withFlags ? permissionExecArgv(spec).map((a) => (a === '--experimental-permission' ? '--permission' : a)) : [],
        cwd: spec.extensionDir,
        stdio: 'pipe',
        serviceName: `Latchkey extension ${spec.extensionId}`,
      });
      return {
        // Text, decoded by the host within its limits, like the pipe's lines.
        send: (text) => child.postMessage(text),
        onFrame: (listener) => void child.on('message', listener),
        onExit: (listener) => void child.on('exit', (code: number) => listener(code, null)),
        onOutput(listener) {
          child.stdout?.on('data', (chunk: Buffer) => listener('stdout', chunk.toString('utf8')));
          child.stderr?.on('data', (chunk: Buffer) => listener('stderr', chunk.toString('utf8')));
        },
        kill: () => void child.kill(),
      };
    },
  };
}
