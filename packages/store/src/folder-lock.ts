import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'latchkey.lock';

/** Another process holds the data folder: two writers would each overwrite the other's changes. */
export class DataFolderInUseError extends Error {
  readonly code = 'DATA_FOLDER_IN_USE';
  constructor(message: string) {
    super(message);
    this.name = 'DataFolderInUseError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When a process started, as the kernel counts it (Linux: /proc/<pid>/stat field 22, clock ticks
 * since boot), or null where that cannot be read. A pid is reused after its process dies; the
 * pair (pid, start time) is not, so a lock naming a live pid with another start time is stale.
 */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so field 22 is fields[19].
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Takes the data folder for this process (the Electron app and the headless host may both be
 * pointed at it). A lock left by a process that has died is taken over. Returns the release.
 */
export function lockDataFolder(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  const started = processStartTime(process.pid);
  const me = { pid: process.pid, host: hostname(), ...(started ? { started } : {}) };
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: { pid?: unknown; host?: unknown; started?: unknown } = {};
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as typeof holder;
      } catch {
        // Unreadable: a crash while writing it. Nobody can be relying on it.
      }
      const pid = typeof holder.pid === 'number' ? holder.pid : null;
      if (pid !== null && holder.host !== me.host) {
        throw new DataFolderInUseError(
          `The data folder ${dataDir} is in use by Latchkey on ${String(holder.host)} (process ${pid}). ` +
            `Close it there; if it is not running, delete ${path}.`,
        );
      }
      // Alive, but not the process that took the lock when its start time differs: the pid was reused.
      const sameProcess = (p: number) => typeof holder.started !== 'string' || processStartTime(p) === null || processStartTime(p) === holder.started;
      if (pid !== null && pid !== me.pid && isAlive(pid) && sameProcess(pid)) {
        throw new DataFolderInUseError(
          `The data folder ${dataDir} is in use by another Latchkey (process ${pid}). Close it first; if it is not running, delete ${path}.`,
        );
      }
      if (pid === me.pid && sameProcess(pid)) {
        throw new DataFolderInUseError(`The data folder ${dataDir} is already open in this process; close that store first.`);
      }
      rmSync(path, { force: true });
      continue;
    }
    try {
      writeSync(fd, JSON.stringify({ ...me, at: new Date().toISOString() }));
    } finally {
      closeSync(fd);
    }
    return () => rmSync(path, { force: true });
  }
  throw new DataFolderInUseError(`The data folder ${dataDir} could not be locked: another process keeps taking it.`);
}
